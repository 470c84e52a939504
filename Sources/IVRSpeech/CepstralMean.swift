import IVRDSP

/// The cepstral mean an utterance's features are normalized by (cepstral mean normalization,
/// as the model's `-cmn batch` does): the utterance's own mean, or, with a prior, its own mean
/// drawn towards the prior's in proportion to how short it is (a MAP estimate).
///
/// A short answer's own mean says as much about its sounds as about the line and the voice:
/// "six" is mostly hiss, "nine" mostly voicing, and normalizing each by itself makes them
/// resemble each other. The prior holds what is known before the words are heard.
public struct CepstralMeanPrior: Sendable, Equatable {
    /// Per cepstral coefficient (the first, the level, is never blended: it is the line's and
    /// the caller's loudness, which the prior cannot know).
    public var mean: [Float]
    /// How many frames of the utterance's own count as much as the prior.
    public var weight: Double
    /// How far words lie from the model's means (``AcousticVerifier``'s `lineOffset`) when they
    /// are heard on the line this prior describes, normalized by its mean: the model and
    /// normalized telephone speech differ by this much even on the expected line, so a line is
    /// judged by its offset beyond it. Zeros: not known.
    public var wordOffset: [Float]

    public init(mean: [Float], weight: Double, wordOffset: [Float] = []) {
        self.mean = mean
        self.weight = weight
        self.wordOffset = wordOffset.count == mean.count ? wordOffset : Array(repeating: 0, count: mean.count)
    }

    /// The line's cepstral mean as words show it: `normalizedBy`, the mean their frames were
    /// normalized by, moved by `offset`, how far they lie from the model's means, beyond
    /// ``wordOffset``. The first coefficient is `normalizedBy`'s.
    func lineMean(normalizedBy subtracted: [Float], offset: [Float]) -> [Float]? {
        guard subtracted.count == mean.count, offset.count == mean.count else { return nil }
        return subtracted.indices.map { $0 == 0 ? subtracted[0] : subtracted[$0] + offset[$0] - wordOffset[$0] }
    }

    /// How far a line's mean is from this prior's (Euclidean, the first coefficient left out).
    public func distance(to lineMean: [Float]) -> Double {
        guard lineMean.count == mean.count else { return .infinity }
        return zip(mean, lineMean).dropFirst().reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }.squareRoot()
    }

    /// A prior that is `lineMean` whatever an utterance's own mean (its first coefficient
    /// excepted, which is always the utterance's own).
    func certain(of lineMean: [Float]) -> CepstralMeanPrior {
        CepstralMeanPrior(mean: lineMean, weight: .infinity, wordOffset: wordOffset)
    }

    /// The mean to subtract from an utterance of `frames` frames whose own mean is `own`.
    func blended(with own: [Float], frames: Int) -> [Float] {
        guard frames > 0, own.count == mean.count else { return own }
        let share = Float(Double(frames) / (Double(frames) + weight))
        return own.indices.map { $0 == 0 ? own[0] : share * own[$0] + (1 - share) * mean[$0] }
    }

    /// 8 kHz telephone speech as the recognizer hears it (resampled to 16 kHz, trimmed to its
    /// speech, Debian's en-us front end): the average of two speakers' means, the development
    /// list's real sentences and eSpeak NG voices not used by the benchmark
    /// (`scripts/benchmark-intents cepstral-mean` measures it, and its word offset from the same
    /// sentences, each decoded with a grammar of its words), weighted as one second of speech.
    /// The weight was chosen on the development list's menu answers (0.5, 1 and 1.5 s:
    /// BENCHMARKS.md).
    public static let telephone = CepstralMeanPrior(
        mean: [53.54, 30.28, -30.50, 46.02, -29.29, -1.27, 4.75, -30.63, 19.63, -17.50, 0.43, 3.42, -14.88],
        weight: 100,
        wordOffset: [0, -2.18, -0.72, -0.51, 0.52, 0.23, -0.29, 0.45, 0.21, 0.31, -0.15, 0.27, -0.09])

    /// 8 kHz telephone speech whose line passed less than the whole band, measured as
    /// ``telephone`` is on the same sentences and voices so limited (`VOICE_BAND=300-3400` or
    /// `-3400 REAL_SOUNDS=DIR scripts/benchmark-intents cepstral-mean`, DIR the recordings
    /// limited by sox `sinc` so), with its weight; ``telephone`` for the whole band.
    public static func telephone(_ line: TelephoneBand.Line) -> CepstralMeanPrior {
        switch line {
        case .whole: telephone
        case .topCut: topCut
        case .voiceBand: voiceBand
        }
    }

    private static let topCut = CepstralMeanPrior(
        mean: [51.02, 37.44, -34.55, 39.48, -11.05, -24.03, 20.37, -29.43, 1.10, 9.91, -22.43, 11.44, -5.78],
        weight: 100,
        wordOffset: [0, -2.09, -0.23, -0.93, 0.09, 0.62, -0.58, 0.66, 0.41, -0.10, 0.40, -0.26, -0.19])

    private static let voiceBand = CepstralMeanPrior(
        mean: [49.89, 32.65, -43.16, 29.09, -23.97, -38.48, 5.44, -45.14, -13.94, -4.21, -35.52, 0.29, -15.60],
        weight: 100,
        wordOffset: [0, -1.97, -0.05, -0.58, 0.38, 0.86, -0.50, 1.07, 0.68, 0.17, 0.71, -0.18, -0.07])

    /// Clean wideband speech (16 kHz and up) as the recognizer hears it: measured as
    /// ``telephone`` is, on the development list's sentences from the package's G.722 files
    /// (the same speaker on a wideband line) and the same eSpeak NG voices at 16 kHz, weighted as
    /// 0.75 s of speech. The list's menu answers from the G.722 files, right / wrong of 178: 162 / 7
    /// without a prior (each utterance its own mean), 169 / 2 with it; at a weight of one second
    /// 170 / 2, but flite's phrases alone at 16 kHz lost 0.03 F1, at half a second 168 / 3
    /// (BENCHMARKS.md).
    public static let wideband = CepstralMeanPrior(
        mean: [61.73, 4.60, 5.77, 19.06, -9.27, 3.27, -7.58, -4.12, 1.79, -3.64, 4.38, -5.73, 2.99],
        weight: 75)

    /// Each coefficient's mean over the frames of `frames` rows of `width` values that have some
    /// energy (a first coefficient of at least 0; all frames when none has), and how many those
    /// are: as sphinxbase's batch normalization computes it, in single precision.
    static func mean(of cepstra: UnsafeBufferPointer<Float>, frames: Int, width: Int) -> (mean: [Float], frames: Int) {
        let counted = (0..<frames).filter { cepstra[$0 * width] >= 0 }
        let used = counted.isEmpty ? Array(0..<frames) : counted
        var sums = [Float](repeating: 0, count: width)
        for frame in used {
            for coefficient in 0..<width { sums[coefficient] += cepstra[frame * width + coefficient] }
        }
        return (sums.map { $0 / Float(max(used.count, 1)) }, used.count)
    }
}

