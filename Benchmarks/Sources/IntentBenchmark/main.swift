// Spoken-intent accuracy on speech that is not the IVR's own voice, ours (grammar + rejection
// by agreement with a free decode, per-intent thresholds) beside the same decoder used naively
// (the grammar's best path taken as is):
//   1. flite's voices (kal16, slt, rms, awb) saying the example intents' phrases, the same
//      phrases inside longer sentences, and off-grammar sentences; at 16 kHz, 8 kHz telephone
//      band, and 8 kHz with white noise at 10 dB SNR;
//   2. the real recordings of pocketsphinx-testdata with their grammars, 16 kHz, 8 kHz band,
//      and 8 kHz band with white noise at 10 dB SNR;
//   3. spoken digit strings at 8 kHz (flite voices and the real TIDIGITS recording);
//   4. CPU per second of speech (ours, and the naive decode's in the same run: this machine's
//      speed moves between runs, their ratio much less), grammar switch time, memory.
//   IntentBenchmark EXAMPLES_FOLDER [ONLY]   (ONLY: run just the intent rows of that condition,
//   e.g. "8 kHz telephone", and skip the other parts, or "real" for part 2 alone, or
//   "noisy-line" for eSpeak NG voices saying everyday sentences and the example phrases on a
//   noisy line (not in the full run);
//   VERBOSE=1 in the environment prints each utterance's voice, text, expected intent, words
//   heard, intent, confidence and word confidences on standard error)
import Foundation
import IVRAudio
import IVRDSP
import IVRSpeech

let folder = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "../examples"
let only = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : nil
let phrases: [(text: String, intent: String)] = [
    ("I want to pay my bill", "pay_bill"), ("settle my invoice please", "pay_bill"), ("pay my bill", "pay_bill"),
    ("talk to technical support please", "transfer"), ("speak to sales", "transfer"), ("billing please", "transfer"),
    ("I want to talk to accounts", "transfer"), ("what are your opening hours", "hours"), ("when are you open", "hours"),
    ("hours", "hours"), ("my account number is four seven one one", "account"),
    ("my account number is two zero nine five", "account"), ("yes", "confirm"), ("no", "confirm"),
    ("operator please", "operator"), ("agent", "operator"), ("representative", "operator"),
]
/// The same intents said the way callers say them: inside longer sentences.
let inSentences: [(text: String, intent: String)] = [
    ("hello I want to pay my bill please thank you", "pay_bill"), ("hi yes I would like to settle my invoice", "pay_bill"),
    ("um could I speak to sales please", "transfer"), ("I need to talk to technical support about my modem", "transfer"),
    ("yes hello what are your opening hours today", "hours"), ("can you tell me when are you open on saturday", "hours"),
    ("okay my account number is four seven one one", "account"), ("I think yes", "confirm"),
    ("can I have an operator please", "operator"), ("just give me an agent", "operator"),
]
let offGrammar = [
    "the weather is nice today", "could you tell me a joke", "I lost my wallet yesterday", "what time is it",
    "my neighbour has a very loud dog", "hello is anybody there", "I would like a pizza with extra cheese",
    "banana", "thank you very much", "where is the nearest train station",
]
let voices = ["kal16", "slt", "rms", "awb"].map { TestVoice("flite:" + $0) }

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

/// A raw 16-bit little-endian 16 kHz recording.
func raw(_ path: String) throws -> [Int16] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return data.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)).map { Int16(littleEndian: $0) } }
}

func narrowband(_ wideband: [Int16]) throws -> [Int16] { try telephone(wideband, snr: nil, seed: 0) }

func f1(correct: Int, wrong: Int, missed: Int, falseAlarms: Int) -> Double {
    let precision = Double(correct) / Double(max(correct + wrong + falseAlarms, 1))
    let recall = Double(correct) / Double(max(correct + wrong + missed, 1))
    return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
}

/// Length of the longest common subsequence (digits heard in the right order).
func commonLength(_ a: [String], _ b: [String]) -> Int {
    guard !a.isEmpty, !b.isEmpty else { return 0 }
    var previous = [Int](repeating: 0, count: b.count + 1)
    for word in a {
        var current = [0]
        for (j, other) in b.enumerated() { current.append(word == other ? previous[j] + 1 : max(previous[j + 1], current[j])) }
        previous = current
    }
    return previous[b.count]
}

