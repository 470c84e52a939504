import CPocketSphinx
import Foundation

/// Every call into PocketSphinx's C library, behind one decoder. Decoders running at once on
/// several threads were seen to corrupt each other's results (shared state in sphinxbase), so
/// every call holds one process-wide lock.
final class PocketSphinxDecoder {
    fileprivate static let lock = NSLock()

    private let config: OpaquePointer
    private let decoder: OpaquePointer

    /// Loads the acoustic model and dictionary (about a third of a second); `options` are
    /// more PocketSphinx options (`-ds 2`, …).
    init(hmm: String, dictionary: String, options: [String] = []) throws(RecognitionError) {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        err_set_logfp(nil)
        let arguments = ["ivr", "-hmm", hmm, "-dict", dictionary, "-bestpath", "yes"] + options
        var argv = arguments.map { strdup($0) }
        defer { argv.forEach { free($0) } }
        guard let config = cmd_ln_parse_r(nil, ps_args(), Int32(argv.count), &argv, 0) else {
            throw RecognitionError.model("the model options were refused")
        }
        guard let decoder = ps_init(config) else {
            cmd_ln_free_r(config)
            throw RecognitionError.model("PocketSphinx could not load the model at \(hmm)")
        }
        self.config = config
        self.decoder = decoder
    }

    deinit {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        ps_free(decoder)
        cmd_ln_free_r(config)
    }

    func addGrammar(_ name: String, jsgf: String) throws(RecognitionError) {
        try addSearch(.grammar("PocketSphinx refused the grammar '\(name)' (a word missing from the dictionary, or a JSGF error)")) {
            ps_set_jsgf_string(decoder, name, jsgf)
        }
    }

    /// The language model set of ``addInterpolatedSearch(_:general:)``: the general model, a
    /// model that only gives the set its words beyond the general model's (``extendVocabulary(with:)``),
    /// and one grammar's model, swapped by ``interpolate(with:weight:)``.
    private var interpolated: OpaquePointer?
    private var interpolatedSearch: String?
    private var generalModel: OpaquePointer?
    /// Grammar models read by ``addGrammarModel(_:_:)``, by name; and the one in the set now.
    private var grammarModels: [String: OpaquePointer] = [:]
    private var grammarModelInUse: String?
    private var weightInUse: Double?
    /// The grammars' words that the general model lacks, all in the set's vocabulary.
    private var extraWords: Set<String> = []
    private static let generalName = "general", extrasName = "extras"

    /// Adds the search `name`: the general language model `general` (read once) interpolated
    /// with a grammar's model, none at first (``interpolate(with:weight:)`` picks it). One
    /// search serves every grammar: PocketSphinx builds a search's lexicon tree over the set's
    /// vocabulary and maps every dictionary word to it, about 0.1 s each time.
    func addInterpolatedSearch(_ name: String, general: String) throws(RecognitionError) {
        let extras = try readModel(PhraseLanguageModel(followers: ["<s>": ["</s>"]]))
        Self.lock.lock()
        defer { Self.lock.unlock() }
        guard let generalModel = ngram_model_read(ps_get_config(decoder), general, NGRAM_AUTO, ps_get_logmath(decoder)) else {
            throw RecognitionError.model("PocketSphinx could not load the language model \(general)")
        }
        var models: [OpaquePointer?] = [generalModel, extras]
        var names = [strdup(Self.generalName), strdup(Self.extrasName)]
        defer { names.forEach { free($0) } }
        guard let set = ngram_model_set_init(ps_get_config(decoder), &models, &names, [1, 0], 2) else {
            throw RecognitionError.model("PocketSphinx could not interpolate the language models")
        }
        ngram_model_free(extras)  // the set holds it
        guard ps_set_lm(decoder, name, set) == 0 else { throw RecognitionError.model("PocketSphinx refused the language model \(general)") }
        interpolated = set
        interpolatedSearch = name
        self.generalModel = generalModel
    }

    /// Reads a grammar's model for ``interpolate(with:weight:)`` under `name` (replacing one of
    /// that name); its words the general model lacks join the set's vocabulary.
    func addGrammarModel(_ name: String, _ phrases: PhraseLanguageModel) throws(RecognitionError) {
        let model = try readModel(phrases)
        let outside = phrases.words.subtracting(extraWords).filter { !generalModelKnows($0) }
        if !outside.isEmpty { try extendVocabulary(with: outside) }
        Self.lock.lock()
        defer { Self.lock.unlock() }
        let old = grammarModels[name]
        grammarModels[name] = model
        if let old {
            if name == grammarModelInUse { putInSet(model, named: name) }
            ngram_model_free(old)
        }
    }

