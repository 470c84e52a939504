import Foundation
import Testing
@testable import IVRSpeech

@Suite("The grammar's language model for the free decode's check")
struct PhraseLanguageModelTests {
    static let billFollowers: [String: Set<String>] = [
        "<s>": ["pay", "settle"], "pay": ["my", "bill", "invoice"], "settle": ["my", "bill", "invoice"],
        "my": ["bill", "invoice"], "bill": ["please", "</s>"], "invoice": ["please", "</s>"], "please": ["</s>"],
    ]

    @Test("which words follow which comes from the grammar's structure: alternatives, options, rules, loops")
    func followers() throws {
        let model = RecognitionModel.debian
        let decoder = try PocketSphinxDecoder(hmm: model.acousticModel, dictionary: model.dictionary)
        let bill = "#JSGF V1.0;\ngrammar b;\npublic <b> = (pay | settle) [my] <bill> [please];\n<bill> = bill | invoice;\n"
        #expect(try decoder.wordFollowers(ofJSGF: bill) == Self.billFollowers)
        let digits = "#JSGF V1.0;\ngrammar d;\npublic <d> = start <digit>+;\n<digit> = one | two;\n"
        #expect(try decoder.wordFollowers(ofJSGF: digits) == ["<s>": ["start"], "start": ["one", "two"],
                                                              "one": ["one", "two", "</s>"], "two": ["one", "two", "</s>"]])
        #expect(throws: RecognitionError.self) { try decoder.wordFollowers(ofJSGF: "public <broken> = (pay;") }
    }

    @Test("after every word the probabilities of what may come next sum to one")
    func normalized() {
        let model = PhraseLanguageModel(followers: Self.billFollowers)
        let unigrams = model.unigrams, bigrams = model.bigrams
        #expect(bigrams.count == Self.billFollowers.values.reduce(0) { $0 + $1.count })
        let vocabulary = unigrams.filter { $0.word != "<s>" }
        #expect(abs(vocabulary.reduce(0) { $0 + pow(10, $1.probability) } - 1) < 1e-4)
        for history in unigrams {
            let seen = Dictionary(uniqueKeysWithValues: bigrams.filter { $0.left == history.word }.map { ($0.right, $0.probability) })
            let total = vocabulary.reduce(0) { sum, word in
                sum + (seen[word.word].map { pow(10, $0) } ?? pow(10, history.backoff + word.probability))
            }
            #expect(abs(total - 1) < 1e-3, "after \(history.word): \(total)")
        }
        // A pair the grammar allows is likelier than one it does not.
        let after = { (left: String, right: String) in bigrams.first { $0.left == left && $0.right == right }?.probability }
        #expect(after("my", "bill") != nil && after("my", "please") == nil)
        let text = model.arpa
        #expect(text.hasPrefix("\\data\\\nngram 1=\(unigrams.count)\nngram 2=\(bigrams.count)\n") && text.hasSuffix("\\end\\\n"))
    }
}

@Suite("One free decode for every grammar's check")
struct SharedCheckTests {
    @Test("an utterance is checked the same whichever grammar was checked before")
    func sameAfterOtherGrammars() throws {
        guard let bill = try fliteSpeech("hi yes I would like to settle my invoice", voice: "slt", rate: 8000),
              let digits = try fliteSpeech("three five one", voice: "slt", rate: 8000) else { return }
        func recognizer() throws -> (SpeechRecognizer, IntentGrammar) {
            let recognizer = try SpeechRecognizer()
            let grammar = try IntentGrammar.load(path: exampleIntents, knows: recognizer.knows)
            try recognizer.addIntents("intents", grammar: grammar)
            try recognizer.addGrammar("digits", jsgf: "#JSGF V1.0;\ngrammar d;\npublic <d> = (one | two | three | four | five)+;\n")
            try recognizer.use("digits")
            return (recognizer, grammar)
        }
        // Checked with the intents' model only.
        let (alone, grammar) = try recognizer()
        let expected = try alone.understand(bill, sampleRate: 8000, intents: "intents", grammar: grammar)
        #expect(expected.match?.intent == "pay_bill")
        // Checked after the digits' model, back and forth.
        let (shared, _) = try recognizer()
        for _ in 0..<2 {
            shared.startCall()
            #expect(try shared.recognize(digits, sampleRate: 8000).words == ["three", "five", "one"])
            shared.startCall()
            let result = try shared.understand(bill, sampleRate: 8000, intents: "intents", grammar: grammar)
            #expect(result.heard == expected.heard && result.confidence == expected.confidence)
        }
    }

    @Test("a grammar's words outside the general model are heard by the free decode once the grammar is added")
    func wordsOutsideTheGeneralModel() throws {
        guard let cards = try fliteSpeech("the ace of spades", voice: "kal16", rate: 16000) else { return }
        let recognizer = try SpeechRecognizer()
        // "ace" and "spades" are not among the general model's 5,000 words.
        try recognizer.addGrammar("cards", jsgf: "#JSGF V1.0;\ngrammar c;\npublic <c> = [the] (ace | king | queen) of (spades | hearts | clubs);\n")
        try recognizer.addGrammar("digits", jsgf: "#JSGF V1.0;\ngrammar d;\npublic <d> = (one | two | three)+;\n")
        for grammar in ["cards", "digits", "cards"] {
            try recognizer.use(grammar)
            recognizer.startCall()
            let heard = try recognizer.recognize(cards, sampleRate: 16000)
            guard grammar == "cards" else { continue }
            #expect(heard.words == ["the", "ace", "of", "spades"])
            #expect(heard.wordConfidences == [1, 1, 1, 1], "the free decode heard every word as it was said")
        }
    }
}
