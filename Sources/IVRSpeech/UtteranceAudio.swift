import Foundation
import IVRAudio
import IVRDSP

/// The audio of an utterance made ready to be heard: whether it holds speech at all, its edges
/// trimmed to the speech, a hesitation's shape, the quiet line keyphrases are spotted on, an
/// offset taken off, the model's rate.
extension SpeechRecognizer {
    /// Frames of speech (10 ms) the voice activity detector must find in an utterance for
    /// anything to be heard in it.
    static let speechFramesMinimum = 5
    /// Below this estimated SNR (dB) an utterance is a steady noise alone, whatever its level
    /// (the voice activity detector takes a loud noise that starts abruptly for speech now and
    /// then): such noise lies within 1–2 dB of its quietest frames, speech at 5 dB SNR further.
    static let steadyNoiseAloneBelowSNR = 3.0

    /// Whether `samples` hold speech: their `estimatedSNR` is at least
    /// ``steadyNoiseAloneBelowSNR`` and the voice activity detector finds
    /// ``speechFramesMinimum`` frames of speech in them (at their rate when it is 8 or 16 kHz,
    /// else resampled to 16 kHz). Noise, a keypad tone or ringback alone were heard as "no" with
    /// confidence 1, the acoustic check finding a short word's senones as good as any for sounds
    /// no senone fits.
    static func holdsSpeech(_ samples: [Int16], sampleRate: Int, estimatedSNR: Double) throws(RecognitionError) -> Bool {
        guard estimatedSNR >= steadyNoiseAloneBelowSNR else { return false }
        let (audio, rate) = sampleRate == 8000 || sampleRate == 16000 ? (samples, sampleRate) : (try resampled(samples, from: sampleRate, to: 16000), 16000)
        return VoiceActivityDetector.speechFrames(in: audio, sampleRate: rate) >= speechFramesMinimum
    }

    /// Speech kept before the first and after the last 10 ms frame that holds speech.
    static let speechMargin = 0.05
    /// A frame holds speech when its power is within this many dB of the utterance's loudest
    /// frame and clearly above its quietest.
    static let speechBelowPeak = 35.0

    /// `samples` from ``speechMargin`` before the first frame of speech to as much after the
    /// last: the endpointer hands over an utterance with a pause around it, and on real
    /// telephone speech the words are heard better without it (the cepstral mean is the
    /// speech's; BENCHMARKS.md). A frame is speech when its power is within ``speechBelowPeak``
    /// dB of the loudest and 6 dB above the quietest tenth of frames.
    static func trimmedToSpeech(_ samples: [Int16], sampleRate: Int) -> [Int16] {
        let length = sampleRate / 100
        guard let (powers, threshold) = framePowers(samples, length: length) else { return samples }
        guard let first = powers.firstIndex(where: { $0 > threshold }), let last = powers.lastIndex(where: { $0 > threshold }) else { return samples }
        let margin = Int(speechMargin * Double(sampleRate))
        let start = max(0, first * length - margin), end = min(samples.count, (last + 1) * length + margin)
        return Array(samples[start..<end])
    }

    /// The power of each frame of `length` samples, and the power above which a frame holds
    /// speech: within ``speechBelowPeak`` dB of the loudest and 6 dB above the quietest tenth of
    /// frames. Nil for fewer than five frames.
    private static func framePowers(_ samples: [Int16], length: Int) -> (powers: [Double], threshold: Double)? {
        guard samples.count > 4 * length else { return nil }
        let powers = stride(from: 0, to: samples.count - length + 1, by: length).map { samples[$0..<$0 + length].meanPower }
        let sorted = powers.sorted()
        return (powers, max(sorted.last! * pow(10, -speechBelowPeak / 10), sorted[sorted.count / 10] * 4))
    }

