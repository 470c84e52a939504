import Foundation
import Testing
@testable import IVRSpeech

@Suite("Calibrating intent thresholds")
struct CalibrationTests {
    private func trial(_ expected: String?, matched: String?, _ confidence: Double) -> CalibrationTrial {
        CalibrationTrial(phrase: "p", expected: expected, voice: "v", sampleRate: 8000, heard: "h", matched: matched, confidence: confidence)
    }

    @Test("thresholds rise where false alarms are, at the least cost in right answers, down to the target")
    func tuning() {
        let trials = [
            // pay: right answers at 0.8, 0.9, 1; outside sentences taken for it at 0.5 and 0.6.
            trial("pay", matched: "pay", 0.8), trial("pay", matched: "pay", 0.9), trial("pay", matched: "pay", 1),
            trial(nil, matched: "pay", 0.5), trial(nil, matched: "pay", 0.6),
            // hours: right answers at 0.4 and 0.7; an outside sentence at 0.45.
            trial("hours", matched: "hours", 0.4), trial("hours", matched: "hours", 0.7), trial(nil, matched: "hours", 0.45),
            // Outside sentences nothing takes.
            trial(nil, matched: nil, 0), trial(nil, matched: nil, 0),
        ]
        // Five outside sentences; 20 % allows one false alarm: raising pay past 0.6 costs
        // nothing, so both of pay's go and hours keeps its low threshold.
        let loose = IntentCalibration.thresholds(trials, intents: ["pay", "hours"], target: 0.2)
        #expect(loose["pay"]! > 0.6 && loose["pay"]! <= 0.8, "\(loose)")
        #expect(loose["hours"] == IntentCalibration.floor)
        // None allowed: hours must rise past 0.45 and loses its answer at 0.4.
        let strict = IntentCalibration.thresholds(trials, intents: ["pay", "hours"], target: 0)
        #expect(strict["hours"]! > 0.45 && strict["hours"]! <= 0.7)
        let score = IntentCalibration.score(trials, thresholds: IntentThresholds(targetFalseAlarmRate: 0, thresholds: strict))
        #expect(score.falseAlarmRate == 0 && abs(score.recall - 0.8) < 1e-9)
    }

    @Test("an intent whose false alarms come with full confidence keeps a threshold that can still accept")
    func unreachable() {
        let trials = [trial("yes", matched: "yes", 1), trial(nil, matched: "yes", 1), trial(nil, matched: nil, 0)]
        let thresholds = IntentCalibration.thresholds(trials, intents: ["yes"], target: 0)
        #expect(thresholds["yes"]! <= 1)
        #expect(IntentCalibration.score(trials, thresholds: IntentThresholds(targetFalseAlarmRate: 0, thresholds: thresholds)).recall == 1)
    }

    @Test("thresholds are written beside the intent file and read back")
    func file() throws {
        let intents = try writeTemporary("intents:\n  hours: hours\n", name: "menu.yaml")
        #expect(try IntentThresholds.load(forIntentFile: intents) == nil)
        let thresholds = IntentThresholds(targetFalseAlarmRate: 0.05, thresholds: ["hours": 0.62])
        try thresholds.save(to: IntentThresholds.path(forIntentFile: intents), comment: "made by a test")
        #expect(IntentThresholds.path(forIntentFile: intents).hasSuffix("/menu.thresholds.yaml"))
        let loaded = try #require(try IntentThresholds.load(forIntentFile: intents))
        #expect(loaded == thresholds && loaded.threshold(for: "other") == IntentThresholds.defaultThreshold)
        try "thresholds: [1, 2]\n".write(toFile: IntentThresholds.path(forIntentFile: intents), atomically: true, encoding: .utf8)
        #expect(throws: RecognitionError.self) { try IntentThresholds.load(forIntentFile: intents) }
    }

    @Test("example phrases cover every intent, with slots filled")
    func examples() throws {
        let grammar = try IntentGrammar.load(path: exampleIntents)
        let phrases = grammar.examplePhrases(perIntent: 3)
        #expect(Set(phrases.map(\.intent)) == Set(grammar.intentNames))
        #expect(phrases.allSatisfy { grammar.match($0.phrase.split(separator: " ").map(String.init))?.intent == $0.intent })
        #expect(phrases.contains { $0.phrase.hasPrefix("my account number is four seven one one") })
    }
}

@Suite("Calibrating keyphrase thresholds")
struct KeywordCalibrationTests {
    /// A trial that says `expected` and in which `phrase` is found from level `from` on looser
    /// levels (found at levels 0..<from; `from` 0: never).
    private func trial(_ expected: String?, finding phrases: [String: Int]) -> KeywordTrial {
        let detected = KeywordCalibration.levels.indices.map { level in
            phrases.filter { level < $0.value }.keys.sorted().flatMap { $0.split(separator: " ").map(String.init) }
        }
        return KeywordTrial(text: expected ?? "other", expected: expected, voice: "v", sampleRate: 8000, detected: detected)
    }

    @Test("each phrase gets the loosest threshold at which it stays under the target share of false alarms")
    func tuning() {
        // "help" is found in two of the ten other utterances up to level 5 and in one up to
        // level 6; "technical support" only where it is said.
        var trials = (0..<4).map { _ in trial("help", finding: ["help": 8]) }
            + (0..<4).map { _ in trial("technical support", finding: ["technical support": 9]) }
            + [trial(nil, finding: ["help": 6]), trial(nil, finding: ["help": 5])]
        trials += (0..<4).map { _ in trial(nil, finding: [:]) }
        let tuned = KeywordCalibration.thresholds(trials, phrases: ["help", "technical support"], target: 0.1)
        // 10 utterances do not say "help": one false alarm allowed, so level 5 (where only one is found).
        #expect(tuned["help"] == KeywordCalibration.levels[5])
        #expect(tuned["technical support"] == KeywordCalibration.levels[0])
        let before = KeywordCalibration.score(trials, phrases: ["help", "technical support"], thresholds: [:])
        let after = KeywordCalibration.score(trials, phrases: ["help", "technical support"], thresholds: tuned)
        #expect(before.recall == 1 && after.recall == 1)
        #expect(before.falseAlarmRate == 2.0 / 14 && after.falseAlarmRate == 1.0 / 14)
        // No level is clean enough: the strictest one.
        let noisy = (0..<3).map { _ in trial(nil, finding: ["help": KeywordCalibration.levels.count]) }
        #expect(KeywordCalibration.thresholds(noisy, phrases: ["help"], target: 0.1)["help"] == KeywordCalibration.levels.last)
    }

    @Test("a phrase is found only as its words in order")
    func found() {
        let trial = KeywordTrial(text: "t", expected: nil, voice: "v", sampleRate: 8000,
                                 detected: KeywordCalibration.levels.map { _ in ["support", "technical", "help"] })
        #expect(KeywordCalibration.found("help", in: trial, level: 0))
        #expect(!KeywordCalibration.found("technical support", in: trial, level: 0))
        #expect(KeywordCalibration.found("technical help", in: trial, level: 3))
    }
}
