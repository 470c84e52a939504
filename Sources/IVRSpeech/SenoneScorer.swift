import Foundation

/// Senone log-likelihoods of an ``AcousticModel`` on an absolute scale, computed as
/// PocketSphinx's PTM scorer does (`ptm_mgau.c`): per codebook and stream the four best
/// Gaussians, a senone a mixture of those four with its own weights, streams multiplied.
/// Unlike the decoder, which scores only the senones its search keeps alive and normalizes
/// each frame by the best of them, this gives any senone's score and the best of all senones
/// in each frame, so that a hypothesis' path can be compared with the best any senone does
/// (``AcousticVerifier``).
///
/// Cost per 10 ms frame: 16,128 Gaussians of 13 dimensions (SIMD), and the senones of the few
/// codebooks that can hold the best one (a senone never scores above its codebook's best
/// Gaussians, so codebooks are tried best first until none can do better).
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
    /// Mixture weights as probabilities, `[stream][density][senone]`.
    private let weights: [Float]
    /// Per codebook, its senones.
    private let senonesOfCodebook: [[Int32]]
    /// Per block and density, the highest weight any of the codebook's senones gives that
    /// density: the bound of ``bestScore(in:at:)``.
    private let highestWeights: [Float]
    /// Gaussians kept per codebook and stream (PocketSphinx's `-topn`; ``best(_:offset:indices:scales:)`` keeps four).
    static let topN = 4

    init(model: AcousticModel) {
        self.model = model
        let (streams, densities, dimensions) = (model.streams, model.densities, model.coefficients)
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
        let weights = model.mixtureWeightBytes.map { exp(-Float($0) * AcousticModel.mixtureWeightStep) }
        self.weights = weights
        var senonesOfCodebook = [[Int32]](repeating: [], count: model.codebooks)
        for senone in 0..<model.senones { senonesOfCodebook[Int(model.codebookOfSenone[senone])].append(Int32(senone)) }
        self.senonesOfCodebook = senonesOfCodebook
        var highest = [Float](repeating: 0, count: blocks * densities)
        for codebook in 0..<model.codebooks {
            for stream in 0..<streams {
                for density in 0..<densities {
                    let row = (stream * densities + density) * model.senones
                    highest[(codebook * streams + stream) * densities + density] = senonesOfCodebook[codebook].reduce(0) { max($0, weights[row + Int($1)]) }
                }
            }
        }
        highestWeights = highest
    }

    /// What the scorer keeps of an utterance's frames: per frame and block the best Gaussian's
    /// log density and the four best Gaussians with their densities relative to it; and per
    /// frame the best senone's score.
    struct Frames {
        let count: Int
        fileprivate let offsets: [Float]
        fileprivate let indices: [Int32]
        fileprivate let scales: [Float]
        let best: [Float]
    }

    /// The Gaussians of every frame (`features`: 3 streams × 13 coefficients each) and the
    /// best senone of each.
    func frames(_ features: [[Float]]) -> Frames {
        let streams = model.streams, dimensions = model.coefficients, densities = self.densities, blocks = self.blocks
        var offsets = [Float](repeating: 0, count: features.count * blocks)
        var indices = [Int32](repeating: 0, count: features.count * blocks * Self.topN)
        var scales = [Float](repeating: 0, count: features.count * blocks * Self.topN)
        var gaussians = [Float](repeating: 0, count: densities)
        linear.withUnsafeBufferPointer { linear in
        quadratic.withUnsafeBufferPointer { quadratic in
        constant.withUnsafeBufferPointer { constant in
        gaussians.withUnsafeMutableBufferPointer { gaussians in
        offsets.withUnsafeMutableBufferPointer { offsets in
        indices.withUnsafeMutableBufferPointer { indices in
        scales.withUnsafeMutableBufferPointer { scales in
            for (frameIndex, frame) in features.enumerated() {
                for stream in 0..<streams {
                    let x = Array(frame[(stream * dimensions)..<((stream + 1) * dimensions)])
                    for codebook in 0..<model.codebooks {
                        let block = codebook * streams + stream
                        Self.evaluate(x: x, linear: linear.baseAddress! + block * dimensions * densities,
                                      quadratic: quadratic.baseAddress! + block * dimensions * densities,
                                      constant: constant.baseAddress! + block * densities, densities: densities, into: gaussians.baseAddress!)
                        let at = frameIndex * blocks + block
                        Self.best(UnsafeBufferPointer(gaussians), offset: &offsets[at], indices: indices.baseAddress! + at * Self.topN,
                                  scales: scales.baseAddress! + at * Self.topN)
                    }
                }
            }
        }}}}}}}
        var frames = Frames(count: features.count, offsets: offsets, indices: indices, scales: scales, best: [])
        frames = Frames(count: features.count, offsets: offsets, indices: indices, scales: scales,
                        best: (0..<features.count).map { bestScore(in: frames, at: $0) })
        return frames
    }

    /// The log-likelihood of `senone` in frame `frame`.
    func score(_ senone: Int32, in frames: Frames, at frame: Int) -> Float {
        weights.withUnsafeBufferPointer { weights in
            frames.offsets.withUnsafeBufferPointer { offsets in
                frames.indices.withUnsafeBufferPointer { indices in
                    frames.scales.withUnsafeBufferPointer { scales in
                        score(senone, codebook: Int(model.codebookOfSenone[Int(senone)]), frame: frame,
                              weights: weights, offsets: offsets, indices: indices, scales: scales)
                    }
                }
            }
        }
    }

    @inline(__always)
    private func score(_ senone: Int32, codebook: Int, frame: Int, weights: UnsafeBufferPointer<Float>, offsets: UnsafeBufferPointer<Float>,
                       indices: UnsafeBufferPointer<Int32>, scales: UnsafeBufferPointer<Float>) -> Float {
        let streams = model.streams, senones = model.senones
        var bound: Float = 0, product: Float = 1
        for stream in 0..<streams {
            let at = frame * blocks + codebook * streams + stream
            bound += offsets[at]
            var mixture: Float = 0
            for slot in 0..<Self.topN {
                let density = Int(indices[at * Self.topN + slot])
                mixture += weights[(stream * densities + density) * senones + Int(senone)] * scales[at * Self.topN + slot]
            }
            product *= mixture
        }
        return bound + Self.fastLog(product)
    }

    /// The best senone's score in a frame: codebooks in the order of a bound on their senones
    /// (the best Gaussians' densities with the highest weight any of the codebook's senones
    /// gives them), until none can beat the best found.
    private func bestScore(in frames: Frames, at frame: Int) -> Float {
        let streams = model.streams
        var bounds: [(codebook: Int, bound: Float)] = []
        bounds.reserveCapacity(model.codebooks)
        for codebook in 0..<model.codebooks {
            var bound: Float = 0, product: Float = 1
            for stream in 0..<streams {
                let block = codebook * streams + stream, at = frame * blocks + block
                bound += frames.offsets[at]
                var mixture: Float = 0
                for slot in 0..<Self.topN {
                    mixture += highestWeights[block * densities + Int(frames.indices[at * Self.topN + slot])] * frames.scales[at * Self.topN + slot]
                }
                product *= mixture
            }
            bounds.append((codebook, bound + Self.fastLog(product) + 1e-3))
        }
        bounds.sort { $0.bound > $1.bound }
        var best = -Float.infinity
        weights.withUnsafeBufferPointer { weights in
            frames.offsets.withUnsafeBufferPointer { offsets in
                frames.indices.withUnsafeBufferPointer { indices in
                    frames.scales.withUnsafeBufferPointer { scales in
                        for (codebook, bound) in bounds {
                            guard bound > best else { break }
                            for senone in senonesOfCodebook[codebook] {
                                best = max(best, score(senone, codebook: codebook, frame: frame, weights: weights, offsets: offsets, indices: indices, scales: scales))
                            }
                        }
                    }
                }
            }
        }
        return best
    }

    /// The log densities of one codebook's Gaussians in one stream, sixteen at a time:
    /// constant + Σ (linear·x + quadratic·x²) over the coefficients.
    @inline(__always)
    private static func evaluate(x: [Float], linear: UnsafePointer<Float>, quadratic: UnsafePointer<Float>,
                                 constant: UnsafePointer<Float>, densities: Int, into output: UnsafeMutablePointer<Float>) {
        var start = 0
        while start + 16 <= densities {
            var sum = UnsafeRawPointer(constant + start).loadUnaligned(as: SIMD16<Float>.self)
            x.withUnsafeBufferPointer { x in
                for d in 0..<x.count {
                    let b = UnsafeRawPointer(linear + d * densities + start).loadUnaligned(as: SIMD16<Float>.self)
                    let a = UnsafeRawPointer(quadratic + d * densities + start).loadUnaligned(as: SIMD16<Float>.self)
                    sum += (b + a * x[d]) * x[d]
                }
            }
            UnsafeMutableRawPointer(output + start).storeBytes(of: sum, as: SIMD16<Float>.self)
            start += 16
        }
        while start < densities {
            var sum = constant[start]
            for (d, value) in x.enumerated() { sum += (linear[d * densities + start] + quadratic[d * densities + start] * value) * value }
            output[start] = sum
            start += 1
        }
    }

    /// The four highest of `scores`: the highest into `offset`, their indices best first, and
    /// each one's density relative to the highest.
    @inline(__always)
    private static func best(_ scores: UnsafeBufferPointer<Float>, offset: inout Float, indices: UnsafeMutablePointer<Int32>,
                             scales: UnsafeMutablePointer<Float>) {
        var (s0, s1, s2, s3) = (-Float.infinity, -Float.infinity, -Float.infinity, -Float.infinity)
        var (i0, i1, i2, i3) = (0, 0, 0, 0)
        for index in 0..<scores.count {
            let score = scores[index]
            guard score > s3 else { continue }
            if score > s1 {
                (s3, i3, s2, i2) = (s2, i2, s1, i1)
                if score > s0 { (s1, i1, s0, i0) = (s0, i0, score, index) } else { (s1, i1) = (score, index) }
            } else if score > s2 {
                (s3, i3, s2, i2) = (s2, i2, score, index)
            } else {
                (s3, i3) = (score, index)
            }
        }
        offset = s0
        (indices[0], indices[1], indices[2], indices[3]) = (Int32(i0), Int32(i1), Int32(i2), Int32(i3))
        (scales[0], scales[1], scales[2], scales[3]) = (1, exp(s1 - s0), exp(s2 - s0), exp(s3 - s0))
    }

    /// Natural log within 1e-5, for positive normal numbers: the exponent from the bits, the
    /// mantissa's log from a least-squares polynomial.
    @inline(__always)
    static func fastLog(_ value: Float) -> Float {
        let bits = value.bitPattern
        let exponent = Float(Int32(bitPattern: (bits >> 23) & 0xFF) - 127)
        let mantissa = Float(bitPattern: (bits & 0x007F_FFFF) | 0x3F80_0000)  // in [1, 2)
        // log2(m) on [1, 2): t·P(t) with t = m − 1, P of degree 5 (error under 3e-6).
        let t = mantissa - 1
        let log2m = t * (1.442_517 + t * (-0.717_898 + t * (0.456_894 + t * (-0.277_365 + t * (0.121_914 + t * -0.026_066)))))
        return (exponent + log2m) * 0.693_147_2
    }
}
