import Foundation
import IVRAudio
import IVRDSP
import IVRFlow
import IVRSpeech

/// The development list of real telephone speech (`../shared/data/real-speech-dev.tsv`:
/// recordings of Debian's `asterisk-core-sounds-en`, 8 kHz, one speaker, with what is said).
struct RealSpeech {
    struct Recording {
        var file: String
        var text: String
        var audio: [Int16]
        /// A single word or name (`digits/`, `letters/`, `phonetic/`), as a menu answer.
        var isSingleWord: Bool
        /// What is said in lower case, as the dictionary spells it ("x-ray", "a. m." → nil).
        var word: String
    }

    let recordings: [Recording]

    /// Where the recordings are read: the package's folder, or REAL_SOUNDS in the environment
    /// (the same files after a codec, `scripts/benchmark-intents real-lines`).
    static let soundsFolder = ProcessInfo.processInfo.environment["REAL_SOUNDS"] ?? "/usr/share/asterisk/sounds/en"
    /// The rate the recordings are read and heard at: 8 kHz, or REAL_RATE in the environment (16000
    /// for the package's G.722 files decoded to WAV: the same speaker on a wideband line).
    static let rate = ProcessInfo.processInfo.environment["REAL_RATE"].flatMap { Int($0) } ?? 8000

    init(list path: String) throws {
        var recordings: [Recording] = []
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", maxSplits: 1).map(String.init)
            guard fields.count == 2 else { continue }
            let file = fields[0]
            let single = ["digits/", "letters/", "phonetic/"].contains { file.hasPrefix($0) }
            let word = fields[1].lowercased().split(separator: "[")[0].trimmingCharacters(in: CharacterSet(charactersIn: ". "))
                .replacingOccurrences(of: "xray", with: "x-ray")
            let audio = try AudioFileSource(path: "\(Self.soundsFolder)/\(file).wav", sampleRate: Self.rate).readAll()
            recordings.append(Recording(file: file, text: fields[1], audio: audio, isSingleWord: single, word: word))
        }
        // NOISE_SNR=dB in the environment: the line with noise at that SNR (a noisy line), white
        // or the NOISE_KIND named (`LineNoise`).
        if let snr = ProcessInfo.processInfo.environment["NOISE_SNR"].flatMap(Double.init) {
            let kind = LineNoise(rawValue: ProcessInfo.processInfo.environment["NOISE_KIND"] ?? "white") ?? .white
            let talkers = recordings.filter { !$0.isSingleWord }.map(\.audio)
            for index in recordings.indices {
                recordings[index].audio = kind.adding(to: recordings[index].audio, snr: snr, seed: UInt64(index + 1), talkers: talkers)
            }
        }
        self.recordings = recordings
    }

    var singleWords: [Recording] { recordings.filter(\.isSingleWord) }
    var sentences: [Recording] { recordings.filter { !$0.isSingleWord && !$0.text.hasPrefix("<") } }

    /// Menus a caller answers with one word, 10–30 each.
    static let menus: [(name: String, words: [String])] = [
        ("phonetic alphabet", ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo",
                               "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform",
                               "victor", "whiskey", "x-ray", "yankee", "zulu", "niner"]),
        ("letters", (UInt8(ascii: "a")...UInt8(ascii: "z")).map { String(UnicodeScalar($0)) }),
        ("numbers", ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
                     "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand",
                     "million", "billion"]),
        ("ordinals", ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
                      "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
                      "eighteenth", "nineteenth", "twentieth", "thirtieth", "fiftieth", "sixtieth", "seventieth",
                      "eightieth", "ninetieth", "hundredth", "thousandth", "millionth"]),
        ("days and months", ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "january",
                             "february", "march", "april", "may", "june", "july", "august", "september", "october",
                             "november", "december", "today", "tomorrow", "yesterday"]),
        ("keys and symbols", ["star", "pound", "dash", "dot", "slash", "plus", "equals", "comma", "colon", "asterisk",
                              "ampersand", "percent", "tilde", "underscore", "backslash", "space", "dollar", "quote",
                              "pipe", "tick", "minus", "at"]),
        ("mixed", ["alpha", "charlie", "oscar", "monday", "friday", "january", "august", "today", "tomorrow", "twenty",
                   "fifty", "hundred", "thousand", "first", "third", "star", "pound", "dollars", "minus", "percent",
                   "space", "zulu", "yankee", "december", "billion"]),
    ]

    /// The twelve keyword intents and their phrases.
    static let keywordIntents: [(name: String, phrases: [String])] = [
        ("operator", ["operator"]), ("password", ["password"]), ("extension", ["extension"]), ("conference", ["conference"]),
        ("voicemail", ["voicemail", "mailbox"]), ("goodbye", ["goodbye"]), ("thank_you", ["thank you"]),
        ("directory", ["directory"]), ("help", ["help"]), ("record", ["record", "recording"]), ("cancel", ["cancel"]),
        ("message", ["message", "messages"]),
    ]

    /// The keyword intents a sentence says (its text with digits and punctuation taken out;
    /// "voice mail" and "mail box" count as voicemail).
    static func keywordIntents(in text: String) -> Set<String> {
        let words = " " + RealSpeechRows.words(text.replacingOccurrences(of: "-", with: " ")).joined(separator: " ") + " "
        var found: Set<String> = []
        for (intent, phrases) in keywordIntents {
            let spellings = phrases + (intent == "voicemail" ? ["voice mail", "mail box"] : [])
            if spellings.contains(where: { words.contains(" \($0) ") }) { found.insert(intent) }
        }
        return found
    }
}

