import Foundation

/// Utterance verification by likelihood ratio: how well the words a decoder heard explain their
/// frames, against how well the best of all the model's senones explains each frame.
///
/// The decoder's own scores cannot say this: PocketSphinx normalizes each frame by the best
/// senone its search kept alive, so speech outside a grammar, forced into the grammar's words,
/// scores as well as speech inside it. Here every senone is scored (``SenoneScorer``), the
/// hypothesis' words are aligned to their frames with their triphones (Viterbi over the
/// model's transition matrices), and each frame's ratio is the aligned senone's log-likelihood
/// minus the best senone's (≤ 0; 0 when the hypothesis' senone is the best one there). Its
/// mean over a word's frames is that word's evidence: for the right word of clean speech
/// typically −2 to −5 nats per frame, for speech forced into a grammar it was never in −5 to −9
/// (Rahim, Lee and Juang, "Discriminative utterance verification for connected digits
/// recognition", 1997, use the same ratio against an anti-model; BENCHMARKS.md has the
/// figures on real telephone speech).
///
/// Cost: the senone scores of every frame (``SenoneScorer``; the decoder's search runs on the
/// same scores, so they replace its own Gaussian evaluation) and an alignment of a few hundred
/// states: together about what one plain grammar decode costs (BENCHMARKS.md).
final class AcousticVerifier {
    let model: AcousticModel
    private let scorer: SenoneScorer
    private let silence: Int

    init(model: AcousticModel) throws(RecognitionError) {
        guard let silence = model.phone(named: "SIL") else { throw RecognitionError.model("the acoustic model has no SIL phone") }
        self.model = model
        self.silence = silence
        scorer = SenoneScorer(model: model)
    }

    /// What the verifier needs of an utterance's frames: the Gaussians, the best senone per frame.
    typealias Scores = SenoneScorer.Frames

    func scores(of features: [[Float]]) -> Scores { scorer.frames(features) }
    /// The scores of the first `count` frames of `scores`.
    func scores(_ scores: Scores, first count: Int) -> Scores { scorer.first(count, of: scores) }

    /// A frame's ratio for `senone`: its log-likelihood minus the best senone's there.
    private func ratio(_ scores: Scores, _ frame: Int, _ senone: Int32) -> Float {
        scorer.score(senone, in: scores, at: frame) - scores.best[frame]
    }

    /// One stretch of a hypothesis: a word's phones (base phone names, `["R", "EH", "D"]`), or
    /// nil for silence and noise. At the edges of a stretch of words, silence is the context.
    typealias Unit = [String]?

    /// Per unit, the sum of its frames' ratios and its number of frames, from aligning `units`
    /// in order over `frames` of `scores` (each unit at least one frame per state; units that
    /// do not fit get nothing).
    func evidence(of units: [Unit], over frames: Range<Int>, in scores: Scores) -> [(ratio: Double, frames: Int)] {
        evidence(of: alignment(of: units, over: frames, in: scores), units: units.count)
    }

    /// Per unit of an alignment of `units` units (nil: they did not fit), the sum of its
    /// frames' ratios and its number of frames.
    func evidence(of aligned: Alignment?, units: Int) -> [(ratio: Double, frames: Int)] {
        var result = [(ratio: Double, frames: Int)](repeating: (0, 0), count: units)
        guard let aligned else { return result }
        for (offset, state) in aligned.path.enumerated() {
            result[aligned.states[state].unit].ratio += Double(aligned.ratios[offset])
            result[aligned.states[state].unit].frames += 1
        }
        return result
    }

    /// The mean ratio per frame of the `count` phones of an aligned hypothesis' words that it
    /// explains worst (each phone's ratio the mean over its frames); nil without word frames.
    /// When `lastMayBeCut`, a last phone given no more than its states' one frame each is left
    /// out: a keyword search ends a phrase where its last phone can first end, and at the end
    /// of what is said that phone trails off after it (the development list's sentence-final
    /// "message" had its "JH" at −15 to −21 nats per frame over three frames and was rejected
    /// for it). Inside speech such a phone is judged: "messages" is found over "message has".
    func weakestPhones(of aligned: Alignment, count: Int, lastMayBeCut: Bool = false) -> Double? {
        var sums = [(ratio: Double, frames: Int)](repeating: (0, 0), count: aligned.states.count / 3)
        for (offset, state) in aligned.path.enumerated() where aligned.isWord[aligned.states[state].unit] {
            sums[state / 3].ratio += Double(aligned.ratios[offset])
            sums[state / 3].frames += 1
        }
        let phonesAligned = sums.indices.filter { sums[$0].frames > 0 }
        if lastMayBeCut, phonesAligned.count > 1, let last = phonesAligned.last, sums[last].frames <= 3 { sums[last].frames = 0 }
        let weakest = sums.filter { $0.frames > 0 }.map { $0.ratio / Double($0.frames) }.sorted().prefix(count)
        return weakest.isEmpty ? nil : weakest.reduce(0, +) / Double(weakest.count)
    }

