import CGaussianKernel
import Foundation

/// Senone log-likelihoods of an ``AcousticModel`` on an absolute scale, computed as
/// PocketSphinx's PTM scorer does (`ptm_mgau.c`): per codebook and stream the four best
/// Gaussians, a senone a mixture of those four with its own weights, streams multiplied.
/// Unlike the decoder, which scores only the senones its search keeps alive and normalizes
/// each frame by the best of them, every senone is scored in every frame: that gives the best
/// of all senones (what ``AcousticVerifier`` compares a hypothesis' path with) and the scores
/// the decoder's search takes in place of its own Gaussian evaluation
/// (``PocketSphinxDecoder/decodeSegments(costs:senones:search:)``).
///
/// Cost per 10 ms frame: 16,128 Gaussians of 13 dimensions (`CGaussianKernel`: AVX2 and FMA
/// where the processor has them) and 5,126 senone mixtures, eight at a time (a codebook's
/// senones are stored side by side).
final class SenoneScorer {
    private let model: AcousticModel
    private let densities: Int
    private let blocks: Int
    /// Per codebook and stream (`block = codebook · streams + stream`), per coefficient, the
    /// densities' coefficient of x (mean / variance) and of x² (−½ / variance), then their
    /// constants: `[block][coefficient][density]`.
    private let linear: [Float]
    private let quadratic: [Float]
    private let constant: [Float]
    /// Mixture weights as probabilities, `[stream][density][slot]`: each codebook's senones in
    /// consecutive slots (``codebookSlots``), padded to a multiple of eight with unused slots.
    private let weights: [Float]
    private let slots: Int
    /// Per codebook, its first slot and its number of slots (a multiple of eight).
    private let codebookSlots: [(start: Int, count: Int)]
    /// Per senone, its slot.
    private let slotOfSenone: [Int32]
    /// Gaussians kept per codebook and stream (PocketSphinx's `-topn`; `ivr_gaussian_top4` keeps four).
    static let topN = 4
    /// PocketSphinx's unit of senone scores: its log base (1.0001) with 10 bits shifted off.
    static let costUnit = Float(1024 * log(1.0001))
    /// The most a senone's cost may be (about 78 nats): PocketSphinx's own scores never fall
    /// further below a frame's best (per stream at most its mixture-weight floor, 159 units,
    /// and its Gaussian floor, 96), so its search sees the range its beams were tuned on. (It
    /// was tried against phrases pruned whole and did not help there; the wider beams of
    /// ``SpeechRecognizer`` did.)
    static let maximumCost: Float = 3 * (159 + 96)

    init(model: AcousticModel) {
        self.model = model
        let (streams, densities, dimensions) = (model.streams, model.densities, model.coefficients)
        precondition(densities % 8 == 0, "the Gaussian kernel takes codebooks of a multiple of 8 densities")
        self.densities = densities
        blocks = model.codebooks * streams
        var linear = [Float](repeating: 0, count: blocks * dimensions * densities)
        var quadratic = linear
        var constant = [Float](repeating: 0, count: blocks * densities)
        for block in 0..<blocks {
            for density in 0..<densities {
                let gaussian = block * densities + density
                for d in 0..<dimensions {
                    let mean = model.means[gaussian * dimensions + d], variance = model.variances[gaussian * dimensions + d]
                    linear[(block * dimensions + d) * densities + density] = mean / variance
                    quadratic[(block * dimensions + d) * densities + density] = -0.5 / variance
                    constant[gaussian] += -0.5 * (mean * mean / variance + log(2 * Float.pi * variance))
                }
            }
        }
        self.linear = linear
        self.quadratic = quadratic
        self.constant = constant
        var senonesOfCodebook = [[Int]](repeating: [], count: model.codebooks)
        for senone in 0..<model.senones { senonesOfCodebook[Int(model.codebookOfSenone[senone])].append(senone) }
        var codebookSlots: [(start: Int, count: Int)] = []
        var slotOfSenone = [Int32](repeating: 0, count: model.senones)
        var slots = 0
        for senones in senonesOfCodebook {
            for (offset, senone) in senones.enumerated() { slotOfSenone[senone] = Int32(slots + offset) }
            let count = (senones.count + 7) / 8 * 8
            codebookSlots.append((slots, count))
            slots += count
        }
        // Unused slots get a weight below any real one (the model's floor is about 1e-7) but
        // not so small that their product of three streams leaves the normal numbers.
        var weights = [Float](repeating: 1e-10, count: streams * densities * slots)
        for stream in 0..<streams {
            for density in 0..<densities {
                let row = stream * densities + density
                for senone in 0..<model.senones {
                    weights[row * slots + Int(slotOfSenone[senone])] =
                        exp(-Float(model.mixtureWeightBytes[row * model.senones + senone]) * AcousticModel.mixtureWeightStep)
                }
            }
        }
        self.weights = weights
        self.slots = slots
        self.codebookSlots = codebookSlots
        self.slotOfSenone = slotOfSenone
    }

