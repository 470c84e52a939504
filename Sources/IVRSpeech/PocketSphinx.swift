import CPocketSphinx
import Foundation

/// Every call into PocketSphinx's C library, behind one decoder.
///
/// sphinxbase is not thread-safe where it reads text: its own `strtod` (`dtoa.c`, behind
/// `atof_c`) keeps a process-wide free list, used when options, grammars, keyword thresholds
/// and transforms are parsed. Those calls, and creating and freeing, hold one process-wide lock.
/// Decoding an utterance touches only the decoder's own search, acoustic model and front end
/// (the statics elsewhere in sphinxbase are debug counters, dithering, which is off, and
/// frequency warping, which is not used), so decoders on different threads decode at once.
/// A decoder itself is for one thread at a time.
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

    /// Adds (or replaces) a JSGF grammar search; with `silenceProbability`, its silences take
    /// that probability instead of the decoder's `-silprob` (a search reads it when made).
    func addGrammar(_ name: String, jsgf: String, silenceProbability: Double? = nil) throws(RecognitionError) {
        try addSearch(.grammar("PocketSphinx refused the grammar '\(name)' (a word missing from the dictionary, or a JSGF error)")) {
            let configured = cmd_ln_float_r(config, "-silprob")
            if let silenceProbability { cmd_ln_set_float_r(config, "-silprob", silenceProbability) }
            defer { cmd_ln_set_float_r(config, "-silprob", configured) }
            return ps_set_jsgf_string(decoder, name, jsgf)
        }
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

    /// Starts a new stream: PocketSphinx's tracking of the line's noise and silence levels, kept
    /// from one utterance to the next, starts afresh.
    func startStream() {
        ps_start_stream(decoder)
    }

    /// A segment of a decoded utterance as PocketSphinx gives it: a word as the dictionary
    /// spells it (`read(2)` for a second pronunciation; a keyphrase whole), silence (`<sil>`,
    /// `<s>`, `</s>`) or a filler (`[NOISE]`, `++UM++`), with its frames (100 per second).
    struct Segment: Equatable {
        var word: String
        var start: Int32
        var end: Int32
        var isFiller: Bool { PocketSphinxDecoder.isFiller(word) }
    }

    /// Decodes one whole utterance of 16 kHz samples with the search `name` (the cepstral mean
    /// is taken from the utterance): every segment in time order (keyword spotting lists its
    /// detections newest first; they are sorted).
    func decodeSegments(_ samples: [Int16], search name: String) throws(RecognitionError) -> [Segment] {
        guard ps_set_search(decoder, name) == 0 else { throw RecognitionError.grammar("no search named '\(name)'") }
        guard ps_start_utt(decoder) == 0 else { throw RecognitionError.decoder("the decoder could not start an utterance") }
        let processed = samples.withUnsafeBufferPointer { ps_process_raw(decoder, $0.baseAddress, $0.count, 0, 1) }
        guard ps_end_utt(decoder) == 0, processed >= 0 else { throw RecognitionError.decoder("the decoder failed on the utterance") }
        return segments()
    }

    /// Decodes one whole utterance from its senone scores (`costs`: `senones` per frame, in
    /// PocketSphinx's units below each frame's best, as ``SenoneScorer/Frames/costs`` holds them)
    /// with the search `name`: the search alone, none of the decoder's own Gaussian evaluation.
    func decodeSegments(costs: [Int16], senones: Int, search name: String) throws(RecognitionError) -> [Segment] {
        guard ps_set_search(decoder, name) == 0 else { throw RecognitionError.grammar("no search named '\(name)'") }
        let frames = costs.count / senones
        guard frames > 0 else { return [] }
        var dump = Self.senoneDumpHeader(senones: senones)
        dump.reserveCapacity(dump.count + frames * (senones + 1) * 2)
        costs.withUnsafeBufferPointer { costs in
            for frame in 0..<frames {
                withUnsafeBytes(of: Int16(senones).littleEndian) { dump.append(contentsOf: $0) }
                dump.append(contentsOf: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(costs)[(frame * senones * 2)..<((frame + 1) * senones * 2)]))
            }
        }
        let decoded: Int32 = dump.withUnsafeMutableBytes { bytes in
            guard let file = fmemopen(bytes.baseAddress, bytes.count, "rb") else { return -1 }
            defer { fclose(file) }
            return ps_decode_senscr(decoder, file)
        }
        guard decoded >= 0 else { throw RecognitionError.decoder("the decoder failed on the utterance's senone scores") }
        return segments()
    }

    /// The header of a senone score dump (sphinxbase's `bio` format: `s3`, name–value lines,
    /// `endhdr`, then the byte-order word). Without the optional `logbase` line: PocketSphinx
    /// reads it with sphinxbase's `atof_c`, whose process-wide free list other threads' parsing
    /// shares (decodes run outside ``lock``; a race made decoders hear nothing in parallel tests).
    private static func senoneDumpHeader(senones: Int) -> [UInt8] {
        var header = Array("s3\nversion 0.1\nmdef_file none\nn_sen \(senones)\nendhdr\n".utf8)
        withUnsafeBytes(of: UInt32(0x1122_3344)) { header.append(contentsOf: $0) }
        return header
    }

    /// What a grammar's empty transitions (an optional part not taken) are called in the
    /// segments: no sound, not a segment.
    static let nullTransition = "(NULL)"

    /// The segments of the utterance decoded last, in time order, without empty transitions.
    private func segments() -> [Segment] {
        var found: [Segment] = []
        var segment = ps_seg_iter(decoder)
        while let current = segment {
            let word = ps_seg_word(current).map { String(cString: $0).trimmingCharacters(in: .whitespaces) } ?? ""
            if !word.isEmpty, word != Self.nullTransition {
                var start: Int32 = 0, end: Int32 = 0
                ps_seg_frames(current, &start, &end)
                found.append(Segment(word: word, start: start, end: end))
            }
            segment = ps_seg_next(current)
        }
        return found.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }.map(\.element)
    }

    /// A front end and feature computation with this decoder's settings (the model's
    /// `feat.params`), for scoring its frames outside the decoder.
    func featureExtractor() throws(RecognitionError) -> FeatureExtractor {
        Self.lock.lock()
        defer { Self.lock.unlock() }
        guard let extractor = FeatureExtractor(config: config) else {
            throw RecognitionError.model("the model's feature settings were refused")
        }
        return extractor
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
        guard let pronunciation = ps_lookup_word(decoder, word) else { return [] }
        defer { free(pronunciation) }
        return String(cString: pronunciation).split(separator: " ").map(String.init)
    }

    /// The phones of each of `word`'s pronunciations (`word`, `word(2)`, …), the first first.
    func pronunciations(_ word: String) -> [[String]] {
        var found: [[String]] = []
        for variant in 1... {
            let phones = phones(variant == 1 ? word : "\(word)(\(variant))")
            if phones.isEmpty { return found }
            found.append(phones)
        }
        return found
    }

    /// Whether the dictionary knows `word`.
    func knows(_ word: String) -> Bool {
        guard let pronunciation = ps_lookup_word(decoder, word) else { return false }
        free(pronunciation)
        return true
    }

    static func isFiller(_ word: String) -> Bool {
        word.hasPrefix("<") || word.hasPrefix("[") || word.hasPrefix("++")
    }

    /// `read(2)` → `read`: alternative pronunciations are the same word.
    static func baseWord(_ word: String) -> String {
        word.firstIndex(of: "(").map { String(word[..<$0]) } ?? word
    }
}