func residentMegabytes() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

/// Process CPU seconds of ours and of the naive decode, per condition.
var cpuSeconds = 0.0, naiveCPUSeconds = 0.0
/// What `body` returns; the process CPU seconds it took are added to `total`.
func timed<Result>(adding total: inout Double, _ body: () throws -> Result) rethrows -> Result {
    let start = clock()
    defer { total += Double(clock() - start) / Double(CLOCKS_PER_SEC) }
    return try body()
}

let memoryBefore = residentMegabytes()
let recognizer = try SpeechRecognizer()
let grammar = try IntentGrammar.load(path: "\(folder)/intents.yaml", knows: recognizer.knows)
// The default threshold for every intent: thresholds from `ivr grammar calibrate` are tuned on
// flite's voices too, so using them here would tune on the test voices.
let thresholds = IntentThresholds(targetFalseAlarmRate: 0.05, thresholds: [:])
try recognizer.addIntents("intents", grammar: grammar)
let memoryModel = residentMegabytes() - memoryBefore
// The naive integration's grammar: the phrases alone, no rejection.
try recognizer.addGrammar("naive", jsgf: grammar.jsgf(withCallerWords: false))
try recognizer.use("naive")

// "noisy-line": eSpeak NG voices (none of the benchmark's speakers) on a noisy telephone line,
// saying everyday sentences and the grammar's example phrases (as `ivr grammar calibrate`):
// the held-out evidence for `SpeechRecognizer.noisyLineUnheardPhones`.
if only == "noisy-line" {
    let espeak = ["en-us+m1", "en-us+f2", "en-gb+m4", "en-gb-x-rp+f4", "en-029+m5", "en-us+klatt2", "en-gb-scotland+m2", "en-us+f5"].map { TestVoice($0) }
    // As `ivr grammar calibrate`: sentences that say one of the phrases ("sorry wrong number") are not outside.
    let outside = grammar.outside(IntentCalibration.distractors)
    let examples = grammar.examplePhrases(perIntent: 6)
    let seeds = 3, snrs = [10.0, 15.0]
    print("### eSpeak NG on a noisy line (8 voices × \(seeds) noise seeds, 8 kHz telephone band, white noise; default threshold \(IntentThresholds.defaultThreshold))\n")
    print("| SNR | everyday sentences taken for an intent (\(outside.count) per voice) | example phrases right (\(examples.count) per voice) | wrong | F1 |")
    print("|---|---|---|---|---|")
    var taken: [Double: Int] = [:], right: [Double: Int] = [:], wrong: [Double: Int] = [:]
    // The sentences' seeds start at 500, the phrases' at 100,000: adding phrases left the sentences' noise as it was.
    var sentenceSeed: UInt64 = 500, phraseSeed: UInt64 = 100_000
    for voice in espeak {
        for (text, expected) in outside.map({ ($0, nil as String?) }) + examples.map({ ($0.phrase, Optional($0.intent)) }) {
            let wideband = try voice.speak(text, sampleRate: 16000)
            for snr in snrs {
                for _ in 0..<seeds {
                    let seed = expected == nil ? sentenceSeed : phraseSeed
                    if expected == nil { sentenceSeed += 1 } else { phraseSeed += 1 }
                    let audio = try telephone(wideband, snr: snr, seed: seed)
                    recognizer.startCall()
                    let result = try recognizer.understand(audio, sampleRate: 8000, intents: "intents", grammar: grammar)
                    let accepted = result.match != nil && result.confidence >= IntentThresholds.defaultThreshold
                    if accepted, let expected {
                        if result.match?.intent == expected { right[snr, default: 0] += 1 } else { wrong[snr, default: 0] += 1 }
                    } else if accepted { taken[snr, default: 0] += 1 }
                    if ProcessInfo.processInfo.environment["VERBOSE"] != nil {
                        FileHandle.standardError.write("\(voice.name) | \(snr) dB | \(text) | \(expected ?? "-") | \(result.heard.text) | \(result.match?.intent ?? "-") | \(String(format: "%.4f", result.confidence))\n".data(using: .utf8)!)
                    }
                }
            }
        }
    }
    let sentences = espeak.count * outside.count * seeds, phrases = espeak.count * examples.count * seeds
    for snr in snrs {
        let (t, r, w) = (taken[snr, default: 0], right[snr, default: 0], wrong[snr, default: 0])
        print(String(format: "| %d dB | %d/%d (%.1f %%) | %d/%d | %d | %.2f |", Int(snr), t, sentences, 100 * Double(t) / Double(sentences), r, phrases, w,
                     f1(correct: r, wrong: w, missed: phrases - r - w, falseAlarms: t)))
    }
    exit(0)
}
// 1. Intents.
if only != "real" {
    print("### Intents (flite voices; threshold \(IntentThresholds.defaultThreshold) for every intent)\n")
    print("| set | condition | ours: intent F1 | ours: false intents off-grammar | naive: intent F1 | naive: false intents off-grammar | CPU s per s of speech: ours / naive (ratio) |")
    print("|---|---|---|---|---|---|---|")
}
for (setName, set) in [("phrases alone", phrases), ("phrases inside sentences", inSentences)] {
    for (condition, rate, snr) in [("16 kHz", 16000, nil as Double?), ("8 kHz telephone", 8000, nil), ("8 kHz telephone, 10 dB SNR", 8000, 10.0)]
        where only.map({ $0 == condition }) ?? true {
        var ours = (correct: 0, wrong: 0, rejected: 0, falseAlarms: 0)
        var naive = (correct: 0, wrong: 0, falseAlarms: 0)
        var speechSeconds = 0.0
        (cpuSeconds, naiveCPUSeconds) = (0, 0)
        var seed: UInt64 = 1
        for voice in voices {
            for (text, expected) in set.map({ ($0.text, Optional($0.intent)) }) + offGrammar.map({ ($0, nil as String?) }) {
                let wideband = try voice.speak(text, sampleRate: 16000)
                let audio = rate == 16000 ? wideband : try telephone(wideband, snr: snr, seed: seed)
                seed += 1
                // Every utterance is a call's first (startCall): none inherits another's line noise.
                recognizer.startCall()
                speechSeconds += Double(audio.count) / Double(rate)
                let result = try timed(adding: &cpuSeconds) {
                    try recognizer.understand(audio, sampleRate: rate, intents: "intents", grammar: grammar)
                }
                let match = result.match
                let accepted = match.map { result.confidence >= thresholds.threshold(for: $0.intent) } ?? false
                // Naive: one decode with the phrases' grammar, its best path taken as is.
                recognizer.startCall()
                let naiveMatch = grammar.match(try timed(adding: &naiveCPUSeconds) { try recognizer.recognize(audio, sampleRate: rate) }.words)
                if ProcessInfo.processInfo.environment["VERBOSE"] != nil {
                    FileHandle.standardError.write("\(voice) | \(text) | \(expected ?? "-") | \(result.heard.text) | \(match?.intent ?? "-") | \(String(format: "%.2f", result.confidence)) | \(result.heard.wordConfidences.map { String(format: "%.2f", $0) }.joined(separator: " "))\n".data(using: .utf8)!)
                }
                if let expected {
                    if naiveMatch?.intent == expected { naive.correct += 1 } else { naive.wrong += 1 }
                    if !accepted { ours.rejected += 1 } else if match?.intent == expected { ours.correct += 1 } else { ours.wrong += 1 }
                } else {
                    if naiveMatch != nil { naive.falseAlarms += 1 }
                    if accepted { ours.falseAlarms += 1 }
                }
            }
        }
        let offCount = Double(voices.count * offGrammar.count)
        print(String(format: "| %@ | %@ | %.2f | %.0f %% | %.2f | %.0f %% | %.3f / %.3f (%.2f) |", setName, condition,
                     f1(correct: ours.correct, wrong: ours.wrong, missed: ours.rejected, falseAlarms: ours.falseAlarms),
                     100 * Double(ours.falseAlarms) / offCount,
                     f1(correct: naive.correct, wrong: naive.wrong, missed: 0, falseAlarms: naive.falseAlarms),
                     100 * Double(naive.falseAlarms) / offCount, cpuSeconds / speechSeconds, naiveCPUSeconds / speechSeconds,
                     cpuSeconds / naiveCPUSeconds))
    }
}