/// The real-speech rows of the benchmark, first in its output.
struct RealSpeechRows {
    let speech: RealSpeech
    let recognizer: SpeechRecognizer
    let plainRecognizer: SpeechRecognizer
    var cpu = CPU()

    /// Each single-word recording against each menu that holds its word; each sentence (and
    /// each other single word) against each menu, to be rejected.
    mutating func menus() throws {
        print("### Menu answers: single-word recordings against menus of 10–30 words (default threshold \(IntentThresholds.defaultThreshold))\n")
        print("| menu | words | answers: right | wrong | rejected | plain grammar: right | sentences rejected | other single words rejected |")
        print("|---|---|---|---|---|---|---|---|")
        var total = (answers: 0, right: 0, wrong: 0, rejected: 0, plainRight: 0, sentences: 0, sentencesRejected: 0, others: 0, othersRejected: 0)
        // MENUS=N in the environment: the first N menus only (for quicker trials).
        let menuCount = ProcessInfo.processInfo.environment["MENUS"].flatMap { Int($0) } ?? RealSpeech.menus.count
        let lines = try callLines()
        // WITH_INTENTS=FILE: each menu also takes an intent file's requests, spotted in longer
        // speech, as a flow's menu with `intents: [FILE]` does; such an answer counts as wrong.
        let intentFile = try ProcessInfo.processInfo.environment["WITH_INTENTS"].map { try IntentGrammar.load(path: $0, knows: recognizer.knows) }
        for (index, menu) in RealSpeech.menus.prefix(menuCount).enumerated() {
            let words = menu.words.filter(recognizer.knows)
            // KEYS_SAID=1: the menu's grammar also takes keys said ("two", "press two"), as a
            // flow's menu does for its options' keys; such an answer counts as wrong.
            let keysSaid = ProcessInfo.processInfo.environment["KEYS_SAID"] == nil ? []
                : SpokenIntent.spokenKeys(Set("0123456789"), except: words).map { ($0.name, $0.phrases) }
            let own = words.map { (name: $0, phrases: [$0], fromFiles: false) } + keysSaid.map { (name: $0.0, phrases: $0.1, fromFiles: false) }
            let grammar = try intentFile.map { file in
                try IntentGrammar.combining([file], selection: own + file.intentNames.filter { !words.contains($0) }.map { ($0, [], true) })
            } ?? IntentGrammar(intents: own.map { ($0.name, $0.phrases) })
            let name = "menu\(index)", plainName = "plain-menu\(index)"
            try recognizer.addIntents(name, grammar: grammar)
            try plainRecognizer.addGrammar(plainName, jsgf: grammar.jsgf)
            var row = (answers: 0, right: 0, wrong: 0, rejected: 0, plainRight: 0, sentences: 0, sentencesRejected: 0, others: 0, othersRejected: 0)
            for (done, recording) in speech.recordings.enumerated() {
                progress("\(menu.name): \(done + 1)/\(speech.recordings.count)")
                let inMenu = recording.isSingleWord && words.contains(recording.word)
                // A sentence that says one of the menu's words is neither an answer nor off the menu.
                if !recording.isSingleWord, recording.text.hasPrefix("<") || grammar.match(Self.words(recording.text)) != nil { continue }
                recognizer.startCall()
                let result = try timed(adding: &cpu.ours) {
                    try recognizer.understand(recording.audio, sampleRate: RealSpeech.rate, intents: name, grammar: grammar, line: lines[done])
                }
                plainRecognizer.startCall()
                try plainRecognizer.use(plainName)
                let plain = try timed(adding: &cpu.plain) { try plainRecognizer.recognize(recording.audio, sampleRate: RealSpeech.rate, checked: false) }
                cpu.speech += Double(recording.audio.count) / Double(RealSpeech.rate)
                let accepted = result.match.flatMap { result.confidence >= IntentThresholds.defaultThreshold ? $0.intent : nil }
                if verbose {
                    // Both stages apart, for analysis: the grammar's whole-utterance evidence, and each phrase spotted.
                    try recognizer.use(name)
                    let whole = try recognizer.recognize(recording.audio, sampleRate: RealSpeech.rate)
                    // A menu's own phrases are not spotted: no such search then.
                    let spotted = (try? recognizer.use(name + "_spotting")) == nil ? nil : try recognizer.recognize(recording.audio, sampleRate: RealSpeech.rate)
                    trace("\(menu.name) | \(recording.file) | \(recording.word) | \(inMenu ? "in" : recording.isSingleWord ? "other" : "sentence") | \(accepted ?? "-") | \(String(format: "%.3f", result.confidence)) | \(whole.text) | \(String(format: "%.2f", whole.utterance.perFrame)) | \(whole.utterance.frames) | heard \(result.heard.text), check \(String(format: "%.3f", result.heard.utterance.confidence)), lead \(result.heard.rivalLead.map { String(format: "%.3f", $0) } ?? "-") rival \(result.heard.bestRival ?? "-") | \(Self.describe(spotted?.phrases ?? []))\(whole.lineMean.map { String(format: " | line %.0f", CepstralMeanPrior.telephone.distance(to: $0)) } ?? "")\(result.heard.reheard ? " | heard again: \(result.heard.text)" : "")\(result.heard.scale != 1 ? " | compressed \(result.heard.scale)" : "")")
                }
                if inMenu {
                    row.answers += 1
                    if accepted == nil { row.rejected += 1 } else if accepted == recording.word { row.right += 1 } else { row.wrong += 1 }
                    if plain.text == recording.word { row.plainRight += 1 }
                } else if recording.isSingleWord {
                    row.others += 1
                    if accepted == nil { row.othersRejected += 1 }
                } else {
                    row.sentences += 1
                    if accepted == nil { row.sentencesRejected += 1 }
                }
            }
            print("| \(menu.name) | \(words.count) | \(row.right)/\(row.answers) | \(row.wrong) | \(row.rejected) | \(row.plainRight)/\(row.answers) | \(row.sentencesRejected)/\(row.sentences) | \(row.othersRejected)/\(row.others) |")
            total.answers += row.answers; total.right += row.right; total.wrong += row.wrong; total.rejected += row.rejected
            total.plainRight += row.plainRight; total.sentences += row.sentences; total.sentencesRejected += row.sentencesRejected
            total.others += row.others; total.othersRejected += row.othersRejected
        }
        progress("")
        func percent(_ part: Int, _ whole: Int) -> String { String(format: "%.1f %%", 100 * Double(part) / Double(max(whole, 1))) }
        print("| **all** | | **\(total.right)/\(total.answers) (\(percent(total.right, total.answers)))** | **\(total.wrong) (\(percent(total.wrong, total.answers)))** | \(total.rejected) | \(total.plainRight)/\(total.answers) (\(percent(total.plainRight, total.answers))) | **\(total.sentencesRejected)/\(total.sentences) (\(percent(total.sentencesRejected, total.sentences)))** | \(total.othersRejected)/\(total.others) (\(percent(total.othersRejected, total.others))) |")
        print("\nCPU s per s of speech, all the recordings against the menus: ours (decode and check) / plain grammar decode (ratio): \(cpu.row)\n")
    }