    private func generalModelKnows(_ word: String) -> Bool {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        guard let general = generalModel else { return true }
        return ngram_wid(general, word) != ngram_unknown_wid(general)
    }

    /// Makes `words` part of the set's vocabulary: PocketSphinx hears only words of the set's
    /// vocabulary, fixed when the set is built. The set's extras model (no weight of its own: a
    /// grammar's model gives the words their probability) is replaced by one that knows them
    /// too, and the search is rebuilt over the new vocabulary (about 0.1 s, once per grammar that
    /// brings new words).
    private func extendVocabulary(with words: Set<String>) throws(RecognitionError) {
        let all = extraWords.union(words)
        let extras = try readModel(PhraseLanguageModel(followers: ["<s>": all.union(["</s>"])]))
        Self.lock.lock()
        defer { Self.lock.unlock() }
        guard let set = interpolated, let search = interpolatedSearch else { return }
        if let grammar = grammarModelInUse, let removed = ngram_model_set_remove(set, grammar, 1) { ngram_model_free(removed) }
        let replaced = ngram_model_set_remove(set, Self.extrasName, 1)
        ngram_model_set_add(set, extras, Self.extrasName, 0.5, 0)  // builds the vocabulary anew; the set holds `extras`
        // Building the vocabulary resets the set's reference count to 1 (sphinxbase's
        // ngram_model_init), which counted the search's reference too: take ours back.
        ngram_model_retain(set)
        grammarModelInUse = nil
        weightInUse = nil
        let rebuilt = ps_set_lm(decoder, search, set) == 0
        // Freed once the set no longer points at its words.
        if let replaced { ngram_model_free(replaced) }
        guard rebuilt else { throw RecognitionError.model("PocketSphinx could not rebuild the free decode's search") }
        extraWords = all
    }

