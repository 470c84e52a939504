import Foundation

/// The spectral scale that suits a caller's voice (vocal tract length normalization), from its
/// pitch: the model and the narrowband transform fit the development list's speaker best, a
/// woman whose voice lies about ``referencePitch``; a voice from a longer vocal tract (most men)
/// has its formants lower and is heard better with its spectrum stretched, a shorter one
/// (children) compressed. Pitch and formants scale together only loosely between speakers
/// (about 1.8 times the pitch for 1.15–1.2 times the formants from men to women), hence the
/// factor is (``referencePitch`` / pitch) to the power ``pitchExponent``, the nearest of
/// ``factors``. An 8 kHz utterance is scaled by resampling it as if it had been recorded at
/// 8000 × factor Hz (``rate(for:)``), which also stretches it in time by 1 / factor.
///
/// Pitch, unlike the spectrum's shape, does not change with the handset or the line: a
/// factor chosen where the utterance's cepstral mean lies nearest that of telephone speech
/// heard the development list's speaker lowered 16 % (sox `pitch -300`) at 1.12 and better, but
/// took a dull handset for a lower voice (menu answers right 150 → 106 of 178; BENCHMARKS.md).
public struct VoiceFit: Sendable, Equatable {
    /// The spectral scales used, the model's own (1) in the middle.
    public static let factors: [Double] = [0.88, 0.94, 1.0, 1.06, 1.12]
    /// The pitch (Hz) heard with the model's own scale: the development list's speaker's median.
    public static let referencePitch = 200.0
    /// How the spectral scale follows the pitch (ln 1.17 / ln 1.8).
    public static let pitchExponent = 0.27

    /// The sum of the voiced frames' log pitches, and how many there were.
    private var logPitchSum = 0.0
    public private(set) var voicedFrames = 0

    /// No voiced speech heard: the model's own scale.
    public init() {}

    /// The pitches (Hz) of an utterance's voiced frames.
    public init(pitches: [Double]) {
        logPitchSum = pitches.reduce(0) { $0 + log($1) }
        voicedFrames = pitches.count
    }

    /// The voice's pitch (Hz): the geometric mean of its voiced frames', drawn towards
    /// ``referencePitch`` as if ``priorVoicedFrames`` more had had it (a short word's pitch is
    /// uncertain: the development list's speaker's lie 178–222 Hz, a tenth beyond either end);
    /// nil before any voiced frame.
    public var pitch: Double? {
        guard voicedFrames > 0 else { return nil }
        let prior = Double(Self.priorVoicedFrames)
        return exp((logPitchSum + prior * log(Self.referencePitch)) / (Double(voicedFrames) + prior))
    }

    /// Voiced frames (of 20 ms) at ``referencePitch`` that every voice is assumed to have had.
    public static let priorVoicedFrames = 10

    /// The factor of ``factors`` nearest to what the pitch asks for (1 until a pitch is known).
    public var bestFactor: Double {
        guard let pitch else { return 1 }
        let wanted = pow(Self.referencePitch / pitch, Self.pitchExponent)
        return Self.factors.min { abs(log($0 / wanted)) < abs(log($1 / wanted)) }!
    }

    /// The rate an 8 kHz utterance is taken to have been recorded at, to scale its spectrum by `factor`.
    static func rate(for factor: Double) -> Int { Int((8000 * factor).rounded()) }

    /// Voiced frames after which a call's voice is known (two seconds of voicing): later
    /// utterances take its factor without measuring their pitch.
    public static let settledFrames = 100

    /// Enough of the call has been heard to know its voice (``settledFrames``).
    public var isSettled: Bool { voicedFrames >= Self.settledFrames }

    /// Both together, each weighted by its voiced frames.
    public static func + (a: VoiceFit, b: VoiceFit) -> VoiceFit {
        var sum = a
        sum.logPitchSum += b.logPitchSum
        sum.voicedFrames += b.voicedFrames
        return sum
    }
}
