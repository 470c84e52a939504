import Foundation
import IVRDSP

/// Speech to words with PocketSphinx: one model per recognizer, named searches (JSGF grammars
/// and keyword lists) switched without reloading it, and each hypothesis checked acoustically
/// (``AcousticVerifier``): its confidence says how well its words explain the audio against
/// the best the model could do with any sounds, so that speech outside a grammar is rejected
/// rather than guessed. The check scores every senone of every frame, and the decoder's search
/// runs on those scores (``Scoring/shared``), so checking costs no more than decoding.
///
/// Utterances are decoded whole (their edges trimmed to the speech), so the cepstral mean
/// comes from the utterance itself; 8 kHz audio is resampled to the model's 16 kHz. A process
/// makes one recognizer and shares it between its calls (the commands do); a recognizer is for
/// one thread at a time.
public final class SpeechRecognizer {
    public let model: RecognitionModel
    /// Decodes with the grammars and keyword lists. It keeps silence frames
    /// (`-remove_silence no`) so that its frames are the verifier's.
    private let decoder: PocketSphinxDecoder
    public let scoring: Scoring

    /// PocketSphinx's word insertion penalty with shared scoring (its default, 0.65, stays for
    /// `.pocketSphinx`): with 0.65 a word was often inserted at a digit string's onset ("two ten
    /// of clubs"); 0.2 was chosen on pocketsphinx-testdata, the development list's numbers and
    /// synthetic digit strings (0.05 gained more digit strings but lost eSpeak NG's phrases in
    /// noise; BENCHMARKS.md).
    static let wordInsertionPenalty = 0.2

    /// PocketSphinx's probability of a silence in a grammar search with shared scoring (its
    /// default, 0.005, for denoised utterances: ``denoisedSilenceProbability``). At 0.005 each
    /// silence cost about 45 nats, so the search stretched an answer's first and last sounds
    /// over the silence kept before and after it, and words that begin with a stop (a closure
    /// is a silence) won over words that begin with a vowel or a fricative: the real speaker's
    /// "v" and "z" heard as "b" and "p", a "two" put before flite's digit strings. At 0.05 (30
    /// nats) those are heard; a silence as dear as a word (1) gained a few more answers but took
    /// more wrong ones and let more sentences through on every line (BENCHMARKS.md).
    static let silenceProbability = 0.05
    /// The same for a denoised utterance: there the noise reducer's floor between forced words,
    /// taken as a cheaper silence, let speech outside the grammar through (the dev list at 10 dB
    /// SNR with a silence as dear as a word: sentences rejected 93.1 → 88.4 %, wrong answers
    /// 31 → 47), so each grammar search has a twin with PocketSphinx's dear silence for noisy
    /// utterances.
    static let denoisedSilenceProbability = 0.005

    /// The name of `search`'s twin for denoised utterances.
    private static func denoisedTwin(_ search: String) -> String { search + "\u{1}denoised" }

    /// Who scores the model's senones for the decoder's search.
    public enum Scoring: Sendable {
        /// The acoustic check's scorer scores every senone of every frame once, and the decoder's
        /// search runs on those scores (`ps_decode_senscr`): one Gaussian evaluation serves both,
        /// so the whole decision costs about what a plain decode does (BENCHMARKS.md).
        case shared
        /// PocketSphinx evaluates its own Gaussians, as a plain use of the decoder does, and the
        /// check scores the frames again (for comparison). A recognizer keeps one way: the
        /// decoder's feature buffer is not fit to switch between the two.
        case pocketSphinx
    }
    private let features: FeatureExtractor
    /// Whether an 8 kHz utterance heard as telephone speech whose words show a line far from the
    /// expected one (``unfamiliarLineDistance``) is heard again, normalized by the line it shows.
    public var rehearsUnfamiliarLines = true
    /// How far (``CepstralMeanPrior/distance(to:)``) the line an utterance's words show may lie
    /// from the expected one before the utterance is heard again on it. The development list's
    /// menu answers show lines 13–26 from the telephone prior (a tenth of them beyond either
    /// end), the same through a dull handset 37–49, in a lower voice about 50 and more.
    public static let unfamiliarLineDistance = 30.0
    /// The acoustic check with the model's own means.
    private let verifier: AcousticVerifier
    /// How 8 kHz utterances heard as telephone speech are heard, by what of the band their line
    /// passed (none: no transform known).
    private let telephoneHearings: [TelephoneBand.Line: TelephoneHearing]
    private let identityTransform: MeanTransform?
    /// The transform the grammar decoder holds now (nil: the model's own means).
    private var appliedTransform: MeanTransform?
    private var current: String?
    /// Names of the grammars and keyword lists added.
    private var searches: Set<String> = []
    private var keywordSearches: Set<String> = []

