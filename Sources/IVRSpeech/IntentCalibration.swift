import Foundation
import Yams

/// One utterance of a calibration set and what the recognizer made of it.
public struct CalibrationTrial: Sendable, Codable, Equatable {
    public var phrase: String
    /// The intent the phrase says; nil for a distractor (a sentence outside the grammar).
    public var expected: String?
    public var voice: String
    public var sampleRate: Int
    /// The words decoded.
    public var heard: String
    /// The intent those words match, if any.
    public var matched: String?
    public var confidence: Double
}

/// Per-intent confidence thresholds, kept beside an intent file (`intents.yaml` →
/// `intents.thresholds.yaml`) by `ivr grammar calibrate`, read by the recognizer's users.
public struct IntentThresholds: Sendable, Codable, Equatable {
    /// The false-alarm rate on sentences outside the grammar the thresholds were tuned for.
    public var targetFalseAlarmRate: Double
    public var thresholds: [String: Double]

    /// Used for intents the file does not name: the acoustic check's even-odds point (see
    /// ``AcousticEvidence``). On the real recordings of the development list it rejected 97 %
    /// of sentences said to single-word menus while plain grammar answers lost a few points
    /// (BENCHMARKS.md, spoken intents).
    public static let defaultThreshold = 0.5

    public init(targetFalseAlarmRate: Double, thresholds: [String: Double]) {
        self.targetFalseAlarmRate = targetFalseAlarmRate
        self.thresholds = thresholds
    }

    public func threshold(for intent: String) -> Double { thresholds[intent] ?? Self.defaultThreshold }

    /// The thresholds file that belongs to an intent file.
    public static func path(forIntentFile path: String) -> String {
        (path as NSString).deletingPathExtension + ".thresholds.yaml"
    }

    /// The thresholds beside `intentFile`, nil when there are none; a file that cannot be read
    /// is an error naming it.
    public static func load(forIntentFile intentFile: String) throws -> IntentThresholds? {
        let path = Self.path(forIntentFile: intentFile)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try YAMLDecoder().decode(IntentThresholds.self, from: String(contentsOfFile: path, encoding: .utf8))
        } catch {
            throw RecognitionError.grammar("\(path): not a thresholds file (\(error)); run 'ivr grammar calibrate' again")
        }
    }

    /// Writes the thresholds to `path` (beside the intent file or flow they belong to), with a
    /// comment saying where they come from.
    public func save(to path: String, comment: String) throws {
        var lines = comment.split(separator: "\n").map { "# \($0)" }
        lines.append("target_false_alarm_rate: \(Self.decimal(targetFalseAlarmRate))")
        lines.append("thresholds:")
        lines += thresholds.sorted { $0.key < $1.key }.map { "  \($0.key): \(Self.decimal($0.value))" }
        let text = lines.joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// `0.34`, not YAML's `3.4e-1`.
    private static func decimal(_ value: Double) -> String { String(format: "%.4g", value) }

    enum CodingKeys: String, CodingKey {
        case targetFalseAlarmRate = "target_false_alarm_rate"
        case thresholds
    }
}

/// Tunes per-intent confidence thresholds on synthesized speech: each intent's example
/// phrases and sentences outside the grammar, in several voices, at 8 kHz telephone band and
/// 16 kHz. The thresholds keep false alarms on the outside sentences under a target while
/// losing as few right answers as they can.
public enum IntentCalibration {
    /// Everyday sentences no IVR menu expects (with `--distractors`, the user's own are added).
    public static let distractors = [
        "the weather is nice today", "could you tell me a joke", "i lost my wallet yesterday", "what time is it",
        "my neighbour has a very loud dog", "hello is anybody there", "i would like a pizza with extra cheese",
        "thank you very much", "where is the nearest train station", "sorry wrong number",
        "i am calling about the letter you sent me", "can you hear me now", "my daughter is at school",
        "we are going on holiday next week", "the car would not start this morning", "just a moment please",
        "i do not know", "is this the right place", "hold on let me find a pen", "good morning to you",
        "the music was too loud", "i think so", "it is raining again", "tell me more about it",
    ]

    /// How many words of `said` were heard in their order (the longest common subsequence):
    /// a digit string's digits right, for measuring.
    public static func wordsInOrder(_ heard: [String], _ said: [String]) -> Int {
        guard !heard.isEmpty, !said.isEmpty else { return 0 }
        var previous = [Int](repeating: 0, count: said.count + 1)
        for word in heard {
            var current = [0]
            for (index, other) in said.enumerated() {
                current.append(word == other ? previous[index] + 1 : max(previous[index + 1], current[index]))
            }
            previous = current
        }
        return previous[said.count]
    }