if let only, only != "real" { exit(0) }

// 2. Real recordings with their grammars.
let testdata = "/usr/share/pocketsphinx/test/data"
var recordings: [(name: String, audio: [Int16], grammar: String, truth: String)] = []
let cardsGrammar = try String(contentsOfFile: "\(testdata)/cards/cards.gram", encoding: .utf8)
for line in try String(contentsOfFile: "\(testdata)/cards/cards.transcription", encoding: .utf8).split(separator: "\n") {
    guard let open = line.lastIndex(of: "("), let close = line.lastIndex(of: ")") else { continue }
    let id = String(line[line.index(after: open)..<close])
    let truth = line[..<open].replacingOccurrences(of: "<s>", with: "").replacingOccurrences(of: "</s>", with: "")
        .split(separator: " ").joined(separator: " ")
    recordings.append(("cards/\(id)", try AudioFileSource(path: "\(testdata)/cards/\(id).wav", sampleRate: 16000).readAll(), cardsGrammar, truth))
}
recordings.append(("goforward", try raw("\(testdata)/goforward.raw"),
                   try String(contentsOfFile: "\(testdata)/goforward.gram", encoding: .utf8), "go forward ten meters"))
let digitsGrammar = "#JSGF V1.0;\ngrammar digits;\npublic <digits> = <digit>+;\n<digit> = zero | oh | one | two | three | four | five | six | seven | eight | nine;\n"
recordings.append(("tidigits/dhd.2934z", try raw("\(testdata)/tidigits/dhd.2934z.raw"), digitsGrammar, "two nine three four zero"))
print("\n### Real recordings (pocketsphinx-testdata), sentence correct with the recording's grammar\n")
print("| condition | ours: correct | ours: rejected | naive: correct |")
print("|---|---|---|---|")
// The noisy condition: each recording with five noise seeds (other speakers than flite's, in noise).
for (condition, rate, snr, seeds) in [("16 kHz", 16000, nil as Double?, [UInt64(0)]), ("8 kHz telephone band", 8000, nil, [0]),
                                      ("8 kHz telephone band, 10 dB SNR (5 noise seeds)", 8000, 10.0, Array(1...5))] {
    var correct = 0, rejected = 0, naiveCorrect = 0, total = 0
    for (index, recording) in recordings.enumerated() {
        try recognizer.addGrammar("real\(index)", jsgf: recording.grammar)
        try recognizer.use("real\(index)")
        for seed in seeds {
            let audio = rate == 16000 ? recording.audio : try telephone(recording.audio, snr: snr, seed: seed)
            recognizer.startCall()
            let heard = try recognizer.recognize(audio, sampleRate: rate)
            let right = heard.text == recording.truth
            total += 1
            if right { naiveCorrect += 1 }
            if heard.confidence < IntentThresholds.defaultThreshold { rejected += 1 } else if right { correct += 1 }
            if ProcessInfo.processInfo.environment["VERBOSE"] != nil {
                FileHandle.standardError.write("\(condition) | \(recording.name) | seed \(seed) | \(right ? "right" : "wrong") | \(heard.text) | \(String(format: "%.3f", heard.confidence))\n".data(using: .utf8)!)
            }
            if !right && snr == nil { print("  \(condition) \(recording.name): heard '\(heard.text)' (\(String(format: "%.2f", heard.confidence))), said '\(recording.truth)'") }
        }
    }
    print("| \(condition) | \(correct)/\(total) | \(rejected) | \(naiveCorrect)/\(total) |")
}
if only != nil { exit(0) }