    /// Loads the model; `projectDictionary` (lines `word  PH ON ES`, `#` comments) adds words
    /// the model's dictionary lacks, such as product names.
    public init(model: RecognitionModel = .debian, projectDictionary: String? = nil, scoring: Scoring = .shared) throws(RecognitionError) {
        try model.check()
        self.model = model
        self.scoring = scoring
        // Shared scoring: no phone-loop lookahead, whose search runs ahead of the main one and
        // makes it re-read past frames of the score dump (PocketSphinx's record of where a frame
        // starts points at the next one); and wider beams than the defaults (1e-48, word exits
        // 7e-29): on the exact scores the grammar's filler paths led by so much in the frames a
        // voice said poorly that every path of the phrase was pruned (eSpeak NG's "I want to pay
        // my bill" heard as nothing; PocketSphinx's own scoring heard it; the search is a small
        // share of the cost).
        let sharedOptions = ["-wip", "\(Self.wordInsertionPenalty)", "-silprob", "\(Self.silenceProbability)", "-pl_window", "0",
                             "-beam", "1e-60", "-pbeam", "1e-60", "-wbeam", "1e-60"]
        decoder = try .kept(hmm: model.acousticModel, dictionary: model.dictionary,
                            options: ["-remove_silence", "no"] + (scoring == .shared ? sharedOptions : []))
        features = try decoder.featureExtractor()
        let acoustic = try AcousticModel(directory: model.acousticModel)
        verifier = try AcousticVerifier(model: acoustic)
        var hearings: [TelephoneBand.Line: TelephoneHearing] = [:]
        for (line, path) in model.narrowbandTransforms {
            hearings[line] = try TelephoneHearing(model: acoustic, transform: path, prior: .telephone(line))
        }
        telephoneHearings = hearings
        identityTransform = hearings.isEmpty ? nil : try MeanTransform.identity()
        appliedTransform = identityTransform
        if let projectDictionary { try addWords(from: projectDictionary) }
        try addGrammar(Self.hesitationSearch, jsgf: Self.hesitationGrammar)
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
                try decoder.addWord(word.lowercased(), phones: fields.dropFirst().joined(separator: " "))
            } catch {
                throw RecognitionError.model("\(path):\(index + 1): \(error)")
            }
        }
    }

    /// Utterances whose estimated SNR (dB) is below this go through the ``NoiseReducer`` first.
    public static let noiseReductionBelowSNR = 25.0
    /// 8 kHz utterances down to this estimated SNR (dB), denoised or not, are heard as telephone
    /// speech: the narrowband transform, the call's line, its even odds. Noisier ones keep too
    /// much of the noise's mark after the reducer for a transform estimated on clean speech and
    /// are decoded with the model's own means. The development list with white noise at 20 dB:
    /// menu answers right / wrong 110 / 29 → 113 / 21, sentences rejected 95.6 → 97.7 %,
    /// keywords F1 0.36 → 0.73, intents 0.46 → 0.77; at 12 dB 93 / 28 → 74 / 18, keywords
    /// 0.15 → 0.50. At 10 dB the real speech gains as much, but flite's and Festival's requests
    /// inside sentences lose a third of their F1 (BENCHMARKS.md), so the noisiest lines stay as
    /// they were.
    public static let telephoneSpeechDownToSNR = 12.0

    /// Whether the dictionary knows a word (lower case).
    public func knows(_ word: String) -> Bool { decoder.knows(word) }

    /// Adds (or replaces) a JSGF grammar under `name`.
    public func addGrammar(_ name: String, jsgf: String) throws(RecognitionError) {
        do {
            try decoder.addGrammar(name, jsgf: jsgf)
            if scoring == .shared {
                try decoder.addGrammar(Self.denoisedTwin(name), jsgf: jsgf, silenceProbability: Self.denoisedSilenceProbability)
            }
        } catch {
            // PocketSphinx says only that it refused; a word it does not know is the usual cause.
            if let unknown = Self.words(ofJSGF: jsgf).first(where: { !knows($0.word) }) {
                throw RecognitionError.grammar("line \(unknown.line): '\(unknown.word)' is not in the dictionary (give it phones in models/project.dict or with --dictionary)")
            }
            throw error
        }
        searches.insert(name)
        keywordSearches.remove(name)
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
        decoder.startStream()
    }

    /// Decodes one utterance at 8 or 16 kHz with the current search; `checked: false` skips the
    /// acoustic check (the decoder's best path as it is, confidence 0; with
    /// ``Scoring/pocketSphinx``, what a plain use of the decoder gives, for comparison).
    public func recognize(_ samples: [Int16], sampleRate: Int, checked: Bool = true) throws(RecognitionError) -> Recognition {
        guard let search = current else { throw RecognitionError.grammar("no grammar or keyword list chosen") }
        var utterance = try prepared(samples, sampleRate: sampleRate)
        let heard = try decode(&utterance, with: search, checked: checked)
        guard checked, keywordSearches.contains(search) else { return heard }
        return try spottedAgainCompressed(heard, in: utterance, search: search)
    }

    /// Keyphrases spotted nearly accepted (confidence from ``rescuedFrom`` up to the default
    /// threshold) in a clean utterance (telephone speech or wideband), confirmed by spotting them in
    /// it again with its spectrum compressed (``rescueScale``): a phrase found there too, where
    /// it was, with ``respottedAbove`` or more takes that evidence; no other phrase changes.
    private func spottedAgainCompressed(_ heard: Recognition, in utterance: PreparedUtterance, search: String) throws(RecognitionError) -> Recognition {
        guard heard.phrases.contains(where: { Self.nearlyAccepted.contains($0.evidence.confidence) }),
              var compressed = try compressedHearing(of: utterance) else { return heard }
        let again = try decode(&compressed, with: search).phrases
        var confirmed = heard
        var firstWord = 0
        for (index, phrase) in heard.phrases.enumerated() {
            let words = phrase.phrase.split(separator: " ").count
            defer { firstWord += words }
            guard Self.nearlyAccepted.contains(phrase.evidence.confidence) else { continue }
            let start = Double(phrase.startFrame) / Self.rescueScale
            guard let found = again.first(where: {
                $0.phrase == phrase.phrase && abs(Double($0.startFrame) - start) <= Self.respottedWithinFrames
                    && $0.evidence.confidence >= Self.respottedAbove
            }) else { continue }
            confirmed.phrases[index].evidence = found.evidence
            for word in firstWord..<firstWord + words { confirmed.evidence[word] = found.evidence }
            confirmed.scale = Self.rescueScale
        }
        return confirmed
    }

    /// How far (frames) a phrase spotted again compressed may begin from where it was first found.
    static let respottedWithinFrames = 10.0
    /// The least confidence a keyphrase spotted again compressed must have to be taken. On the
    /// development list's sentences with the twelve keyword intents: at ``rescuedAbove`` (0.8)
    /// one more false alarm ("Comedian Mail" as "mailbox", 0.83), precision 0.85 → 0.84; at 0.85
    /// one more right and none wrong; raised 150 cents F1 0.66 → 0.72 either way (BENCHMARKS.md).
    static let respottedAbove = 0.85

    /// Decodes one utterance with each of `searches` in turn (the audio is prepared once), each
    /// as the first utterance of a call (``startCall()``), so that their results compare; the
    /// current search is left as it is.
    public func recognize(_ samples: [Int16], sampleRate: Int, withEach searches: [String]) throws(RecognitionError) -> [Recognition] {
        var utterance = try prepared(samples, sampleRate: sampleRate)
        var results: [Recognition] = []
        for search in searches {
            startCall()
            results.append(try decode(&utterance, with: search))
        }
        return results
    }

    /// Adds (or replaces) an intent grammar under `name` for
    /// ``understand(_:sampleRate:intents:grammar:)``: its phrases as a grammar, and the phrases
    /// it can say without a built-in slot as keyphrases to spot inside longer speech.
    public func addIntents(_ name: String, grammar: IntentGrammar) throws(RecognitionError) {
        try addGrammar(name, jsgf: grammar.jsgf)
        let phrases = grammar.spottablePhrases(perIntent: Self.spottedPhrasesPerIntent)
        let spottable = phrases + grammar.anchorPhrases(perIntent: Self.spottedPhrasesPerIntent).filter { !phrases.contains($0) }
        if spottable.isEmpty {
            searches.remove(Self.spottingSearch(name))
        } else {
            try addKeywords(Self.spottingSearch(name), phrases: spottable.map { ($0, spottingThreshold(of: $0)) })
        }
    }

    /// Keyphrases spotted at most per intent (the shortest of its phrases).
    static let spottedPhrasesPerIntent = 100
    /// PocketSphinx's detection threshold for spotting a phrase inside speech, per phone of the
    /// phrase: loose, the acoustic check decides (BENCHMARKS.md). A phrase's path lies further
    /// under the phone loop's the more phones it has, so a longer phrase gets a lower threshold:
    /// 1e-25 up to ``spottedPhonesMinimum`` phones, as for every phrase before; "when are you
    /// open" (11 phones) 1e-55. Found in sentences, flite's phrases 0.92 → 0.94 F1 at 8 kHz
    /// (0.54 → 0.66 at 10 dB SNR), Festival's 0.79 → 0.86; the development list's intents 0.82 →
    /// 0.83.
    static let spottingThresholdPerPhone = 1e-5

    /// The detection threshold for spotting `phrase` (``spottingThresholdPerPhone``).
    private func spottingThreshold(of phrase: String) -> Double {
        pow(Self.spottingThresholdPerPhone, Double(max(phoneCount(phrase.split(separator: " ").map(String.init)), Self.spottedPhonesMinimum)))
    }

    /// How many phones `words` say (each in its first pronunciation).
    private func phoneCount(_ words: [String]) -> Int {
        words.reduce(0) { $0 + decoder.phones($1).count }
    }

    static func spottingSearch(_ intents: String) -> String { intents + "_spotting" }

    /// Phones a phrase needs to be taken from inside longer speech: a shorter one ("no", "help",
    /// "sales") is found by chance in most sentences, so it must be said alone (or in a longer
    /// phrase: "sales please"). On the development list, spotting the words of menus (four to
    /// eight phones) took 18 % of its sentences for one with five phones and more, 6 % with six
    /// (BENCHMARKS.md); the twelve keyword intents are five phones or more.
    static let spottedPhonesMinimum = 5

    /// The least confidence an answer heard after a hesitation must have to be taken: stricter
    /// than the default threshold, since speech heard twice has two chances.
    static let afterHesitationAbove = 0.7

    /// The least confidence with which the first sound must be heard as a filler word to be a
    /// hesitation (on the whole utterance's scores): flite's "um" lay at 0.36–1, its "uh" at
    /// 0.05–0.81, the development list's words split at a stop's closure ("eigh|tieth",
    /// "que|bec", "oc|tober") at 0.0001–0.08.
    static let hesitationHeardAbove = 0.1
    /// The search that tells a hesitation (``hesitationShape(_:)``): the dictionary's filler
    /// words but "er" and "ah", the first syllables of too many words ("thir|teen", "oc|tober").
    static let hesitationSearch = "\u{1}hesitation"
    static let hesitationGrammar = "#JSGF V1.0;\ngrammar hesitation;\npublic <hesitation> = uh | um | hm | mm;\n"

    /// The intent of an utterance, with the intents added as `name` (the current search is
    /// left as it is): what was heard, the intent found in it if any, and its confidence.
    ///
    /// The utterance is first decoded with the grammar of the phrases, which must explain all
    /// of it ("sales please"); when the acoustic check does not accept that (below the default
    /// threshold), the phrases are spotted inside it ("hi, could I talk to sales, please") and
    /// the best-confirmed phrase found is the intent, if it does better. Where the words that lead
    /// up to a built-in slot are found ("my account number is"), the utterance from there on is
    /// decoded with the grammar again, as if the caller had started there.
    ///
    /// `line` is what the call's earlier utterances showed of its line: a telephone utterance's
    /// cepstral mean is drawn towards it, and what this one shows is returned in `heard.line`.
    /// When the words heard show a line far from the one expected (a handset or a voice unlike
    /// any the call has had: ``unfamiliarLineDistance``), the utterance is heard again, normalized
    /// by the line they show (``Recognition/reheard``): through a dull handset, the development
    /// list's menu answers right as a call's first utterance rose from 122 of 178 to 149, in a
    /// lower voice from 137 to 158, with the recordings' own as they were (BENCHMARKS.md). That
    /// costs a second decode, about once per call.
    ///
    /// A clean utterance not accepted that begins with a hesitation ("um, billing": a short
    /// sound heard as a filler word, then a pause; ``hesitationShape(_:)``) is understood again
    /// from after it, and that taken at ``afterHesitationAbove`` or more; an accepted one so
    /// shaped is understood from after it too, and the rest taken when it means something else,
    /// heard better (in a grammar too large to compare rivals, "um, billing" was taken whole as
    /// "account balance" at 0.79). (Not a denoised one: there the reducer made a pause of a
    /// stop's closure, "thir|teen" heard as "er" and "hundred".)
    public func understand(_ samples: [Int16], sampleRate: Int, intents name: String, grammar: IntentGrammar, line: CallLine = CallLine())
        throws(RecognitionError) -> (heard: Recognition, match: IntentMatch?, confidence: Double) {
        var utterance = try prepared(samples, sampleRate: sampleRate, line: line)
        let result = try secondLook(at: try understood(&utterance, intents: name, grammar: grammar), of: utterance, intents: name, grammar: grammar)
        // Perhaps a hesitation first ("um, billing"), heard as one, or as a word of a phrase.
        guard !utterance.denoised, let (hesitation, start) = Self.hesitationShape(utterance.samples) else { return result }
        var first = utterance.part(0..<hesitation)
        // Its frames as the whole utterance's decode scored them (no second scoring).
        if let scores = utterance.scores { first.scores = utterance.verifier.scores(scores, first: hesitation / Self.samplesPerFrame) }
        guard try decode(&first, with: Self.hesitationSearch).confidence >= Self.hesitationHeardAbove else { return result }
        var rest = utterance.part(start..<utterance.samples.count)
        let heard = try understood(&rest, intents: name, grammar: grammar)
        guard heard.match != nil, heard.confidence >= Self.afterHesitationAbove else { return result }
        if result.confidence >= IntentThresholds.defaultThreshold {
            // Taken whole: the rest overrules it only when it means something else, heard better
            // ("um, billing" heard whole as "account balance").
            guard heard.match?.intent != result.match?.intent || heard.match?.slots != result.match?.slots,
                  heard.confidence > result.confidence else { return result }
        }
        return heard
    }

    /// `result`, or when it is nearly accepted, what a second look at `utterance` with its
    /// spectrum compressed confirms (perhaps a voice shorter than the model's: ``rescueScale``);
    /// when it is accepted narrowly ahead of its rivals, doubted if that look takes another answer
    /// (``doubtedBelowLead``).
    private func secondLook(at result: (heard: Recognition, match: IntentMatch?, confidence: Double), of utterance: PreparedUtterance,
                         intents name: String, grammar: IntentGrammar) throws(RecognitionError) -> (heard: Recognition, match: IntentMatch?, confidence: Double) {
        guard !result.heard.reheard, let match = result.match else { return result }
        func sameAnswer(_ other: IntentMatch?) -> Bool { other?.intent == match.intent && other?.slots == match.slots }
        if result.confidence >= IntentThresholds.defaultThreshold {
            guard let lead = result.heard.rivalLead, lead < Self.doubtedBelowLead, var compressed = try compressedHearing(of: utterance) else { return result }
            let again = try understood(&compressed, intents: name, grammar: grammar, spotting: false)
            guard again.confidence >= IntentThresholds.defaultThreshold, !sameAnswer(again.match) else { return result }
            var doubted = result
            doubted.confidence *= 1 - again.confidence
            return doubted
        }
        guard Self.nearlyAccepted.contains(result.confidence), var compressed = try compressedHearing(of: utterance) else { return result }
        // A short answer is confirmed by its whole decode alone.
        let long = utterance.samples.count >= Int(Self.onePassFrom * 16000)
        var rescued = try understood(&compressed, intents: name, grammar: grammar, spotting: long)
        var scale = Self.rescueScale
        // Compressed, the same answer was heard better but not well enough: a voice higher still
        // (telephone speech; on a wideband line it gained nothing).
        if utterance.telephone, rescued.confidence < Self.rescuedAbove, rescued.confidence > result.confidence, sameAnswer(rescued.match),
           var deeper = try compressedHearing(of: utterance, scale: Self.deeperRescueScale) {
            rescued = try understood(&deeper, intents: name, grammar: grammar, spotting: long)
            scale = Self.deeperRescueScale
        }
        guard rescued.confidence >= Self.rescuedAbove, sameAnswer(rescued.match) else { return result }
        rescued.heard.scale = scale
        rescued.heard.line = result.heard.line  // the line as it is, for the call's next utterances
        return rescued
    }

    /// Whether a clean utterance (8 kHz heard as telephone speech, or wideband) that is nearly accepted
    /// (confidence from ``rescuedFrom`` up to the default threshold), and not heard again on an
    /// unfamiliar line (a handset unlike any, rather than a voice), is heard again with its
    /// spectrum compressed (``rescueScale``), and taken when that hearing finds the same intent
    /// and slots with confidence ``rescuedAbove`` or more (when it heard them better but not so
    /// well, once more at ``deeperRescueScale``): a second look that confirms an answer, never
    /// one that changes it. The development list's menu answers as a call's first
    /// utterance, right / wrong of 178: raised 150 cents 131 / 11 → 144 / 12, raised 300 cents
    /// 50 / 24 → 65 / 24, the files 165 / 3 → 166 / 3, a speakerphone in a room 154 / 11 →
    /// 154 / 13, a dull handset and a lower voice as they were; off-menu sentences rejected 0.1
    /// points less, other menus' words 1 point less (BENCHMARKS.md). Choosing the scale per
    /// caller beforehand, by pitch or by the model's fit, lost elsewhere or cost too much. On a
    /// wideband line (the list's G.722 files at 16 kHz) the second look, with the doubt, took
    /// the files from 169 / 2 to 170 / 2 and raised 150 cents from 157 / 12 to 158 / 2.
    /// Keyword spotting takes the same second look per keyphrase
    /// (``spottedAgainCompressed(_:in:search:)``), and an answer taken narrowly ahead of its
    /// rivals is doubted by it (``doubtedBelowLead``).
    public var rescuesHigherVoices = true
    /// The spectral scale of the second hearing: the utterance resampled as if it had been
    /// recorded at its rate × this, its formants 8 % lower (and 9 % slower). The model, the
    /// narrowband transform and the telephone prior fit the development list's speaker and deeper
    /// voices; a shorter vocal tract (a higher woman's voice, a child's) lies nearer them so:
    /// the list raised 150 cents by sox, 131 of 178 menu answers right at its own scale, 158 at
    /// this one for every utterance (BENCHMARKS.md).
    public static let rescueScale = 0.92
    /// The scale of a third hearing, for an answer that the second heard better but not well
    /// enough to take (formants 16 % lower: a child's voice). The list raised 300 cents, menu
    /// answers right / wrong of 178: 66 / 20 → 75 / 20; raised 150 cents 143 / 6 → 144 / 6 and
    /// intents F1 0.74 → 0.77; the recordings as they are, and every synthetic row, the same
    /// (BENCHMARKS.md). Nothing is taken at this scale that the first hearing did not choose.
    /// Telephone speech only: the list's G.722 files at 16 kHz gained nothing and took one
    /// false intent more.
    public static let deeperRescueScale = 0.84
    /// A clean utterance to be heard again with its spectrum compressed (``rescueScale``): its
    /// 8 kHz samples when heard as telephone speech, else its 16 kHz ones, taken as recorded at
    /// that rate × the scale; nil when that second look is off or the utterance was denoised.
    private func compressedHearing(of utterance: PreparedUtterance, scale: Double = rescueScale) throws(RecognitionError) -> PreparedUtterance? {
        guard rescuesHigherVoices, !utterance.denoised else { return nil }
        let (samples, rate) = utterance.narrowband.map { ($0, 8000.0) } ?? (utterance.samples, 16000.0)
        return utterance.anew(samples: try Self.resampled(samples, from: Int((rate * scale).rounded()), to: 16000))
    }

    /// An answer accepted with a lead over its best rival narrower than this (nats per frame,
    /// ``Recognition/rivalLead``) is heard again compressed (``rescueScale``), and doubted when
    /// that hearing takes another answer at the default threshold: its confidence times one minus
    /// that hearing's, so below the threshold (a flow's `confirm_from` may still ask it back). It
    /// is never changed to the other answer. The development list as a call's first utterance,
    /// menu answers right / wrong of 178 and other menus' words rejected: the files 166 / 3 →
    /// 165 / 3 and 80.0 → 80.9 %, a higher voice (+150 cents) 144 / 12 → 142 / 7 and 84.1 → 85.1 %,
    /// a speakerphone in a room 154 / 12 → 150 / 10 and 72.8 → 74.3 %, a dull handset as it was
    /// (its answers are heard again on their line); at 0.5 +150 cents 142 / 8 (BENCHMARKS.md).
    static let doubtedBelowLead = 1.0
    /// Confidence that a second look may raise: from ``rescuedFrom`` up to the default threshold.
    static let nearlyAccepted = rescuedFrom..<IntentThresholds.defaultThreshold

    /// The least confidence at which an utterance is heard again compressed: below it, it is
    /// most likely off the menu (the development list's sentences and other menus' words), and
    /// a second hearing costs a decode. From 0.1 the list raised 150 cents gained 3 answers more
    /// (147), but eSpeak NG's phrases alone at 8 kHz (many of them between 0.1 and 0.2) took
    /// 1.29–1.32× a plain decode instead of 1.23–1.26× (1.17× without the second look).
    public static let rescuedFrom = 0.2
    /// The least confidence the compressed hearing must give to be taken: stricter than the
    /// default threshold, since off-menu speech heard twice has two chances (at 0.7 a
    /// speakerphone's wrong answers rose 11 → 14).
    public static let rescuedAbove = 0.8

    /// The intent of a prepared utterance: its whole decode, heard again on the line its words
    /// show when that is unfamiliar, then (unless not `spotting`) spotted in when not accepted.
    private func understood(_ utterance: inout PreparedUtterance, intents name: String, grammar: IntentGrammar, spotting: Bool = true)
        throws(RecognitionError) -> (heard: Recognition, match: IntentMatch?, confidence: Double) {
        let spots = spotting && searches.contains(Self.spottingSearch(name))
        utterance.scoredOnce = spots && !utterance.denoised && utterance.samples.count >= Int(Self.onePassFrom * 16000)
        var whole = try decode(&utterance, with: name, rivalsFrom: grammar)
        if rehearsUnfamiliarLines, utterance.telephone, let prior = utterance.meanPrior, let shown = whole.lineMean,
           prior.distance(to: shown) > Self.unfamiliarLineDistance {
            utterance = utterance.anew(meanPrior: prior.certain(of: shown))
            whole = try decode(&utterance, with: name, rivalsFrom: grammar)
            whole.reheard = true
        }
        var result = try spotted(in: &utterance, whole: whole, intents: name, grammar: grammar, spots: spots)
        result.heard.reheard = whole.reheard
        result.heard.line = utterance.meanPrior == nil ? nil : utterance.observed
        return result
    }

    /// The whole decode's intent, or, when the acoustic check does not accept it and the intents
    /// may be spotted (`spots`), the best-confirmed one spotted inside the utterance or decoded
    /// from the words that lead up to a slot, if it does better.
    private func spotted(in utterance: inout PreparedUtterance, whole: Recognition, intents name: String, grammar: IntentGrammar, spots: Bool)
        throws(RecognitionError) -> (heard: Recognition, match: IntentMatch?, confidence: Double) {
        let match = grammar.match(whole.words)
        let confidence = match == nil ? 0 : whole.confidence
        guard confidence < IntentThresholds.defaultThreshold, spots else {
            return (whole, match, confidence)
        }
        let spotted = try decode(&utterance, with: Self.spottingSearch(name))
        var best: (heard: Recognition, match: IntentMatch, confidence: Double)?
        var start = 0
        var anchorFrames: [Int] = []
        for phrase in spotted.phrases {
            let words = phrase.phrase.split(separator: " ").map(String.init)
            let phones = phoneCount(words)
            if phones >= Self.spottedPhonesMinimum, let found = grammar.match(words) {
                if phrase.evidence.confidence > best?.confidence ?? confidence {
                    best = (spotted, IntentMatch(intent: found.intent, slots: found.slots, range: start..<start + words.count), phrase.evidence.confidence)
                }
            } else if phones >= Self.spottedPhonesMinimum, phrase.evidence.confidence >= IntentThresholds.defaultThreshold {
                anchorFrames.append(phrase.startFrame)
            }
            start += words.count
        }
        for frame in anchorFrames where frame > 0 {
            var rest = utterance.part(max(0, frame - 5) * Self.samplesPerFrame..<utterance.samples.count)
            let heard = try decode(&rest, with: name, rivalsFrom: grammar)
            if let found = grammar.match(heard.words), heard.confidence > best?.confidence ?? confidence {
                best = (heard, found, heard.confidence)
            }
        }
        guard let best else { return (whole, match, confidence) }
        return (best.heard, best.match, best.confidence)
    }

    /// How clean 8 kHz telephone speech of one kind of line is heard: the model's means moved by
    /// an MLLR transform (in the grammar decoder and in the acoustic check), and the cepstral
    /// mean such speech is drawn towards.
    private struct TelephoneHearing {
        let transform: MeanTransform
        let verifier: AcousticVerifier
        let prior: CepstralMeanPrior

        init(model: AcousticModel, transform path: String, prior: CepstralMeanPrior) throws(RecognitionError) {
            var adapted = model
            try adapted.adapt(toTransformAt: path)
            verifier = try AcousticVerifier(model: adapted)
            transform = try MeanTransform(path: path)
            self.prior = prior
        }
    }

    /// An utterance as the decoders take it.
    private struct PreparedUtterance {
        /// At the model's 16 kHz.
        var samples: [Int16]
        /// The acoustic check for it (the narrowband transform's for 8 kHz audio heard as
        /// telephone speech).
        var verifier: AcousticVerifier
        /// It holds speech (``SpeechRecognizer/holdsSpeech(_:sampleRate:estimatedSNR:)``); when
        /// not, nothing is heard in it.
        var holdsSpeech = true
        /// It went through the noise reducer.
        var denoised = false
        /// What its cepstral mean is drawn towards when it is decoded whole: for 8 kHz audio heard
        /// as telephone speech ``CepstralMeanPrior/telephone``, for clean wideband audio
        /// ``CepstralMeanPrior/wideband``, each moved towards the call's line. Spotting inside it takes its own
        /// mean (and so does an utterance scored once for both, ``scoredOnce``): the sentences it
        /// is for are long enough to know their mean, and with the prior the development list's
        /// keywords were found less precisely (0.86 → 0.83; BENCHMARKS.md).
        var meanPrior: CepstralMeanPrior?
        /// Its senone scores, and the same with a quiet pause after it (for keyword spotting),
        /// each computed once (shared scoring: for every search that decodes it).
        var scores: AcousticVerifier.Scores?
        var scoresWithPause: AcousticVerifier.Scores?
        /// Scored once, with the pause, for both (``SpeechRecognizer/onePassFrom``).
        var scoredOnce = false
        /// Its own cepstral mean (without the pause), once its features have been computed: what
        /// an 8 kHz utterance heard as telephone speech shows of its line.
        var observed: CepstralObservation?
        /// The features of its whole decode and the cepstral mean they were normalized by.
        var normalized: (features: [[Float]], mean: [Float])?
        /// The 8 kHz samples it was made from, when heard as telephone speech (what is
        /// resampled to compress its spectrum: ``SpeechRecognizer/rescueScale``).
        var narrowband: [Int16]?
        /// Heard as 8 kHz telephone speech: the narrowband transform and its even odds, and heard
        /// again on the line its words show when that is unfamiliar.
        var telephone = false

        /// Even odds for a hypothesis of the whole utterance: ``AcousticEvidence/narrowbandCenter``
        /// for 8 kHz audio heard as telephone speech; raised by
        /// ``AcousticEvidence/denoisedCenterRaise`` when denoised.
        var center: Double {
            (telephone ? AcousticEvidence.narrowbandCenter : AcousticEvidence.wholeUtteranceCenter)
                + (denoised ? AcousticEvidence.denoisedCenterRaise : 0)
        }

        /// Keyword spotting takes it on a quiet line (``SpeechRecognizer/onQuietLine(_:)``) unless
        /// it was denoised: the noise reducer leaves a floor of its own, and the pause alone follows.
        var spottedOnQuietLine: Bool { !denoised }

        /// The utterance as keyword spotting takes it, with the spotting pause after it.
        var withSpottingPause: [Int16] {
            spottedOnQuietLine ? SpeechRecognizer.onQuietLine(samples) : samples + SpeechRecognizer.spottingPauseSamples
        }

        /// The same utterance to be scored anew: as `samples` (its spectrum scaled) or normalized
        /// towards `meanPrior` instead.
        func anew(samples: [Int16]? = nil, meanPrior: CepstralMeanPrior? = nil) -> PreparedUtterance {
            var same = PreparedUtterance(samples: samples ?? self.samples, verifier: verifier, holdsSpeech: holdsSpeech, denoised: denoised,
                                         meanPrior: meanPrior ?? self.meanPrior)
            same.narrowband = narrowband
            same.telephone = telephone
            return same
        }

        /// The part `range` of the utterance, to be scored anew (its cepstral mean its own).
        func part(_ range: Range<Int>) -> PreparedUtterance {
            var part = PreparedUtterance(samples: Array(samples[range.clamped(to: 0..<samples.count)]), verifier: verifier,
                                         holdsSpeech: holdsSpeech, denoised: denoised, meanPrior: meanPrior)
            part.telephone = telephone
            return part
        }
    }

    /// The utterance as the decoders take it, at 16 kHz: without a constant offset
    /// (``withoutOffset(_:)``), clipped speech restored (``Declipper``), audio at a wider rate that
    /// holds only the telephone band heard as the 8 kHz telephone speech it is
    /// (``TelephoneBand``); noisy utterances lose their steady noise first; all are trimmed to
    /// their speech (``trimmedToSpeech(_:sampleRate:)``); 8 kHz ones down to
    /// ``telephoneSpeechDownToSNR`` get the narrowband transform, and their cepstral mean is drawn
    /// towards that of telephone speech (``CepstralMeanPrior/telephone``), or towards the
    /// call's `line` once it has said something; those whose line passed less of the band
    /// (``TelephoneBand/line(of:sampleRate:)``: cut above 3.4 kHz, or the voice band of a public
    /// network) get that line's transform and prior (``CepstralMeanPrior/telephone(_:)``); clean
    /// wideband ones' towards that of wideband speech (``CepstralMeanPrior/wideband``) and the
    /// call's line. The development list, menu answers right / wrong of 178, sentences and other
    /// words rejected, keywords and intents F1, heard as the whole band before: limited to
    /// 300–3400 Hz (sox `sinc`) 154 / 14, 97.1 %, 78.7 %, 0.76, 0.76 → 153 / 5, 98.1 %, 84.8 %,
    /// 0.80, 0.81; cut above 3.4 kHz 157 / 12, 97.2 %, 75.6 %, 0.80, 0.79 → 163 / 5, 98.1 %,
    /// 82.1 %, 0.82, 0.83; the package's files as before (BENCHMARKS.md).
    private func prepared(_ samples: [Int16], sampleRate: Int, line: CallLine = CallLine()) throws(RecognitionError) -> PreparedUtterance {
        let centered = Self.withoutOffset(samples)
        var (samples, sampleRate) = (Declipper.restored(centered) ?? centered, sampleRate)
        if TelephoneBand.holdsOnlyTelephoneBand(samples, sampleRate: sampleRate) {
            (samples, sampleRate) = (try Self.resampled(samples, from: sampleRate, to: 8000), 8000)
        }
        let reducer = NoiseReducer(sampleRate: sampleRate)
        let snr = reducer.estimatedSNR(samples)
        let holdsSpeech = try Self.holdsSpeech(samples, sampleRate: sampleRate, estimatedSNR: snr)
        let noisy = snr < Self.noiseReductionBelowSNR
        let cleaned = Self.trimmedToSpeech(noisy ? reducer.reduce(samples) : samples, sampleRate: sampleRate)
        let narrowband = sampleRate < 16000 && snr >= Self.telephoneSpeechDownToSNR
        let hearing = narrowband ? telephoneHearings[TelephoneBand.line(of: samples, sampleRate: sampleRate)] ?? telephoneHearings[.whole] : nil
        adapt(to: hearing?.transform ?? identityTransform)
        var utterance = PreparedUtterance(samples: try Self.resampled(cleaned, from: sampleRate, to: 16000),
                                          verifier: hearing?.verifier ?? verifier, holdsSpeech: holdsSpeech, denoised: noisy,
                                          meanPrior: narrowband ? line.prior(from: hearing?.prior ?? .telephone) : noisy ? nil : line.prior(from: .wideband))
        if narrowband { (utterance.narrowband, utterance.telephone) = (cleaned, true) }
        return utterance
    }

    /// How many frames of the silence and noise a clean utterance's words lie in count in its
    /// evidence (the ratios of all of them always count): speech the decoder calls silence
    /// lowers the evidence, but a pause or a breath that it rightly calls silence does not raise
    /// it. With every frame counted, a breath 0.15 s before each recording of the development
    /// list let 12 % of off-menu sentences through (2.5 % now); clean, the words lie in about
    /// 18. A denoised utterance counts them all: its even odds were chosen so, and capped, the
    /// synthetic voices at 10 dB SNR lost (flite's phrases alone F1 0.85 → 0.82; BENCHMARKS.md).
    static let silenceFramesCounted = 20

    /// A grammar's phrases are compared with each other (``Recognition/rivalLead``) when it
    /// spells out at most this many: a menu's answers, with the digits a caller may say for its
    /// keys (four ways each: 40; at 60 a menu of the 26 letters and the digits lost its rivals,
    /// and took four wrong letters more). A larger one compares one-word answers with its other
    /// one-word phrases (``IntentGrammar/rivals(of:limit:)``): the development list's menus with
    /// the example intent file, right / wrong of 178, 168 / 7 without rivals, 165 / 3 with them.
    static let rivalPhrasesLimit = 80
    /// Below this confidence an answer is rejected at any threshold worth setting, and is not
    /// compared with its rivals (most of that cost was sentences forced into a menu's words).
    static let rivalsCompareAbove = 0.05

    /// A spotted phrase that the keyword search ends at most this many frames before the
    /// utterance's speech ends is the last thing said: the search cut its last sounds short,
    /// and they trail off (``AcousticVerifier/weakestPhones(of:count:lastMayBeCut:)``). The
    /// development list's sentence-final "message" ended 0.3–0.45 s before its speech did.
    static let speechEndFrames = 50

    /// Decodes with `search` and checks what was heard acoustically (unless not `checked`);
    /// with `grammar`, the words are also compared with the grammar's other phrases.
    private func decode(_ utterance: inout PreparedUtterance, with search: String, checked: Bool = true,
                        rivalsFrom grammar: IntentGrammar? = nil) throws(RecognitionError) -> Recognition {
        guard searches.contains(search) else { throw RecognitionError.grammar("no search named '\(search)'") }
        guard utterance.holdsSpeech || !checked else { return Recognition(words: [], evidence: [], utterance: AcousticEvidence()) }
        let spotting = keywordSearches.contains(search)
        let search = utterance.denoised && !spotting && scoring == .shared ? Self.denoisedTwin(search) : search
        let verifier = utterance.verifier
        let segments: [PocketSphinxDecoder.Segment]
        let scores: AcousticVerifier.Scores?
        switch scoring {
        case .shared:
            let shared = sharedScores(&utterance, withPause: spotting)
            scores = shared
            segments = try decoder.decodeSegments(costs: shared.costs, senones: verifier.model.senones, search: search)
        case .pocketSphinx:
            let samples = spotting ? utterance.withSpottingPause : utterance.samples
            if checked {
                let computed = features.frames(samples, meanPrior: spotting ? nil : utterance.meanPrior)
                if !spotting { (utterance.observed, utterance.normalized) = (computed.own, (computed.features, computed.subtracted)) }
                scores = verifier.scores(of: computed.features)
            } else {
                scores = nil
            }
            segments = try decoder.decodeSegments(samples, search: search)
        }
        let spoken = segments.filter { !$0.isFiller }
        guard !spoken.isEmpty else { return Recognition(words: [], evidence: [], utterance: AcousticEvidence()) }
        guard checked, let scores else {
            let words = spoken.flatMap { PocketSphinxDecoder.baseWord($0.word).split(separator: " ").map(String.init) }
            return Recognition(words: words, evidence: words.map { _ in AcousticEvidence() }, utterance: AcousticEvidence())
        }
        if spotting {
            // Each keyphrase found alone over its own frames (its neighbours are not known).
            var words: [String] = [], evidence: [AcousticEvidence] = []
            var total = AcousticEvidence()
            for segment in spoken {
                let phrase = segment.word.split(separator: " ").map(String.init)
                let range = Int(segment.start)..<Int(segment.end) + 1
                // The phrase as it explains its frames best of its pronunciations: the keyword
                // search knows only the first (the development list's speaker says "message"
                // as "M EH S IH JH" where the first is "M EH S AH JH").
                let (units, aligned) = pronounced(phrase).map { units in (units, verifier.alignment(of: units, over: range, in: scores)) }
                    .max { ($0.1?.ratio ?? -.infinity) < ($1.1?.ratio ?? -.infinity) } ?? (phrase.map { decoder.phones($0) }, nil)
                let found = verifier.evidence(of: aligned, units: units.count)
                // A single word may be found over speech that only resembles it (not judged so
                // in denoised speech, where every phone is explained less well).
                let endsSpeech = scores.count - Self.spottingPauseSamples.count / Self.samplesPerFrame - range.upperBound <= Self.speechEndFrames
                let weakest = phrase.count == 1 && !utterance.denoised
                    ? aligned.flatMap { verifier.weakestPhones(of: $0, count: AcousticEvidence.weakestPhonesCounted, lastMayBeCut: endsSpeech) } : nil
                let phones = units.reduce(0) { $0 + ($1?.count ?? 0) }
                let loop = verifier.phoneLoopRatio(over: range, in: scores)
                let frames = found.reduce(0) { $0 + $1.frames }
                let phraseEvidence = AcousticEvidence(ratio: found.reduce(0) { $0 + $1.ratio }, frames: frames, phoneLoop: loop * Double(frames),
                                                      weakestPhones: weakest,
                                                      center: AcousticEvidence.spottedCenter(phones: phones, onQuietLine: utterance.spottedOnQuietLine))
                total = total + phraseEvidence
                for word in phrase {
                    words.append(word)
                    evidence.append(phraseEvidence)
                }
            }
            var recognition = Recognition(words: words, evidence: evidence, utterance: total)
            recognition.phrases = spoken.enumerated().map { index, segment in
                Recognition.SpottedPhrase(phrase: segment.word, startFrame: Int(segment.start), evidence: evidence[spoken[..<index].reduce(0) { $0 + $1.word.split(separator: " ").count }])
            }
            return recognition
        }
        // The whole utterance aligned: its words, and silence and noise as silence.
        let units: [AcousticVerifier.Unit] = segments.map { $0.isFiller ? nil : decoder.phones($0.word) }
        let start = Int(segments.first!.start), end = Int(segments.last!.end) + 1
        let aligned = verifier.alignment(of: units, over: start..<end, in: scores)
        let found = verifier.evidence(of: aligned, units: units.count)
        var words: [String] = [], evidence: [AcousticEvidence] = []
        for (segment, each) in zip(segments, found) where !segment.isFiller {
            words.append(PocketSphinxDecoder.baseWord(segment.word))
            evidence.append(AcousticEvidence(ratio: each.ratio, frames: each.frames, center: utterance.center))
        }
        let wordFrames = evidence.reduce(0) { $0 + $1.frames }, allFrames = found.reduce(0) { $0 + $1.frames }
        let silenceFrames = utterance.denoised ? allFrames - wordFrames : min(allFrames - wordFrames, Self.silenceFramesCounted)
        let utteranceEvidence = AcousticEvidence(ratio: found.reduce(0) { $0 + $1.ratio }, frames: wordFrames + silenceFrames, center: utterance.center)
        var recognition = Recognition(words: words, evidence: evidence, utterance: utteranceEvidence)
        if utterance.telephone, let prior = utterance.meanPrior, let normalized = utterance.normalized, let aligned,
           let offset = verifier.lineOffset(of: aligned, in: scores, features: normalized.features) {
            recognition.lineMean = prior.lineMean(normalizedBy: normalized.mean, offset: offset)
        }
        if utteranceEvidence.confidence >= Self.rivalsCompareAbove,
           let rivals = grammar?.rivals(of: words, limit: Self.rivalPhrasesLimit), !rivals.isEmpty {
            // Each phrase between silences over the same frames: the words as the decoder heard
            // them, a rival as it fits them best (of its words' pronunciations); one too long for
            // them explains nothing.
            func explained(_ said: [AcousticVerifier.Unit]) -> Double {
                let found = verifier.evidence(of: [nil] + said + [nil], over: start..<end, in: scores)
                return found.contains { $0.frames > 0 } ? found.reduce(0) { $0 + $1.ratio } : -.infinity
            }
            func explained(_ phrase: [String]) -> Double { pronounced(phrase).map(explained).max() ?? -.infinity }
            let own = explained(spoken.map { decoder.phones($0.word) })
            let scored = rivals.map { (phrase: $0, explained: explained($0)) }
            if own > -.infinity, let best = scored.max(by: { $0.explained < $1.explained }) {
                recognition.bestRival = best.phrase.joined(separator: " ")
                recognition.rivalLead = best.explained > -.infinity ? (own - best.explained) / Double(end - start) : .infinity
            }
        }
        return recognition
    }

    /// The ways `phrase` may be said: each combination of its words' pronunciations, at most
    /// ``pronunciationsCompared`` (the first pronunciations first).
    private func pronounced(_ phrase: [String]) -> [[AcousticVerifier.Unit]] {
        phrase.reduce([[]]) { heads, word in
            let variants = decoder.pronunciations(word)
            return Array(heads.flatMap { head in variants.map { head + [$0] } }.prefix(Self.pronunciationsCompared))
        }
    }

    /// Ways of saying one phrase compared with its rivals (a word like "a", said "ah" or "ay",
    /// has two).
    static let pronunciationsCompared = 8

    /// The cepstral mean of an utterance as the recognizer prepares it (at 16 kHz, trimmed to its
    /// speech, denoised if noisy), before any prior: what ``CepstralMeanPrior/telephone`` averages.
    public func cepstralMean(of samples: [Int16], sampleRate: Int) throws(RecognitionError) -> CepstralObservation {
        features.cepstralMean(try prepared(samples, sampleRate: sampleRate).samples)
    }

    /// The feature frames the acoustic check scores, of 16 kHz samples (for tests).
    func featureFrames(_ samples: [Int16], meanPrior: CepstralMeanPrior? = nil) -> [[Float]] {
        features.frames(samples, meanPrior: meanPrior).features
    }

    /// The cepstral mean of 16 kHz samples as they are (for tests).
    func featureMean(_ samples: [Int16]) -> [Float] { features.cepstralMean(samples).mean }

    /// A clean utterance at least this long (seconds) that may be spotted in after its whole
    /// decode (``understand(_:sampleRate:intents:grammar:)`` with spottable phrases) is scored
    /// once, with the spotting pause after it, and the whole decode takes those scores but the
    /// pause's: a request inside a sentence is not scored twice (CPU 1.5× → 1.1× a plain
    /// decode). The pause then takes part in the whole decode's cepstral mean too, which cost
    /// nothing on clean intents from 1 s on, but loses short words (all utterances so: 148 → 136
    /// of the development list's 178 menu answers right), digit strings heard with a plain
    /// grammar (flite 37 → 35 of 48) and intents in noise (up to 0.05 F1; BENCHMARKS.md).
    static let onePassFrom = 1.5

    /// The utterance's senone scores, or those of the utterance on the quiet line, with
    /// ``spottingPause`` after it (keyword spotting: ``onQuietLine(_:)``), each computed on first
    /// use (from ``onePassFrom`` on, both from one scoring). With the pause, all frames are
    /// scored anew: the pause takes part in the cepstral mean (reusing the utterance's own scores
    /// for all but its last frames cost keyword spotting 0.04 of precision on the development
    /// list; BENCHMARKS.md), and the mean is the utterance's own (``PreparedUtterance/meanPrior``).
    private func sharedScores(_ utterance: inout PreparedUtterance, withPause: Bool) -> AcousticVerifier.Scores {
        if let cached = withPause ? utterance.scoresWithPause : utterance.scores { return cached }
        if !withPause, utterance.scoredOnce {
            let paused = sharedScores(&utterance, withPause: true)
            let scores = utterance.verifier.scores(paused, first: paused.count - Self.spottingPauseSamples.count / Self.samplesPerFrame)
            utterance.scores = scores
            return scores
        }
        let samples = withPause ? utterance.withSpottingPause : utterance.samples
        let computed = features.frames(samples, meanPrior: withPause ? nil : utterance.meanPrior,
                                       unobserved: withPause ? Self.spottingPauseSamples.count / Self.samplesPerFrame : 0)
        if utterance.observed == nil { utterance.observed = computed.own }
        if !withPause { utterance.normalized = (computed.features, computed.subtracted) }
        let scores = utterance.verifier.scores(of: computed.features)
        if withPause { utterance.scoresWithPause = scores } else { utterance.scores = scores }
        return scores
    }

    /// The frame after the decoder's last segment of 16 kHz samples with `search` (for tests).
    func decodedFrames(_ samples: [Int16], search: String) throws(RecognitionError) -> Int {
        let segments = switch scoring {
        case .shared:
            try decoder.decodeSegments(costs: verifier.scores(of: featureFrames(samples)).costs, senones: verifier.model.senones, search: search)
        case .pocketSphinx: try decoder.decodeSegments(samples, search: search)
        }
        return Int(segments.last?.end ?? -1) + 1
    }

    /// Gives the grammar decoder `transform` unless it holds it already.
    private func adapt(to transform: MeanTransform?) {
        guard scoring == .pocketSphinx, let transform, transform !== appliedTransform else { return }
        decoder.adapt(to: transform)
        appliedTransform = transform
    }
}
