import Foundation
import IVRAudio

/// Speech for talk-off tests: the real recordings of Debian's `pocketsphinx-testdata` and
/// long texts read by eSpeak NG and flite voices, made once per test run.
enum SpeechCorpus {
    static let testData = "/usr/share/pocketsphinx/test/data"

    /// A text with digits, money, names and ordinary prose, as callers and prompts say them.
    static let text = """
    Thank you for calling. Please listen carefully, as our menu options have changed. \
    For billing and payments, press one. To hear our opening hours, say hours. \
    My account number is four seven one one, two nine eight three, and my PIN is five five zero two. \
    I would like to pay three hundred and forty two dollars and seventeen cents on the first of March. \
    Could you put me through to an operator? I've been waiting on hold for twenty minutes already! \
    The quick brown fox jumps over the lazy dog, while the five boxing wizards jump quickly. \
    Yes. No. Maybe. Representative. Agent. Help. Goodbye. Zero, one, two, three, four, five, six, seven, eight, nine. \
    It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness. \
    Oh, hello there, is anybody listening? Hmm, well, I suppose I will call back tomorrow morning at nine thirty.
    """

    /// eSpeak NG voices and settings: (voice, words per minute, pitch).
    static let espeakVoices: [(String, Int, Int)] = [
        ("en-us", 160, 50), ("en-gb", 140, 30), ("en-us+f3", 175, 70), ("en+m3", 120, 40),
        ("en-us+f5", 150, 90), ("en-gb-x-rp+m7", 190, 20),
    ]

    /// flite's built-in voices.
    static let fliteVoices = ["kal16", "slt", "rms", "awb"]

    /// All speech at `rate`, each recording as its own sample array.
    static func recordings(rate: Int) throws -> [(name: String, samples: [Int16])] {
        try realRecordings(rate: rate) + synthesized(rate: rate)
    }

    /// The WAV and raw recordings shipped in `pocketsphinx-testdata`.
    static func realRecordings(rate: Int) throws -> [(name: String, samples: [Int16])] {
        var result: [(String, [Int16])] = []
        let enumerator = FileManager.default.enumerator(atPath: testData)
        while let relative = enumerator?.nextObject() as? String {
            let path = "\(testData)/\(relative)"
            if relative.hasSuffix(".wav") {
                result.append((relative, try AudioFileSource(path: path, sampleRate: rate).readAll()))
            } else if relative.hasSuffix(".raw") {
                result.append((relative, try resample(rawPCM16(path), from: 16000, to: rate)))
            }
        }
        return result
    }

    /// The text read by every available eSpeak NG and flite voice (those missing are skipped).
    static func synthesized(rate: Int) throws -> [(name: String, samples: [Int16])] {
        let folder = cacheFolder()
        var result: [(String, [Int16])] = []
        for (voice, speed, pitch) in espeakVoices {
            let path = "\(folder)/espeak-\(voice)-\(speed)-\(pitch).wav"
            if run("espeak-ng", ["-v", voice, "-s", "\(speed)", "-p", "\(pitch)", "-w", path, text], creates: path) {
                result.append(("espeak-ng \(voice)", try AudioFileSource(path: path, sampleRate: rate).readAll()))
            }
        }
        for voice in fliteVoices {
            let path = "\(folder)/flite-\(voice).wav"
            if run("flite", ["-voice", voice, "-t", text, "-o", path], creates: path) {
                result.append(("flite \(voice)", try AudioFileSource(path: path, sampleRate: rate).readAll()))
            }
        }
        return result
    }

    /// One short phrase spoken by an eSpeak NG voice, at `rate`.
    static func phrase(_ text: String, voice: String = "en-us", speed: Int = 160, rate: Int) throws -> [Int16] {
        let key = text.unicodeScalars.reduce(UInt64(5381)) { ($0 &* 33) ^ UInt64($1.value) }
        let path = "\(cacheFolder())/phrase-\(voice)-\(speed)-\(String(key, radix: 16)).wav"
        guard run("espeak-ng", ["-v", voice, "-s", "\(speed)", "-w", path, text], creates: path) else {
            throw AudioError(path: path, reason: "espeak-ng could not synthesize the phrase")
        }
        return try AudioFileSource(path: path, sampleRate: rate).readAll()
    }

    /// The WAV recordings of `pocketsphinx-testdata` (cards and librivox), at `rate`.
    static func realWAVRecordings(rate: Int) throws -> [(name: String, samples: [Int16])] {
        try ["cards", "librivox"].flatMap { folder in
            try FileManager.default.contentsOfDirectory(atPath: "\(testData)/\(folder)").sorted()
                .filter { $0.hasSuffix(".wav") }
                .map { ("\(folder)/\($0)", try AudioFileSource(path: "\(testData)/\(folder)/\($0)", sampleRate: rate).readAll()) }
        }
    }

    private static func cacheFolder() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ivr-speech-corpus").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs a synthesizer unless its output exists; true when the file is there afterwards.
    private static func run(_ program: String, _ arguments: [String], creates path: String) -> Bool {
        if FileManager.default.fileExists(atPath: path) { return true }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0 && FileManager.default.fileExists(atPath: path)
    }

    private static func rawPCM16(_ path: String) throws -> [Int16] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { bytes in
            (0..<(data.count / 2)).map { Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) }
        }
    }

    private static func resample(_ samples: [Int16], from inputRate: Int, to outputRate: Int) throws -> [Int16] {
        guard inputRate != outputRate else { return samples }
        let resampler = try Resampler(from: Double(inputRate), to: Double(outputRate))
        var output: [Float] = []
        samples.map(SampleConversion.float).withUnsafeBufferPointer { resampler.process($0, into: &output) }
        resampler.flush(into: &output)
        return output.map(SampleConversion.int16)
    }
}
