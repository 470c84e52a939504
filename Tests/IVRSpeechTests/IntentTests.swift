import Foundation
import IVRAudio
import IVRDSP
import Testing
@testable import IVRSpeech
import IVRTestSupport

func writeTemporary(_ text: String, name: String) throws -> String {
    let folder = ScratchFolder.make("intents")
    let path = folder.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// The example intent file of the repository.
let exampleIntents = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("examples/intents.yaml").path

/// Speech from a flite voice (not the IVR's own eSpeak voice), at 16 kHz or as 8 kHz
/// telephone audio; nil when flite is not installed.
func fliteSpeech(_ text: String, voice: String, rate: Int) throws -> [Int16]? {
    guard !TestVoice.fliteVoices.isEmpty else { return nil }
    let samples = try TestVoice("flite:" + voice).speak(text, sampleRate: rate)
    return rate == 8000 ? TestVoice.telephoneBand(samples, sampleRate: rate) : samples
}

/// A recognizer with a menu like the help desk's (billing, hours, balance, sales) added as the
/// search "menu", and its grammar.
func helpDeskMenu() throws -> (SpeechRecognizer, IntentGrammar) {
    let recognizer = try SpeechRecognizer()
    let menu = try IntentGrammar(intents: [(name: "billing", phrases: ["billing"]), (name: "hours", phrases: ["[opening] hours"]),
                                           (name: "balance", phrases: ["[account] balance"]), (name: "sales", phrases: ["sales"])])
    try recognizer.addIntents("menu", grammar: menu)
    return (recognizer, menu)
}

/// A recognizer with the example intent file added as the search "intents", and its grammar.
func exampleIntentsRecognizer() throws -> (SpeechRecognizer, IntentGrammar) {
    let recognizer = try SpeechRecognizer()
    let grammar = try IntentGrammar.load(path: exampleIntents, knows: recognizer.knows)
    try recognizer.addIntents("intents", grammar: grammar)
    return (recognizer, grammar)
}

@Suite("Intent templates and files")
struct IntentTemplateTests {
    @Test("templates parse into alternatives, options, rules and slots")
    func parse() throws {
        let template = try IntentTemplate.parse("(pay | settle) [my] <bill> {amount:number}")
        #expect(template == .sequence([
            .alternatives([.word("pay"), .word("settle")]), .optional(.word("my")), .rule("bill"),
            .slot(name: "amount", type: "number"),
        ]))
        #expect(IntentGrammar.jsgf(template) == "(pay | settle) [my] <rule_bill> <slot_number>")
        for (bad, column) in [("(pay | settle", 1), ("pay ]", 5), ("talk to {}", 9), ("a || b", 4)] {
            #expect(throws: TemplateError.self, "\(bad)") { try IntentTemplate.parse(bad) }
            do { _ = try IntentTemplate.parse(bad) } catch let error as TemplateError { #expect(error.column == column, "\(bad): \(error)") }
        }
    }

    @Test("words are read back into intents and slot values")
    func match() throws {
        let grammar = try IntentGrammar.load(path: exampleIntents)
        func said(_ text: String) -> IntentMatch? { grammar.match(text.split(separator: " ").map(String.init)) }
        #expect(said("i want to pay my invoice please") == IntentMatch(intent: "pay_bill", slots: [:], range: 0..<7))
        #expect(said("talk to technical support") == IntentMatch(intent: "transfer", slots: ["department": "support"], range: 0..<4))
        #expect(said("buying something please") == IntentMatch(intent: "transfer", slots: ["department": "sales"], range: 0..<3))
        #expect(said("my account number is four oh one one") == IntentMatch(intent: "account", slots: ["account": "4011"], range: 0..<8))
        // The caller's own words around a phrase: the longest run an intent takes.
        #expect(said("hello i want to pay my bill thanks") == IntentMatch(intent: "pay_bill", slots: [:], range: 1..<7))
        #expect(said("um could i speak to sales please") == IntentMatch(intent: "transfer", slots: ["department": "sales"], range: 3..<7))
        #expect(said("yeah")?.slots == ["answer": "yes"])
        #expect(said("pay my") == nil)
        #expect(said("the weather is nice") == nil)
        #expect(SlotType.number(["two", "hundred", "and", "forty", "two"]) == 242)
        #expect(SlotType.number(["three", "thousand", "five"]) == 3005)
    }

    @Test("a menu's intent takes its options' phrases and the intent files' together")
    func combinedPhrases() throws {
        let files = [try IntentGrammar.load(path: exampleIntents)]
        let menu = try IntentGrammar.combining(files, selection: [
            (name: "hours", phrases: ["[opening] hours"], fromFiles: true), (name: "sales", phrases: ["sales"], fromFiles: false),
        ])
        func said(_ text: String) -> String? { menu.match(text.split(separator: " ").map(String.init))?.intent }
        #expect(said("opening hours") == "hours")
        #expect(said("when are you open") == "hours")  // examples/intents.yaml's phrase
        #expect(said("sales") == "sales")
        #expect(menu.spottedIntents == ["hours"])
        #expect(throws: IntentErrors.self) { try IntentGrammar.combining(files, selection: [(name: "refund", phrases: ["refund"], fromFiles: true)]) }
    }

    @Test("digits of a known count: a grammar of that many, read back only at that length")
    func countedDigits() throws {
        let grammar = try IntentGrammar(intents: [(name: "entry", phrases: ["{entry:digits_4_6}"])])
        #expect(grammar.jsgf.contains("<slot_digits_4_6> = <digit> <digit> <digit> <digit> [<digit> [<digit>]];"))
        func said(_ text: String) -> IntentMatch? { grammar.match(text.split(separator: " ").map(String.init)) }
        #expect(said("one two three") == nil)
        #expect(said("one two three oh")?.slots == ["entry": "1230"])
        #expect(said("nine nine one two three four")?.slots == ["entry": "991234"])
        // Example phrases (for calibration) say as many digits as the slot takes.
        #expect(Set(grammar.examplePhrases(perIntent: 3).map(\.phrase)) == ["four seven one one", "four seven one one two zero"])
        #expect(SlotType.digitCount("digits_8_8") == 8...8 && SlotType.digitCount("digits_8_4") == nil && SlotType.digitCount("digits") == nil)
    }

    @Test("problems in an intent file are reported with their lines")
    func problems() throws {
        let path = try writeTemporary("""
        rules:
          bill: (bill | invoice
        slots:
          colour: [red, blue]
        intents:
          pay: ["pay [my] <bil>"]
          paint: ["paint it {shade}"]
          odd: ["zorblax the bill"]
          unclosed: "pay (my bill"
          empty: []
        """, name: "broken.yaml")
        do {
            _ = try IntentGrammar.load(path: path, knows: { $0 != "zorblax" })
            Issue.record("no error")
        } catch {
            let lines = error.problems.map { "\($0.line): \($0.message)" }
            #expect(lines.contains { $0.hasPrefix("2:") && $0.contains("'(' is not closed by ')'") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("6:") && $0.contains("no rule named 'bil'") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("7:") && $0.contains("no slot list or built-in type named 'shade'") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("8:") && $0.contains("'zorblax' is not in the recognizer's dictionary") }, "\(lines)")
            // A malformed phrase is named once, where it is; an empty list is an intent without one.
            #expect(lines.filter { $0.contains("'unclosed'") } == ["9: intent 'unclosed': column 5: '(' is not closed by ')' in 'pay (my bill'"], "\(lines)")
            #expect(lines.contains { $0.hasPrefix("10:") && $0.contains("intent 'empty' has no phrase") }, "\(lines)")
            #expect(error.problems.allSatisfy { $0.description.hasPrefix(path) })
        }
    }
}

