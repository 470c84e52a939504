import Foundation
import Testing
@testable import IVRFlow

/// The project's stock prompt set (`prompts/`), read from the repository.
let projectStockFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("prompts").path

@Suite("Stock prompts: every phrase in every language, values read in each")
struct StockPromptTests {
    static let shipped = ["de", "en", "es", "fr"]

    func reading(_ code: String) throws -> ReadingRules {
        let (stock, problems) = StockPrompts.load(folder: projectStockFolder, overrides: nil)
        #expect(problems.isEmpty, "\(problems)")
        return try #require(stock.languages[code]?.reading)
    }

    @Test("the shipped languages have every phrase and read cleanly")
    func shippedSetsAreWhole() {
        let (stock, problems) = StockPrompts.load(folder: projectStockFolder, overrides: nil)
        #expect(problems.isEmpty, "\(problems)")
        #expect(stock.languages.keys.sorted() == Self.shipped)
        for code in Self.shipped {
            #expect(stock.missingPhrases(in: code).isEmpty, "\(code)")
            #expect(stock.languages[code]?.reading.months.count == 12, "\(code)")
        }
        // Each language has its own words: no phrase is the English one.
        let english = stock.languages["en"]!.phrases.mapValues(\.text)
        for code in Self.shipped where code != "en" {
            for (id, entry) in stock.languages[code]!.phrases {
                #expect(entry.text != english[id], "\(code).\(id) is the English text")
            }
        }
    }

    @Test("money, times and dates are read in each language's words")
    func valuesPerLanguage() throws {
        let cases: [(String, String, String, String)] = [
            ("en", "money", "120.50", "120 dollars and 50 cents"), ("en", "money", "1", "1 dollar"),
            ("en", "money", "0.01", "0 dollars and 1 cent"),
            ("en", "time", "18:30", "6 30 PM"), ("en", "time", "09:05", "9 oh 5 AM"), ("en", "time", "00:00", "12 AM"),
            ("en", "date", "2026-11-23", "November 23, 2026"),
            ("es", "money", "1", "1 dólar"), ("es", "money", "3.05", "3 dólares con 5 céntimos"),
            ("es", "time", "13:05", "las 13 y 5"), ("es", "time", "01:00", "la 1 en punto"),
            ("es", "date", "2026-11-23", "23 de noviembre de 2026"),
            ("fr", "money", "0.5", "0 euro et 50 centimes"), ("fr", "money", "2.01", "2 euros et 1 centime"),
            ("fr", "time", "18:30", "18 heures 30"), ("fr", "time", "01:00", "1 heure"),
            ("fr", "date", "2026-08-01", "le 1 août 2026"),
            ("de", "money", "120.50", "120 Euro und 50 Cent"), ("de", "time", "18:30", "18 Uhr 30"),
            ("de", "time", "07:00", "7 Uhr"), ("de", "date", "2026-03-23", "23. März 2026"),
        ]
        for (code, format, value, expected) in cases {
            let text = PromptText.fill("{v:\(format)}", with: ["v": value], reading: try reading(code))
            #expect(text == expected, "\(code) \(format) \(value)")
        }
    }

    @Test("placeholders: digits one by one, unknown names left out, values that are not what the format says kept")
    func placeholders() throws {
        let english = try reading("en")
        #expect(PromptText.fill("Entered {n:digits}.", with: ["n": "2468"], reading: english) == "Entered 2 4 6 8.")
        #expect(PromptText.fill("{b:money}", with: ["b": "abc"], reading: english) == "abc")
        #expect(PromptText.fill("{t:time}", with: ["t": "25:00"], reading: english) == "25:00")
        #expect(PromptText.fill("You are number {queue_position}.", with: ["queue_position": "3"], reading: english) == "You are number 3.")
        #expect(PromptText.fill("Hello {name}{unknown}!", with: ["name": "Ada"], reading: nil) == "Hello Ada!")
        #expect(PromptText.fill("{b:money}", with: ["b": "3.50"], reading: nil) == "3.50")
        #expect(PromptText.placeholders(in: "{a} and {b:money}") == ["a", "b"])
    }

    static let bilingual = """
    start: main
    languages:
      en: { voice: en-us }
      es: { voice: es, speech: false }
    nodes:
      main:
        type: menu
        prompt: { en: "For help, press 1.", es: "Para ayuda, marque 1." }
        options:
          - { key: "1", go: help }
        max_tries: 2
      help:
        type: voicemail
        prompt: { en: "Leave a message.", es: "Deje un mensaje." }
    """

