import Foundation
import IVRDSP
import IVRProjectFiles

/// Where the acoustic model and dictionary are.
public struct RecognitionModel: Sendable, Equatable {
    public var acousticModel: String
    public var dictionary: String
    /// MLLR mean transforms for 8 kHz telephone speech (`models/build-narrowband-mllr`), by what
    /// of the band its line passed (``TelephoneBand/line(of:sampleRate:)``), applied to clean
    /// narrowband utterances: a line without one is heard with the whole band's; without that,
    /// with the model as it is.
    public var narrowbandTransforms: [TelephoneBand.Line: String]

    public init(acousticModel: String, dictionary: String, narrowbandTransforms: [TelephoneBand.Line: String] = [:]) {
        self.acousticModel = acousticModel
        self.dictionary = dictionary
        self.narrowbandTransforms = narrowbandTransforms
    }

    /// Debian's `pocketsphinx-en-us`, with the project's narrowband transforms that are found
    /// (`models/build-narrowband-mllr`; `--band` for the lines that pass less).
    public static let debian = RecognitionModel(
        acousticModel: "/usr/share/pocketsphinx/model/en-us/en-us",
        dictionary: "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict",
        narrowbandTransforms: [.whole: "en-us-narrowband", .topCut: "en-us-topcut", .voiceBand: "en-us-voiceband"]
            .compactMapValues { ProjectFiles.locate("models/\($0).mllr") })

    /// One clear line when the model cannot be used.
    func check() throws(RecognitionError) {
        for file in ["mdef", "means", "variances", "sendump", "transition_matrices", "feat.params"] {
            let path = (acousticModel as NSString).appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: path) else {
                throw RecognitionError.model("\(acousticModel): not an acoustic model (no \(file); install pocketsphinx-en-us)")
            }
        }
        for file in [dictionary] + narrowbandTransforms.values.sorted() where !FileManager.default.fileExists(atPath: file) {
            throw RecognitionError.model("\(file): no such file (install pocketsphinx-en-us)")
        }
    }
}

/// How well some words explain their frames: the sum over those frames of the aligned
/// senone's log-likelihood minus the best senone's (``AcousticVerifier``), how many frames,
/// and the ratio per frame at which that counts as even odds.
public struct AcousticEvidence: Sendable, Equatable {
    public var ratio: Double
    public var frames: Int
    /// For a spotted phrase: the same sum for the best sequence of any phones over its frames
    /// (``AcousticVerifier/phoneLoopRatio(over:in:)``), which its ratio is also judged against.
    public var phoneLoop: Double?
    /// For a one-word keyphrase spotted inside speech: the mean ratio per frame of its two
    /// worst-explained phones (``weakestPhonesCounted``), judged against ``weakPhonesFloor``.
    public var weakestPhones: Double?
    /// The ratio per frame at which ``confidence`` is one half.
    public var center: Double

    public init(ratio: Double = 0, frames: Int = 0, phoneLoop: Double? = nil, weakestPhones: Double? = nil,
                center: Double = AcousticEvidence.wholeUtteranceCenter) {
        self.ratio = ratio
        self.frames = frames
        self.phoneLoop = phoneLoop
        self.weakestPhones = weakestPhones
        self.center = center
    }

    /// Nats per frame; very low when there are no frames.
    public var perFrame: Double { frames > 0 ? ratio / Double(frames) : -20 }

    /// Nats per frame by which the words beat the phone loop (negative: they do worse); 0
    /// without a phone loop.
    public var overPhoneLoop: Double { frames > 0 ? (ratio - (phoneLoop ?? ratio)) / Double(frames) : 0 }

    /// Two stretches' evidence together (of the same kind: the first's center; their sums, not
    /// their weakest phones).
    static func + (a: AcousticEvidence, b: AcousticEvidence) -> AcousticEvidence {
        let loop: Double? = a.phoneLoop == nil && b.phoneLoop == nil ? nil : (a.phoneLoop ?? a.ratio) + (b.phoneLoop ?? b.ratio)
        return AcousticEvidence(ratio: a.ratio + b.ratio, frames: a.frames + b.frames, phoneLoop: loop, center: a.center)
    }

    /// Even odds for a hypothesis that must explain a whole utterance, at 16 kHz or too noisy to
    /// be heard as telephone speech (a denoised one ``denoisedCenterRaise`` higher): right menu
    /// answers mostly lie above, sentences forced into a menu's words below (chosen on the
    /// development list, BENCHMARKS.md).
    public static let wholeUtteranceCenter = -6.0

