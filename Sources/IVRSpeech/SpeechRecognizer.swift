import Foundation
import IVRDSP
import IVRAudio

/// Where the acoustic model and dictionary are.
public struct RecognitionModel: Sendable, Equatable {
    public var acousticModel: String
    public var dictionary: String
    /// A general language model: what free speech decodes to, against which a grammar's
    /// hypothesis is checked (out-of-grammar speech decodes to other words).
    public var languageModel: String
    /// An MLLR mean transform for 8 kHz telephone speech (`models/build-narrowband-mllr`),
    /// applied to clean narrowband utterances; nil decodes them with the model as it is.
    public var narrowbandTransform: String?

    public init(acousticModel: String, dictionary: String, languageModel: String, narrowbandTransform: String? = nil) {
        self.acousticModel = acousticModel
        self.dictionary = dictionary
        self.languageModel = languageModel
        self.narrowbandTransform = narrowbandTransform
    }

    /// Debian's `pocketsphinx-en-us`, with the project's narrowband transform and 5,000-word
    /// general model when found (`models/build-narrowband-mllr`, `models/build-small-lm`; without
    /// the latter, Debian's 72,000-word model: the same checks at about 20 % more CPU).
    public static let debian = RecognitionModel(
        acousticModel: "/usr/share/pocketsphinx/model/en-us/en-us",
        dictionary: "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict",
        languageModel: projectFile("models/en-us-5k.lm.bin") ?? "/usr/share/pocketsphinx/model/en-us/en-us.lm.bin",
        narrowbandTransform: projectFile("models/en-us-narrowband.mllr"))

    /// `relativePath` in the current folder, or in a folder above the running program (the
    /// project of a `.build/release/ivr`), or nil.
    static func projectFile(_ relativePath: String) -> String? {
        var folders = [FileManager.default.currentDirectoryPath]
        var folder = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<5 {
            folder.deleteLastPathComponent()
            folders.append(folder.path)
        }
        return folders.map { ($0 as NSString).appendingPathComponent(relativePath) }
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    /// One clear line when the model cannot be used.
    func check() throws(RecognitionError) {
        for file in ["mdef", "means", "variances", "feat.params"] {
            let path = (acousticModel as NSString).appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: path) else {
                throw RecognitionError.model("\(acousticModel): not an acoustic model (no \(file); install pocketsphinx-en-us)")
            }
        }
        for file in [dictionary, languageModel] + [narrowbandTransform].compactMap({ $0 }) where !FileManager.default.fileExists(atPath: file) {
            throw RecognitionError.model("\(file): no such file (install pocketsphinx-en-us)")
        }
    }
}

/// What was heard in one utterance.
public struct Recognition: Sendable, Equatable {
    /// The words of the best hypothesis (fillers removed), or the keyphrases found, in order.
    public var words: [String]
    /// For grammars: how far a free decode (general language model) agrees with the
    /// hypothesis, 0–1 (see ``wordConfidences``), over all its words weighted by their phones;
    /// out-of-grammar speech scores low. For keyword lists, 1 (their thresholds already decided).
    public var confidence: Double
    /// Per word: 1 when the free decode heard the same word at the same time, else the share of
    /// its phones found, in order, in what the free decode heard then (against the longer of
    /// the two).
    public var wordConfidences: [Double]
    /// Phones per word, the weights of ``confidence(ofWords:)``.
    var phoneCounts: [Int]
    /// Phones that ``confidence(ofWords:)`` counts beside every span's own, none of them heard:
    /// 0 on a clean line, `SpeechRecognizer.noisyLineUnheardPhones` on a noisy one.
    var unheardPhones: Double

    public var text: String { words.joined(separator: " ") }

    init(words: [String], wordConfidences: [Double], phoneCounts: [Int], unheardPhones: Double = 0) {
        self.words = words
        self.wordConfidences = wordConfidences
        self.phoneCounts = phoneCounts
        self.unheardPhones = unheardPhones
        confidence = 0
        confidence = self.confidence(ofWords: words.indices)
    }

    /// The share of the utterance's phones that some of its words hold.
    public func phoneShare(ofWords range: Range<Int>) -> Double {
        let total = phoneCounts.reduce(0) { $0 + max($1, 1) }
        return total == 0 ? 0 : Double(range.reduce(0) { $0 + max(phoneCounts[$1], 1) }) / Double(total)
    }

