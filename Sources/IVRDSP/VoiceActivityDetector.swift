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
    /// The decision after hysteresis and hangover.
    public let isSpeech: Bool
    /// The frame's level above the tracked noise floor, in dB (−10 to 60).
    public let signalToNoise: Float
}

/// A streaming voice activity detector for 8 and 16 kHz audio in 10 ms frames.
///
/// Method: ``VADFeatureExtractor``'s 32 features per frame go through a small neural network
/// (32 inputs, 16 ReLU units, a logistic output) trained by `scripts/vad/train.py` on TTS voices
/// in white, pink, brown and babble noise, telephone tones and band-limited versions; the weights
/// are in `VADModel+Weights.swift`. The probability then passes a hysteresis (onset and offset
/// thresholds) and a hangover of a few frames.
///
/// Cost per frame: the feature extraction plus 32 sixteen-lane multiply-adds.
public final class VoiceActivityDetector {
    public let sampleRate: Int
    /// Samples per 10 ms frame.
    public var frameLength: Int { extractor.frameLength }
    public var configuration: VoiceActivityConfiguration

    private let extractor: VADFeatureExtractor
    private var speaking = false
    private var framesSinceSpeech = Int.max

    /// Creates a detector for 8000 or 16000 Hz audio.
    public init(sampleRate: Int, configuration: VoiceActivityConfiguration = .init()) {
        self.sampleRate = sampleRate
        self.configuration = configuration
        extractor = VADFeatureExtractor(sampleRate: sampleRate)
    }

    /// Judges one frame of exactly ``frameLength`` samples.
    public func process(_ frame: UnsafeBufferPointer<Int16>) -> VoiceActivity {
        let features = extractor.features(of: frame)
        let probability = VADModel.probability(features)
        let threshold = speaking ? configuration.offsetThreshold : configuration.onsetThreshold
        if probability >= threshold {
            speaking = true
            framesSinceSpeech = 0
        } else {
            speaking = false
            framesSinceSpeech = framesSinceSpeech == Int.max ? Int.max : framesSinceSpeech + 1
        }
        return VoiceActivity(probability: probability, isSpeech: framesSinceSpeech <= configuration.hangoverFrames,
                             signalToNoise: features[VADFeatureExtractor.signalToNoiseIndex])
    }

    /// Judges one frame.
    public func process(_ frame: [Int16]) -> VoiceActivity {
        frame.withUnsafeBufferPointer { process($0) }
    }

    /// Forgets the line, as for a new call.
    public func reset() {
        extractor.reset()
        speaking = false
        framesSinceSpeech = Int.max
    }

}

/// The network of ``VoiceActivityDetector``; weights and thresholds are generated.
enum VADModel {
    /// Speech probability of one frame's features.
    @inline(__always)
    static func probability(_ features: SIMD32<Float>) -> Float {
        var hidden = hiddenBias
        withUnsafeBytes(of: features) { raw in
            let inputs = raw.bindMemory(to: Float.self)
            inputWeights.withUnsafeBufferPointer { weights in
                for i in 0..<32 { hidden += inputs[i] * weights[i] }
            }
        }
        hidden = hidden.replacing(with: 0, where: hidden .< 0)
        let logit = (hidden * outputWeights).sum() + outputBias
        return 1 / (1 + expf(-logit))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
