import Foundation
import IVRAudio

/// How a prompt is spoken: eSpeak NG voice (a language such as `en-us`, `es`, optionally with a
/// variant, `en-us+f3`), speed in words per minute, pitch and volume (0–100, 100 normal).
public struct VoiceSettings: Hashable, Sendable, Codable {
    public var voice: String
    public var rate: Int
    public var pitch: Int
    public var volume: Int

    public init(voice: String = "en-us", rate: Int = 160, pitch: Int = 50, volume: Int = 100) {
        self.voice = voice
        self.rate = rate
        self.pitch = pitch
        self.volume = volume
    }
}

/// Text to speech with eSpeak NG's C library, at the pipeline rate (eSpeak's 22,050 Hz
/// resampled by libsoxr). SSML is passed through when the text starts with `<speak`.
public struct SpeechSynthesizer: Sendable {
    /// Rate of the audio it returns.
    public let sampleRate: Int

    public init(sampleRate: Int) {
        self.sampleRate = sampleRate
    }

    /// Speaks `text`. Characters eSpeak cannot say are dropped; empty text gives no samples.
    public func synthesize(_ text: String, settings: VoiceSettings = .init()) throws -> [Int16] {
        let clean = Self.sayable(text)
        guard !clean.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
        guard (80...450).contains(settings.rate) else { throw SpeechError.synthesizer("rate \(settings.rate) is outside 80–450 words per minute") }
        let (samples, rate): ([Int16], Int)
        do {
            (samples, rate) = try EspeakNG.synthesize(
                clean, voice: settings.voice, rate: settings.rate, pitch: min(max(settings.pitch, 0), 100),
                volume: min(max(settings.volume, 0), 200), ssml: clean.hasPrefix("<speak"))
        } catch SpeechError.unknownVoice(let voice, _) {
            throw SpeechError.unknownVoice(voice, available: try Self.voices(near: voice))
        }
        return try Self.resample(samples, from: rate, to: sampleRate)
    }

    /// The voices eSpeak NG offers: the language code to ask for (`en-us`, `es`) and the name.
    public static func voices() throws -> [(language: String, name: String)] {
        try EspeakNG.voices().map { ($0.languages.first ?? $0.identifier, $0.name) }.sorted { $0.language < $1.language }
    }

    /// Voices for the same language as `voice` (all of them when none matches).
    static func voices(near voice: String) throws -> [String] {
        let all = try EspeakNG.voices()
        let language = String(voice.split(separator: "+").first ?? "").split(separator: "-").first.map(String.init) ?? ""
        let matching = all.filter { $0.languages.contains { $0.hasPrefix(language) } || $0.identifier.hasSuffix("/\(language)") }
        return (matching.isEmpty ? all : matching).flatMap { $0.languages.isEmpty ? [$0.name] : $0.languages }
            .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.sorted()
    }

    /// The text without control characters and unpaired surrogates eSpeak would stumble on.
    static func sayable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter {
            !($0.properties.generalCategory == .control && $0 != "\n") && $0.properties.generalCategory != .privateUse
                && $0.properties.generalCategory != .unassigned
        }))
    }

    private static func resample(_ samples: [Int16], from input: Int, to output: Int) throws -> [Int16] {
        guard input != output else { return samples }
        let resampler = try Resampler(from: Double(input), to: Double(output))
        var converted: [Float] = []
        converted.reserveCapacity(samples.count * output / input + 64)
        samples.map(SampleConversion.float).withUnsafeBufferPointer { resampler.process($0, into: &converted) }
        resampler.flush(into: &converted)
        return converted.map(SampleConversion.int16)
    }
}
