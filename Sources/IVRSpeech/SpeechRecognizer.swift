import Foundation
import IVRAudio

/// Where the acoustic model and dictionary are.
public struct RecognitionModel: Sendable, Equatable {
    public var acousticModel: String
    public var dictionary: String
    /// A general language model: what free speech decodes to, against which a grammar's
    /// hypothesis is checked (out-of-grammar speech decodes to other words).
    public var languageModel: String

    public init(acousticModel: String, dictionary: String, languageModel: String) {
        self.acousticModel = acousticModel
        self.dictionary = dictionary
        self.languageModel = languageModel
    }

    /// Debian's `pocketsphinx-en-us`.
    public static let debian = RecognitionModel(
        acousticModel: "/usr/share/pocketsphinx/model/en-us/en-us",
        dictionary: "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict",
        languageModel: "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin")

    /// One clear line when the model cannot be used.
    func check() throws(RecognitionError) {
        for file in ["mdef", "means", "variances", "feat.params"] {
            let path = (acousticModel as NSString).appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: path) else {
                throw RecognitionError.model("\(acousticModel): not an acoustic model (no \(file); install pocketsphinx-en-us)")
            }
        }
        for file in [dictionary, languageModel] where !FileManager.default.fileExists(atPath: file) {
            throw RecognitionError.model("\(file): no such file (install pocketsphinx-en-us)")
        }
    }
}

/// What was heard in one utterance.
public struct Recognition: Sendable, Equatable {
    /// The words of the best hypothesis (fillers removed), or the keyphrases found, in order.
    public var words: [String]
    /// For grammars: how far a free decode (general language model) agrees with the
    /// hypothesis, 0–1: the share of its words heard in order, or of its phones (against the
    /// longer of the two); out-of-grammar speech scores low. For keyword lists, 1 (their
    /// thresholds already decided).
    public var confidence: Double

    public var text: String { words.joined(separator: " ") }
}

/// Speech to words with PocketSphinx: one model per recognizer, named searches (JSGF grammars
/// and keyword lists) switched without reloading it.
///
/// Utterances are decoded whole (from the endpointer's start to its end), so the cepstral mean
/// comes from the utterance itself; 8 kHz audio is resampled to the model's 16 kHz. Not
/// thread-safe: one recognizer per call thread (the model is loaded per recognizer).
public final class SpeechRecognizer {
    public let model: RecognitionModel
    private let decoder: PocketSphinxDecoder
    private var current: String?

    /// Loads the model; `projectDictionary` (lines `word  PH ON ES`, `#` comments) adds words
    /// the model's dictionary lacks, such as product names.
    public init(model: RecognitionModel = .debian, projectDictionary: String? = nil) throws(RecognitionError) {
        try model.check()
        self.model = model
        decoder = try PocketSphinxDecoder(hmm: model.acousticModel, dictionary: model.dictionary)
        try decoder.addLanguageModel(Self.freeSearch, file: model.languageModel)
        if let projectDictionary { try addWords(from: projectDictionary) }
    }

    private func addWords(from path: String) throws(RecognitionError) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw RecognitionError.model("\(path): no such dictionary")
        }
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
            guard let word = fields.first, !word.hasPrefix("#") else { continue }
            guard fields.count > 1 else { throw RecognitionError.model("\(path):\(index + 1): '\(word)' has no phones") }
            do { try decoder.addWord(word.lowercased(), phones: fields.dropFirst().joined(separator: " ")) } catch {
                throw RecognitionError.model("\(path):\(index + 1): \(error)")
            }
        }
    }

    private static let freeSearch = "_free"
    private var keywordSearches: Set<String> = []

    /// Whether the dictionary knows a word (lower case).
    public func knows(_ word: String) -> Bool { decoder.knows(word) }

    /// Adds (or replaces) a JSGF grammar under `name`.
    public func addGrammar(_ name: String, jsgf: String) throws(RecognitionError) {
        // Replacing the search in use leaves the decoder without one until it is chosen again.
        if name == current { current = nil }
        try decoder.addGrammar(name, jsgf: jsgf)
    }

    /// Adds (or replaces) a keyword list under `name`: phrases with optional thresholds
    /// (PocketSphinx's `/1e-20/`; default 1e-20).
    public func addKeywords(_ name: String, phrases: [(phrase: String, threshold: Double?)]) throws(RecognitionError) {
        let text = phrases.map { "\($0.phrase.lowercased()) /\(String(format: "%.0e", $0.threshold ?? 1e-20))/" }.joined(separator: "\n") + "\n"
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ivr-kws-\(getpid())-\(name).txt").path
        do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw RecognitionError.grammar("cannot write the keyword list: \(error)")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        if name == current { current = nil }
        try decoder.addKeywords(name, file: path)
        keywordSearches.insert(name)
    }

    /// Makes `name` the search used from now on.
    public func use(_ name: String) throws(RecognitionError) {
        guard name != current else { return }
        try decoder.select(name)
        current = name
    }

    /// Decodes one utterance at 8 or 16 kHz with the current search.
    public func recognize(_ samples: [Int16], sampleRate: Int) throws(RecognitionError) -> Recognition {
        guard current != nil else { throw RecognitionError.grammar("no grammar or keyword list chosen") }
        let wideband: [Int16]
        do { wideband = try Self.toModelRate(samples, from: sampleRate) } catch {
            throw RecognitionError.decoder("cannot resample the utterance: \(error)")
        }
        let words = try decoder.decode(wideband)
        guard let search = current, !words.isEmpty, !keywordSearches.contains(search) else {
            return Recognition(words: words, confidence: words.isEmpty ? 0 : 1)
        }
        try decoder.select(Self.freeSearch)
        defer { try? decoder.select(search) }
        let free = try decoder.decode(wideband)
        // Agreement in words, or in phones (which forgives "england" for "english").
        let heardPhones = words.flatMap(decoder.phones), freePhones = free.flatMap(decoder.phones)
        let agreement = max(
            Double(Self.commonWords(words, free)) / Double(words.count),
            Double(Self.commonWords(heardPhones, freePhones)) / Double(max(heardPhones.count, freePhones.count, 1)))
        return Recognition(words: words, confidence: agreement)
    }

    /// Length of the longest common subsequence of two lists of words or phones.
    static func commonWords(_ a: [String], _ b: [String]) -> Int {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var previous = [Int](repeating: 0, count: b.count + 1)
        for word in a {
            var current = [0]
            for (j, other) in b.enumerated() {
                current.append(word == other ? previous[j] + 1 : max(previous[j + 1], current[j]))
            }
            previous = current
        }
        return previous[b.count]
    }

    static func toModelRate(_ samples: [Int16], from rate: Int) throws -> [Int16] {
        guard rate != 16000 else { return samples }
        let resampler = try Resampler(from: Double(rate), to: 16000)
        var output: [Float] = []
        samples.map(SampleConversion.float).withUnsafeBufferPointer { resampler.process($0, into: &output) }
        resampler.flush(into: &output)
        return output.map(SampleConversion.int16)
    }
}
