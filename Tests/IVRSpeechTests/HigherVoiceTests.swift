import Foundation
import IVRAudio
import Testing
@testable import IVRSpeech

@Suite("A voice higher than the model's heard again with its spectrum compressed")
struct HigherVoiceTests {
    @Test("the phonetic alphabet in a voice 12 % higher: more answers right with the second hearing, none more wrong")
    func higherVoiceRescued() throws {
        // The development list's recordings (asterisk-core-sounds-en, installed with the tests),
        // played 12 % faster: pitch and formants 12 % up, as a shorter vocal tract would say them.
        let folder = "/usr/share/asterisk/sounds/en/phonetic"
        guard FileManager.default.fileExists(atPath: folder + "/a_p.wav") else { return }
        let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima", "mike",
                     "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu"]
        let recognizer = try SpeechRecognizer()
        let menu = try IntentGrammar(intents: words.map { ($0, [$0 == "xray" ? "x ray" : $0]) })
        try recognizer.addIntents("phonetic", grammar: menu)
        var tally: [Bool: (right: Int, wrong: Int, rescued: Int)] = [true: (0, 0, 0), false: (0, 0, 0)]
        for (word, letter) in zip(words, "abcdefghijklmnopqrstuvwxyz") {
            let speech = try AudioFileSource(path: "\(folder)/\(letter)_p.wav", sampleRate: 8000).readAll()
            let higher = try SpeechRecognizer.resampled(speech, from: Int(8000 * 1.12), to: 8000)
            for rescues in [false, true] {
                recognizer.rescuesHigherVoices = rescues
                let result = try recognizer.understand(higher, sampleRate: 8000, intents: "phonetic", grammar: menu)
                guard result.confidence >= IntentThresholds.defaultThreshold else { continue }
                if result.match?.intent == word { tally[rescues]!.right += 1 } else { tally[rescues]!.wrong += 1 }
                if result.heard.scale != 1 { tally[rescues]!.rescued += 1 }
            }
        }
        let (plain, second) = (tally[false]!, tally[true]!)
        print("higher voice: \(plain) without, \(second) with")
        #expect(plain.rescued == 0)
        #expect(second.right > plain.right && second.wrong <= plain.wrong, "without: \(plain), with: \(second)")
    }
}
