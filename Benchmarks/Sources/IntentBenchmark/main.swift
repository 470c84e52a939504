// Spoken-intent accuracy on speech that is not the IVR's own voice: flite's voices (kal16, slt,
// rms, awb) saying the example intents' phrases and off-grammar sentences, at 16 kHz, at 8 kHz
// telephone band, and at 8 kHz with white noise at 10 dB SNR. Ours (grammar + rejection by the
// free decode) beside the same decoder used naively (the grammar's best path taken as is).
//   IntentBenchmark EXAMPLES_FOLDER
import Foundation
import IVRAudio
import IVRDSP
import IVRSpeech

let folder = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "../examples"
let phrases: [(text: String, intent: String)] = [
    ("I want to pay my bill", "pay_bill"), ("settle my invoice please", "pay_bill"), ("pay my bill", "pay_bill"),
    ("talk to technical support please", "transfer"), ("speak to sales", "transfer"), ("billing please", "transfer"),
    ("I want to talk to accounts", "transfer"), ("what are your opening hours", "hours"), ("when are you open", "hours"),
    ("hours", "hours"), ("my account number is four seven one one", "account"),
    ("my account number is two zero nine five", "account"), ("yes", "confirm"), ("no", "confirm"),
    ("operator please", "operator"), ("agent", "operator"), ("representative", "operator"),
]
let offGrammar = [
    "the weather is nice today", "could you tell me a joke", "I lost my wallet yesterday", "what time is it",
    "my neighbour has a very loud dog", "hello is anybody there", "I would like a pizza with extra cheese",
    "banana", "thank you very much", "where is the nearest train station",
]
let voices = ["kal16", "slt", "rms", "awb"]

func flite(_ text: String, voice: String) throws -> [Int16] {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("intent-bench-\(getpid()).wav").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["flite", "-voice", voice, "-t", text, "-o", path]
    try process.run()
    process.waitUntilExit()
    return try AudioFileSource(path: path, sampleRate: 16000).readAll()
}

/// 8 kHz telephone band (300 Hz second-order high-pass after resampling), optionally with noise.
func telephone(_ wideband: [Int16], snr: Double?, seed: UInt64) throws -> [Int16] {
    let resampler = try Resampler(from: 16000, to: 8000)
    var floats: [Float] = []
    wideband.map(SampleConversion.float).withUnsafeBufferPointer { resampler.process($0, into: &floats) }
    resampler.flush(into: &floats)
    let w = tan(Double.pi * 300 / 8000), q = 2.0.squareRoot(), norm = 1 / (1 + q * w + w * w)
    var x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0
    var band = floats.map { value -> Double in
        let x = Double(value) * 32768
        let y = norm * (x - 2 * x1 + x2) - 2 * (w * w - 1) * norm * y1 - (1 - q * w + w * w) * norm * y2
        (x2, x1, y2, y1) = (x1, x, y1, y)
        return y
    }
    if let snr {
        let power = band.reduce(0) { $0 + $1 * $1 } / Double(max(band.count, 1))
        var noise = NoiseGenerator(seed: seed)
        let added = noise.white(count: band.count, rms: (power / pow(10, snr / 10)).squareRoot())
        band = zip(band, added).map { $0 + $1 }
    }
    // Half a second of line noise (or silence) around the phrase, as on a call.
    return band.map { Int16(clamping: Int($0.rounded())) }
}

let recognizer = try SpeechRecognizer()
let grammar = try IntentGrammar.load(path: "\(folder)/intents.yaml", knows: recognizer.knows)
try recognizer.addGrammar("intents", jsgf: grammar.jsgf)
try recognizer.use("intents")

print("| condition | ours: intent F1 | ours: false intents off-grammar | naive: intent F1 | naive: false intents off-grammar | CPU s per s of speech (ours) |")
print("|---|---|---|---|---|---|")
for (condition, rate, snr) in [("16 kHz", 16000, nil as Double?), ("8 kHz telephone", 8000, nil), ("8 kHz telephone, 10 dB SNR", 8000, 10.0)] {
    var ours = (correct: 0, wrong: 0, rejected: 0, falseAlarms: 0)
    var naive = (correct: 0, wrong: 0, falseAlarms: 0)
    var speechSeconds = 0.0, cpuSeconds = 0.0
    var seed: UInt64 = 1
    for voice in voices {
        for (text, isOff) in phrases.map({ ($0.text, false) }) + offGrammar.map({ ($0, true) }) {
            let wideband = try flite(text, voice: voice)
            let audio = rate == 16000 ? wideband : try telephone(wideband, snr: snr, seed: seed)
            seed += 1
            speechSeconds += Double(audio.count) / Double(rate)
            let start = clock()
            let heard = try recognizer.recognize(audio, sampleRate: rate)
            cpuSeconds += Double(clock() - start) / Double(CLOCKS_PER_SEC)
            let match = grammar.match(heard.words)
            let expected = phrases.first { $0.text == text }?.intent
            // Naive: the grammar's best path, always taken.
            if isOff {
                if match != nil { naive.falseAlarms += 1 }
                if match != nil, heard.confidence >= 0.5 { ours.falseAlarms += 1 }
            } else {
                if match?.intent == expected { naive.correct += 1 } else { naive.wrong += 1 }
                if heard.confidence < 0.5 || match == nil { ours.rejected += 1 }
                else if match?.intent == expected { ours.correct += 1 } else { ours.wrong += 1 }
            }
        }
    }
    func f1(correct: Int, wrong: Int, missed: Int, falseAlarms: Int) -> Double {
        let precision = Double(correct) / Double(max(correct + wrong + falseAlarms, 1))
        let recall = Double(correct) / Double(max(correct + wrong + missed, 1))
        return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
    }
    let offCount = Double(voices.count * offGrammar.count)
    let ourF1 = f1(correct: ours.correct, wrong: ours.wrong, missed: ours.rejected, falseAlarms: ours.falseAlarms)
    let naiveF1 = f1(correct: naive.correct, wrong: naive.wrong, missed: 0, falseAlarms: naive.falseAlarms)
    print(String(format: "| %@ | %.2f | %.0f %% | %.2f | %.0f %% | %.3f |", condition, ourF1, 100 * Double(ours.falseAlarms) / offCount,
                 naiveF1, 100 * Double(naive.falseAlarms) / offCount, cpuSeconds / speechSeconds))
}
