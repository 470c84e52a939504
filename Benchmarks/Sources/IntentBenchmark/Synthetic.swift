import Foundation
import IVRAudio
import IVRDSP
import IVRSpeech

/// The example intents said by synthetic voices (none of them the IVR's own settings): phrases
/// alone, the same phrases inside longer sentences, and sentences outside the grammar; at
/// 16 kHz, 8 kHz telephone band and 8 kHz with white noise at 10 dB SNR.
struct SyntheticRows {
    static let phrases: [(text: String, intent: String)] = [
        ("I want to pay my bill", "pay_bill"), ("settle my invoice please", "pay_bill"), ("pay my bill", "pay_bill"),
        ("talk to technical support please", "transfer"), ("speak to sales", "transfer"), ("billing please", "transfer"),
        ("I want to talk to accounts", "transfer"), ("what are your opening hours", "hours"), ("when are you open", "hours"),
        ("hours", "hours"), ("my account number is four seven one one", "account"),
        ("my account number is two zero nine five", "account"), ("yes", "confirm"), ("no", "confirm"),
        ("operator please", "operator"), ("agent", "operator"), ("representative", "operator"),
    ]
    /// The same intents said the way callers say them: inside longer sentences.
    static let inSentences: [(text: String, intent: String)] = [
        ("hello I want to pay my bill please thank you", "pay_bill"), ("hi yes I would like to settle my invoice", "pay_bill"),
        ("um could I speak to sales please", "transfer"), ("I need to talk to technical support about my modem", "transfer"),
        ("yes hello what are your opening hours today", "hours"), ("can you tell me when are you open on saturday", "hours"),
        ("okay my account number is four seven one one", "account"), ("I think yes", "confirm"),
        ("can I have an operator please", "operator"), ("just give me an agent", "operator"),
    ]
    static let offGrammar = [
        "the weather is nice today", "could you tell me a joke", "I lost my wallet yesterday", "what time is it",
        "my neighbour has a very loud dog", "hello is anybody there", "I would like a pizza with extra cheese",
        "banana", "thank you very much", "where is the nearest train station",
    ]
    static let conditions: [(name: String, rate: Int, snr: Double?)] = [
        ("16 kHz", 16000, nil), ("8 kHz telephone", 8000, nil), ("8 kHz telephone, 10 dB SNR", 8000, 10),
    ]
    /// Voice families: flite's four, four eSpeak NG variants, Festival's two.
    static let families: [(name: String, voices: [TestVoice])] = [
        ("flite", TestVoice.fliteVoices),
        ("eSpeak NG", ["en-us+m3", "en-gb+f3", "en-029+m2", "en-gb-scotland+f4"].map { TestVoice($0) }),
        ("Festival", TestVoice.festivalVoices),
    ]

    let recognizer: SpeechRecognizer
    let plainRecognizer: SpeechRecognizer
    let grammar: IntentGrammar

    /// One table row per family, set and condition; `only` keeps the conditions of that name.
    func intents(only: String?) throws {
        try recognizer.addIntents("intents", grammar: grammar)
        try plainRecognizer.addGrammar("naive", jsgf: grammar.jsgf)
        print("### Synthetic voices: the example intents (default threshold \(IntentThresholds.defaultThreshold))\n")
        print("| voices | set | condition | ours: F1 | ours: false intents | plain grammar: F1 | plain: false intents | CPU s per s of speech: ours / plain (ratio) |")
        print("|---|---|---|---|---|---|---|---|")
        for family in Self.families where !family.voices.isEmpty {
            for (setName, set) in [("phrases alone", Self.phrases), ("inside sentences", Self.inSentences)] {
                for condition in Self.conditions where only.map({ $0 == condition.name }) ?? true {
                    try row(family.name, family.voices, setName, set, condition)
                }
            }
        }
        print()
    }

    private func row(_ familyName: String, _ voices: [TestVoice], _ setName: String, _ set: [(text: String, intent: String)],
                     _ condition: (name: String, rate: Int, snr: Double?)) throws {
        var ours = (correct: 0, wrong: 0, rejected: 0, falseAlarms: 0)
        var naive = (correct: 0, wrong: 0, falseAlarms: 0)
        var cpu = CPU()
        var seed: UInt64 = 1
        let items = set.map { ($0.text, Optional($0.intent)) } + Self.offGrammar.map { ($0, nil as String?) }
        for (voiceIndex, voice) in voices.enumerated() {
            for (itemIndex, (text, expected)) in items.enumerated() {
                progress("\(familyName) \(setName) \(condition.name): \(voiceIndex * items.count + itemIndex + 1)/\(voices.count * items.count)")
                let wideband = try voice.speak(text, sampleRate: 16000)
                let audio = condition.rate == 16000 ? wideband : try telephone(wideband, snr: condition.snr, seed: seed)
                seed += 1
                recognizer.startCall()
                cpu.speech += Double(audio.count) / Double(condition.rate)
                let result = try timed(adding: &cpu.ours) {
                    try recognizer.understand(audio, sampleRate: condition.rate, intents: "intents", grammar: grammar)
                }
                let accepted = result.match.flatMap { result.confidence >= IntentThresholds.defaultThreshold ? $0.intent : nil }
                plainRecognizer.startCall()
                try plainRecognizer.use("naive")
                let plain = try timed(adding: &cpu.plain) { try plainRecognizer.recognize(audio, sampleRate: condition.rate, checked: false) }
                let naiveMatch = grammar.match(plain.words)
                if verbose {
                    // Both stages apart, for analysis.
                    try recognizer.use("intents")
                    let whole = try recognizer.recognize(audio, sampleRate: condition.rate)
                    try recognizer.use("intents_spotting")
                    let spotted = try recognizer.recognize(audio, sampleRate: condition.rate)
                    trace("synthetic | \(voice) \(condition.name) | \(text) | \(expected == nil ? "sentence" : "in") | \(accepted ?? "-") | \(String(format: "%.3f", result.confidence)) | \(whole.text) | \(String(format: "%.2f", whole.utterance.perFrame)) | \(whole.utterance.frames) | \(RealSpeechRows.describe(spotted.phrases)) | \(expected ?? "-")")
                }
                if let expected {
                    if naiveMatch?.intent == expected { naive.correct += 1 } else { naive.wrong += 1 }
                    if accepted == nil { ours.rejected += 1 } else if accepted == expected { ours.correct += 1 } else { ours.wrong += 1 }
                } else {
                    if naiveMatch != nil { naive.falseAlarms += 1 }
                    if accepted != nil { ours.falseAlarms += 1 }
                }
            }
        }
        progress("")
        let offCount = Double(voices.count * Self.offGrammar.count)
        print(String(format: "| %@ (%d) | %@ | %@ | %.2f | %.0f %% | %.2f | %.0f %% | %@ |", familyName, voices.count, setName, condition.name,
                     f1(correct: ours.correct, wrong: ours.wrong, missed: ours.rejected, falseAlarms: ours.falseAlarms),
                     100 * Double(ours.falseAlarms) / offCount,
                     f1(correct: naive.correct, wrong: naive.wrong, missed: 0, falseAlarms: naive.falseAlarms),
                     100 * Double(naive.falseAlarms) / offCount, cpu.row))
    }
}