    /// CALL_HISTORY=N in the environment: each recording heard as a call's utterance after N
    /// others of the list (the line learnt from them, ``CallLine``); otherwise as a call's first.
    func callLines() throws -> [CallLine] {
        let history = ProcessInfo.processInfo.environment["CALL_HISTORY"].flatMap { Int($0) } ?? 0
        let count = speech.recordings.count
        guard history > 0 else { return Array(repeating: CallLine(), count: count) }
        let observed = try speech.recordings.map { try recognizer.cepstralMean(of: $0.audio, sampleRate: RealSpeech.rate) }
        return (0..<count).map { index in
            var line = CallLine()
            // Others from across the list (neighbours in it share sounds: "six", "sixty").
            for back in 1...history { line.hear(observed[(index + back * 131) % count]) }
            return line
        }
    }

    /// The dev sentences with the twelve keyword intents: keyword spotting and intents.
    func keywords(list: [(phrase: String, threshold: Double?)]) throws {
        let truth = speech.sentences.map { RealSpeech.keywordIntents(in: $0.text) }
        let intentOf = Dictionary(uniqueKeysWithValues: RealSpeech.keywordIntents.flatMap { intent in intent.phrases.map { ($0, intent.name) } })
        print("### The twelve keyword intents in \(speech.sentences.count) dev sentences (\(truth.filter { !$0.isEmpty }.count) say one or more)\n")
        print("| mode | precision | recall | F1 | found right | found wrong | missed |")
        print("|---|---|---|---|---|---|---|")
        try recognizer.addKeywords("keywords", phrases: list)
        try plainRecognizer.addKeywords("keywords", phrases: list)
        var spotted = Detections(), checkedOnly = Detections()
        var spottingCPU = CPU()
        for (sentenceIndex, sentence) in speech.sentences.enumerated() {
            progress("keywords: \(sentenceIndex + 1)/\(speech.sentences.count)")
            recognizer.startCall()
            try recognizer.use("keywords")
            let heard = try timed(adding: &spottingCPU.ours) { try recognizer.recognize(sentence.audio, sampleRate: RealSpeech.rate) }
            plainRecognizer.startCall()
            try plainRecognizer.use("keywords")
            _ = try timed(adding: &spottingCPU.plain) { try plainRecognizer.recognize(sentence.audio, sampleRate: RealSpeech.rate, checked: false) }
            spottingCPU.speech += Double(sentence.audio.count) / Double(RealSpeech.rate)
            var found: Set<String> = [], plain: Set<String> = []
            var position = 0
            while position < heard.words.count {
                // A keyphrase's words share its evidence; "thank you" is two words.
                let phrase = intentOf.keys.filter { phrase in
                    let parts = phrase.split(separator: " ").map(String.init)
                    return Array(heard.words[position..<min(heard.words.count, position + parts.count)]) == parts
                }.max { $0.count < $1.count } ?? heard.words[position]
                if let intent = intentOf[phrase] {
                    plain.insert(intent)
                    if heard.evidence[position].confidence >= IntentThresholds.defaultThreshold { found.insert(intent) }
                }
                position += phrase.split(separator: " ").count
            }
            trace("keywords | \(sentence.file) | \(truth[sentenceIndex].sorted().joined(separator: ",")) | \(found.sorted().joined(separator: ",")) | \(Self.describe(heard.phrases))")
            spotted.count(found: plain, truth: truth[sentenceIndex])
            checkedOnly.count(found: found, truth: truth[sentenceIndex])
        }
        print("| `--keywords`, thresholds only | \(spotted.row) |")
        print("| `--keywords`, confirmed acoustically | \(checkedOnly.row) |")

        // As a user writes them: an intent file (whose phrases are also found inside sentences).
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ivr-keyword-intents-\(getpid()).yaml").path
        let yaml = "intents:\n" + RealSpeech.keywordIntents.map { "  \($0.name): [\($0.phrases.joined(separator: ", "))]" }.joined(separator: "\n") + "\n"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let grammar = try IntentGrammar.load(path: file, knows: recognizer.knows)
        try recognizer.addIntents("keyword-intents", grammar: grammar)
        var intents = Detections()
        for (index, sentence) in speech.sentences.enumerated() {
            progress("intents: \(index + 1)/\(speech.sentences.count)")
            recognizer.startCall()
            let result = try recognizer.understand(sentence.audio, sampleRate: RealSpeech.rate, intents: "keyword-intents", grammar: grammar)
            let accepted = result.match.flatMap { result.confidence >= IntentThresholds.defaultThreshold ? $0.intent : nil }
            trace("intents | \(sentence.file) | \(truth[index].sorted().joined(separator: ",")) | \(accepted ?? "-") | \(String(format: "%.3f", result.confidence)) | \(result.heard.text) | \(String(format: "%.2f", result.heard.utterance.perFrame)) | \(Self.describe(result.heard.phrases))")
            intents.count(found: accepted.map { [$0] } ?? [], truth: truth[index], oneAnswer: true)
        }
        progress("")
        print("| `--intents` (one intent per sentence) | \(intents.row) |\n")
        print("CPU s per s of speech, `--keywords` (spotting and check) / plain keyword spotting (ratio): \(spottingCPU.row)\n")
    }

