import Foundation
import IVRAudio
import Testing
@testable import IVRSpeech

@Suite("A voice higher than the model's heard again with its spectrum compressed")
struct HigherVoiceTests {
    /// Two menus of the development list's recordings (asterisk-core-sounds-en, installed with
    /// the tests): each word with its file.
    static let menus: [[(word: String, file: String)]] = [
        zip(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike",
             "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "x ray", "yankee", "zulu"],
            "abcdefghijklmnopqrstuvwxyz").map { ($0, "phonetic/\($1)_p") },
        ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"].enumerated().map { ($1, "digits/day-\($0)") }
            + ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
            .enumerated().map { ($1, "digits/mon-\($0)") },
    ]

    /// Where the development list's recordings are (asterisk-core-sounds-en).
    static let folder = "/usr/share/asterisk/sounds/en"

    /// Each word of `menu` with its recording, at 8 kHz.
    static func recordings(_ menu: [(word: String, file: String)]) throws -> [(word: String, speech: [Int16])] {
        try menu.map { ($0.word, try AudioFileSource(path: "\(folder)/\($0.file).wav", sampleRate: 8000).readAll()) }
    }

    typealias Taken = (right: Int, wrong: Int, compressed: Int, deeper: (right: Int, wrong: Int))

    /// The answers taken from each recording of each menu raised by each of `raises` (played
    /// faster: pitch and formants up, as a shorter vocal tract would say it): right, wrong and
    /// taken compressed, without the second look (`plain`) and with it.
    static func answersTaken(_ menus: [[(word: String, speech: [Int16])]], rate: Int, raises: [Double]) throws -> (plain: Taken, second: Taken) {
        let recognizer = try SpeechRecognizer()
        var tally: [Bool: Taken] = [true: (0, 0, 0, (0, 0)), false: (0, 0, 0, (0, 0))]
        for (index, menu) in menus.enumerated() {
            let words = menu.map(\.word).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }  // in order, once each
            let grammar = try IntentGrammar(intents: words.map { ($0, [$0]) })
            try recognizer.addIntents("menu\(index)", grammar: grammar)
            for (word, speech) in menu {
                for raise in raises {
                    let higher = try SpeechRecognizer.resampled(speech, from: Int(Double(rate) * raise), to: rate)
                    for looks in [false, true] {
                        recognizer.rescuesHigherVoices = looks
                        let result = try recognizer.understand(higher, sampleRate: rate, intents: "menu\(index)", grammar: grammar)
                        guard result.confidence >= IntentThresholds.defaultThreshold else { continue }
                        if result.match?.intent == word { tally[looks]!.right += 1 } else { tally[looks]!.wrong += 1 }
                        if result.heard.scale != 1 { tally[looks]!.compressed += 1 }
                        if result.heard.scale == SpeechRecognizer.deeperRescueScale {
                            if result.match?.intent == word { tally[looks]!.deeper.right += 1 } else { tally[looks]!.deeper.wrong += 1 }
                        }
                    }
                }
            }
        }
        return (tally[false]!, tally[true]!)
    }

    @Test("menu answers in voices 12 and 15 % higher: more right with the second hearing, none more wrong")
    func higherVoiceRescued() throws {
        guard FileManager.default.fileExists(atPath: Self.folder + "/phonetic/a_p.wav") else { return }
        let (plain, second) = try Self.answersTaken(try Self.menus.map(Self.recordings), rate: 8000, raises: [1.12, 1.15])
        #expect(plain.compressed == 0)
        #expect(second.right >= plain.right + 3 && second.wrong <= plain.wrong, "without: \(plain), with: \(second)")
    }

    @Test("menu answers in a voice 19 % higher (a child's): some taken only at the deeper scale, all of them right")
    func childVoiceRescuedDeeper() throws {
        guard FileManager.default.fileExists(atPath: Self.folder + "/phonetic/a_p.wav") else { return }
        let (plain, second) = try Self.answersTaken(try Self.menus.map(Self.recordings), rate: 8000, raises: [1.19])
        // Without the second look 15 right and 3 wrong; with it 22 and 3, two of them at 0.84.
        #expect(second.deeper.right >= 1 && second.deeper.wrong == 0 && second.wrong <= plain.wrong, "without: \(plain), with: \(second)")
    }

    @Test("answers taken narrowly ahead of a rival in a voice 9 and 12 % higher are doubted when the compressed hearing takes another: fewer wrong")
    func higherVoiceDoubted() throws {
        guard FileManager.default.fileExists(atPath: Self.folder + "/digits/h-80.wav") else { return }
        let ordinals = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh",
                        "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth"]
            .enumerated().map { ($1, "digits/h-\($0 + 1)") }
            + [(20, "twentieth"), (30, "thirtieth"), (50, "fiftieth"), (60, "sixtieth"), (70, "seventieth"), (80, "eightieth"),
               (90, "ninetieth")].map { ($1, "digits/h-\($0)") }
        let keys = [("star", "digits/star"), ("pound", "digits/pound"), ("dash", "letters/dash"), ("dot", "letters/dot"),
                    ("slash", "letters/slash"), ("plus", "letters/plus"), ("equals", "letters/equals"), ("comma", "letters/ascii44"),
                    ("colon", "letters/ascii58"), ("asterisk", "letters/asterisk"), ("dollar", "letters/dollar"), ("space", "letters/space")]
        let (plain, second) = try Self.answersTaken([try Self.recordings(ordinals), try Self.recordings(keys)], rate: 8000, raises: [1.09, 1.12])
        // Without the second look: 56 right, 10 wrong; with it 58 and 3 (the doubt takes wrong
        // answers away, the rescue adds right ones).
        #expect(second.wrong * 2 <= plain.wrong && second.right >= plain.right - 2, "without: \(plain), with: \(second)")
    }

    @Test("wideband answers in voices 30 and 40 % higher (a child's) get the same second look: fewer wrong, no fewer right")
    func higherWidebandVoice() throws {
        let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima",
                     "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "yankee", "zulu"]
        guard !TestVoice.fliteVoices.isEmpty else { return }
        let said = try ["kal16", "rms", "awb"].flatMap { voice in
            try words.map { ($0, try #require(try fliteSpeech($0, voice: voice, rate: 16000))) }
        }
        let (plain, second) = try Self.answersTaken([said], rate: 16000, raises: [1.3, 1.4])
        // Without the second look 117 right and 5 wrong, with it 125 and 2.
        #expect(second.wrong < plain.wrong && second.right >= plain.right, "without: \(plain), with: \(second)")
    }

    @Test("keyphrases nearly accepted in a voice 9 and 12 % higher are spotted again compressed: more found, none more wrong")
    func higherVoiceKeywordsRespotted() throws {
        guard FileManager.default.fileExists(atPath: Self.folder + "/conf-full.wav") else { return }
        // Short sentences of the development list, each with the keyword intent it says.
        let sentences = [("agent-newlocation", "extension"), ("agent-pass", "password"), ("conf-extended", "conference"),
                         ("conf-full", "conference"), ("conf-getpin", "conference"), ("conf-invalidpin", "conference"),
                         ("conf-kicked", "conference"), ("confbridge-removed", "conference"), ("dir-nomatch", "directory"),
                         ("transfer", "extension"), ("vm-delete", "message"), ("vm-deleted", "message"),
                         ("vm-incorrect-mailbox", "voicemail"), ("vm-invalidpassword", "password")]
        let intents = ["operator": "operator", "password": "password", "extension": "extension", "conference": "conference",
                       "voicemail": "voicemail", "mailbox": "voicemail", "goodbye": "goodbye", "thank you": "thank you",
                       "directory": "directory", "help": "help", "record": "record", "recording": "record", "cancel": "cancel",
                       "message": "message", "messages": "message"]
        let recognizer = try SpeechRecognizer()
        try recognizer.addKeywords("keywords", phrases: intents.keys.sorted().map { ($0, nil) })
        try recognizer.use("keywords")
        var tally: [Bool: (right: Int, wrong: Int, respotted: Int)] = [true: (0, 0, 0), false: (0, 0, 0)]
        for (file, said) in sentences {
            let speech = try AudioFileSource(path: "\(Self.folder)/\(file).wav", sampleRate: 8000).readAll()
            for raise in [1.09, 1.12] {
                let higher = try SpeechRecognizer.resampled(speech, from: Int(8000 * raise), to: 8000)
                for respots in [false, true] {
                    recognizer.rescuesHigherVoices = respots
                    let heard = try recognizer.recognize(higher, sampleRate: 8000)
                    for intent in Set(heard.confirmedPhrases().compactMap { intents[$0] }) {
                        if intent == said { tally[respots]!.right += 1 } else { tally[respots]!.wrong += 1 }
                    }
                    if heard.scale != 1 { tally[respots]!.respotted += 1 }
                }
            }
        }
        let (plain, again) = (tally[false]!, tally[true]!)
        #expect(plain.respotted == 0)
        #expect(again.right >= plain.right + 2 && again.wrong <= plain.wrong, "without: \(plain), with: \(again)")
    }
}