@Suite("Recognition with PocketSphinx")
struct RecognitionTests {
    static let inGrammar: [(text: String, intent: String, slots: [String: String])] = [
        ("I want to pay my bill", "pay_bill", [:]),
        ("talk to technical support please", "transfer", ["department": "support"]),
        ("my account number is four seven one one", "account", ["account": "4711"]),
        ("when are you open", "hours", [:]),
        // Inside a longer sentence, as callers say it.
        ("hello, I want to pay my bill please, thank you", "pay_bill", [:]),
        // Two phrases: the longer one says what the caller wants.
        ("yes, I would like to settle my invoice", "pay_bill", [:]),
    ]
    static let offGrammar = ["the weather is nice today", "could you tell me a joke", "I lost my wallet yesterday"]

    @Test("other voices' phrases give the intent and slots; other speech is rejected",
          arguments: [16000, 8000], ["rms", "slt"])
    func intents(rate: Int, voice: String) throws {
        let (recognizer, grammar) = try exampleIntentsRecognizer()
        let understand = { (speech: [Int16]) in
            try recognizer.understand(speech, sampleRate: rate, intents: "intents", grammar: grammar)
        }
        var understood: [String] = []
        for phrase in Self.inGrammar {
            guard let speech = try fliteSpeech(phrase.text, voice: voice, rate: rate) else { return }
            let result = try understand(speech)
            guard let match = result.match, result.confidence >= IntentThresholds.defaultThreshold else { continue }
            if match.intent == phrase.intent, match.slots == phrase.slots { understood.append(phrase.text) }
            // Never the wrong intent: rejected or right.
            #expect(match.intent == phrase.intent, "\(phrase.text): \(result.heard.text)")
        }
        // A rejection may happen at 8 kHz.
        #expect(understood.count >= Self.inGrammar.count - (rate == 8000 ? 1 : 0), "understood only \(understood)")
        for sentence in Self.offGrammar {
            guard let speech = try fliteSpeech(sentence, voice: voice, rate: rate) else { return }
            let result = try understand(speech)
            #expect(result.match == nil || result.confidence < IntentThresholds.defaultThreshold, "\(sentence) taken for '\(result.heard.text)' (\(result.confidence))")
        }
    }