    /// Puts the grammar model `name` into the interpolated search's set with `weight` (if not
    /// there already): a few milliseconds, the set's word IDs unchanged.
    func interpolate(with name: String, weight: Double) throws(RecognitionError) {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        guard let set = interpolated else { throw RecognitionError.model("no interpolated search") }
        if name != grammarModelInUse {
            guard let model = grammarModels[name] else { throw RecognitionError.grammar("no language model for the grammar '\(name)'") }
            putInSet(model, named: name)
        }
        guard weightInUse != weight else { return }
        var names: [UnsafePointer<CChar>?] = [Self.generalName, Self.extrasName, name].map { (each: String) in UnsafePointer(strdup(each)) }
        defer { names.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
        let weights = [Float(1 - weight), 0, Float(weight)]
        _ = weights.withUnsafeBufferPointer { ngram_model_set_interp(set, &names, $0.baseAddress) }
        weightInUse = weight
    }

    /// Puts a grammar's model into the set in place of the one there (under the lock).
    private func putInSet(_ model: OpaquePointer, named name: String) {
        guard let set = interpolated else { return }
        if let grammar = grammarModelInUse, let removed = ngram_model_set_remove(set, grammar, 1) { ngram_model_free(removed) }
        ngram_model_set_add(set, ngram_model_retain(model), name, 0.5, 1)
        grammarModelInUse = name
        weightInUse = nil  // adding renormalized the weights
    }

    /// Reads an ARPA model (through a temporary file: PocketSphinx reads models from files).
    private func readModel(_ phrases: PhraseLanguageModel) throws(RecognitionError) -> OpaquePointer {
        try withTemporaryFile(phrases.arpa, named: "lm.arpa") { path throws(RecognitionError) in
            Self.lock.lock()
            defer { Self.lock.unlock() }
            guard let model = ngram_model_read(ps_get_config(decoder), path, NGRAM_ARPA, ps_get_logmath(decoder)) else {
                throw RecognitionError.model("PocketSphinx refused a grammar's language model")
            }
            return model
        }
    }

    /// Which words can follow which in a JSGF grammar (its public rule), from the finite-state
    /// grammar PocketSphinx builds of it: `<s>` before the first words, `</s>` after the last.
    func wordFollowers(ofJSGF jsgf: String) throws(RecognitionError) -> [String: Set<String>] {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        guard let grammar = jsgf_parse_string(jsgf, nil) else { throw RecognitionError.grammar("the grammar is not valid JSGF") }
        defer { jsgf_grammar_free(grammar) }
        guard let rule = jsgf_get_public_rule(grammar), let fsg = jsgf_build_fsg(grammar, rule, ps_get_logmath(decoder), 1) else {
            throw RecognitionError.grammar("the grammar has no public rule")
        }
        defer { fsg_model_free(fsg) }
        let states = Int(fsg.pointee.n_state)
        var wordArcs: [[(word: String, to: Int)]] = Array(repeating: [], count: states)
        var nullArcs: [[Int]] = Array(repeating: [], count: states)
        for state in 0..<states {
            var arc = fsg_model_arcs(fsg, Int32(state))
            while let current = arc {
                if let link = fsg_arciter_get(current)?.pointee {
                    if link.wid >= 0, let word = fsg.pointee.vocab[Int(link.wid)] {
                        wordArcs[state].append((String(cString: word), Int(link.to_state)))
                    } else {
                        nullArcs[state].append(Int(link.to_state))
                    }
                }
                arc = fsg_arciter_next(current)
            }
        }
        let final = Int(fsg.pointee.final_state)
        // What can come next from a state: the words leaving it or any state its null arcs reach.
        func next(from state: Int) -> Set<String> {
            var seen: Set<Int> = [state], pending = [state], words: Set<String> = []
            while let current = pending.popLast() {
                if current == final { words.insert("</s>") }
                words.formUnion(wordArcs[current].map(\.word))
                for target in nullArcs[current] where seen.insert(target).inserted { pending.append(target) }
            }
            return words
        }
        var followers: [String: Set<String>] = ["<s>": next(from: Int(fsg.pointee.start_state))]
        for arcs in wordArcs {
            for (word, target) in arcs { followers[word, default: []].formUnion(next(from: target)) }
        }
        return followers
    }

    func addKeywords(_ name: String, file: String) throws(RecognitionError) {
        try addSearch(.grammar("PocketSphinx refused the keyword list '\(name)' (a word missing from the dictionary?)")) {
            ps_set_kws(decoder, name, file)
        }
    }

    /// Runs one `ps_set_*` call under the lock; a non-zero status throws `failure`.
    private func addSearch(_ failure: RecognitionError, _ call: () -> Int32) throws(RecognitionError) {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        guard call() == 0 else { throw failure }
    }

    private static let keptLock = NSLock()
    nonisolated(unsafe) private static var kept: [PocketSphinxDecoder] = []

    /// A new decoder that lives as long as the process: freeing decoders while others were
    /// decoding made them hear nothing (seen in parallel tests). A process holds one
    /// recognizer, so this keeps what it would keep anyway.
    static func kept(hmm: String, dictionary: String, options: [String] = []) throws(RecognitionError) -> PocketSphinxDecoder {
        let decoder = try PocketSphinxDecoder(hmm: hmm, dictionary: dictionary, options: options)
        keptLock.withLock { kept.append(decoder) }
        return decoder
    }

    /// Transforms the model's means with `transform` from now on (the means are reloaded from
    /// the model first, so transforms replace each other; ``MeanTransform/identity`` undoes).
    /// Reloading takes a few milliseconds.
    func adapt(to transform: MeanTransform) {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        // The decoder takes one reference and frees the transform it held before.
        ps_update_mllr(decoder, ps_mllr_retain(transform.pointer))
    }

    /// A word of a hypothesis with its frames (100 per second).
    struct TimedWord: Equatable {
        var word: String
        var start: Int32
        var end: Int32
    }

    /// Starts a new stream: PocketSphinx's tracking of the line's noise and silence levels, kept
    /// from one utterance to the next, starts afresh.
    func startStream() {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        ps_start_stream(decoder)
    }

    /// Decodes one whole utterance of 16 kHz samples with the search `name` (the cepstral mean
    /// is taken from the utterance): the words in time order (a keyphrase's words share its frames).
    func decode(_ samples: [Int16], search name: String) throws(RecognitionError) -> [TimedWord] {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        guard ps_set_search(decoder, name) == 0 else { throw RecognitionError.grammar("no search named '\(name)'") }
        guard ps_start_utt(decoder) == 0 else { throw RecognitionError.decoder("the decoder could not start an utterance") }
        let processed = samples.withUnsafeBufferPointer { ps_process_raw(decoder, $0.baseAddress, $0.count, 0, 1) }
        guard ps_end_utt(decoder) == 0, processed >= 0 else { throw RecognitionError.decoder("the decoder failed on the utterance") }
        // Segments in time order (keyword spotting lists its detections newest first).
        var found: [TimedWord] = []
        var segment = ps_seg_iter(decoder)
        while let current = segment {
            let word = ps_seg_word(current).map { String(cString: $0).trimmingCharacters(in: .whitespaces) } ?? ""
            if !word.isEmpty, !Self.isFiller(word) {
                var start: Int32 = 0, end: Int32 = 0
                ps_seg_frames(current, &start, &end)
                found.append(TimedWord(word: Self.baseWord(word), start: start, end: end))
            }
            segment = ps_seg_next(current)
        }
        return found.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }
            .flatMap { item in item.element.word.split(separator: " ").map { TimedWord(word: String($0), start: item.element.start, end: item.element.end) } }
    }