    /// How far the words of an aligned hypothesis lie from the model's means in the static
    /// cepstra of `features` (what `scores` were computed from): per coefficient, the mean
    /// difference between each word frame and the Gaussians its aligned senone explains it with,
    /// each difference weighted by the Gaussian's precision (one step of estimating a bias by
    /// maximum likelihood). What the line and the voice add to every frame; the first
    /// coefficient, the level, is left at 0. Nil when the hypothesis has no word frames.
    func lineOffset(of aligned: Alignment, in scores: Scores, features: [[Float]]) -> [Float]? {
        let dimensions = model.coefficients
        var weighted = [Double](repeating: 0, count: dimensions), precision = weighted
        for (offset, state) in aligned.path.enumerated() where aligned.isWord[aligned.states[state].unit] {
            let frame = aligned.frames.lowerBound + offset
            guard frame < features.count else { continue }
            for (gaussian, share) in scorer.mixtureShares(of: aligned.states[state].senone, stream: 0, in: scores, at: frame) {
                for d in 1..<dimensions {
                    let inverse = Double(share) / Double(model.variances[gaussian * dimensions + d])
                    weighted[d] += inverse * Double(features[frame][d] - model.means[gaussian * dimensions + d])
                    precision[d] += inverse
                }
            }
        }
        guard precision[1] > 0 else { return nil }
        return (0..<dimensions).map { $0 == 0 ? 0 : Float(weighted[$0] / precision[$0]) }
    }

    /// A hypothesis aligned to its frames: its states (each unit's phones, three each, with
    /// their triphones' senones), which units are words, per frame the index of its state and
    /// that frame's ratio.
    struct Alignment {
        let states: [(senone: Int32, phone: Int, state: Int, unit: Int)]
        let isWord: [Bool]
        let frames: Range<Int>
        let path: [Int]
        let ratios: [Float]

        /// The sum of its frames' ratios.
        var ratio: Double { ratios.reduce(0) { $0 + Double($1) } }
    }

    /// `units` aligned in order over `frames` of `scores`; nil when they do not fit (each state
    /// needs a frame).
    func alignment(of units: [Unit], over frames: Range<Int>, in scores: Scores) -> Alignment? {
        var states: [(senone: Int32, phone: Int, state: Int, unit: Int)] = []
        var resolved: [[Int]] = units.map { unit in (unit ?? ["SIL"]).map { model.phone(named: $0) ?? silence } }
        for index in resolved.indices where resolved[index].isEmpty { resolved[index] = [silence] }
        for (index, phones) in resolved.enumerated() {
            let isWord = units[index] != nil
            for (position, phone) in phones.enumerated() {
                let senones: (Int32, Int32, Int32)
                if isWord && !isFillerPhone(phone) {
                    let left = position > 0 ? phones[position - 1] : neighbour(resolved, units, index, before: true)
                    let right = position + 1 < phones.count ? phones[position + 1] : neighbour(resolved, units, index, before: false)
                    let wordPosition: AcousticModel.WordPosition =
                        phones.count == 1 ? .single : position == 0 ? .begin : position == phones.count - 1 ? .end : .inside
                    senones = model.senones(of: phone, left: left, right: right, position: wordPosition)
                } else {
                    senones = (model.ciSenones[3 * phone], model.ciSenones[3 * phone + 1], model.ciSenones[3 * phone + 2])
                }
                states.append((senones.0, phone, 0, index))
                states.append((senones.1, phone, 1, index))
                states.append((senones.2, phone, 2, index))
            }
        }
        let clamped = max(0, frames.lowerBound)..<min(scores.count, frames.upperBound)
        guard !states.isEmpty, clamped.count >= states.count else { return nil }
        let (path, ratios) = align(states.map { ($0.senone, $0.phone, $0.state) }, over: clamped, in: scores)
        return Alignment(states: states, isWord: units.map { $0 != nil }, frames: clamped, path: path, ratios: ratios)
    }

