/// Thresholds of ``VoiceActivityDetector``.
public struct VoiceActivityConfiguration: Sendable {
    /// Speech probability at or above which a frame starts speech.
    public var onsetThreshold: Float = VADModel.onsetThreshold
    /// Speech probability below which a frame no longer continues speech.
    public var offsetThreshold: Float = VADModel.offsetThreshold
    /// Frames kept as speech after the probability falls (bridges short closures and tails).
    public var hangoverFrames = VADModel.hangoverFrames

    public init() {}
}

/// One 10 ms frame's verdict.
public struct VoiceActivity: Sendable, Equatable {
    /// The model's speech probability for the frame, 0–1.
    public let probability: Float
    /// The decision after hysteresis, gap bridging and hangover.
    public let isSpeech: Bool
    /// The frame's level above the tracked noise floor, in dB (−10 to 60).
    public let signalToNoise: Float

    /// The verdict for frames before a stream's first judged one.
    static let silence = VoiceActivity(probability: 0, isSpeech: false, signalToNoise: 0)
}

/// A streaming voice activity detector for 8 and 16 kHz audio in 10 ms frames.
///
/// Method: ``VADFeatureExtractor``'s 32 features per frame go through a small neural network
/// (32 inputs and 12 from the frames ahead, 32 ReLU units, a logistic output) trained by
/// `scripts/vad/train.py` on TTS voices and half of the development list's real telephone
/// recordings, in white, pink, brown and babble noise, with telephone tones, dialled keys and
/// band-limited versions; the weights are in `VADModel+Weights.swift`. A steady tone is never
/// speech (``isSteadyTone(at:in:)``, a rule outside the network). The probability then passes
/// a hysteresis (onset and offset thresholds), a bridge over dips of ``bridgedGapFrames``
/// inside speech, and an optional hangover.
///
/// Lookahead: a frame is judged with a few features of the frames after it (their levels and
/// voicing: whether the voice goes on tells a pause inside speech from its end), and its verdict
/// waits ``bridgedGapFrames`` more frames in case speech resumes at once; so each verdict is for
/// the frame ``lookaheadFrames`` before the one just fed, and ``flush()`` judges the last ones.
///
/// Cost per frame: the feature extraction plus 88 sixteen-lane multiply-adds (44 inputs, 32 hidden units).
public final class VoiceActivityDetector {
    public let sampleRate: Int
    /// Samples per 10 ms frame.
    public var frameLength: Int { extractor.frameLength }
    public var configuration: VoiceActivityConfiguration {
        get { decision.configuration }
        set { decision.configuration = newValue }
    }

    /// How many frames each verdict lags the frame just fed (``process(_:)``).
    public static let lookaheadFrames = VADModel.lookaheadFrames + bridgedGapFrames

    /// The longest dip of the probability inside speech that is still speech (``SpeechDecision``).
    public static let bridgedGapFrames = SpeechDecision.bridgedGapFrames

    private let extractor: VADFeatureExtractor
    private var decision: SpeechDecision
    /// Features of the frames fed but not judged yet: a ring of lookahead + 1 frames from
    /// `oldest`, `pendingCount` of them filled.
    private var pending = [SIMD32<Float>](repeating: .zero, count: VADModel.lookaheadFrames + 1)
    private var oldest = 0
    private var pendingCount = 0

    /// Creates a detector for 8000 or 16000 Hz audio.
    public init(sampleRate: Int, configuration: VoiceActivityConfiguration = .init()) {
        self.sampleRate = sampleRate
        decision = SpeechDecision(configuration: configuration)
        extractor = VADFeatureExtractor(sampleRate: sampleRate)
    }

    /// Feeds one frame of exactly ``frameLength`` samples and judges the frame
    /// ``lookaheadFrames`` before it; the first verdicts of a stream are for the silence before
    /// it (probability 0, not speech).
    public func process(_ frame: UnsafeBufferPointer<Int16>) -> VoiceActivity {
        let features = extractor.features(of: frame)
        pending[(oldest + pendingCount) % pending.count] = features
        pendingCount += 1
        guard pendingCount == pending.count else { return .silence }
        return judgeOldest() ?? .silence
    }

    /// Feeds one frame.
    public func process(_ frame: [Int16]) -> VoiceActivity {
        frame.withUnsafeBufferPointer { process($0) }
    }

    /// Judges the frames fed but not judged yet, at the end of a stream (the frames after the
    /// last are taken to be like it).
    public func flush() -> [VoiceActivity] {
        guard pendingCount > 0 else { return decision.drain() }
        let last = pending[(oldest + pendingCount - 1) % pending.count]
        var verdicts: [VoiceActivity] = []
        for _ in 0..<pendingCount {
            while pendingCount < pending.count {
                pending[(oldest + pendingCount) % pending.count] = last
                pendingCount += 1
            }
            if let verdict = judgeOldest() { verdicts.append(verdict) }
        }
        pendingCount = 0
        verdicts += decision.drain()
        return verdicts
    }