    /// The longest a hesitation before an answer may last (seconds), and the least pause after it.
    static let hesitationLongest = 0.7
    static let hesitationPauseLeast = 0.08
    /// An utterance (16 kHz, trimmed to its speech) shaped as a hesitation and the rest: a first
    /// sound of at most ``hesitationLongest`` s, then at least ``hesitationPauseLeast`` s of
    /// pause (frames as ``trimmedToSpeech(_:sampleRate:)`` tells speech), then speech again.
    /// The end of the first sound and the start of the rest, each ``speechMargin`` into the
    /// pause; nil when it has no such shape.
    static func hesitationShape(_ samples: [Int16]) -> (end: Int, rest: Int)? {
        let length = samplesPerFrame
        guard let (powers, threshold) = framePowers(samples, length: length) else { return nil }
        guard let first = powers.firstIndex(where: { $0 > threshold }) else { return nil }
        let longest = Int(hesitationLongest * 100), pauseLeast = Int(hesitationPauseLeast * 100)
        var quiet = 0
        for frame in first..<powers.count {
            guard powers[frame] > threshold else {
                quiet += 1
                continue
            }
            if quiet >= pauseLeast {
                guard frame - quiet - first <= longest else { return nil }
                let margin = Int(speechMargin * 16000)
                return (min(samples.count, (frame - quiet) * length + margin), max(0, frame * length - margin))
            }
            quiet = 0
            if frame - first >= longest { return nil }
        }
        return nil
    }

    /// 16 kHz samples per 10 ms feature frame.
    static let samplesPerFrame = 160

    /// Seconds of quiet line after an utterance in which keyphrases are spotted: PocketSphinx
    /// reports a keyphrase only once some audio has followed it, and the utterance is trimmed
    /// to its speech.
    static let spottingPause = 0.2

    /// ``spottingPause`` of white noise at −60 dBFS at 16 kHz (a quiet line; the same noise
    /// every time, so that an utterance decodes alike), after a denoised utterance.
    static let spottingPauseSamples: [Int16] = {
        var generator = NoiseGenerator(seed: 99)
        return generator.white(count: Int(spottingPause * 16000), rms: pow(10, -60.0 / 20) * 32768).map { Int16(clamping: Int($0.rounded())) }
    }()

    /// How far below the speech's mean power (dB) the quiet line's hiss lies
    /// (``onQuietLine(_:)``): on the development list's recordings, about where −60 dBFS lies.
    static let quietLineBelowSpeech = 40.0

    /// `samples` on a quiet line: white noise ``quietLineBelowSpeech`` under them (the same
    /// every time, so that an utterance decodes alike) and a ``spottingPause`` of it after them.
    /// Speech and pause share one floor, so a band that a handset or a voice leaves nearly
    /// empty reads alike in both, and the pause does not pull the cepstral mean away from the
    /// speech's: on the development list keywords and intents through a dull handset rose from
    /// F1 0.64 and 0.65 to 0.76 and 0.81, in a lower voice from 0.65 and 0.68 to 0.81 and 0.81
    /// (BENCHMARKS.md). The floor follows the speech's level: at a fixed −60 dBFS a caller 20 dB
    /// quieter lost (0.79 → 0.65).
    static func onQuietLine(_ samples: [Int16]) -> [Int16] {
        var generator = NoiseGenerator(seed: 7)
        let hissed = generator.addingWhite(to: samples, snr: quietLineBelowSpeech)
        let rms = (samples.meanPower / pow(10, quietLineBelowSpeech / 10)).squareRoot()
        return hissed + generator.white(count: spottingPauseSamples.count, rms: rms).map { Int16(clamping: Int($0.rounded())) }
    }

    /// `samples` less their mean: a line or a sound card's constant offset (DC) counts as power
    /// in every frame, so that silence looks like speech to the trimming and like noise to the
    /// noise estimate (the dev list 10 % of full scale off zero: 114 of 178 menu answers right,
    /// keywords F1 0.35; BENCHMARKS.md).
    static func withoutOffset(_ samples: [Int16]) -> [Int16] {
        guard !samples.isEmpty else { return samples }
        let offset = Int((samples.reduce(0.0) { $0 + Double($1) } / Double(samples.count)).rounded())
        return offset == 0 ? samples : samples.map { Int16(clamping: Int($0) - offset) }
    }

    /// `samples` at `rate` resampled to `target` (soxr).
    static func resampled(_ samples: [Int16], from rate: Int, to target: Int) throws(RecognitionError) -> [Int16] {
        guard rate != target else { return samples }
        let resampler: Resampler
        do { resampler = try Resampler(from: Double(rate), to: Double(target)) } catch {
            throw RecognitionError.decoder("cannot resample the utterance: \(error)")
        }
        var output: [Float] = []
        samples.map(SampleConversion.float).withUnsafeBufferPointer { resampler.process($0, into: &output) }
        resampler.flush(into: &output)
        return output.map(SampleConversion.int16)
    }
}