/// Features as a decoder computes them (sphinxbase's front end and `feat`: MFCCs, the
/// utterance's cepstral mean taken off, deltas and double deltas), frame for frame as the
/// decoder's own when it keeps silence (`-remove_silence no`), but without its noise
/// subtraction: the same utterance gives the same features whatever came before.
final class FeatureExtractor {
    private let frontEnd: OpaquePointer
    private let computation: UnsafeMutablePointer<feat_t>
    private let cepstra: Int

    fileprivate init?(config: OpaquePointer) {
        // Without the decoder's spectral noise subtraction, whose noise estimate runs on from
        // one utterance to the next: the check of an utterance must not depend on which other
        // decodes came before it (the decoder's own frames are the same in number either way).
        let removesNoise = cmd_ln_int_r(config, "-remove_noise")
        cmd_ln_set_int_r(config, "-remove_noise", 0)
        let made = fe_init_auto_r(config)
        cmd_ln_set_int_r(config, "-remove_noise", removesNoise)
        guard let frontEnd = made else { return nil }
        let cepstra = Int(cmd_ln_int_r(config, "-ceplen"))
        // The cepstral mean is subtracted here (``CepstralMeanPrior``), as the model's `-cmn batch`
        // would, so the feature computation itself does none.
        guard let type = cmd_ln_str_r(config, "-feat"), let agc = cmd_ln_str_r(config, "-agc"),
              let computation = feat_init(type, CMN_NONE, Int32(cmd_ln_int_r(config, "-varnorm")), agc_type_from_str(agc), 0, Int32(cepstra))
        else {
            fe_free(frontEnd)
            return nil
        }
        self.frontEnd = frontEnd
        self.computation = computation
        self.cepstra = cepstra
    }

    deinit {
        PocketSphinxDecoder.lock.withLock {
            fe_free(frontEnd)
            _ = feat_free(computation)
        }
    }