    /// The same for an 8 kHz utterance heard as telephone speech (narrowband transform,
    /// cepstral-mean prior), chosen on the development list's real telephone speech on six
    /// lines and as five other voices (the list's texts said by Festival, flite and eSpeak NG):
    /// the one real speaker's right answers lie higher than other voices' (at −5.5, 10 more of
    /// 178 answers by Festival's diphone voice were rejected), sentences forced into a menu lower
    /// (with −6.0, 5 % of them passed on a quiet line, where a line's hiss raises every
    /// hypothesis' evidence; with −5.75 at most 3.2 %; BENCHMARKS.md).
    public static let narrowbandCenter = -5.75

    /// How much higher even odds lie for an utterance that went through the noise reducer: the
    /// noise it leaves raises every hypothesis' evidence, forced ones' too. Chosen on the
    /// development list in white, pink, brown noise and babble at 10 and 20 dB SNR: at 0.5 more
    /// menu answers right, fewer wrong and more sentences and other words rejected in all than
    /// with the Wiener filter before (BENCHMARKS.md).
    public static let denoisedCenterRaise = 0.5

    /// Even odds for a phrase spotted inside longer speech, with `phones` phones: the best
    /// stretch of a sentence for a phrase looks better than a whole utterance forced into it,
    /// and the fewer the phones the likelier a chance match, so short phrases need more:
    /// −5.0 from six phones up, 0.4 more per phone fewer, for the ratio plus half of how far it
    /// beats the phone loop (``phoneLoopWeight``); 0.3 more for speech spotted on a quiet line's
    /// floor (``SpeechRecognizer/onQuietLine(_:)``), which raises every phrase's evidence.
    /// Chosen on the development list's sentences with twelve keywords (BENCHMARKS.md).
    public static func spottedCenter(phones: Int, onQuietLine: Bool) -> Double {
        (onQuietLine ? -4.7 : -5.0) + 0.4 * Double(max(0, 6 - phones))
    }

    /// How much a spotted phrase's lead over the phone loop adds to its ratio: a stretch that
    /// merely resembles a phrase ("help" in "could you tell me a joke") does no better than any
    /// sequence of phones there, a phrase said does; it makes the check less dependent on how
    /// well the model fits the voice (BENCHMARKS.md).
    static let phoneLoopWeight = 0.5

    /// The ratio per frame (nats) below which a one-word keyphrase's weakest phones
    /// (``weakestPhones``) lower its score, a nat for each nat below. A
    /// word found inside longer speech that only resembles it leaves a phone or two unexplained
    /// at −10 to −24 nats per frame ("messages" over "message has", "billing" over "family");
    /// a word said seldom does (in the development list's sentences, 2 of 142 words
    /// spotted where they are said against 32 of 107 spotted elsewhere. `--keywords` 72 / 13 →
    /// 72 / 9 found right / wrong, `--intents` 0.83 → 0.84; BENCHMARKS.md). Phrases of
    /// several words are judged by their mean alone: two weak phones among a dozen are common
    /// in a phrase said (Festival's "what are your opening hours" was lost at −12). Not for
    /// denoised speech (in white noise at 10 dB the list's intents lost 0.02 F1).
    static let weakPhonesFloor = -10.0
    /// How many of a spotted word's worst-explained phones ``weakestPhones`` averages.
    static let weakestPhonesCounted = 2

    /// How many nats per frame take confidence from one half to about 0.73.
    static let spread = 0.5

    /// 0–1: a logistic of the ratio per frame (for a spotted phrase, with ``phoneLoopWeight``
    /// of its lead over the phone loop, less what its weakest phones lie under
    /// ``weakPhonesFloor``) around ``center``.
    public var confidence: Double {
        var score = perFrame + (phoneLoop == nil ? 0 : Self.phoneLoopWeight * overPhoneLoop)
        if let weakestPhones { score -= max(0, Self.weakPhonesFloor - weakestPhones) }
        return 1 / (1 + exp(-(score - center) / Self.spread))
    }
}