    @Test("a phrase inside a longer sentence is spotted; a long one at the lower threshold its phones give it")
    func spotting() throws {
        let (recognizer, grammar) = try exampleIntentsRecognizer()
        // slt's "when are you open" (11 phones) at 8 kHz lies under 1e-25, the five-phone threshold.
        let sentences: [(text: String, rate: Int, intent: String, slots: [String: String])] = [
            ("hello there, could you put me through to technical support please", 16000, "transfer", ["department": "support"]),
            ("can you tell me when are you open on saturday", 8000, "hours", [:]),
        ]
        for (text, rate, intent, slots) in sentences {
            guard let sentence = try fliteSpeech(text, voice: "slt", rate: rate) else { return }
            recognizer.startCall()
            let result = try recognizer.understand(sentence, sampleRate: rate, intents: "intents", grammar: grammar)
            #expect(result.match?.intent == intent && result.match?.slots == slots, "\(text): \(result.heard.text)")
            #expect(result.confidence >= IntentThresholds.defaultThreshold, "\(text): \(result.confidence)")
        }
        let spottable = grammar.spottablePhrases(perIntent: 100)
        #expect(spottable.contains("technical support please") && spottable.contains("operator please"))
        #expect(!spottable.contains { $0.contains("account number") }, "phrases with built-in slots are not spotted")
    }

