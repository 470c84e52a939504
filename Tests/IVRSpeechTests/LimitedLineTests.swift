import Foundation
import IVRAudio
import IVRDSP
import Testing
@testable import IVRSpeech
import IVRTestSupport

@Suite("Telephone speech through lines that pass less of the band")
struct LimitedLineTests {
    /// The development list's letters and phonetic alphabet (asterisk-core-sounds-en, installed
    /// with the tests): each word with its file.
    static let menus: [[(word: String, file: String)]] = [
        "abcdefghijklmnopqrstuvwxyz".map { (String($0), "letters/\($0)") },
        zip(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike",
             "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "x ray", "yankee", "zulu"],
            "abcdefghijklmnopqrstuvwxyz").map { ($0, "phonetic/\($1)_p") },
    ]

    /// `samples` (8 kHz) limited to `band` by sox (`sinc` arguments).
    static func limited(_ samples: [Int16], to band: String) throws -> [Int16] {
        let input = ScratchFolder.file("wide.wav"), output = ScratchFolder.file("limited.wav")
        defer { for path in [input, output] { try? FileManager.default.removeItem(atPath: path) } }
        try SoundFileWriter(path: input, sampleRate: 8000).write(samples: samples)
        let sox = Process()
        sox.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sox.arguments = ["sox", input, output, "sinc", band]
        try sox.run()
        sox.waitUntilExit()
        return try AudioFileSource(path: output, sampleRate: 8000).readAll()
    }

    /// Menu answers right and wrong (taken at the default threshold) over `menus`, heard by `recognizer`.
    static func answers(_ menus: [[(word: String, speech: [Int16])]], _ recognizer: SpeechRecognizer) throws -> (right: Int, wrong: Int) {
        var taken = (right: 0, wrong: 0)
        for (index, menu) in menus.enumerated() {
            let grammar = try IntentGrammar(intents: menu.map { ($0.word, [$0.word]) })
            try recognizer.addIntents("menu\(index)", grammar: grammar)
            for (word, speech) in menu {
                recognizer.startCall()
                let result = try recognizer.understand(speech, sampleRate: 8000, intents: "menu\(index)", grammar: grammar)
                guard result.confidence >= IntentThresholds.defaultThreshold else { continue }
                if result.match?.intent == word { taken.right += 1 } else { taken.wrong += 1 }
            }
        }
        return taken
    }

    @Test("real answers through the voice band or a line cut above 3.4 kHz: fewer wrong with that line's transform and prior, as many right; the whole band as before",
          arguments: [("300-3400", TelephoneBand.Line.voiceBand), ("-3400", .topCut)])
    func limitedLineHearing(band: String, line: TelephoneBand.Line) throws {
        let folder = "/usr/share/asterisk/sounds/en"
        guard FileManager.default.fileExists(atPath: folder + "/letters/a.wav"), FileManager.default.isExecutableFile(atPath: "/usr/bin/sox"),
              RecognitionModel.debian.narrowbandTransforms[line] != nil else { return }
        let recorded = try Self.menus.map { menu in try menu.map { ($0.word, try AudioFileSource(path: "\(folder)/\($0.file).wav", sampleRate: 8000).readAll()) } }
        let limited = try recorded.map { menu in try menu.map { ($0.0, try Self.limited($0.1, to: band)) } }
        #expect(limited.allSatisfy { $0.allSatisfy { TelephoneBand.line(of: $0.1, sampleRate: 8000) == line } })
        var general = RecognitionModel.debian
        general.narrowbandTransforms[line] = nil
        let withLine = try SpeechRecognizer(), without = try SpeechRecognizer(model: general)
        let heard = try Self.answers(limited, withLine), heardWithout = try Self.answers(limited, without)
        #expect(heard.wrong < heardWithout.wrong && heard.right >= heardWithout.right - 1, "with: \(heard), without: \(heardWithout)")
        // The recordings as they are (up to 3.9 kHz) are heard as all telephone speech is.
        let whole = Array(recorded[0].prefix(8))
        #expect(try Self.answers([whole], withLine) == Self.answers([whole], without))
    }
}