    /// Judges the oldest frame waiting, with what the network sees of the frames after it, and
    /// drops it; returns the verdict the decision rule releases.
    private func judgeOldest() -> VoiceActivity? {
        let features = pending[oldest]
        let probability = Self.isSteadyTone(at: oldest, in: pending) ? 0 : VADModel.probability(ofFrame: oldest, in: pending)
        oldest = (oldest + 1) % pending.count
        pendingCount -= 1
        return decision.decide(probability: probability, signalToNoise: features[VADFeatureExtractor.signalToNoiseIndex])
    }

    /// Whether the frame at `index` of the ring begins or continues a steady tone (dial,
    /// ringback or busy tone, a test tone, a held key), judged over it and the frames after it:
    /// every one explained by four prediction coefficients to 15 dB, the spectrum's shape kept
    /// within 1 dB in the bands no more than 3 dB below the bands' mean (the weak ones wander
    /// as two tones beat) and the level within 3 dB. Such frames are never speech, whatever the
    /// network says. On the development list's real speech 0.5 % of speech frames are this
    /// steady (held vowels, inside utterances); a tone is caught from its second or third frame.
    static func isSteadyTone(at index: Int, in ring: [SIMD32<Float>]) -> Bool {
        let first = ring[index]
        var lowest = first[VADFeatureExtractor.levelIndex], highest = lowest
        for offset in 0..<ring.count {
            let frame = ring[(index + offset) % ring.count]
            guard frame[VADFeatureExtractor.fourthOrderGainIndex] >= 15 else { return false }
            for band in VADFeatureExtractor.bandShapeIndices where first[band] >= -3 && abs(frame[band] - first[band]) > 1 {
                return false
            }
            lowest = min(lowest, frame[VADFeatureExtractor.levelIndex])
            highest = max(highest, frame[VADFeatureExtractor.levelIndex])
        }
        return highest - lowest <= 3
    }

    /// How many 10 ms frames of a whole recording at 8000 or 16000 Hz are speech, judged by a
    /// new detector from its first sample to its last.
    public static func speechFrames(in samples: [Int16], sampleRate: Int) -> Int {
        let detector = VoiceActivityDetector(sampleRate: sampleRate)
        let length = detector.frameLength
        var count = 0
        samples.withUnsafeBufferPointer { buffer in
            for start in stride(from: 0, to: buffer.count - length + 1, by: length) {
                if detector.process(UnsafeBufferPointer(rebasing: buffer[start..<start + length])).isSpeech { count += 1 }
            }
        }
        return count + detector.flush().filter(\.isSpeech).count
    }

    /// Forgets the line, as for a new call.
    public func reset() {
        extractor.reset()
        oldest = 0
        pendingCount = 0
        decision.reset()
    }

}

/// The network of ``VoiceActivityDetector``; weights and thresholds are generated.
enum VADModel {
    /// The 32 hidden units as two sixteen-lane halves: measured, `SIMD32<Float>` arithmetic
    /// compiles to scalar code here and made the detector thirty times slower.
    struct HiddenLayer {
        var low: SIMD16<Float>
        var high: SIMD16<Float>
    }

    /// Speech probability of the frame at `index` of a ring of features, from its own features
    /// and ``lookaheadInputs`` of the ``lookaheadFrames`` frames after it in the ring.
    @inline(__always)
    static func probability(ofFrame index: Int, in ring: [SIMD32<Float>]) -> Float {
        var low = hiddenBias.low, high = hiddenBias.high
        inputWeights.withUnsafeBufferPointer { weights in
            withUnsafeBytes(of: ring[index]) { raw in
                let inputs = raw.bindMemory(to: Float.self)
                for i in 0..<VADFeatureExtractor.count {
                    low += inputs[i] * weights[i].low
                    high += inputs[i] * weights[i].high
                }
            }
            for (j, input) in lookaheadInputs.enumerated() {
                let value = ring[(index + input.frame) % ring.count][input.feature]
                low += value * weights[VADFeatureExtractor.count + j].low
                high += value * weights[VADFeatureExtractor.count + j].high
            }
        }
        low = low.replacing(with: 0, where: low .< 0)
        high = high.replacing(with: 0, where: high .< 0)
        let logit = (low * outputWeights.low).sum() + (high * outputWeights.high).sum() + outputBias
        return 1 / (1 + expf(-logit))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