    /// The same flow held in Spanish unless the caller chooses otherwise.
    static let spanishFirst = bilingual.replacingOccurrences(of: "  en: { voice: en-us }\n  es: { voice: es, speech: false }",
                                                             with: "  es: { voice: es, speech: false }\n  en: { voice: en-us }")

    @Test("a silent Spanish caller hears Spanish reprompts, and no English at all")
    func silentSpanishCaller() throws {
        let flow = try helpDeskFlow()
        let call = CallDriver(flow)
        call.answer()
        call.press("2")
        call.press("4")          // password menu, then silence until the fallback (support)
        call.silence(30)
        let english = Set(flow.stock.languages["en"]!.phrases.values.map(\.text))
            .union(flow.nodes.values.flatMap(\.prompts).compactMap { $0.texts["en"] })
        let reprompts = call.plays.filter { $0.stockID == StockPhrase.noInput.rawValue }
        #expect(reprompts.count == 2)
        #expect(reprompts.allSatisfy { $0.text == "Perdone, no le he oído." && $0.language == "es" && $0.voice == "es" })
        #expect(call.plays.filter { $0.id != "language.prompt" }.allSatisfy { $0.language == "es" && !english.contains($0.text) })
        #expect(call.plays.last?.id == "support.prompt" && call.plays.last?.text == "Le paso con soporte.")
        #expect(call.events("prompt_fallback").isEmpty)
    }

    @Test("a flow's own prompt set overrides a stock id; the others stay stock")
    func overriddenID() throws {
        let files = ["prompts/es.yaml": "phrases:\n  no_input: \"¿Sigue ahí?\"\n"]
        let english = CallDriver(try loadFlow(Self.bilingual, files: files))
        english.answer()
        english.silence(6)
        let flow = try loadFlow(Self.spanishFirst, files: files)
        let spanish = CallDriver(flow)
        spanish.answer()
        spanish.silence(6)
        #expect(english.plays.contains { $0.text == "Sorry, I did not hear you." && $0.stockID == "no_input" })
        #expect(spanish.plays.contains { $0.text == "¿Sigue ahí?" && $0.stockID == "no_input" })
        #expect(flow.stock.languages["es"]?.phrases["no_match"]?.text == "Perdone, no le he entendido.")
        #expect(flow.stock.languages["es"]?.phrases["no_input"]?.source.file.hasSuffix("prompts/es.yaml") == true)
    }

    @Test("lint: a language without stock prompts, a phrase missing, a prompt without a language's text, an unknown id")
    func lintMissingTranslations() throws {
        let italian = Self.bilingual.replacingOccurrences(of: "  es: { voice: es, speech: false }", with: "  es: { voice: es, speech: false }\n  it: { voice: it }")
        let (_, noStock) = try checkFlow(italian)
        #expect(noStock.contains { $0.line == 5 && $0.message.contains("language 'it' has no stock prompts") })
        #expect(noStock.contains { $0.line == 9 && $0.message.contains("main.prompt: no 'it' text") })

        let (_, partial) = try checkFlow(italian, files: ["prompts/it.yaml": "voice: it\nphrases:\n  no_input: \"Scusi, non ho sentito.\"\n  no_imput: x\n"])
        #expect(partial.contains { $0.line == 5 && $0.message.contains("language 'it': stock prompts missing") && $0.message.contains("no_match") })
        #expect(partial.contains { $0.file.hasSuffix("prompts/it.yaml") && $0.line == 4 && $0.message.contains("did you mean 'no_input'") })

        let oneText = Self.bilingual.replacingOccurrences(of: "prompt: { en: \"Leave a message.\", es: \"Deje un mensaje.\" }", with: "prompt: \"Leave a message.\"")
        let (_, problems) = try checkFlow(oneText)
        #expect(problems.map(\.line) == [14])
        #expect(problems.first?.message.contains("one text for every language would be spoken to 'en', 'es' callers") == true)
        #expect(try checkFlow(Self.bilingual).1.isEmpty)
    }

    @Test("a language named without settings takes its stock voice, and speech only if English; speech forced on for another is noted")
    func languageDefaults() throws {
        let yaml = """
        start: bye
        languages:
          en: {}
          de: {}
          fr: { speech: true }
        nodes:
          bye: { type: hangup }
        """
        let flow = try loadFlow(yaml)
        #expect(flow.languages.map(\.voice) == ["en-us", "de", "fr"])
        #expect(flow.languages.map(\.speech) == [true, false, true])
        #expect(flow.notes.map(\.line) == [5])
        #expect(flow.notes.first?.message.contains("language 'fr' takes speech, but the recognizer's model is English") == true)
    }