    /// The confidence of some of the words (the part of an utterance an intent matched): their
    /// word confidences weighted by their phones, over their phones and ``unheardPhones``.
    public func confidence(ofWords range: Range<Int>) -> Double {
        guard !range.isEmpty else { return 0 }
        let weights = range.map { Double(max(phoneCounts[$0], 1)) }
        return zip(range, weights).reduce(0) { $0 + wordConfidences[$1.0] * $1.1 } / (weights.reduce(0, +) + unheardPhones)
    }
}

/// Speech to words with PocketSphinx: one model per recognizer, named searches (JSGF grammars
/// and keyword lists) switched without reloading it.
///
/// Utterances are decoded whole (from the endpointer's start to its end), so the cepstral mean
/// comes from the utterance itself; 8 kHz audio is resampled to the model's 16 kHz. A process
/// makes one recognizer and shares it between its calls (the commands do); a recognizer is for
/// one thread at a time.
public final class SpeechRecognizer {
    public let model: RecognitionModel
    /// Decodes with the grammars and keyword lists.
    private let decoder: PocketSphinxDecoder
    /// Decodes freely with the general language model leaning towards the current grammar: for
    /// intents it decides first (``understand(_:sampleRate:intents:grammar:)``), and it checks
    /// what `decoder` heard; one pass with a narrower search. For clean lines.
    private let verifier: PocketSphinxDecoder
    /// The same for noisy lines (utterances that went through the noise reducer), at every frame.
    private let noisyLineVerifier: PocketSphinxDecoder
    private var verifiers: [PocketSphinxDecoder] { [verifier, noisyLineVerifier] }
    /// Both verifiers decode in one pass: they only have to agree or not, not to be a transcript;
    /// and without the phone-loop lookahead, which scores a phone loop at every frame to prune
    /// word entries: the same answers on the benchmark at about 5 % less CPU on narrowband and
    /// noisy lines, 0–2 % on wideband ones (BENCHMARKS.md).
    private static let onePass = ["-fwdflat", "no", "-bestpath", "no", "-pl_window", "0"]
    /// The clean line's verifier: every second frame, fewer HMMs, Gaussians and word exits per
    /// frame than a full decode: half its CPU, and measured as accurate for agreeing.
    static let verifierOptions = onePass + ["-ds", "2", "-maxhmmpf", "3000", "-topn", "2", "-maxwpf", "5"]
    /// The noisy line's verifier: every frame, and a search as wide as a full decode's Gaussians
    /// (four per mixture) with more HMMs and word exits than the clean line's. In noise every
    /// second frame and the narrow search lost much of what was said (flite at 10 dB: F1 0.48 /
    /// 0.44 → 0.55 / 0.55 with every frame, → 0.60 / 0.61 with the wider search; BENCHMARKS.md).
    static let noisyLineVerifierOptions = onePass + ["-maxhmmpf", "10000", "-topn", "4", "-maxwpf", "10"]
    /// Applied to the grammar decoder for clean 8 kHz utterances (nil: no transform known).
    private let narrowbandTransform: MeanTransform?
    private let identityTransform: MeanTransform?
    /// The transform the grammar decoder holds now (nil: the model's own means).
    private var appliedTransform: MeanTransform?
    private var current: String?
    /// Names of the grammars and keyword lists added.
    private var searches: Set<String> = []