    @Test("a request inside a sentence is understood through a dull handset")
    func requestThroughDullHandset() throws {
        let (recognizer, grammar) = try exampleIntentsRecognizer()
        guard let sentence = try fliteSpeech("hello there, could you put me through to technical support please", voice: "slt", rate: 8000) else { return }
        // Two one-pole low-passes at 1.5 kHz: the band above 3 kHz loses 14 dB and more.
        var dull = sentence.map(Double.init)
        let step = 1 - exp(-2 * Double.pi * 1500 / 8000)
        for _ in 0..<2 {
            var last = 0.0
            for index in dull.indices { last += step * (dull[index] - last); dull[index] = last }
        }
        recognizer.startCall()
        let result = try recognizer.understand(dull.map { Int16(clamping: Int($0.rounded())) }, sampleRate: 8000, intents: "intents", grammar: grammar)
        #expect(result.match?.intent == "transfer" && result.match?.slots == ["department": "support"], "\(result.heard.text)")
        #expect(result.confidence >= IntentThresholds.defaultThreshold, "\(result.confidence)")
    }

    @Test("a request with a value inside a longer sentence is decoded from the words that lead up to the value")
    func anchoredRequest() throws {
        let (recognizer, grammar) = try exampleIntentsRecognizer()
        #expect(grammar.anchorPhrases(perIntent: 100) == ["my account number is"])
        guard let sentence = try fliteSpeech("okay so my account number is four seven one one", voice: "kal16", rate: 8000) else { return }
        recognizer.startCall()
        let result = try recognizer.understand(sentence, sampleRate: 8000, intents: "intents", grammar: grammar)
        #expect(result.match?.intent == "account" && result.match?.slots == ["account": "4711"], "\(result.heard.text)")
        #expect(result.confidence >= IntentThresholds.defaultThreshold, "\(result.confidence)")
        #expect(result.heard.text == "my account number is four seven one one")
    }

    @Test("a digit string of a known count is heard without a word added at its onset")
    func knownCount() throws {
        // flite's kal16 at 8 kHz: with any count, "eight one six five one one four" was heard
        // as "two eight one six five one one four".
        let recognizer = try SpeechRecognizer()
        let entry = try IntentGrammar(intents: [(name: "entry", phrases: ["{entry:digits_7_7}"])])
        try recognizer.addIntents("entry", grammar: entry)
        guard let speech = try fliteSpeech("eight one six five one one four", voice: "kal16", rate: 8000) else { return }
        recognizer.startCall()
        let result = try recognizer.understand(speech, sampleRate: 8000, intents: "entry", grammar: entry)
        #expect(result.match?.slots == ["entry": "8165114"], "\(result.heard.text)")
    }

