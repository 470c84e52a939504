import ArgumentParser
import Foundation
import IVRAudio
import IVRSpeech

struct RecognizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recognize",
        abstract: "Recognize what is said in a recording (PocketSphinx, Debian's en-us model).",
        discussion: """
        The whole file is decoded as one utterance, against one of:
          --grammar G.gram   a JSGF grammar: prints the words heard (or an empty line)
          --keywords LIST    a keyword list, a phrase per line, a /threshold/ optional:
                             prints the phrases found, in order, on one line
          --intents F.yaml   an intent file: prints the intent (empty: no match)
        Every hypothesis is checked acoustically: its confidence (0–1) says how well the words \
        explain the audio against the best the model does with any sounds; an intent or a \
        keyphrase below the threshold is not taken. With --json, one JSON object with the words, \
        confidence, and intent and slots (keyphrases: each found with its confidence).
        8 kHz files are decoded as telephone audio (resampled to the model's 16 kHz), as are \
        files at a wider rate that hold only the telephone band (nothing above 4 kHz). A file \
        that holds no speech (noise, a keypad or ringing tone alone) is heard as nothing.

        Examples:
          ivr recognize caller.wav --intents examples/intents.yaml
          ivr recognize digits.wav --grammar digits.gram --json
          ivr recognize call.wav --keywords keywords.txt
        """)

    @Argument(help: "The audio file (any format and rate; converted).")
    var file: String

    @Option(help: "A JSGF grammar file.")
    var grammar: String?

    @Option(help: "A keyword list file (PocketSphinx format).")
    var keywords: String?

    @Option(help: "An intent file (YAML).")
    var intents: String?

    @Option(help: """
        Confidence below which an intent is a no-match, or a keyphrase not found (0–1): how well the words heard explain the \
        audio against the best the acoustic model can do with any sounds (default: the intent's threshold from \
        'ivr grammar calibrate', else \(IntentThresholds.defaultThreshold)).
        """)
    var minConfidence: Double?

    @Flag(help: "One JSON object with words, confidence, intent and slots.")
    var json = false

    @Option(help: "A project dictionary of extra words (default: models/project.dict when it exists).")
    var dictionary: String?

    func validate() throws {
        guard [grammar, keywords, intents].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give one of --grammar, --keywords, --intents")
        }
    }

    func run() throws {
        let rate = try speechRate(of: file)
        let samples = try AudioFileSource(path: file, sampleRate: rate).readAll()
        do {
            let recognizer = try speechRecognizer(dictionary: dictionary)
            var intentGrammar: IntentGrammar?
            var thresholds: IntentThresholds?
            if let grammar {
                guard let text = try? String(contentsOfFile: grammar, encoding: .utf8) else {
                    throw InputFailure(message: "\(grammar): no such file, or not readable")
                }
                do { try recognizer.addGrammar("grammar", jsgf: text) } catch {
                    throw InputFailure(message: "\(grammar): \(error)")
                }
                try recognizer.use("grammar")
            } else if let keywords {
                try recognizer.addKeywords("keywords", phrases: try Self.keywordList(keywords))
                try recognizer.use("keywords")
            } else if let intents {
                let loaded = try IntentGrammar.load(path: intents, knows: recognizer.knows)
                try recognizer.addIntents("intents", grammar: loaded)
                intentGrammar = loaded
                thresholds = try IntentThresholds.load(forIntentFile: intents)
            }
            let threshold = { (intent: String) in
                minConfidence ?? thresholds?.threshold(for: intent) ?? IntentThresholds.defaultThreshold
            }
            let heard: Recognition
            var match: IntentMatch?
            var confidence: Double
            if let intentGrammar {
                let result = try recognizer.understand(samples, sampleRate: rate, intents: "intents", grammar: intentGrammar)
                (heard, confidence) = (result.heard, result.confidence)
                match = result.match.flatMap { confidence >= threshold($0.intent) ? $0 : nil }
            } else {
                heard = try recognizer.recognize(samples, sampleRate: rate)
                confidence = heard.confidence
            }
            // Keyphrases count as found when the acoustic check confirms them.
            let found = keywords == nil ? heard.text : heard.confirmedPhrases(atLeast: minConfidence ?? IntentThresholds.defaultThreshold).joined(separator: " ")
            if json {
                var object: [String: Any] = ["words": found, "confidence": (confidence * 1000).rounded() / 1000]
                if intentGrammar != nil {
                    object["intent"] = match?.intent ?? NSNull()
                    object["slots"] = match?.slots ?? [:]
                }
                if keywords != nil {
                    object["phrases"] = heard.phrases.map { ["phrase": $0.phrase, "confidence": ($0.evidence.confidence * 1000).rounded() / 1000] }
                }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(intentGrammar != nil ? (match?.intent ?? "") : found)
            }
        } catch let error as RecognitionError {
            throw InputFailure(message: "ivr recognize: \(error)")
        } catch let error as IntentErrors {
            throw InputFailure(message: error.description)
        }
    }

    /// `phrase /1e-20/` lines (threshold optional; blank lines and # comments skipped).
    static func keywordList(_ path: String) throws -> [(phrase: String, threshold: Double?)] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw InputFailure(message: "\(path): no such file, or not readable")
        }
        var result: [(String, Double?)] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            if let open = line.firstIndex(of: "/") {
                let phrase = line[..<open].trimmingCharacters(in: .whitespaces)
                let value = line[line.index(after: open)...].trimmingCharacters(in: CharacterSet(charactersIn: "/ "))
                guard let threshold = Double(value), !phrase.isEmpty else {
                    throw InputFailure(message: "\(path):\(index + 1): expected 'phrase /threshold/', got '\(line)'")
                }
                result.append((phrase, threshold))
            } else {
                result.append((line, nil))
            }
        }
        guard !result.isEmpty else { throw InputFailure(message: "\(path): no keyphrases") }
        return result
    }
}