    /// Lowest threshold calibration sets: below it a hypothesis's frames lie more than a third
    /// of a log unit per frame beyond the even-odds point, where sentences outside the grammar
    /// are as likely as phrases.
    public static let floor = 0.34

    /// Decodes every phrase and distractor in every voice at every rate with `grammar` (already
    /// added to `recognizer` with ``SpeechRecognizer/addIntents(_:grammar:)`` as `name`).
    /// `progress` hears (done, total).
    public static func trials(grammar: IntentGrammar, named name: String, recognizer: SpeechRecognizer,
                              phrases: [(intent: String, phrase: String)],
                              distractors: [String], voices: [TestVoice], sampleRates: [Int],
                              progress: (Int, Int) -> Void = { _, _ in }) throws -> [CalibrationTrial] {
        let items = phrases.map { ($0.phrase, Optional($0.intent)) } + distractors.map { ($0, nil as String?) }
        return try TestVoice.speakEach(items, saying: \.0, voices: voices, sampleRates: sampleRates,
                                       progress: progress) { audio, item, voice, rate in
            recognizer.startCall()
            let result = try recognizer.understand(audio, sampleRate: rate, intents: name, grammar: grammar)
            return CalibrationTrial(phrase: item.0, expected: item.1, voice: voice.name, sampleRate: rate,
                                    heard: result.heard.text, matched: result.match?.intent, confidence: result.confidence)
        }
    }

    /// Thresholds per intent for at most `target` false alarms on distractors: every intent
    /// starts at ``floor``; while there are too many, the threshold that removes false alarms at
    /// the smallest cost in right answers goes up. An intent whose false alarms come with full
    /// confidence cannot be saved by a threshold: it stays at 1.
    public static func thresholds(_ trials: [CalibrationTrial], intents: [String], target: Double) -> [String: Double] {
        var thresholds = Dictionary(uniqueKeysWithValues: intents.map { ($0, floor) })
        let distractorCount = trials.filter { $0.expected == nil }.count
        let allowed = Int((target * Double(distractorCount)).rounded(.down))
        func falseAlarms(_ intent: String, _ threshold: Double) -> Int {
            trials.filter { $0.expected == nil && $0.matched == intent && $0.confidence >= threshold }.count
        }
        func hits(_ intent: String, _ threshold: Double) -> Int {
            trials.filter { $0.expected == intent && $0.matched == intent && $0.confidence >= threshold }.count
        }
        while intents.reduce(0, { $0 + falseAlarms($1, thresholds[$1]!) }) > allowed {
            var best: (intent: String, threshold: Double, cost: Double)?
            for intent in intents {
                let current = thresholds[intent]!
                let alarms = falseAlarms(intent, current)
                guard alarms > 0 else { continue }
                // The next threshold that drops at least one false alarm.
                let above = trials.filter { $0.expected == nil && $0.matched == intent && $0.confidence >= current }.map(\.confidence)
                guard let lowest = above.min(), lowest < 1 else { continue }
                let next = min(1, lowest + 1e-6)
                let removed = alarms - falseAlarms(intent, next)
                let cost = Double(hits(intent, current) - hits(intent, next)) / Double(removed)
                if best == nil || cost < best!.cost { best = (intent, next, cost) }
            }
            guard let step = best else { break }
            thresholds[step.intent] = (step.threshold * 100).rounded(.up) / 100
        }
        return thresholds
    }

    /// Intent F1 and false-alarm rate of `trials` under `thresholds`.
    public static func score(_ trials: [CalibrationTrial], thresholds: IntentThresholds) -> (f1: Double, recall: Double, falseAlarmRate: Double) {
        var correct = 0, wrong = 0, missed = 0, falseAlarms = 0, distractors = 0
        for trial in trials {
            let accepted = trial.matched.map { trial.confidence >= thresholds.threshold(for: $0) } ?? false
            if let expected = trial.expected {
                if !accepted { missed += 1 } else if trial.matched == expected { correct += 1 } else { wrong += 1 }
            } else {
                distractors += 1
                if accepted { falseAlarms += 1 }
            }
        }
        let precision = Double(correct) / Double(max(correct + wrong + falseAlarms, 1))
        let recall = Double(correct) / Double(max(correct + wrong + missed, 1))
        let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        return (f1, recall, Double(falseAlarms) / Double(max(distractors, 1)))
    }
}