/// An utterance's own cepstral mean (frames with energy only) and how many frames it counts:
/// what it tells of the line and the caller.
public struct CepstralObservation: Sendable, Equatable {
    public var mean: [Float]
    public var frames: Int

    public init(mean: [Float], frames: Int) {
        self.mean = mean
        self.frames = frames
    }
}

/// What a call's utterances heard with a mean prior (8 kHz telephone speech, clean wideband
/// speech: a call keeps one rate) have shown of its line (the handset, the codecs, the caller's
/// voice): their cepstral means, pooled. Each next utterance of the call
/// is normalized towards the line's mean rather than only that of telephone speech in general:
/// through a dull handset (−10 dB above 1.5 kHz), the development list's menu answers right rose
/// from 122 of 178 as a call's first utterance to 148 as its second, with those of the package's
/// files as they were (BENCHMARKS.md; before a first answer was heard again on the line its words
/// show, which now gets 149 at once, and 152 as a fourth with the line learnt).
public struct CallLine: Sendable, Equatable {
    private var sums: [Double] = []
    /// Frames of the call's speech heard so far (those with energy).
    public private(set) var frames = 0

    public init() {}

    /// Frames of the call's speech that count as much as the general prior's mean (one second:
    /// after a word or two the line has half the say). Counting each utterance by its share of
    /// its own mean instead (a word less than its frames) learnt slower, for no gain on the
    /// recordings' own line (BENCHMARKS.md).
    public static let priorFrames = 100.0

    /// Adds an utterance heard on the line.
    public mutating func hear(_ observation: CepstralObservation) {
        guard observation.frames > 0 else { return }
        if sums.isEmpty { sums = Array(repeating: 0, count: observation.mean.count) }
        guard observation.mean.count == sums.count else { return }
        for index in sums.indices { sums[index] += Double(observation.mean[index]) * Double(observation.frames) }
        frames += observation.frames
    }

    /// The prior for the call's next utterance heard with one (`general`:
    /// ``CepstralMeanPrior/telephone`` or ``CepstralMeanPrior/wideband``): `general`'s mean drawn
    /// towards the line's in proportion to how much has been heard (a MAP estimate), with
    /// `general`'s weight.
    public func prior(from general: CepstralMeanPrior = .telephone) -> CepstralMeanPrior {
        guard frames > 0, sums.count == general.mean.count else { return general }
        let mean = general.mean.indices.map { index in
            Float((Self.priorFrames * Double(general.mean[index]) + sums[index]) / (Self.priorFrames + Double(frames)))
        }
        return CepstralMeanPrior(mean: mean, weight: general.weight, wordOffset: general.wordOffset)
    }
}