    /// Adds a word with its phones (CMU phone set, e.g. `K AO L B AE K`).
    func addWord(_ word: String, phones: String) throws(RecognitionError) {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        guard ps_add_word(decoder, word, phones, 1) >= 0 else {
            throw RecognitionError.model("the pronunciation '\(phones)' of '\(word)' uses phones the model does not have")
        }
    }

    /// The phones of `word`'s first pronunciation (empty when unknown).
    func phones(_ word: String) -> [String] {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        guard let pronunciation = ps_lookup_word(decoder, word) else { return [] }
        defer { free(pronunciation) }
        return String(cString: pronunciation).split(separator: " ").map(String.init)
    }

    /// Whether the dictionary knows `word`.
    func knows(_ word: String) -> Bool {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        guard let pronunciation = ps_lookup_word(decoder, word) else { return false }
        free(pronunciation)
        return true
    }

    static func isFiller(_ word: String) -> Bool {
        word.hasPrefix("<") || word.hasPrefix("[") || word.hasPrefix("++") || word == "(NULL)"
    }

    /// `read(2)` → `read`: alternative pronunciations are the same word.
    static func baseWord(_ word: String) -> String {
        word.firstIndex(of: "(").map { String(word[..<$0]) } ?? word
    }
}

/// An MLLR mean transform (sphinxtrain's `mllr_solve` output), read once and shared by decoders.
final class MeanTransform: @unchecked Sendable {
    let pointer: OpaquePointer

    init(path: String) throws(RecognitionError) {
        guard let pointer = ps_mllr_read(path) else {
            throw RecognitionError.model("\(path): not an MLLR transform")
        }
        self.pointer = pointer
    }

    deinit {
        PocketSphinxDecoder.lock.withLock { _ = ps_mllr_free(pointer) }
    }

    /// The transform that changes nothing, to return a decoder to the model's own means.
    static func identity() throws(RecognitionError) -> MeanTransform {
        try withTemporaryFile(diagonal(scale: 1, offset: 0), named: "identity.mllr") { path throws(RecognitionError) in
            try MeanTransform(path: path)
        }
    }

    /// The text of a transform that scales every mean coefficient by `scale` and adds `offset`:
    /// one class, the en-us model's 3 streams of 13 coefficients (matrix rows, offsets, variance
    /// scales).
    static func diagonal(scale: Double, offset: Double) -> String {
        let matrix = (0..<13).map { row in (0..<13).map { $0 == row ? "\(scale)" : "0" }.joined(separator: " ") }
        let stream = (["13"] + matrix + [Array(repeating: "\(offset)", count: 13).joined(separator: " "),
                                         Array(repeating: "1", count: 13).joined(separator: " ")]).joined(separator: "\n")
        return "1\n3\n" + Array(repeating: stream, count: 3).joined(separator: "\n") + "\n"
    }
}

/// `body` given the path of a temporary file holding `text` (removed afterwards): PocketSphinx
/// reads keyword lists, language models and transforms from files only.
func withTemporaryFile<Result>(_ text: String, named name: String,
                               _ body: (String) throws(RecognitionError) -> Result) throws(RecognitionError) -> Result {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ivr-\(getpid())-\(UUID().uuidString)-\(name)").path
    do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
        throw RecognitionError.model("cannot write \(path): \(error)")
    }
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// What can go wrong in recognition.
public enum RecognitionError: Error, Sendable, Equatable, CustomStringConvertible {
    case model(String)
    case grammar(String)
    case decoder(String)

    public var description: String {
        switch self {
        case .model(let message), .grammar(let message), .decoder(let message): message
        }
    }
}