    @Test("a prompt without the caller's language is spoken in another only with a logged fallback")
    func fallbackIsLogged() throws {
        let (loaded, problems) = try checkFlow(Self.spanishFirst.replacingOccurrences(of: ", es: \"Para ayuda, marque 1.\"", with: ""))
        #expect(problems.count == 1)
        let flow = try #require(loaded)
        let call = CallDriver(flow)
        call.answer()
        let fallback = try #require(call.events("prompt_fallback").first)
        #expect(fallback.detail == ["id": "main.prompt", "language": "es", "spoken_in": "en"])
        #expect(call.plays.first?.voice == "en-us")
    }
}

/// Every prompt of the example help desk a caller hears in Spanish, French or German, on the
/// paths a keypad caller can take: none may be English (the measure of issue 31).
@Suite("The example help desk speaks each caller's language")
struct ExampleLanguageTests {
    /// Words that mark a text as English (none is a word of Spanish, French or German).
    static let englishWords: Set<String> = ["the", "you", "your", "please", "press", "thank", "thanks", "to", "for", "and",
                                            "is", "not", "we", "our", "of", "hold", "goodbye", "sorry", "enter", "call"]

    static func englishWords(in text: String) -> [String] {
        text.lowercased().split { !$0.isLetter }.map(String.init).filter { englishWords.contains($0) }
    }

    /// Key presses after the language choice, with what the call needs, and the node it ends in.
    static let paths: [(name: String, keys: [String], caller: String?, queues: [String: QueueStatus], at: Date, silence: Double)] = [
        ("silence to the operator", [], nil, [:], CallDriver.weekdayMorning, 60),
        ("a wrong key, hours, goodbye", ["9", "2", "2"], nil, [:], CallDriver.weekdayMorning, 0),
        ("balance read back", ["3", "12345678#", "4321#", "2"], nil, [:], CallDriver.weekdayMorning, 0),
        ("locked out", ["3", "11111111#", "0000#", "11111111#", "0000#", "11111111#", "0000#"], nil, [:], CallDriver.weekdayMorning, 0),
        ("voicemail after hours", ["1"], nil, [:], CallDriver.sundayMorning, 0),
        ("a callback on a long wait", ["1", "1", "2", "5559876#"], "+15551234567",
         ["billing": QueueStatus(waiting: 12, agentsFree: 0, estimatedWait: 900)], CallDriver.weekdayMorning, 0),
        ("no caller id: a text to a number keyed in", ["6", "55512345#", "2"], nil, [:], CallDriver.weekdayMorning, 0),
        ("a text with the password link", ["4", "1", "1"], "+15551234567", [:], CallDriver.weekdayMorning, 0),
        ("sales", ["5"], nil, [:], CallDriver.weekdayMorning, 0),
    ]

    @Test("no English to a Spanish, French or German caller", arguments: [("2", "es"), ("3", "fr"), ("4", "de")])
    func noEnglish(key: String, code: String) throws {
        let flow = try helpDeskFlow()
        var heard = 0
        for path in Self.paths {
            let call = CallDriver(flow, caller: CallerInfo(number: path.caller), at: path.at, queues: path.queues)
            call.answer()
            call.press(key)
            for keys in path.keys { call.press(keys) }
            if path.silence > 0 { call.silence(path.silence) }
            call.listen()
            if call.session.outcome == nil { call.send(.recordingFinished(seconds: 4)); call.listen() }
            let plays = call.plays.dropFirst()          // the language menu, before the choice
            #expect(!plays.isEmpty, "\(path.name)")
            for play in plays {
                heard += 1
                #expect(play.language == code && play.voice == flow.language(code)?.voice, "\(path.name): \(play.id)")
                #expect(Self.englishWords(in: play.text).isEmpty, "\(path.name) [\(code)]: \(play.id): \(play.text)")
            }
            #expect(call.events("prompt_fallback").isEmpty)
        }
        #expect(heard > 40)
    }

    @Test("the English detector finds English (so that finding none means something)")
    func detectorWorks() throws {
        let flow = try helpDeskFlow()
        let english = flow.nodes.values.flatMap(\.prompts).compactMap { $0.texts["en"] }
            + flow.stock.languages["en"]!.phrases.values.map(\.text)
        #expect(english.filter { !Self.englishWords(in: $0).isEmpty }.count >= english.count - 3)
        let others = ["es", "fr", "de"].flatMap { code in
            flow.nodes.values.flatMap(\.prompts).compactMap { $0.texts[code] } + flow.stock.languages[code]!.phrases.values.map(\.text)
        }
        #expect(others.allSatisfy { Self.englishWords(in: $0).isEmpty }, "\(others.filter { !Self.englishWords(in: $0).isEmpty })")
    }
}