/// What was heard in one utterance.
public struct Recognition: Sendable, Equatable {
    /// The words of the best hypothesis (fillers removed), or the keyphrases found, in order.
    public var words: [String]
    /// Per word, how well it explains its frames (``AcousticEvidence``).
    public var evidence: [AcousticEvidence]
    /// The whole utterance's evidence: the words, and the silence and noise around them (of
    /// which, in a clean utterance, at most ``SpeechRecognizer/silenceFramesCounted`` frames
    /// count in its mean).
    public var utterance: AcousticEvidence
    /// Keyword spotting: the keyphrases found in order, each with its own evidence.
    public internal(set) var phrases: [SpottedPhrase] = []
    /// Nats per frame by which the words explain the utterance better than the best phrase of
    /// the grammar that means something else, aligned over the same frames (negative: another
    /// phrase explains it better than what the decoder's search kept); nil when not compared.
    public internal(set) var rivalLead: Double?
    /// The rival phrase that explains the utterance best (what ``rivalLead`` is measured against).
    public internal(set) var bestRival: String?
    /// The utterance's own cepstral mean when it was heard with a mean prior (8 kHz telephone
    /// speech, or clean wideband speech) in a call
    /// (``SpeechRecognizer/understand(_:sampleRate:intents:grammar:line:)``): what the call's
    /// ``CallLine`` learns from it.
    public internal(set) var line: CepstralObservation?
    /// The cepstral mean of the line as the words' frames show it (8 kHz utterances heard as
    /// telephone speech, decoded whole): the mean they were normalized by, moved by how far they
    /// lie from the model's means (``CepstralMeanPrior/lineMean(normalizedBy:offset:)``). Unlike
    /// the utterance's own mean, it does not depend on which sounds were said.
    public internal(set) var lineMean: [Float]?
    /// The utterance was heard a second time, normalized by ``lineMean``: its line was unlike
    /// the one expected (``SpeechRecognizer/unfamiliarLineDistance``).
    public internal(set) var reheard = false
    /// The spectral scale it was heard at: 1, or ``SpeechRecognizer/rescueScale`` when a nearly
    /// accepted utterance was taken from its compressed hearing (for keyword spotting: when a
    /// nearly accepted keyphrase was confirmed by it).
    public internal(set) var scale = 1.0

    /// The keyphrases found whose acoustic check gives at least `threshold`, in order.
    public func confirmedPhrases(atLeast threshold: Double = IntentThresholds.defaultThreshold) -> [String] {
        phrases.filter { $0.evidence.confidence >= threshold }.map(\.phrase)
    }

    /// A keyphrase found by keyword spotting.
    public struct SpottedPhrase: Sendable, Equatable {
        public var phrase: String
        /// Where it begins in the utterance (frames of 10 ms).
        public var startFrame: Int
        public var evidence: AcousticEvidence
    }

    public var text: String { words.joined(separator: " ") }

    public init(words: [String], evidence: [AcousticEvidence], utterance: AcousticEvidence) {
        self.words = words
        self.evidence = evidence
        self.utterance = utterance
    }

    /// 0–1: how far the hypothesis explains the whole utterance as well as the model's best
    /// senones do (no words: 0), times how clearly it beats its rivals (``rivalLead``): an
    /// answer that another of the menu's answers explains as well is a guess between them.
    public var confidence: Double {
        guard !words.isEmpty else { return 0 }
        let whole = utterance.confidence * weakestDigitFactor
        guard let rivalLead else { return whole }
        return whole / (1 + exp(-rivalLead / Self.rivalLeadSpread))
    }

    /// A whole decode's digits judged by the worst of them as well: a digit the search put in
    /// to make up the count a grammar demands (eight digits heard in four said: "two eight two
    /// seven two six five two", confidence 0.96 by the utterance's mean) lies at −7.5 to −12
    /// nats per frame, a digit said above −6.5 (flite, Festival), and a few frames of it hardly
    /// move the mean. Other words keep their say in the mean alone: so judged, eSpeak NG's
    /// phrases lost 0.08 F1 at 16 kHz. 1 for spotted phrases.
    var weakestDigitFactor: Double {
        guard !isSpotting else { return 1 }
        let digits = zip(words, evidence).filter { SlotType.digitWords[$0.0] != nil && $0.1.frames > 0 }
        guard let weakest = digits.map(\.1.perFrame).min() else { return 1 }
        return 1 / (1 + exp(-(weakest - Self.forcedDigitBelow) / AcousticEvidence.spread))
    }

    /// The ratio per frame (nats) at which a digit of a whole decode halves its confidence.
    static let forcedDigitBelow = -8.0
    /// Spotted keyphrases (``phrases``) rather than a whole decode.
    var isSpotting: Bool { !phrases.isEmpty }

    /// The lead over the best rival (nats per frame) at which confidence keeps about 73 %: a
    /// narrow step at zero (on the development list's menus, a decoded answer that a rival
    /// explains better was wrong in 5 of 8 cases; BENCHMARKS.md).
    static let rivalLeadSpread = 0.02

    /// Per word, 0–1.
    public var wordConfidences: [Double] { evidence.map(\.confidence) }
}
