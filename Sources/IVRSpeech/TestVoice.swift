import Foundation
import IVRAudio

/// A voice other than the IVR's, for test calls and calibration: an eSpeak NG voice
/// (`en-us+m3`), one of flite's (`flite:slt`, when flite is installed) or one of Festival's
/// (`festival:cmu_us_slt_arctic_hts`, when Festival and the voice are installed).
public struct TestVoice: Sendable, Equatable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) { self.name = name }

    public var description: String { name }

    /// flite's English voices, if flite is installed (none otherwise).
    public static var fliteVoices: [TestVoice] {
        let installed = ["/usr/bin/flite", "/usr/local/bin/flite"].contains { FileManager.default.isExecutableFile(atPath: $0) }
        return installed ? ["kal16", "slt", "rms", "awb"].map { TestVoice("flite:" + $0) } : []
    }

    /// Festival's voices that are installed (Debian: `festvox-kdlpc16k`, diphones cut from a
    /// real speaker; `festvox-us-slt-hts`, an HMM voice), none without Festival.
    public static var festivalVoices: [TestVoice] {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/text2wave") else { return [] }
        return [("english", "ked_diphone"), ("us", "cmu_us_slt_arctic_hts")]
            .filter { FileManager.default.fileExists(atPath: "/usr/share/festival/voices/\($0.0)/\($0.1)") }
            .map { TestVoice("festival:" + $0.1) }
    }

    /// The caller's voice in a test call unless a scenario names one: flite's slt, whose words
    /// the recognizer hears as it hears a person's (the help desk's fourteen spoken requests by
    /// `scripts/benchmark-voice-calls`: 14 reach the right place), when flite is installed; else
    /// eSpeak NG's en-us+m3. eSpeak NG's formant voices are heard far worse than people (the same
    /// requests: 6 and 4 of 14, most heard right but below the threshold; BENCHMARKS.md), so a
    /// scenario spoken with one fails for the synthesizer rather than for the flow.
    public static var defaultCaller: TestVoice {
        fliteVoices.isEmpty ? TestVoice("en-us+m3") : TestVoice("flite:slt")
    }

    /// `text` spoken at `sampleRate`; eSpeak NG voices at `wordsPerMinute`.
    public func speak(_ text: String, sampleRate: Int, wordsPerMinute: Int = 150) throws -> [Int16] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ivr-voice-\(UUID().uuidString).wav").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let command: [String], input: String?
        if name.hasPrefix("flite:") {
            (command, input) = (["flite", "-voice", String(name.dropFirst(6)), "-t", text, "-o", path], nil)
        } else if name.hasPrefix("festival:") {
            (command, input) = (["text2wave", "-eval", "(voice_\(name.dropFirst(9)))", "-o", path], text)  // text on standard input
        } else {
            return try SpeechSynthesizer(sampleRate: sampleRate).synthesize(text, settings: VoiceSettings(voice: name, rate: wordsPerMinute))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.standardError = FileHandle.nullDevice
        let pipe = Pipe()
        if input != nil { process.standardInput = pipe }
        try process.run()
        if let input {
            pipe.fileHandleForWriting.write(Data(input.utf8))
            try pipe.fileHandleForWriting.close()
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw SpeechError.synthesizer("\(command[0]) could not speak with voice \(name)") }
        return try AudioFileSource(path: path, sampleRate: sampleRate).readAll()
    }

    /// Seconds of silence before and after each utterance of ``speakEach``, as an endpointed
    /// utterance has the line around it (the endpointer keeps 0.3 s before speech and ends an
    /// utterance only after 0.7 s of silence). eSpeak NG's renderings start and end on speech,
    /// a caller's utterance does not.
    static let endpointedSilence = 0.3

    /// Every item's text said by every voice at every rate (8 kHz through
    /// ``telephoneBand(_:sampleRate:)``), with the silence an endpointer delivers around an
    /// utterance (``endpointedSilence``), voice by voice, each turned into a result by `judge`
    /// (audio, item, voice, rate); `progress` hears (done, total).
    public static func speakEach<Item, Result>(_ items: [Item], saying text: (Item) -> String, voices: [TestVoice], sampleRates: [Int],
                                               progress: (Int, Int) -> Void = { _, _ in },
                                               judge: ([Int16], Item, TestVoice, Int) throws -> Result) throws -> [Result] {
        let total = items.count * voices.count * sampleRates.count
        var results: [Result] = []
        for voice in voices {
            for rate in sampleRates {
                let silence = [Int16](repeating: 0, count: Int(endpointedSilence * Double(rate)))
                for item in items {
                    var audio = try voice.speak(text(item), sampleRate: rate)
                    if rate == 8000 { audio = telephoneBand(audio, sampleRate: rate) }
                    audio = silence + audio + silence
                    results.append(try judge(audio, item, voice, rate))
                    progress(results.count, total)
                }
            }
        }
        return results
    }

    /// Speech as a phone line passes it: a second-order Butterworth high-pass at 300 Hz (an
    /// 8 kHz rate already stops it at 4 kHz).
    public static func telephoneBand(_ samples: [Int16], sampleRate: Int) -> [Int16] {
        let w = tan(Double.pi * 300 / Double(sampleRate)), q = 2.0.squareRoot()
        let norm = 1 / (1 + q * w + w * w)
        let b0 = norm, b1 = -2 * norm, b2 = norm
        let a1 = 2 * (w * w - 1) * norm, a2 = (1 - q * w + w * w) * norm
        var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0
        return samples.map { sample in
            let x = Double(sample)
            let y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            (x2, x1, y2, y1) = (x1, x, y1, y)
            return Int16(clamping: Int(y.rounded()))
        }
    }
}