    @Test("half a digit string is not taken for the whole: digits made up to fill the count sink the confidence")
    func halfAnEntry() throws {
        let recognizer = try SpeechRecognizer()
        let entry = try IntentGrammar(intents: [(name: "entry", phrases: ["{entry:digits_8_8}"])])
        try recognizer.addIntents("entry", grammar: entry)
        for voice in ["kal16", "rms"] {
            guard let half = try fliteSpeech("eight seven six five", voice: voice, rate: 8000),
                  let whole = try fliteSpeech("eight seven six five four three two one", voice: voice, rate: 8000) else { return }
            recognizer.startCall()
            let heardHalf = try recognizer.understand(half, sampleRate: 8000, intents: "entry", grammar: entry)
            #expect(heardHalf.confidence < IntentThresholds.defaultThreshold, "\(voice): \(heardHalf.heard.text) \(heardHalf.confidence)")
            recognizer.startCall()
            let heardWhole = try recognizer.understand(whole, sampleRate: 8000, intents: "entry", grammar: entry)
            #expect(heardWhole.match?.slots == ["entry": "87654321"] && heardWhole.confidence >= IntentThresholds.defaultThreshold,
                    "\(voice): \(heardWhole.heard.text) \(heardWhole.confidence)")
        }
    }

    @Test("an answer after a hesitation (\"um, hours\") is heard from after it; not after a word that is no filler")
    func afterHesitation() throws {
        let (recognizer, menu) = try helpDeskMenu()
        // The filler, a quarter of a second's pause, the answer.
        func hesitating(_ filler: String, _ answer: String, voice: String) throws -> [Int16]? {
            guard let first = try fliteSpeech(filler, voice: voice, rate: 8000), let rest = try fliteSpeech(answer, voice: voice, rate: 8000) else { return nil }
            return first + [Int16](repeating: 0, count: 2000) + rest
        }
        for (voice, filler, answer) in [("rms", "um", "hours"), ("slt", "um", "hours"), ("rms", "uh", "sales"), ("awb", "uh", "billing"),
                                        ("kal16", "um", "sales")] {
            guard let audio = try hesitating(filler, answer, voice: voice) else { return }
            recognizer.startCall()
            let heard = try recognizer.understand(audio, sampleRate: 8000, intents: "menu", grammar: menu)
            #expect(heard.match?.intent == answer && heard.confidence >= IntentThresholds.defaultThreshold,
                    "\(voice) '\(filler), \(answer)': \(heard.heard.text) \(heard.confidence)")
        }
        guard let notFiller = try hesitating("bravo", "hours", voice: "rms") else { return }
        recognizer.startCall()
        let heard = try recognizer.understand(notFiller, sampleRate: 8000, intents: "menu", grammar: menu)
        #expect(heard.confidence < IntentThresholds.defaultThreshold, "\(heard.heard.text) \(heard.confidence)")
    }

    @Test("a hesitation heard whole as a phrase's first word: the answer after it overrules (\"um, billing\" is no \"account balance\")")
    func hesitationTakenForAWord() throws {
        // The help desk's main menu: its answers and the example intents. Before the shortest of a
        // large grammar's phrases were compared as rivals, none were, and "account balance" was
        // taken whole at 0.75; the rival check or the rest's hearing now keeps it from being taken.
        let recognizer = try SpeechRecognizer()
        let file = try IntentGrammar.load(path: exampleIntents, knows: recognizer.knows)
        let menu = try IntentGrammar.combining([file], selection: [
            ("billing", ["billing"], false), ("hours", ["[opening] hours"], false), ("balance", ["[account] balance"], false),
            ("sales", ["sales"], false), ("transfer", [], true), ("pay_bill", [], true), ("account", [], true),
        ])
        try recognizer.addIntents("menu", grammar: menu)
        guard let audio = try fliteSpeech("um, billing", voice: "kal16", rate: 8000) else { return }
        recognizer.startCall()
        let heard = try recognizer.understand(audio, sampleRate: 8000, intents: "menu", grammar: menu)
        #expect(heard.match?.intent == "billing" && heard.confidence >= IntentThresholds.defaultThreshold, "\(heard.heard.text) \(heard.confidence)")
    }

    @Test("an answer with please after it is the answer's intent, checked with the please and against rivals that say it too")
    func courtesyWord() throws {
        let (recognizer, menu) = try helpDeskMenu()
        #expect(menu.jsgf.contains("public <intents> = (<intent_billing> | <intent_hours> | <intent_balance> | <intent_sales>) [please];"))
        for (voice, text, intent) in [("rms", "hours please", "hours"), ("kal16", "sales, please", "sales"), ("awb", "hours please", "hours")] {
            guard let audio = try fliteSpeech(text, voice: voice, rate: 8000) else { return }
            recognizer.startCall()
            let heard = try recognizer.understand(audio, sampleRate: 8000, intents: "menu", grammar: menu)
            #expect(heard.match?.intent == intent && heard.heard.words.last == "please" && heard.heard.rivalLead != nil
                    && heard.confidence >= IntentThresholds.defaultThreshold, "\(voice) '\(text)': \(heard.heard.text) \(heard.confidence)")
        }
    }

    @Test("the shape of a hesitation: a short sound, a pause, then more")
    func hesitationShape() {
        func tone(_ seconds: Double) -> [Int16] { (0..<Int(seconds * 16000)).map { Int16(8000 * sin(Double($0) * 0.2)) } }
        func pause(_ seconds: Double) -> [Int16] { [Int16](repeating: 0, count: Int(seconds * 16000)) }
        let shape = SpeechRecognizer.hesitationShape(tone(0.3) + pause(0.2) + tone(0.6))
        #expect(shape.map { abs($0.end - 5600) <= 160 && abs($0.rest - 7200) <= 160 } == true, "\(String(describing: shape))")
        #expect(SpeechRecognizer.hesitationShape(tone(1)) == nil)
        #expect(SpeechRecognizer.hesitationShape(tone(0.9) + pause(0.2) + tone(0.6)) == nil)   // too long for a hesitation
        #expect(SpeechRecognizer.hesitationShape(tone(0.3) + pause(0.05) + tone(0.6)) == nil)  // a closure, not a pause
    }

    @Test("a call's first utterance decodes the same whatever other calls said before (noise, silence)")
    func noCarryOver() throws {
        let recognizer = try SpeechRecognizer()
        let cards = "/usr/share/pocketsphinx/test/data/cards"
        try recognizer.addGrammar("cards", jsgf: try String(contentsOfFile: "\(cards)/cards.gram", encoding: .utf8))
        try recognizer.use("cards")
        let speech = try AudioFileSource(path: "\(cards)/001.wav", sampleRate: 16000).readAll()
        let first = try recognizer.recognize(speech, sampleRate: 16000)
        #expect(first.text == "ten of clubs")
        var state: UInt32 = 3
        let hiss = (0..<32000).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Int16(truncatingIfNeeded: state >> 16) / 8
        }
        for other in [hiss, hiss, [Int16](repeating: 0, count: 32000)] {
            recognizer.startCall()
            _ = try recognizer.recognize(other, sampleRate: 16000)
            recognizer.startCall()
            #expect(try recognizer.recognize(speech, sampleRate: 16000) == first)
        }
    }

    @Test("grammars and keyword lists switch without reloading the model")
    func switching() throws {
        let recognizer = try SpeechRecognizer()
        try recognizer.addGrammar("digits", jsgf: "#JSGF V1.0;\ngrammar d;\npublic <d> = (one | two | three | four | five)+;\n")
        try recognizer.addKeywords("keywords", phrases: [("operator", 1e-20), ("billing", nil)])
        guard let digits = try fliteSpeech("three five one", voice: "slt", rate: 16000),
              let phrase = try fliteSpeech("hello, I would like billing, or an operator", voice: "slt", rate: 16000) else { return }
        try recognizer.use("digits")
        #expect(try recognizer.recognize(digits, sampleRate: 16000).words == ["three", "five", "one"])
        try recognizer.use("keywords")
        // What `ivr recognize --keywords` prints: the keyphrases found and confirmed acoustically.
        let heard = try recognizer.recognize(phrase, sampleRate: 16000)
        #expect(heard.confirmedPhrases() == ["billing", "operator"], "\(heard.phrases)")
        try recognizer.use("digits")
        #expect(try recognizer.recognize(digits, sampleRate: 16000).words == ["three", "five", "one"])
    }

    @Test("a keyphrase spotted over speech that only resembles it is not confirmed: some of its phones explain nothing")
    func spottedPhraseWithUnexplainedPhones() throws {
        let recognizer = try SpeechRecognizer()
        try recognizer.addKeywords("keywords", phrases: [("message", nil), ("messages", nil)])
        try recognizer.use("keywords")
        guard let sentence = try fliteSpeech("your message has been successfully forwarded", voice: "slt", rate: 8000) else { return }
        let heard = try recognizer.recognize(sentence, sampleRate: 8000)
        // "messages" is found over "message has": its last phones lie where no such sounds are.
        let messages = try #require(heard.phrases.first { $0.phrase == "messages" }, "\(heard.phrases)")
        let weakest = try #require(messages.evidence.weakestPhones)
        #expect(weakest < AcousticEvidence.weakPhonesFloor, "\(messages.evidence)")
        #expect(heard.confirmedPhrases() == ["message"], "\(heard.phrases)")
    }

    @Test("a grammar with a word the dictionary lacks is refused with the word and its line")
    func grammarWithUnknownWord() throws {
        let recognizer = try SpeechRecognizer()
        let jsgf = "#JSGF V1.0;\ngrammar m;\n/* xyzzy is a comment */\npublic <m> = alpha | <b> {tag} // zork\n  | x-ray | quux;\n<b> = /2/ bravo | /1/ charlie;\n"
        #expect(SpeechRecognizer.words(ofJSGF: jsgf).map(\.word) == ["alpha", "x-ray", "quux", "bravo", "charlie"])
        #expect(SpeechRecognizer.words(ofJSGF: jsgf).map(\.line) == [4, 5, 5, 6, 6])
        #expect(throws: RecognitionError.grammar("line 5: 'quux' is not in the dictionary (give it phones in models/project.dict or with --dictionary)")) {
            try recognizer.addGrammar("m", jsgf: jsgf)
        }
        try recognizer.addGrammar("m", jsgf: jsgf.replacingOccurrences(of: " | quux", with: ""))
        #expect(SpeechRecognizer.words(ofJSGF: "public <q> = \"x ray\" | b;").map(\.word) == ["x ray", "b"])
    }

    @Test("clean 8 kHz speech is decoded with the narrowband transform, 16 kHz speech without it")
    func narrowbandTransform() throws {
        #expect(RecognitionModel.debian.narrowbandTransforms[.whole]?.hasSuffix("models/en-us-narrowband.mllr") == true)
        let digits = "#JSGF V1.0;\ngrammar d;\npublic <d> = (zero | one | two | three | four | five | six | seven | eight | nine)+;\n"
        let strings = ["four one nine seven two six", "eight zero three five", "two two six one nine", "seven three eight zero one four"]
        let digitCount = 2 * strings.joined(separator: " ").split(separator: " ").count
        /// A recognizer with `transform` (nil: none) and the digits grammar.
        func recognizer(transform: String?) throws -> SpeechRecognizer {
            var model = RecognitionModel.debian
            model.narrowbandTransforms = transform.map { [.whole: $0] } ?? [:]
            let recognizer = try SpeechRecognizer(model: model)
            try recognizer.addGrammar("digits", jsgf: digits)
            try recognizer.use("digits")
            return recognizer
        }
        /// Digits missed or inserted over the strings, said by two voices at 8 kHz.
        func digitErrors(_ recognizer: SpeechRecognizer) throws -> Int? {
            var errors = 0
            for voice in ["kal16", "awb"] {
                for said in strings {
                    guard let narrow = try fliteSpeech(said, voice: voice, rate: 8000) else { return nil }
                    let truth = said.split(separator: " ").map(String.init)
                    let heard = try recognizer.recognize(narrow, sampleRate: 8000).words
                    errors += max(truth.count, heard.count) - IntentCalibration.wordsInOrder(truth, heard)
                }
            }
            return errors
        }
        // A transform that moves every mean far away ruins 8 kHz speech, and only 8 kHz speech.
        let scrambling = try writeTemporary(MeanTransform.diagonal(scale: 0.5, offset: 20), name: "scrambling.mllr")
        let scrambled = try recognizer(transform: scrambling), plain = try recognizer(transform: nil)
        guard let wide = try fliteSpeech(strings[0], voice: "kal16", rate: 16000),
              let scrambledErrors = try digitErrors(scrambled), let real = try digitErrors(recognizer(transform: RecognitionModel.debian.narrowbandTransforms[.whole]))
        else { return }
        #expect(scrambledErrors > digitCount / 2, "the transform is not applied at 8 kHz: \(scrambledErrors) errors")
        #expect(real <= digitCount / 5, "\(real) of \(digitCount) digits wrong with the project's transform")
        // Back to the model's own means for wideband speech, after 8 kHz utterances.
        #expect(try scrambled.recognize(wide, sampleRate: 16000).text == plain.recognize(wide, sampleRate: 16000).text)
        // A transform that is not one is a clear error.
        let broken = try writeTemporary("not a transform\n", name: "broken.mllr")
        #expect(throws: RecognitionError.model("\(broken): not an MLLR transform")) { _ = try recognizer(transform: broken) }
    }

    @Test("models/build-narrowband-mllr builds a transform the recognizer loads (when sphinxtrain is installed)")
    func buildTransform() throws {
        let tools = ["/usr/lib/sphinxtrain/bw", "/usr/lib/sphinxtrain/mllr_solve", "/usr/bin/pocketsphinx_batch", "/usr/bin/espeak-ng", "/usr/bin/sox"]
        guard tools.allSatisfy(FileManager.default.isExecutableFile(atPath:)) else { return }
        try withModel(builtBy: "build-narrowband-mllr", arguments: ["--utterances", "24", "--no-real"], named: "mllr") { output in
            var model = RecognitionModel.debian
            model.narrowbandTransforms = [.whole: output]
            _ = try SpeechRecognizer(model: model)
        }
    }

    /// Runs the `models/` script `script` (with Debian's Python) writing to a temporary file
    /// ending in `suffix`, expects it to succeed, and gives `body` the file (removed afterwards).
    private func withModel(builtBy script: String, arguments: [String], named suffix: String, _ body: (String) throws -> Void) throws {
        let path = URL(fileURLWithPath: exampleIntents).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/\(script)").path
        let output = ScratchFolder.file("output.\(suffix)")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [path] + arguments + ["--output", output]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        try body(output)
    }

    @Test("an utterance is trimmed to its speech, keeping a little of the pause around it")
    func trimming() {
        let rate = 8000
        let tone = (0..<rate).map { Int16(8000 * sin(2 * .pi * 440 * Double($0) / Double(rate))) }
        var generator = NoiseGenerator(seed: 1)
        let quiet = generator.white(count: rate / 2, rms: 30).map { Int16(clamping: Int($0.rounded())) }
        let trimmed = SpeechRecognizer.trimmedToSpeech(quiet + tone + quiet, sampleRate: rate)
        let margin = Int(SpeechRecognizer.speechMargin * Double(rate))
        #expect(abs(trimmed.count - (tone.count + 2 * margin)) <= 2 * rate / 100, "\(trimmed.count) samples")
        #expect(SpeechRecognizer.trimmedToSpeech(tone, sampleRate: rate) == tone)
        #expect(SpeechRecognizer.trimmedToSpeech(quiet, sampleRate: rate).count <= quiet.count)
    }

    @Test("a missing model is one clear error; a grammar with an unknown word is refused")
    func errors() throws {
        let missing = RecognitionModel(acousticModel: "/nonexistent/model", dictionary: "/nonexistent/dict")
        #expect(throws: RecognitionError.model("/nonexistent/model: not an acoustic model (no mdef; install pocketsphinx-en-us)")) {
            _ = try SpeechRecognizer(model: missing)
        }
        let recognizer = try SpeechRecognizer()
        #expect(throws: RecognitionError.self) { try recognizer.addGrammar("bad", jsgf: "#JSGF V1.0;\ngrammar b;\npublic <b> = zorblax;\n") }
        #expect(throws: RecognitionError.grammar("keyphrase 'call zorblax': 'zorblax' is not in the dictionary (give it phones in models/project.dict)")) {
            try recognizer.addKeywords("bad", phrases: [("operator", nil), ("call zorblax", 1e-20)])
        }
        #expect(throws: RecognitionError.self) { try recognizer.recognize([0, 0, 0], sampleRate: 16000) }
    }
}