// 3. Spoken digits.
try recognizer.addGrammar("digits", jsgf: digitsGrammar)
try recognizer.use("digits")
let digitNames = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
var generator = NoiseGenerator(seed: 7)
let strings: [[String]] = (0..<12).map { index in
    let noise = generator.white(count: 4 + index % 4, rms: 1)
    return noise.map { digitNames[Int(abs($0) * 1000) % 10] }
}
print("\n### Spoken digit strings at 8 kHz telephone band (digits grammar), string and digit accuracy\n")
print("| speakers | strings correct | digits correct (alignment) |")
print("|---|---|---|")
var stringsRight = 0, stringsTotal = 0, digitsRight = 0, digitsTotal = 0
for voice in voices {
    for digits in strings {
        let audio = try narrowband(try voice.speak(digits.joined(separator: " "), sampleRate: 16000))
        recognizer.startCall()
        let heard = try recognizer.recognize(audio, sampleRate: 8000).words
        stringsTotal += 1
        if heard == digits { stringsRight += 1 }
        digitsTotal += digits.count
        digitsRight += commonLength(heard, digits)
    }
}
print(String(format: "| flite (4 voices × 12 strings of 4–7 digits) | %d/%d (%.1f %%) | %.1f %% |", stringsRight, stringsTotal,
             100 * Double(stringsRight) / Double(stringsTotal), 100 * Double(digitsRight) / Double(digitsTotal)))
