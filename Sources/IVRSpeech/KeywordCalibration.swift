import Foundation

/// What a keyword list found in one utterance, at every level of ``KeywordCalibration/levels``.
public struct KeywordTrial: Sendable, Codable, Equatable {
    public var text: String
    /// The keyphrase the utterance says; nil for a sentence outside the list.
    public var expected: String?
    public var voice: String
    public var sampleRate: Int
    /// Per level, the keyphrases detected.
    public var detected: [[String]]
}

/// Tunes a detection threshold per keyphrase of a keyword list (PocketSphinx's `/1e-20/`) on
/// synthesized speech: each phrase alone and inside a sentence, and sentences outside the list,
/// in several voices and rates, decoded at every level of ``levels``. Each phrase gets the
/// loosest level at which it is found in at most a target share of the utterances that do not
/// say it; short phrases end up strict, long ones loose.
public enum KeywordCalibration {
    /// Thresholds tried, loose to strict.
    public static let levels: [Double] = [1e-40, 1e-35, 1e-30, 1e-25, 1e-20, 1e-15, 1e-10, 1e-5, 1]
    /// PocketSphinx's usual threshold, what a list without thresholds uses.
    public static let defaultThreshold = 1e-20

    /// The sentences a phrase is said in: alone, and amid other words.
    public static func sayings(of phrase: String) -> [String] { [phrase, "well i think \(phrase) thank you"] }

    /// Decodes every phrase's sayings and every distractor in every voice at every rate, once
    /// per level. `progress` hears (done, total) utterances.
    public static func trials(phrases: [String], recognizer: SpeechRecognizer, distractors: [String], voices: [TestVoice],
                              sampleRates: [Int], progress: (Int, Int) -> Void = { _, _ in }) throws -> [KeywordTrial] {
        let searches = levels.indices.map { "_keyword_calibration_\($0)" }
        for (search, level) in zip(searches, levels) {
            try recognizer.addKeywords(search, phrases: phrases.map { ($0, level) })
        }
        let items = phrases.flatMap { phrase in sayings(of: phrase).map { ($0, Optional(phrase)) } } + distractors.map { ($0, nil as String?) }
        return try TestVoice.speakEach(items, saying: \.0, voices: voices, sampleRates: sampleRates,
                                       progress: progress) { audio, item, voice, rate in
            // A phrase counts as found when the acoustic check confirms it, as in `ivr recognize --keywords`.
            let detected = try recognizer.recognize(audio, sampleRate: rate, withEach: searches).map {
                $0.confirmedPhrases().flatMap { $0.split(separator: " ").map(String.init) }
            }
            return KeywordTrial(text: item.0, expected: item.1, voice: voice.name, sampleRate: rate, detected: detected)
        }
    }

    /// Per phrase, the loosest level at which it is detected in at most `target` of the
    /// utterances that do not say it (the strictest level when none is that clean).
    public static func thresholds(_ trials: [KeywordTrial], phrases: [String], target: Double) -> [String: Double] {
        var result: [String: Double] = [:]
        for phrase in phrases {
            let others = trials.filter { $0.expected != phrase }
            let clean = levels.indices.first { level in
                Double(others.filter { found(phrase, in: $0, level: level) }.count) <= target * Double(others.count)
            }
            result[phrase] = levels[clean ?? levels.count - 1]
        }
        return result
    }

    /// Share of the phrases' utterances where the phrase was found, and share of all utterances
    /// where a phrase not said was found, with `thresholds` (phrases not named: the default).
    public static func score(_ trials: [KeywordTrial], phrases: [String], thresholds: [String: Double])
        -> (recall: Double, falseAlarmRate: Double) {
        let level = { (phrase: String) in levels.firstIndex { $0 >= thresholds[phrase] ?? defaultThreshold } ?? levels.count - 1 }
        let said = trials.filter { $0.expected != nil }
        let hits = said.filter { found($0.expected!, in: $0, level: level($0.expected!)) }.count
        let alarms = trials.filter { trial in phrases.contains { $0 != trial.expected && found($0, in: trial, level: level($0)) } }.count
        return (Double(hits) / Double(max(said.count, 1)), Double(alarms) / Double(max(trials.count, 1)))
    }

    /// Whether `phrase` was detected in `trial` at `level` (the words of a keyphrase are
    /// reported one by one, in order).
    public static func found(_ phrase: String, in trial: KeywordTrial, level: Int) -> Bool {
        let words = phrase.lowercased().split(separator: " ").map(String.init)
        let heard = trial.detected[level]
        guard heard.count >= words.count else { return false }
        return (0...(heard.count - words.count)).contains { Array(heard[$0..<$0 + words.count]) == words }
    }
}