    /// Spotted phrases for a trace: `phrase:ratio:frames:over-phone-loop[:weakest-phones]:confidence`,
    /// comma-separated.
    static func describe(_ phrases: [Recognition.SpottedPhrase]) -> String {
        phrases.map {
            let evidence = $0.evidence
            let weakest = evidence.weakestPhones.map { String(format: ":w%.1f", $0) } ?? ""
            return "\($0.phrase):\(String(format: "%.2f", evidence.perFrame)):\(evidence.frames):\(String(format: "%.2f", evidence.overPhoneLoop))\(weakest):\(String(format: "%.2f", evidence.confidence))"
        }
            .joined(separator: ",")
    }

    static func words(_ text: String) -> [String] {
        let kept: [Character] = text.lowercased().map { (character: Character) -> Character in
            character.isLetter || character == "'" || character == "-" ? character : " "
        }
        return String(kept).split(separator: " ").map(String.init)
    }
}

extension Detections {
    /// Counts one sentence: `found` against `truth`. With `oneAnswer` (an intent per
    /// utterance), a sentence that says several is right when the answer is one of them and
    /// missed only when there is no answer.
    mutating func count(found: Set<String>, truth: Set<String>, oneAnswer: Bool = false) {
        truePositives += found.intersection(truth).count
        falsePositives += found.subtracting(truth).count
        falseNegatives += oneAnswer ? (found.intersection(truth).isEmpty && !truth.isEmpty ? 1 : 0) : truth.subtracting(found).count
    }
}