    /// The ratio per frame of the best sequence of any phones over `frames`: a loop of the
    /// model's context-independent phones (3 states each, its transition matrices, a
    /// ``phoneLoopPenalty`` per phone entered), against the best senone per frame. How well the
    /// model fits this voice and line at best: a clean synthetic voice comes near 0, a real
    /// caller on a telephone line lower, so a spotted phrase is also judged by how far it rises
    /// above it.
    func phoneLoopRatio(over frames: Range<Int>, in scores: Scores) -> Double {
        let clamped = max(0, frames.lowerBound)..<min(scores.count, frames.upperBound)
        guard !clamped.isEmpty else { return 0 }
        let phones = model.phoneNames.count
        var stay = [Double](repeating: 0, count: 3 * phones), move = stay
        for phone in 0..<phones {
            for state in 0..<3 {
                stay[3 * phone + state] = Double(model.transitions[phone][5 * state])
                move[3 * phone + state] = Double(model.transitions[phone][5 * state + 1])
            }
        }
        var score = [Double](repeating: -.infinity, count: 3 * phones), next = score
        for (offset, frame) in clamped.enumerated() {
            let ratios = (0..<(3 * phones)).map { Double(ratio(scores, frame, model.ciSenones[$0])) }
            if offset == 0 {
                for phone in 0..<phones { score[3 * phone] = Self.phoneLoopPenalty + ratios[3 * phone] }
                continue
            }
            var exit = -Double.infinity
            for phone in 0..<phones { exit = max(exit, score[3 * phone + 2] + move[3 * phone + 2]) }
            exit += Self.phoneLoopPenalty
            for state in 0..<(3 * phones) {
                let kept = score[state] + stay[state]
                let entered = state % 3 == 0 ? exit : score[state - 1] + move[state - 1]
                next[state] = max(kept, entered) + ratios[state]
            }
            swap(&score, &next)
        }
        return score.max()! / Double(clamped.count)
    }

    /// Log penalty per phone entered in the phone loop.
    static let phoneLoopPenalty = -3.0

    private func isFillerPhone(_ phone: Int) -> Bool { model.phoneNames[phone].hasPrefix("+") || phone == silence }

    /// The phone next to a unit: the last (first) phone of the word before (after), or silence.
    private func neighbour(_ phones: [[Int]], _ units: [Unit], _ index: Int, before: Bool) -> Int {
        let other = before ? index - 1 : index + 1
        guard phones.indices.contains(other), units[other] != nil,
              let phone = before ? phones[other].last : phones[other].first, !isFillerPhone(phone) else { return silence }
        return phone
    }

    /// The best left-to-right path through `states` (each entered once, in order, from the first
    /// frame to the last), by Viterbi: per frame, the index of its state and that frame's ratio.
    private func align(_ states: [(senone: Int32, phone: Int, state: Int)], over frames: Range<Int>, in scores: Scores) -> (path: [Int], ratios: [Float]) {
        let count = states.count
        let stay = states.map { Double(model.transitions[$0.phone][4 * $0.state + $0.state]) }
        let move = states.map { Double(model.transitions[$0.phone][4 * $0.state + $0.state + 1]) }
        // Each distinct senone's ratio over the frames, computed once.
        var ratioRows: [Int32: [Float]] = [:]
        for senone in Set(states.map(\.senone)) { ratioRows[senone] = frames.map { ratio(scores, $0, senone) } }
        let rows = states.map { ratioRows[$0.senone]! }
        var score = [Double](repeating: -.infinity, count: count)
        var next = score
        var cameFrom = [Bool](repeating: false, count: frames.count * count)  // true: from the state before
        score[0] = Double(rows[0][0])
        for offset in 1..<max(frames.count, 1) {
            // A state can only be reached once each state before it has had a frame.
            let reachable = min(count, offset + 1)
            for index in 0..<reachable {
                let kept = score[index] + stay[index]
                let entered = index > 0 ? score[index - 1] + move[index - 1] : -.infinity
                if entered > kept {
                    next[index] = entered
                    cameFrom[offset * count + index] = true
                } else {
                    next[index] = kept
                }
                next[index] += Double(rows[index][offset])
            }
            swap(&score, &next)
        }
        var path = [Int](repeating: 0, count: frames.count)
        var index = count - 1
        for offset in stride(from: frames.count - 1, through: 0, by: -1) {
            path[offset] = index
            if offset > 0, cameFrom[offset * count + index] { index -= 1 }
        }
        return (path, path.enumerated().map { rows[$1][$0] })
    }
}
