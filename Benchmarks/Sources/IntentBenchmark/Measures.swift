import Foundation
import IVRAudio
import IVRDSP
import IVRSpeech

/// F1 where a wrong or rejected in-grammar utterance is a miss and an accepted out-of-grammar
/// one a false alarm.
func f1(correct: Int, wrong: Int, missed: Int, falseAlarms: Int) -> Double {
    let precision = Double(correct) / Double(max(correct + wrong + falseAlarms, 1))
    let recall = Double(correct) / Double(max(correct + wrong + missed, 1))
    return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
}

/// Precision, recall and F1 from counts of detections.
struct Detections {
    var truePositives = 0, falsePositives = 0, falseNegatives = 0
    var precision: Double { Double(truePositives) / Double(max(truePositives + falsePositives, 1)) }
    var recall: Double { Double(truePositives) / Double(max(truePositives + falseNegatives, 1)) }
    var f1: Double { precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0 }
    var row: String { String(format: "%.2f | %.2f | %.2f | %d | %d | %d", precision, recall, f1, truePositives, falsePositives, falseNegatives) }
}

/// `wideband` (16 kHz) as a phone line carries it, with white noise at `snr` dB when given.
func telephone(_ wideband: [Int16], snr: Double?, seed: UInt64) throws -> [Int16] {
    let resampler = try Resampler(from: 16000, to: 8000)
    var floats: [Float] = []
    wideband.map(SampleConversion.float).withUnsafeBufferPointer { resampler.process($0, into: &floats) }
    resampler.flush(into: &floats)
    let band = TestVoice.telephoneBand(floats.map(SampleConversion.int16), sampleRate: 8000)
    guard let snr else { return band }
    var noise = NoiseGenerator(seed: seed)
    return noise.addingWhite(to: band, snr: snr)
}

/// A raw 16-bit little-endian recording.
func raw(_ path: String) throws -> [Int16] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return data.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)).map { Int16(littleEndian: $0) } }
}

func residentMegabytes() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

/// Process CPU seconds: ours (the whole decision) and the plain grammar decode's, same audio.
struct CPU {
    var ours = 0.0, plain = 0.0, speech = 0.0
    var row: String { String(format: "%.3f / %.3f (%.2f)", ours / max(speech, 1e-9), plain / max(speech, 1e-9), ours / max(plain, 1e-9)) }
}

/// What `body` returns; the process CPU seconds it took are added to `total`.
func timed<Result>(adding total: inout Double, _ body: () throws -> Result) rethrows -> Result {
    let start = clock()
    defer { total += Double(clock() - start) / Double(CLOCKS_PER_SEC) }
    return try body()
}

let verbose = ProcessInfo.processInfo.environment["VERBOSE"] != nil

/// A line on standard error when VERBOSE is set (one per utterance: what was heard and decided).
func trace(_ line: @autoclosure () -> String) {
    if verbose { FileHandle.standardError.write(Data((line() + "\n").utf8)) }
}

/// Progress on a terminal's standard error (nothing when it is piped).
func progress(_ text: String) {
    guard isatty(2) != 0, !verbose else { return }
    FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
}

/// 8 kHz audio limited to `band` (sox `sinc` arguments: `300-3400` for a public network's
/// voice band, `-3400` for a line cut at the top), as `scripts/benchmark-intents` limits the
/// recordings.
func limited(_ samples: [Int16], to band: String) throws -> [Int16] {
    let input = FileManager.default.temporaryDirectory.appendingPathComponent("ivr-band-\(UUID().uuidString).wav").path
    let output = input + ".band.wav"
    defer { for path in [input, output] { try? FileManager.default.removeItem(atPath: path) } }
    try SoundFileWriter(path: input, sampleRate: 8000).write(samples: samples)
    let sox = Process()
    sox.executableURL = URL(fileURLWithPath: "/usr/bin/sox")
    sox.arguments = [input, output, "sinc", band]
    try sox.run()
    sox.waitUntilExit()
    return try AudioFileSource(path: output, sampleRate: 8000).readAll()
}