recognizer.startCall()
let real = try recognizer.recognize(try narrowband(try raw("\(testdata)/tidigits/dhd.2934z.raw")), sampleRate: 8000)
print("| real (TIDIGITS dhd.2934z, 'two nine three four zero') | heard '\(real.text)' | |")

// 4. Grammar switch and memory.
try recognizer.addGrammar("other", jsgf: digitsGrammar)
var switchTimes: [Double] = []
for index in 0..<200 {
    let start = DispatchTime.now().uptimeNanoseconds
    try recognizer.use(index % 2 == 0 ? "intents" : "other")
    switchTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
}
let addStart = DispatchTime.now().uptimeNanoseconds, memoryBeforeAdding = residentMegabytes()
try recognizer.addIntents("fresh", grammar: grammar)
let addMilliseconds = Double(DispatchTime.now().uptimeNanoseconds - addStart) / 1e6
print(String(format: "\ngrammar switch: median %.3f ms, max %.3f ms (200 switches); compiling and adding the intent grammar: %.1f ms, %.1f MB",
             switchTimes.sorted()[100], switchTimes.max()!, addMilliseconds, residentMegabytes() - memoryBeforeAdding))
// A change of rate puts the narrowband transform on the grammar decoder or takes it off.
try recognizer.use("other")
let shortWide = try voices[0].speak("seven", sampleRate: 16000)
let shortNarrow = try narrowband(shortWide)
@MainActor func milliseconds(_ audio: [Int16], rate: Int) throws -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    _ = try recognizer.recognize(audio, sampleRate: rate)
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}
/// Median milliseconds to decode a short word at 8 kHz right after the same, and right after `other` ran.
@MainActor func medians(after other: () throws -> Void) throws -> (same: Double, other: Double) {
    var afterSame: [Double] = [], afterOther: [Double] = []
    for _ in 0..<21 {
        _ = try milliseconds(shortNarrow, rate: 8000)
        afterSame.append(try milliseconds(shortNarrow, rate: 8000))
        try other()
        afterOther.append(try milliseconds(shortNarrow, rate: 8000))
    }
    return (afterSame.sorted()[10], afterOther.sorted()[10])
}
let rateChange = try medians { _ = try milliseconds(shortWide, rate: 16000) }
print(String(format: "rate change (narrowband transform on or off): %.1f ms more per utterance (median of 21: %.1f ms after a 16 kHz utterance, %.1f ms after an 8 kHz one)",
             rateChange.other - rateChange.same, rateChange.other, rateChange.same))
// Checking against another grammar than the last utterance's swaps the free decode's grammar model.
try recognizer.addGrammar("other2", jsgf: digitsGrammar)
let checkChange = try medians {
    try recognizer.use("other2")
    _ = try milliseconds(shortNarrow, rate: 8000)
    try recognizer.use("other")
}
print(String(format: "check against another grammar than the last utterance's: %.1f ms more per utterance (median of 21: %.1f ms, %.1f ms after the same grammar)",
             checkChange.other - checkChange.same, checkChange.other, checkChange.same))
// A grammar with words the free decode's vocabulary lacks so far rebuilds its search.
let lessonsStart = DispatchTime.now().uptimeNanoseconds
try recognizer.addGrammar("lessons", jsgf: "#JSGF V1.0;\ngrammar lessons;\npublic <lesson> = (xylophone | trombone | harpsichord) lessons;\n")
print(String(format: "adding a grammar with words new to the free decode (xylophone, trombone, harpsichord): %.1f ms",
             Double(DispatchTime.now().uptimeNanoseconds - lessonsStart) / 1e6))
print(String(format: "memory: the model, dictionary, language model and the intent grammar with its check take %.0f MB resident, loaded once per process and shared by every call", memoryModel))