    /// What the scorer keeps of an utterance's frames: per frame and block the best Gaussian's
    /// log density and the four best Gaussians with their densities relative to it; per frame
    /// the best senone's score; and every senone's score as PocketSphinx's search takes it
    /// (``costs``).
    struct Frames {
        let count: Int
        fileprivate let offsets: [Float]
        fileprivate let indices: [Int32]
        fileprivate let scales: [Float]
        let best: [Float]
        /// Per frame, each senone's distance below the frame's best in ``SenoneScorer/costUnit``
        /// steps, rounded, at most ``SenoneScorer/maximumCost`` (`[frame][senone]`).
        let costs: [Int16]
    }

    /// The Gaussians of every frame (`features`: 3 streams × 13 coefficients each), the best
    /// senone of each, and every senone's cost.
    func frames(_ features: [[Float]]) -> Frames {
        let streams = model.streams, dimensions = model.coefficients, densities = self.densities, blocks = self.blocks
        var offsets = [Float](repeating: 0, count: features.count * blocks)
        var indices = [Int32](repeating: 0, count: features.count * blocks * Self.topN)
        var scales = [Float](repeating: 0, count: features.count * blocks * Self.topN)
        // Block by block over all frames: a block's parameters (13 kB) stay in the cache.
        var x = [Float](repeating: 0, count: features.count * dimensions)
        linear.withUnsafeBufferPointer { linear in
        quadratic.withUnsafeBufferPointer { quadratic in
        constant.withUnsafeBufferPointer { constant in
        offsets.withUnsafeMutableBufferPointer { offsets in
        indices.withUnsafeMutableBufferPointer { indices in
        scales.withUnsafeMutableBufferPointer { scales in
        x.withUnsafeMutableBufferPointer { x in
            for stream in 0..<streams {
                for (frameIndex, frame) in features.enumerated() {
                    for d in 0..<dimensions { x[frameIndex * dimensions + d] = frame[stream * dimensions + d] }
                }
                for codebook in 0..<model.codebooks {
                    let block = codebook * streams + stream
                    for frameIndex in 0..<features.count {
                        let at = frameIndex * blocks + block
                        ivr_gaussian_top4(x.baseAddress! + frameIndex * dimensions, Int32(dimensions), linear.baseAddress! + block * dimensions * densities,
                                          quadratic.baseAddress! + block * dimensions * densities, constant.baseAddress! + block * densities,
                                          Int32(densities), offsets.baseAddress! + at, indices.baseAddress! + at * Self.topN,
                                          scales.baseAddress! + at * Self.topN)
                    }
                }
            }
        }}}}}}}
        let (best, costs) = senoneScores(count: features.count, offsets: offsets, indices: indices, scales: scales)
        return Frames(count: features.count, offsets: offsets, indices: indices, scales: scales, best: best, costs: costs)
    }

    /// The scores of the first `count` of `frames`.
    func first(_ count: Int, of frames: Frames) -> Frames {
        let count = min(count, frames.count), senones = model.senones
        return Frames(count: count, offsets: Array(frames.offsets[..<(count * blocks)]),
                      indices: Array(frames.indices[..<(count * blocks * Self.topN)]),
                      scales: Array(frames.scales[..<(count * blocks * Self.topN)]),
                      best: Array(frames.best[..<count]), costs: Array(frames.costs[..<(count * senones)]))
    }

    /// The log-likelihood of `senone` in frame `frame`.
    func score(_ senone: Int32, in frames: Frames, at frame: Int) -> Float {
        let streams = model.streams, codebook = Int(model.codebookOfSenone[Int(senone)]), slot = Int(slotOfSenone[Int(senone)])
        var base: Float = 0, product: Float = 1
        for stream in 0..<streams {
            let at = frame * blocks + codebook * streams + stream
            base += frames.offsets[at]
            var mixture: Float = 0
            for rank in 0..<Self.topN {
                let density = Int(frames.indices[at * Self.topN + rank])
                mixture += weights[(stream * densities + density) * slots + slot] * frames.scales[at * Self.topN + rank]
            }
            product *= mixture
        }
        return base + Self.fastLog(product)
    }