    /// The feature frames of one whole utterance of 16 kHz samples, each `dimension` values,
    /// normalized by the utterance's cepstral mean (drawn towards `meanPrior` when given), and
    /// the samples' own mean (`own`: over all frames but the last `unobserved`, such as a pause
    /// added after the speech).
    func frames(_ samples: [Int16], meanPrior: CepstralMeanPrior? = nil, unobserved: Int = 0)
        -> (features: [[Float]], own: CepstralObservation, subtracted: [Float]) {
        var (storage, made) = cepstra(samples)
        guard made > 0 else { return ([], CepstralObservation(mean: [], frames: 0), []) }
        let width = cepstra
        var output: [[Float]] = []
        var observed = CepstralObservation(mean: [], frames: 0)
        var subtracted: [Float] = []
        storage.withUnsafeMutableBufferPointer { cepstrum in
            let own = CepstralMeanPrior.mean(of: UnsafeBufferPointer(cepstrum), frames: made, width: width)
            let speech = unobserved > 0 ? CepstralMeanPrior.mean(of: UnsafeBufferPointer(cepstrum), frames: max(0, made - unobserved), width: width) : own
            observed = CepstralObservation(mean: speech.mean, frames: speech.frames)
            let mean = meanPrior?.blended(with: own.mean, frames: own.frames) ?? own.mean
            subtracted = mean
            for frame in 0..<made {
                for coefficient in 0..<width { cepstrum[frame * width + coefficient] -= mean[coefficient] }
            }
            var input: [UnsafeMutablePointer<Float>?] = (0..<made).map { cepstrum.baseAddress! + $0 * width }
            guard let features = feat_array_alloc(computation, Int32(made) + computation.pointee.window_size) else { return }
            defer { feat_array_free(features) }
            var consumed = Int32(made)
            let produced = input.withUnsafeMutableBufferPointer { feat_s2mfc2feat_live(computation, $0.baseAddress, &consumed, 1, 1, features) }
            let dimension = Int(computation.pointee.out_dim)
            output = (0..<Int(produced)).map { frame in Array(UnsafeBufferPointer(start: features[frame]![0]!, count: dimension)) }
        }
        return (output, observed, subtracted)
    }

    /// The cepstral mean of an utterance of 16 kHz samples (empty, of no frame, when it has none).
    func cepstralMean(_ samples: [Int16]) -> CepstralObservation {
        let (storage, made) = cepstra(samples)
        guard made > 0 else { return CepstralObservation(mean: [], frames: 0) }
        let own = storage.withUnsafeBufferPointer { CepstralMeanPrior.mean(of: $0, frames: made, width: cepstra) }
        return CepstralObservation(mean: own.mean, frames: own.frames)
    }

    /// The front end's cepstra of a whole utterance, `cepstra` values per frame (room for a few
    /// frames more than made), and how many frames were made.
    private func cepstra(_ samples: [Int16]) -> (storage: [Float], frames: Int) {
        var count: Int32 = 0
        var remaining = samples.count
        samples.withUnsafeBufferPointer { buffer in
            var pointer: UnsafePointer<Int16>? = buffer.baseAddress
            _ = fe_process_frames(frontEnd, &pointer, &remaining, nil, &count, nil)
        }
        let capacity = Int(count) + 2
        var storage = [Float](repeating: 0, count: capacity * cepstra)
        var made: Int32 = 0
        storage.withUnsafeMutableBufferPointer { cepstrum in
            var rows: [UnsafeMutablePointer<Float>?] = (0..<capacity).map { cepstrum.baseAddress! + $0 * cepstra }
            _ = fe_start_utt(frontEnd)
            samples.withUnsafeBufferPointer { buffer in
                var pointer: UnsafePointer<Int16>? = buffer.baseAddress
                var left = buffer.count
                var room = Int32(capacity)
                rows.withUnsafeMutableBufferPointer { rowPointers in
                    _ = fe_process_frames(frontEnd, &pointer, &left, rowPointers.baseAddress, &room, nil)
                    made = room
                    var last: Int32 = 0
                    if made < capacity { _ = fe_end_utt(frontEnd, rowPointers[Int(made)], &last) } else { _ = fe_end_utt(frontEnd, nil, &last) }
                    made += last
                }
            }
        }
        return (storage, Int(made))
    }
}

/// An MLLR mean transform (sphinxtrain's `mllr_solve` output), read once and shared by decoders.
final class MeanTransform: @unchecked Sendable {
    let pointer: OpaquePointer

    init(path: String) throws(RecognitionError) {
        guard let pointer = PocketSphinxDecoder.lock.withLock({ ps_mllr_read(path) }) else {
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
