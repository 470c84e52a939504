import ArgumentParser
import Foundation
import IVRFlow
import IVRSpeech

struct GrammarCalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Tune each intent's confidence threshold (or each keyphrase's threshold) on synthesized callers.",
        discussion: """
        Speaks example phrases of every intent and sentences outside the grammar in several \
        voices (eSpeak NG variants, and flite's voices when flite is installed), at 8 kHz \
        telephone band and at 16 kHz, decodes them, and chooses per intent the threshold that \
        keeps false alarms on the outside sentences under --target while losing as few right \
        answers as it can. Writes them beside the intent file (intents.yaml → \
        intents.thresholds.yaml), where 'ivr recognize --intents' finds them. Prints each \
        intent's threshold, its right answers and false alarms, and F1 before and after. \
        Progress goes to standard error on a terminal.

        FILE may be a flow: its menus' spoken intents (their own phrases, and the intents of the \
        flow's intent files) are calibrated together, and the thresholds go beside the flow \
        (help-desk.yaml → help-desk.thresholds.yaml), where its calls find them (for the \
        other intents, the flow's min_confidence).

        With --keywords, FILE is a keyword list (one phrase per line, as 'ivr recognize \
        --keywords' takes): each phrase is said alone and inside a sentence, everything is \
        decoded at detection thresholds from 1e-40 to 1, and each phrase gets the loosest \
        threshold at which it is found in at most --target of the utterances that do not say \
        it. Writes the list with its thresholds (keywords.txt → keywords.calibrated.txt).

        Examples:
          ivr grammar calibrate examples/intents.yaml
          ivr grammar calibrate examples/help-desk.yaml
          ivr grammar calibrate keywords.txt --keywords
          ivr grammar calibrate intents.yaml --target 0.02 --distractors overheard.txt
          ivr grammar calibrate intents.yaml --voices flite:slt,en-us+m3 --rates 8000 --dry-run --json
        """)

    @Argument(help: "The intent file or flow (YAML), or with --keywords a keyword list.")
    var file: String

    @Flag(help: "FILE is a keyword list: tune a detection threshold per phrase.")
    var keywords = false

    @Option(help: "Highest share of outside sentences that may be taken for an intent.")
    var target = 0.05

    @Option(help: "Voices, comma-separated: eSpeak NG names, flite:NAME (default: four eSpeak NG variants and flite's voices).")
    var voices: String?

    @Option(help: "Sample rates, comma-separated (8000 is telephone band).")
    var rates = "8000,16000"

    @Option(help: "Example phrases per intent.")
    var perIntent = 6

    @Option(help: "A file of more outside sentences, one per line (added to the built-in ones).")
    var distractors: String?

    @Flag(help: "Print the result without writing the thresholds file.")
    var dryRun = false

    @Flag(help: "One JSON object: thresholds, scores and every trial.")
    var json = false

    @Option(help: "A project dictionary of extra words (default: models/project.dict when it exists).")
    var dictionary: String?

    func validate() throws {
        guard (0...1).contains(target) else { throw ValidationError("--target must be between 0 and 1") }
        guard !sampleRates.isEmpty, sampleRates.allSatisfy({ $0 == 8000 || $0 == 16000 }) else {
            throw ValidationError("--rates takes 8000 and/or 16000")
        }
        guard perIntent > 0 else { throw ValidationError("--per-intent must be at least 1") }
    }

    private var sampleRates: [Int] { rates.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    private var testVoices: [TestVoice] {
        if let voices { return voices.split(separator: ",").map { TestVoice($0.trimmingCharacters(in: .whitespaces)) } }
        return ["en-us+m3", "en-us+f3", "en-gb+m1", "en-us+m7"].map(TestVoice.init) + TestVoice.fliteVoices
    }

    /// The built-in outside sentences and those of --distractors.
    private func outsideSentences() throws -> [String] {
        guard let distractors else { return IntentCalibration.distractors }
        guard let text = try? String(contentsOfFile: distractors, encoding: .utf8) else {
            throw InputFailure(message: "\(distractors): no such file, or not readable")
        }
        return IntentCalibration.distractors
            + text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    private var showProgress: Bool { isatty(STDERR_FILENO) == 1 }

    private func progress(_ done: Int, _ total: Int) {
        if showProgress { FileHandle.standardError.write(Data("\rcalibrating: \(done)/\(total) utterances".utf8)) }
    }

    private func endProgress() {
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    func run() throws {
        if keywords { return try runKeywords() }
        var outside = try outsideSentences()
        do {
            let recognizer = try speechRecognizer(dictionary: dictionary)
            let (grammar, thresholdsPath) = try Self.grammar(of: file, knows: recognizer.knows)
            try recognizer.addIntents("calibrate", grammar: grammar)
            let phrases = grammar.examplePhrases(perIntent: perIntent)
            outside = grammar.outside(outside)
            let voices = testVoices
            let trials = try IntentCalibration.trials(
                grammar: grammar, named: "calibrate", recognizer: recognizer, phrases: phrases, distractors: outside, voices: voices,
                sampleRates: sampleRates, progress: progress)
            endProgress()
            let tuned = IntentThresholds(
                targetFalseAlarmRate: target,
                thresholds: IntentCalibration.thresholds(trials, intents: grammar.intentNames, target: target))
            let before = IntentCalibration.score(trials, thresholds: IntentThresholds(targetFalseAlarmRate: target, thresholds: [:]))
            let after = IntentCalibration.score(trials, thresholds: tuned)
            if !dryRun {
                try tuned.save(to: thresholdsPath, comment: """
                    Written by 'ivr grammar calibrate \(file)' on \(ISO8601DateFormatter().string(from: Date())):
                    \(phrases.count) phrases and \(outside.count) outside sentences, voices \(voices.map(\.name).joined(separator: ", ")), \
                    rates \(sampleRates.map(String.init).joined(separator: ", ")) Hz. Intent F1 \(String(format: "%.2f", after.f1)), \
                    false alarms \(String(format: "%.1f", after.falseAlarmRate * 100)) % (target \(String(format: "%.1f", target * 100)) %).
                    """)
            }
            if json {
                struct Output: Encodable {
                    let thresholds: [String: Double]
                    let before: [String: Double], after: [String: Double]
                    let trials: [CalibrationTrial]
                }
                let figures = { (score: (f1: Double, recall: Double, falseAlarmRate: Double)) in
                    ["f1": score.f1, "recall": score.recall, "false_alarm_rate": score.falseAlarmRate]
                }
                return try printJSON(Output(thresholds: tuned.thresholds, before: figures(before), after: figures(after), trials: trials))
            }
            print("\(file): \(phrases.count) phrases, \(outside.count) outside sentences, \(voices.count) voice\(voices.count == 1 ? "" : "s"), "
                  + "\(sampleRates.map { "\($0 / 1000) kHz" }.joined(separator: " and ")): \(trials.count) utterances")
            print("intent            threshold   right   false alarms")
            for intent in grammar.intentNames {
                let threshold = tuned.threshold(for: intent)
                let own = trials.filter { $0.expected == intent }
                let right = own.filter { $0.matched == intent && $0.confidence >= threshold }.count
                let alarms = trials.filter { $0.expected == nil && $0.matched == intent && $0.confidence >= threshold }.count
                print(String(format: "  %@ %5.2f   %3d/%-3d   %d", intent.padding(toLength: 16, withPad: " ", startingAt: 0) as NSString,
                             threshold, right, own.count, alarms))
            }
            for voice in voices {
                let own = trials.filter { $0.voice == voice.name && $0.expected != nil }
                let right = own.filter { $0.matched == $0.expected && $0.confidence >= tuned.threshold(for: $0.expected!) }.count
                print(String(format: "  voice %@ %3d/%d right", voice.name.padding(toLength: 14, withPad: " ", startingAt: 0) as NSString,
                             right, own.count))
            }
            print(String(format: "before (0.5 for every intent): F1 %.2f, recall %.2f, false alarms %.1f %%",
                         before.f1, before.recall, before.falseAlarmRate * 100))
            print(String(format: "after: F1 %.2f, recall %.2f, false alarms %.1f %% (target %.1f %%)",
                         after.f1, after.recall, after.falseAlarmRate * 100, target * 100))
            if after.falseAlarmRate > target {
                print("some outside sentences are taken for an intent with full confidence: no threshold stops them; "
                      + "make those intents' phrases longer or more distinct")
            }
            if !dryRun { print("wrote \(thresholdsPath)") }
        } catch let error as IntentErrors {
            print(error.description)
            throw InputFailure(message: "\(file): \(error.problems.count) problem\(error.problems.count == 1 ? "" : "s")")
        } catch let error as RecognitionError {
            throw InputFailure(message: "\(file): \(error)")
        } catch let error as SpeechError {
            throw InputFailure(message: "ivr grammar calibrate: \(error)")
        }
    }

    /// The grammar to calibrate, and where its thresholds go: an intent file's own, or a flow's
    /// menus' spoken intents together (the flow's intent files' intents among them).
    static func grammar(of file: String, knows: @escaping (String) -> Bool) throws -> (IntentGrammar, String) {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), text.range(of: #"(?m)^nodes\s*:"#, options: .regularExpression) != nil else {
            return (try IntentGrammar.load(path: file, knows: knows), IntentThresholds.path(forIntentFile: file))
        }
        let (loaded, problems) = FlowLoader.check(path: file)
        guard let flow = loaded, problems.allSatisfy(\.isMissingRecording) else {
            throw InputFailure(message: "\(file): fix what 'ivr lint \(file)' reports first")
        }
        let files = try flow.intentFiles.map { try IntentGrammar.load(path: $0.path, knows: knows) }
        let menus = flow.nodes.values.sorted(by: { $0.line < $1.line }).compactMap { if case .menu(let menu) = $0 { menu } else { nil } }
        let selection = SpokenIntent.merged(menus.flatMap(\.spokenIntents)).map { ($0.name, $0.phrases, $0.fromIntentFiles) }
        guard !selection.isEmpty else { throw InputFailure(message: "\(file): no menu can be answered by voice") }
        return (try IntentGrammar.combining(files, selection: selection), FlowLoader.thresholdsPath(forFlow: file))
    }

    /// `--keywords`: thresholds per keyphrase, written as a keyword list beside FILE.
    private func runKeywords() throws {
        let phrases = try RecognizeCommand.keywordList(file).map { $0.phrase.lowercased() }
        let outside = try outsideSentences().filter { sentence in !phrases.contains { " \(sentence) ".contains(" \($0) ") } }
        let output = (file as NSString).deletingPathExtension + ".calibrated.txt"
        do {
            let recognizer = try speechRecognizer(dictionary: dictionary)
            let voices = testVoices
            let trials = try KeywordCalibration.trials(phrases: phrases, recognizer: recognizer, distractors: outside, voices: voices,
                                                       sampleRates: sampleRates, progress: progress)
            endProgress()
            let tuned = KeywordCalibration.thresholds(trials, phrases: phrases, target: target)
            let before = KeywordCalibration.score(trials, phrases: phrases, thresholds: [:])
            let after = KeywordCalibration.score(trials, phrases: phrases, thresholds: tuned)
            if !dryRun {
                var lines = ["# Written by 'ivr grammar calibrate \(file) --keywords' on \(ISO8601DateFormatter().string(from: Date())):",
                             "# voices \(voices.map(\.name).joined(separator: ", ")), rates \(sampleRates.map(String.init).joined(separator: ", ")) Hz, "
                             + String(format: "found %.0f %%, false alarms %.1f %% (target %.1f %%).", after.recall * 100, after.falseAlarmRate * 100, target * 100)]
                lines += phrases.map { "\($0) /\(String(format: "%.0e", tuned[$0]!))/" }
                do { try (lines.joined(separator: "\n") + "\n").write(toFile: output, atomically: true, encoding: .utf8) } catch {
                    throw InputFailure(message: "\(output): cannot write (\(error.localizedDescription))")
                }
            }
            if json {
                struct Output: Encodable {
                    let thresholds: [String: Double]
                    let before: [String: Double], after: [String: Double]
                    let trials: [KeywordTrial]
                }
                let figures = { (score: (recall: Double, falseAlarmRate: Double)) in ["recall": score.recall, "false_alarm_rate": score.falseAlarmRate] }
                return try printJSON(Output(thresholds: tuned, before: figures(before), after: figures(after), trials: trials))
            }
            print("\(file): \(phrases.count) phrases, \(outside.count) outside sentences, \(voices.count) voice\(voices.count == 1 ? "" : "s"), "
                  + "\(sampleRates.map { "\($0 / 1000) kHz" }.joined(separator: " and ")): \(trials.count) utterances")
            print("phrase                 threshold   found   false alarms")
            for phrase in phrases {
                let level = KeywordCalibration.levels.firstIndex(of: tuned[phrase]!)!
                let own = trials.filter { $0.expected == phrase }
                let found = own.filter { KeywordCalibration.found(phrase, in: $0, level: level) }.count
                let alarms = trials.filter { $0.expected != phrase && KeywordCalibration.found(phrase, in: $0, level: level) }.count
                print(String(format: "  %@ %7.0e   %3d/%-3d   %d", phrase.padding(toLength: 20, withPad: " ", startingAt: 0) as NSString,
                             tuned[phrase]!, found, own.count, alarms))
            }
            print(String(format: "before (1e-20 for every phrase): found %.0f %%, false alarms %.1f %%", before.recall * 100, before.falseAlarmRate * 100))
            print(String(format: "after: found %.0f %%, false alarms %.1f %% (target %.1f %% per phrase)", after.recall * 100, after.falseAlarmRate * 100, target * 100))
            if !dryRun { print("wrote \(output)") }
        } catch let error as RecognitionError {
            throw InputFailure(message: "\(file): \(error)")
        } catch let error as SpeechError {
            throw InputFailure(message: "ivr grammar calibrate: \(error)")
        }
    }
}