    /// Loads the model; `projectDictionary` (lines `word  PH ON ES`, `#` comments) adds words
    /// the model's dictionary lacks, such as product names.
    public init(model: RecognitionModel = .debian, projectDictionary: String? = nil) throws(RecognitionError) {
        try model.check()
        self.model = model
        decoder = try .kept(hmm: model.acousticModel, dictionary: model.dictionary)
        verifier = try .kept(hmm: model.acousticModel, dictionary: model.dictionary, options: Self.verifierOptions)
        noisyLineVerifier = try .kept(hmm: model.acousticModel, dictionary: model.dictionary, options: Self.noisyLineVerifierOptions)
        for each in [verifier, noisyLineVerifier] { try each.addInterpolatedSearch(Self.checkSearch, general: model.languageModel) }
        narrowbandTransform = try model.narrowbandTransform.map { path throws(RecognitionError) in try MeanTransform(path: path) }
        identityTransform = narrowbandTransform == nil ? nil : try MeanTransform.identity()
        appliedTransform = identityTransform
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
            do {
                for each in [decoder] + verifiers { try each.addWord(word.lowercased(), phones: fields.dropFirst().joined(separator: " ")) }
            } catch {
                throw RecognitionError.model("\(path):\(index + 1): \(error)")
            }
        }
    }

    /// Utterances whose estimated SNR (dB) is below this go through the ``NoiseReducer`` and are
    /// decoded as a noisy line. Chosen on eSpeak NG's voices (none of the benchmark's) with the
    /// line around each utterance and white noise at 20, 25 and 30 dB: at 20 dB the noisy line's
    /// path found 136 of 432 phrases where the clean path found 97, with no more everyday
    /// sentences taken; 25 and 30 decided alike there, but at 30 flite's and the real recordings'
    /// clean utterances started to take the noisy path and lose words (BENCHMARKS.md).
    public static let noiseReductionBelowSNR = 25.0
    private var keywordSearches: Set<String> = []
    /// For each grammar, the name of the language model its hypotheses are checked with.
    private var checks: [String: String] = [:]
    /// Per intents added: the words of their phrases that are not the caller's words
    /// (``heardNone(of:in:)``); none when a phrase may be said with the caller's words alone.
    private var ownWords: [String: Set<String>] = [:]
    /// The verifier's one search: the general language model and the current grammar's.
    private static let checkSearch = "_check"

    /// Whether the dictionary knows a word (lower case).
    public func knows(_ word: String) -> Bool { decoder.knows(word) }

    /// Adds (or replaces) a JSGF grammar under `name`.
    public func addGrammar(_ name: String, jsgf: String) throws(RecognitionError) {
        try addGrammar(name, jsgf: jsgf, check: addCheck(name, followers: verifier.wordFollowers(ofJSGF: jsgf)))
    }

    private func addGrammar(_ name: String, jsgf: String, check: String) throws(RecognitionError) {
        try decoder.addGrammar(name, jsgf: jsgf)
        searches.insert(name)
        keywordSearches.remove(name)
        checks[name] = check
    }

    /// How much the free decode that checks a grammar's hypothesis leans towards the grammar:
    /// the weight of the grammar's own bigram model (``PhraseLanguageModel``) against the
    /// general model's. Without it the free decode often missed a phrase's less common words
    /// ("settle my invoice" heard as "add on my and"), so right answers were rejected; with it,
    /// what was said decides more often. A round value set before measuring, not tuned: the
    /// default threshold was then chosen again on other voices (`IntentThresholds`). Both models'
    /// probabilities carry the language weight (`-lw` 6.5) when PocketSphinx mixes them, so where
    /// the grammar's model predicts a word it outweighs the general model by far whatever this
    /// weight (0.1 and 0.3 decoded alike, BENCHMARKS.md); elsewhere the general model decides.
    static let grammarWeightInCheck = 0.1

    /// Adds the language model with which the free decode checks a grammar's hypotheses: what
    /// a JSGF grammar lets a caller say, as the words that may follow each word. Returns its name.
    private func addCheck(_ name: String, followers: [String: Set<String>]) throws(RecognitionError) -> String {
        for each in verifiers { try each.addGrammarModel(name, PhraseLanguageModel(followers: followers)) }
        return name
    }

    /// Adds (or replaces) a keyword list under `name`: phrases with optional thresholds
    /// (PocketSphinx's `/1e-20/`; default 1e-20).
    public func addKeywords(_ name: String, phrases: [(phrase: String, threshold: Double?)]) throws(RecognitionError) {
        // PocketSphinx skips a keyphrase with an unknown word without saying so.
        for (phrase, _) in phrases {
            if let unknown = phrase.lowercased().split(separator: " ").first(where: { !knows(String($0)) }) {
                throw RecognitionError.grammar("keyphrase '\(phrase)': '\(unknown)' is not in the dictionary (give it phones in models/project.dict)")
            }
        }
        let text = phrases.map { "\($0.phrase.lowercased()) /\(String(format: "%.0e", $0.threshold ?? 1e-20))/" }.joined(separator: "\n") + "\n"
        try withTemporaryFile(text, named: "keywords.txt") { path throws(RecognitionError) in try decoder.addKeywords(name, file: path) }
        searches.insert(name)
        keywordSearches.insert(name)
    }

    /// Makes `name` the search used from now on.
    public func use(_ name: String) throws(RecognitionError) {
        guard searches.contains(name) else { throw RecognitionError.grammar("no search named '\(name)'") }
        current = name
    }

    /// Starts a new call. PocketSphinx learns the line's noise from each utterance and keeps it
    /// for the next, which helps the later utterances of a call; another call must not inherit
    /// it (the same utterance would decode differently after a noisy call). Commands call this
    /// at the start of every call, and before every utterance that stands alone.
    public func startCall() {
        for each in [decoder] + verifiers { each.startStream() }
    }

    /// Decodes one utterance at 8 or 16 kHz with the current search.
    public func recognize(_ samples: [Int16], sampleRate: Int) throws(RecognitionError) -> Recognition {
        guard let search = current else { throw RecognitionError.grammar("no grammar or keyword list chosen") }
        return try decode(prepared: prepared(samples, sampleRate: sampleRate), with: search)
    }

    /// Decodes one utterance with each of `searches` in turn (the audio is prepared once), each
    /// as the first utterance of a call (``startCall()``), so that their results compare; the
    /// current search is left as it is.
    public func recognize(_ samples: [Int16], sampleRate: Int, withEach searches: [String]) throws(RecognitionError) -> [Recognition] {
        let utterance = try prepared(samples, sampleRate: sampleRate)
        var results: [Recognition] = []
        for search in searches {
            startCall()
            results.append(try decode(prepared: utterance, with: search))
        }
        return results
    }

    /// Adds (or replaces) an intent grammar under `name`, with the caller's own words allowed
    /// around its phrases, for ``understand(_:sampleRate:intents:grammar:)``; with it, the same
    /// grammar for noisy lines (``noisyLineCallerWordWeight``).
    /// Both are checked against what the phrases alone say (the caller's words are common
    /// enough in the general model).
    public func addIntents(_ name: String, grammar: IntentGrammar) throws(RecognitionError) {
        let followers = try verifier.wordFollowers(ofJSGF: grammar.jsgf(withCallerWords: false))
        let check = try addCheck(name, followers: followers)
        let callerWords = Set(IntentGrammar.fillerWords)
        ownWords[name] = Self.saidWithout(callerWords, followers: followers) ? nil
            : Set(followers.values.flatMap { $0 }).subtracting(callerWords).subtracting(["</s>"])
        try addGrammar(name, jsgf: grammar.jsgf(withCallerWords: true), check: check)
        try addGrammar(Self.noisyLineSearch(name), jsgf: grammar.jsgf(withCallerWords: true, callerWordWeight: Self.noisyLineCallerWordWeight),
                       check: check)
    }

    /// On a noisy line the caller's words around a phrase take in what the noise leaves of the
    /// phrase ("pay my bill" heard as "a it the"), so for noise-reduced utterances each of them
    /// weighs this much against a phrase's words. Measured in BENCHMARKS.md (seventh session).
    static let noisyLineCallerWordWeight = 0.01

    /// The name of the noisy-line grammar of the intents added as `intents`.
    static func noisyLineSearch(_ intents: String) -> String { intents + "_noisy_line" }

    /// The intent of an utterance, with the intents added as `name` (the current search is
    /// left as it is): what was heard, the intent found in it if any, and its confidence.
    ///
    /// The free decode comes first: when it heard a phrase whole, and that phrase is most of what
    /// it heard (``IntentGrammar/fullCoverage``), that is the intent, with confidence 1; the
    /// grammar decode would only confirm it (a tenth to a fifth less CPU at the same accuracy,
    /// BENCHMARKS.md).
    /// A sentence in which the free decode heard none of the grammar's own words has no intent
    /// (``heardNone(of:in:)``). Otherwise the grammar decode's words are checked against the
    /// same free decode.
    public func understand(_ samples: [Int16], sampleRate: Int, intents name: String, grammar: IntentGrammar)
        throws(RecognitionError) -> (heard: Recognition, match: IntentMatch?, confidence: Double) {
        guard let check = checks[name] else { throw RecognitionError.grammar("no search named '\(name)'") }
        let utterance = try prepared(samples, sampleRate: sampleRate)
        let free = try freeDecode(utterance, check: check)
        let freely = Recognition(words: free.map(\.word.word), wordConfidences: free.map { _ in 1 }, phoneCounts: free.map(\.phones.count))
        if let understood = grammar.understand(freely), understood.confidence >= 1 {
            return (freely, understood.match, understood.confidence)
        }
        if let own = ownWords[name], Self.heardNone(of: own, in: free) { return (freely, nil, 0) }
        let noisyLine = Self.noisyLineSearch(name)
        let heard = try decode(prepared: utterance, with: utterance.noisy && searches.contains(noisyLine) ? noisyLine : name, free: free)
        let understood = grammar.understand(heard)
        return (heard, understood?.match, understood?.confidence ?? 0)
    }

    /// An utterance as the decoders take it.
    private struct PreparedUtterance {
        /// At the model's 16 kHz.
        var samples: [Int16]
        /// Whether it went through the noise reducer.
        var noisy: Bool
    }

    /// The utterance as the decoders take it, at 16 kHz: noisy utterances lose their steady noise
    /// first; clean ones get a quiet line where cut tight (``paddedWhereTight(_:sampleRate:)``)
    /// and the narrowband transform at 8 kHz.
    private func prepared(_ samples: [Int16], sampleRate: Int) throws(RecognitionError) -> PreparedUtterance {
        let reducer = NoiseReducer(sampleRate: sampleRate)
        let noisy = reducer.estimatedSNR(samples) < Self.noiseReductionBelowSNR
        let cleaned = noisy ? reducer.reduce(samples) : Self.paddedWhereTight(samples, sampleRate: sampleRate)
        adapt(to: sampleRate < 16000 && !noisy ? narrowbandTransform : identityTransform)
        do { return PreparedUtterance(samples: try Self.toModelRate(cleaned, from: sampleRate), noisy: noisy) } catch {
            throw RecognitionError.decoder("cannot resample the utterance: \(error)")
        }
    }

    /// Seconds of quiet line put before a clean utterance whose speech starts at once, and after
    /// one whose speech runs to its end (a clip cut tight): the free decode hears such clips
    /// worse than the same speech with a pause around it, as the endpointer's utterances have.
    static let tightEdgePadding = 0.3
    /// The quiet line's level: white noise at −60 dBFS RMS, a quiet telephone line's. Digital
    /// silence (zeros) instead lost a short word ("sales" heard as "no"; BENCHMARKS.md, twelfth
    /// and thirteenth sessions).
    static let tightEdgePaddingDBFS = -60.0

    /// `samples` with ``tightEdgePadding`` of quiet line before and after where the speech
    /// touches the edge: the first or last 10 ms hold more than a hundredth of the mean power
    /// (not 20 dB under it). The noise comes from a fixed seed: the same clip decodes alike.
    static func paddedWhereTight(_ samples: [Int16], sampleRate: Int) -> [Int16] {
        let edge = sampleRate / 100
        guard samples.count > 4 * edge else { return samples }
        let loud = samples.meanPower / 100
        let tightStart = samples.prefix(edge).meanPower > loud, tightEnd = samples.suffix(edge).meanPower > loud
        guard tightStart || tightEnd else { return samples }
        var generator = NoiseGenerator(seed: 99)
        let rms = pow(10, tightEdgePaddingDBFS / 20) * 32768
        func quietLine() -> [Int16] {
            generator.white(count: Int(tightEdgePadding * Double(sampleRate)), rms: rms).map { Int16(clamping: Int($0.rounded())) }
        }
        return (tightStart ? quietLine() : []) + samples + (tightEnd ? quietLine() : [])
    }

    /// Decodes with `search` (selected for the time of it) and checks the words against the free
    /// decode (`free` when it was decoded already).
    private func decode(prepared utterance: PreparedUtterance, with search: String, free known: FreeWords? = nil) throws(RecognitionError) -> Recognition {
        guard searches.contains(search) else { throw RecognitionError.grammar("no search named '\(search)'") }
        let heard = try decoder.decode(utterance.samples, search: search)
        let words = heard.map(\.word)
        guard !words.isEmpty, !keywordSearches.contains(search) else {
            return Recognition(words: words, wordConfidences: words.map { _ in 1 }, phoneCounts: words.map { _ in 1 })
        }
        let phones = words.map(decoder.phones)
        guard let check = checks[search] else {
            return Recognition(words: words, wordConfidences: words.map { _ in 0 }, phoneCounts: phones.map(\.count))
        }
        let free = if let known { known } else { try freeDecode(utterance, check: check) }
        return Recognition(words: words,
                           wordConfidences: zip(heard, phones).map { agreement(of: $0, phones: $1, with: free) },
                           phoneCounts: phones.map(\.count), unheardPhones: utterance.noisy ? Self.noisyLineUnheardPhones : 0)
    }

    /// What the free decode heard: its words, each with its phones (looked up once, for the
    /// agreement).
    typealias FreeWords = [(word: PocketSphinxDecoder.TimedWord, phones: [String])]

    /// The free decode of an utterance, leaning towards the grammar whose check is `check`.
    private func freeDecode(_ utterance: PreparedUtterance, check: String) throws(RecognitionError) -> FreeWords {
        let free = utterance.noisy ? noisyLineVerifier : verifier
        try free.interpolate(with: check, weight: Self.grammarWeightInCheck)
        return try free.decode(utterance.samples, search: Self.checkSearch).map { ($0, decoder.phones($0.word)) }
    }

    /// Gives the grammar decoder `transform` unless it holds it already. The verifier keeps the
    /// model's own means: measured, that checks narrowband hypotheses better than a verifier
    /// adapted like the decoder it checks. The narrowband transform was estimated on clean
    /// telephone speech; in noise it cost accuracy (BENCHMARKS.md).
    private func adapt(to transform: MeanTransform?) {
        guard let transform, transform !== appliedTransform else { return }
        decoder.adapt(to: transform)
        appliedTransform = transform
    }

    /// On a noisy line the free decode, leaning towards the grammar and searching wider, hears
    /// a few of the grammar's phones where none were said (two of the four of "help" in "could
    /// you tell me a joke"), so a noisy utterance's confidence counts one phone more than its
    /// words hold, not heard: a short phrase needs more of its phones agreed (all of a
    /// four-phone word gives 0.8, half of it 0.4, under the default threshold 0.47) and a long
    /// one about what it needs on a clean line. A phrase the free decode heard whole still
    /// decides with confidence 1. Chosen on eSpeak NG (8 voices, the 22 outside sentences of
    /// calibration and the 27 example phrases, 8 kHz with white noise at 10 and 15 dB, 3 noise
    /// seeds; none of the benchmark's voices): against the agreement read against 1.1 (the rule
    /// before), everyday sentences taken for an intent 3.4 % → 1.7 % at 10 dB and 4.9 % → 2.3 %
    /// at 15 dB at the same phrase F1 (0.22 / 0.33). BENCHMARKS.md has the sweep.
    static let noisyLineUnheardPhones = 1.0

    /// How many words the free decode must have heard, none of them one of the grammar's own
    /// words, for the grammar decode to be skipped: shorter utterances, as most phrases are,
    /// still go to it ("agent" heard as "i didn't", a voice the model fits badly saying "talk
    /// to billing please" heard as "oh that really please"), since its phone agreement can
    /// accept them; with 3 instead of 5, eSpeak NG's voices lost 9 of 90 right answers.
    static let wordsHeardToSkip = 5

    /// Whether the free decode heard a sentence (``wordsHeardToSkip`` words or more) with none
    /// of the grammar's `own` words in it: then the utterance is taken as outside the grammar
    /// without a grammar decode, whose answer the agreement with this same free decode would
    /// almost always reject (BENCHMARKS.md: no answer of the benchmark changed, a tenth less CPU).
    static func heardNone(of own: Set<String>, in free: FreeWords) -> Bool {
        free.count >= wordsHeardToSkip && free.allSatisfy { !own.contains($0.word.word) }
    }

    /// Whether, in the word-follower graph of a grammar's phrases, a phrase can go from start
    /// to end through `words` alone (then hearing none of the other words says nothing).
    static func saidWithout(_ words: Set<String>, followers: [String: Set<String>]) -> Bool {
        var reached: Set<String> = [], frontier = ["<s>"]
        while let word = frontier.popLast() {
            for next in followers[word] ?? [] {
                if next == "</s>" { return true }
                if words.contains(next), reached.insert(next).inserted { frontier.append(next) }
            }
        }
        return false
    }

    /// Frames either side of a word within which the free decode's words count as heard then.
    static let agreementSlack: Int32 = 10

    /// How far the free decode agrees with one word of the hypothesis, from what it heard
    /// during that word: the same word, or its phones in order (which forgives "england" for
    /// "english"), against the longer of the word and what was heard in its time.
    private func agreement(of word: PocketSphinxDecoder.TimedWord, phones mine: [String],
                           with free: FreeWords) -> Double {
        let start = word.start - Self.agreementSlack, end = word.end + Self.agreementSlack
        let during = free.filter { $0.word.end >= start && $0.word.start <= end }
        if during.contains(where: { $0.word.word == word.word }) { return 1 }
        var theirs: [String] = []
        var theirsInSpan = 0.0
        for (other, phones) in during {
            theirs += phones
            let overlap = Double(min(other.end, word.end) - max(other.start, word.start) + 1)
            theirsInSpan += Double(phones.count) * max(0, overlap) / Double(max(other.end - other.start + 1, 1))
        }
        return Double(Self.commonWords(mine, theirs)) / max(Double(mine.count), theirsInSpan, 1)
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