struct GrammarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grammar",
        abstract: "Work with intent files.",
        subcommands: [GrammarCheckCommand.self, GrammarCalibrateCommand.self])
}

struct GrammarCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compile an intent file and report its problems.",
        discussion: """
        Reports, with file:line, syntax errors in templates, unknown rules and slot types, and \
        words missing from the recognizer's dictionary, and phrases that two intents accept. \
        Exit status 1 if there is any problem. --jsgf prints the compiled grammar.

        Examples:
          ivr grammar check examples/intents.yaml
          ivr grammar check --jsgf examples/intents.yaml > intents.gram
        """)

    @Argument(help: "The intent file (YAML).")
    var file: String

    @Flag(help: "Print the compiled JSGF grammar.")
    var jsgf = false

    @Option(help: "A project dictionary of extra words (default: models/project.dict when it exists).")
    var dictionary: String?

    func run() throws {
        do {
            let recognizer = try speechRecognizer(dictionary: dictionary)
            let grammar = try IntentGrammar.load(path: file, knows: recognizer.knows)
            try recognizer.addGrammar("check", jsgf: grammar.jsgf)
            let conflicts = grammar.conflicts()
            for conflict in conflicts {
                print("\(file): conflict: '\(conflict.phrase)' is accepted by \(conflict.intents.joined(separator: " and ")) (the first wins)")
            }
            guard conflicts.isEmpty else {
                throw InputFailure(message: "\(file): \(conflicts.count) conflict\(conflicts.count == 1 ? "" : "s")")
            }
            if jsgf { print(grammar.jsgf, terminator: "") }
            printError("\(file): ok (\(grammar.intentNames.count) intents: \(grammar.intentNames.joined(separator: ", ")))")
        } catch let error as IntentErrors {
            print(error.description)
            throw InputFailure(message: "\(file): \(error.problems.count) problem\(error.problems.count == 1 ? "" : "s")")
        } catch let error as RecognitionError {
            throw InputFailure(message: "\(file): \(error)")
        }
    }
}