    /// How `senone` explains stream `stream` of frame `frame`: the four best Gaussians of its
    /// codebook there, each with its share of the senone's mixture (the shares sum to 1).
    func mixtureShares(of senone: Int32, stream: Int, in frames: Frames, at frame: Int) -> [(gaussian: Int, share: Float)] {
        let codebook = Int(model.codebookOfSenone[Int(senone)]), slot = Int(slotOfSenone[Int(senone)])
        let at = frame * blocks + codebook * model.streams + stream
        let parts = (0..<Self.topN).map { rank in
            let density = Int(frames.indices[at * Self.topN + rank])
            return (gaussian: (codebook * model.streams + stream) * densities + density,
                    share: weights[(stream * densities + density) * slots + slot] * frames.scales[at * Self.topN + rank])
        }
        let total = parts.reduce(0) { $0 + $1.share }
        return total > 0 ? parts.map { ($0.gaussian, $0.share / total) } : []
    }

    /// Every senone's score in every frame, eight senones of a codebook at a time: per frame the
    /// best, and the costs the decoder's search takes.
    private func senoneScores(count: Int, offsets: [Float], indices: [Int32], scales: [Float]) -> (best: [Float], costs: [Int16]) {
        let streams = model.streams, senones = model.senones, slots = self.slots, densities = self.densities
        var best = [Float](repeating: 0, count: count)
        var costs = [Int16](repeating: 0, count: count * senones)
        var slotScores = [Float](repeating: 0, count: slots)
        // Per codebook: the rows of the weights its stream's four best Gaussians pick, and their scales.
        var rows = [UnsafePointer<Float>?](repeating: nil, count: streams * Self.topN)
        var rowScales = [Float](repeating: 0, count: streams * Self.topN)
        weights.withUnsafeBufferPointer { weights in
        slotScores.withUnsafeMutableBufferPointer { slotScores in
        slotOfSenone.withUnsafeBufferPointer { slotOfSenone in
        costs.withUnsafeMutableBufferPointer { costs in
        rows.withUnsafeMutableBufferPointer { rows in
        rowScales.withUnsafeMutableBufferPointer { rowScales in
            for frame in 0..<count {
                var top = SIMD8<Float>(repeating: -.infinity)
                for (codebook, range) in codebookSlots.enumerated() {
                    // The streams' best log densities; the mixtures are relative to them.
                    var base: Float = 0
                    for stream in 0..<streams {
                        let at = frame * blocks + codebook * streams + stream
                        base += offsets[at]
                        for rank in 0..<Self.topN {
                            let density = Int(indices[at * Self.topN + rank])
                            rows[stream * Self.topN + rank] = weights.baseAddress! + (stream * densities + density) * slots + range.start
                            rowScales[stream * Self.topN + rank] = scales[at * Self.topN + rank]
                        }
                    }
                    for chunk in stride(from: 0, to: range.count, by: 8) {
                        var product = SIMD8<Float>(repeating: 1)
                        for stream in 0..<streams {
                            var mixture = SIMD8<Float>()
                            for rank in 0..<Self.topN {
                                let row = stream * Self.topN + rank
                                mixture += UnsafeRawPointer(rows[row]! + chunk).loadUnaligned(as: SIMD8<Float>.self) * rowScales[row]
                            }
                            product *= mixture
                        }
                        let scores = base + Self.fastLog(product)
                        UnsafeMutableRawPointer(slotScores.baseAddress! + range.start + chunk).storeBytes(of: scores, as: SIMD8<Float>.self)
                        top.replace(with: scores, where: scores .> top)
                    }
                }
                let frameBest = top.max()
                best[frame] = frameBest
                let row = costs.baseAddress! + frame * senones
                for senone in 0..<senones {
                    row[senone] = Int16(min(Self.maximumCost, (frameBest - slotScores[Int(slotOfSenone[senone])]) / Self.costUnit + 0.5))
                }
            }
        }}}}}}
        return (best, costs)
    }

    /// Natural log within 1e-5, for positive normal numbers: the exponent from the bits, the
    /// mantissa's log from a least-squares polynomial.
    @inline(__always)
    static func fastLog(_ value: Float) -> Float { fastLog(SIMD8<Float>(repeating: value))[0] }

    /// ``fastLog(_:)-(Float)`` of eight numbers at once.
    @inline(__always)
    static func fastLog(_ value: SIMD8<Float>) -> SIMD8<Float> {
        let bits = unsafeBitCast(value, to: SIMD8<UInt32>.self)
        let exponent = SIMD8<Float>(SIMD8<Int32>(truncatingIfNeeded: (bits &>> 23) & 0xFF) &- 127)
        let mantissa = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F80_0000, to: SIMD8<Float>.self)  // in [1, 2)
        // log2(m) on [1, 2): t·P(t) with t = m − 1, P of degree 5 (error under 3e-6).
        let t = mantissa - 1
        var p = SIMD8<Float>(repeating: -0.026_066)
        p = p * t + 0.121_914
        p = p * t - 0.277_365
        p = p * t + 0.456_894
        p = p * t - 0.717_898
        p = p * t + 1.442_517
        return (exponent + t * p) * 0.693_147_2
    }
}
