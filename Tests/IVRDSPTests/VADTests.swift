import Foundation
import IVRAudio
import IVRDSP
import Testing

/// Where the speech of a signal is: first and last sample of the 10 ms frames within 50 dB of
/// the loudest frame and 15 dB above the recording's own background (its quietest 50 ms).
func speechExtent(_ samples: [Int16], rate: Int) -> Range<Int64> {
    let n = rate / 100
    let energies = stride(from: 0, to: samples.count - n + 1, by: n).map { start in
        samples[start..<start + n].reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n)
    }
    var background = Double.infinity
    for start in 0..<max(1, energies.count - 4) {
        let window = energies[start..<min(start + 5, energies.count)]
        background = min(background, window.reduce(0, +) / Double(window.count))
    }
    let threshold = max((energies.max() ?? 0) * pow(10, -5), background * pow(10, 1.5))
    let first = energies.firstIndex { $0 > threshold } ?? 0
    let last = energies.lastIndex { $0 > threshold } ?? 0
    return Int64(first * n)..<Int64((last + 1) * n)
}

/// `samples` with `before` and `after` seconds of silence around, plus noise at `snr` dB below
/// the speech's mean power (none when `snr` is nil).
func padded(_ samples: [Int16], rate: Int, before: Double, after: Double, snr: Double? = nil,
            noise: (Int) -> [Double] = { var generator = NoiseGenerator(seed: 11); return generator.white(count: $0, rms: 1) }) -> [Int16] {
    let signal = [Int16](repeating: 0, count: Int(before * Double(rate))) + samples
        + [Int16](repeating: 0, count: Int(after * Double(rate)))
    guard let snr else { return signal }
    let extent = speechExtent(samples, rate: rate)
    let speech = samples[Int(extent.lowerBound)..<Int(extent.upperBound)]
    let power = speech.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(speech.count)
    let scale = (power / pow(10, snr / 10)).squareRoot()
    return zip(signal, noise(signal.count)).map { Int16(clamping: Int((Double($0) + scale * $1).rounded())) }
}

/// Every event of a fresh endpointer over `samples`, with the sample at which it was returned.
func endpointEvents(_ samples: [Int16], rate: Int, configuration: EndpointerConfiguration = .init(),
                    noInputTimeout: Double? = nil) -> [(event: EndpointEvent, at: Int64)] {
    let endpointer = Endpointer(sampleRate: rate, configuration: configuration)
    endpointer.listen(from: 0, noInputTimeout: noInputTimeout)
    let n = rate / 100
    var events: [(EndpointEvent, Int64)] = []
    var offset = 0
    while offset + n <= samples.count {
        if let event = endpointer.process(Array(samples[offset..<offset + n]), at: Int64(offset)) {
            events.append((event, Int64(offset + n)))
        }
        offset += n
    }
    events += endpointer.finish().map { ($0, Int64(samples.count)) }
    return events
}

@Suite("Endpointing of speech")
struct EndpointingTests {
    static let phrases: [(text: String, voice: String)] = [
        ("billing", "en-us"), ("I would like to pay my bill", "en-gb+m5"),
        ("operator, please", "en-us+f3"), ("seven four one two", "en+m2"),
    ]

    @Test("start within 50 ms, end after the configured silence + 30 ms",
          arguments: [8000, 16000], [nil, 20.0])
    func timing(rate: Int, snr: Double?) throws {
        for (text, voice) in Self.phrases {
            let speech = try SpeechCorpus.phrase(text, voice: voice, rate: rate)
            let signal = padded(speech, rate: rate, before: 1.2, after: 1.5, snr: snr)
            let offset = Int64(1.2 * Double(rate))
            let truth = speechExtent(speech, rate: rate)
            let truthStart = offset + truth.lowerBound, truthEnd = offset + truth.upperBound
            let events = endpointEvents(signal, rate: rate)
            let starts = events.compactMap { if case .speechStarted(let at, _) = $0.event { at } else { nil } }
            let ends = events.compactMap { entry -> Int64? in
                if case .speechEnded(_, .silence) = entry.event { entry.at } else { nil }
            }
            #expect(starts.count == 1 && ends.count == 1, "\(text) (\(voice), \(rate) Hz, SNR \(String(describing: snr))): \(events.map(\.event))")
            guard let start = starts.first, let end = ends.first else { continue }
            let startError = Double(start - truthStart) / Double(rate)
            #expect(abs(startError) <= 0.05, "\(text): start off by \(startError) s")
            let endDelay = Double(end - truthEnd) / Double(rate)
            #expect(endDelay <= 0.7 + 0.03 && endDelay >= 0.7 - 0.15, "\(text): end reported \(endDelay) s after the speech")
        }
    }

    @Test("in 10 dB noise each phrase is one utterance, found within 100 ms", arguments: [8000, 16000])
    func noisy(rate: Int) throws {
        for (text, voice) in Self.phrases {
            let speech = try SpeechCorpus.phrase(text, voice: voice, rate: rate)
            let signal = padded(speech, rate: rate, before: 1.2, after: 1.5, snr: 10)
            let truth = speechExtent(speech, rate: rate)
            let segments = Endpointer.segments(in: signal, sampleRate: rate)
            #expect(segments.count == 1, "\(text): \(segments)")
            let start = Double((segments.first?.lowerBound ?? 0) - Int64(1.2 * Double(rate)) - truth.lowerBound) / Double(rate)
            #expect(abs(start) <= 0.1, "\(text): start off by \(start) s")
        }
    }

    @Test("the pre-roll holds the audio before the start", arguments: [8000, 16000])
    func preRoll(rate: Int) throws {
        let speech = try SpeechCorpus.phrase("billing", rate: rate)
        let signal = padded(speech, rate: rate, before: 1, after: 1)
        let events = endpointEvents(signal, rate: rate)
        guard case .speechStarted(let start, let audio)? = events.first?.event, let reported = events.first?.at else {
            Issue.record("no start: \(events.map(\.event))")
            return
        }
        let preRoll = Int64(0.3 * Double(rate))
        #expect(Int64(audio.count) == reported - (start - preRoll))
        #expect(Array(audio.suffix(Int(reported - start))) == Array(signal[Int(start)..<Int(reported)]))
    }

    @Test("no input after the timeout; none when the caller speaks in time")
    func noInput() throws {
        let rate = 8000
        let silence = [Int16](repeating: 0, count: 3 * rate)
        let events = endpointEvents(silence, rate: rate, noInputTimeout: 2)
        #expect(events.map(\.event) == [.noInput(at: Int64(2 * rate))])

        let speech = padded(try SpeechCorpus.phrase("yes", rate: rate), rate: rate, before: 1, after: 2)
        let spoken = endpointEvents(speech, rate: rate, noInputTimeout: 2)
        #expect(!spoken.contains { if case .noInput = $0.event { true } else { false } })
        #expect(spoken.contains { if case .speechStarted = $0.event { true } else { false } })
    }

    @Test("an utterance is cut at the maximum length")
    func maximumLength() throws {
        let rate = 16000
        let speech = try SpeechCorpus.phrase(
            "I have been waiting on hold for twenty minutes and nobody has answered my call yet", rate: rate)
        var configuration = EndpointerConfiguration()
        configuration.maximumUtterance = 1.0
        let events = endpointEvents(padded(speech, rate: rate, before: 0.5, after: 1), rate: rate, configuration: configuration)
        guard case .speechStarted(let start, _)? = events.first?.event,
              case .speechEnded(let end, .maximumLength)? = events.dropFirst().first?.event else {
            Issue.record("expected a start and a cut: \(events.map(\.event))")
            return
        }
        #expect(abs(Double(end - start) / Double(rate) - 1.0) <= 0.011)
    }
}

@Suite("What is not speech")
struct NotSpeechTests {
    @Test("keypad tones are not speech", arguments: [8000, 16000], [-5.0, -20.0])
    func keypad(rate: Int, level: Double) throws {
        let tones = try ToneGenerator(sampleRate: rate).keys("0123456789*#ABCD", on: 0.1, off: 0.1, levelDBm0: level)
        let long = ToneGenerator(sampleRate: rate).key(DTMFKey("5")!, seconds: 1.5, levelDBm0: level)
        for signal in [tones, long] {
            let segments = Endpointer.segments(in: padded(signal, rate: rate, before: 0.5, after: 0.5), sampleRate: rate)
            #expect(segments.isEmpty, "speech found in keypad tones at \(level) dBm0: \(segments)")
        }
    }

    @Test("call-progress tones are not speech", arguments: [8000, 16000], CallProgressTone.allCases)
    func callProgress(rate: Int, tone: CallProgressTone) {
        let signal = ToneGenerator(sampleRate: rate).callProgress(tone, seconds: 4)
        let segments = Endpointer.segments(in: padded(signal, rate: rate, before: 0.5, after: 0.5), sampleRate: rate)
        #expect(segments.isEmpty, "speech found in \(tone): \(segments)")
    }

    @Test("a step up in steady noise is learned within about a second", arguments: [8000, 16000])
    func noiseStep(rate: Int) {
        var noise = NoiseGenerator(seed: 5)
        let quiet = noise.white(count: 2 * rate, rms: 30).map { Int16(clamping: Int($0)) }
        let loud = noise.white(count: 5 * rate, rms: 1000).map { Int16(clamping: Int($0)) }
        // The floor is the least level of the last five 200 ms blocks and the current one: a
        // louder noise is learned after 1.0–1.2 s (and smoothed over a few frames); after
        // 1.5 s no utterance may go on in it.
        let settled = Int64(2 * rate) + Int64(1.5 * Double(rate))
        let late = Endpointer.segments(in: quiet + loud, sampleRate: rate).filter { $0.upperBound > settled }
        #expect(late.isEmpty, "utterances found in the louder noise after it was learned: \(late)")
    }

    @Test("digital silence and faint hiss are not speech", arguments: [8000, 16000])
    func silence(rate: Int) {
        var noise = NoiseGenerator(seed: 9)
        let hiss = noise.white(count: 3 * rate, rms: 3).map { Int16(clamping: Int($0)) }
        #expect(Endpointer.segments(in: [Int16](repeating: 0, count: 3 * rate), sampleRate: rate).isEmpty)
        #expect(Endpointer.segments(in: hiss, sampleRate: rate).isEmpty)
    }
}

@Suite("Speech found in real recordings")
struct RealSpeechTests {
    /// The recordings of pocketsphinx-testdata (a 1 s silence added on each side), in red
    /// noise at 15 dB SNR: together the segments cover their speech and little else, and
    /// every recording is found. (Per recording, one weak final fricative is a large share of
    /// a one-second utterance, so coverage is judged over all of them.)
    @Test("segments cover the speech of real recordings", arguments: [8000, 16000])
    func recordings(rate: Int) throws {
        var covered: Int64 = 0, speechTotal: Int64 = 0, outside: Int64 = 0
        for (name, recording) in try SpeechCorpus.realWAVRecordings(rate: rate) {
            let signal = padded(recording, rate: rate, before: 1, after: 1, snr: 15) { count in
                var generator = NoiseGenerator(seed: 21)
                var previous = 0.0
                return generator.white(count: count, rms: 1).map { previous = 0.9 * previous + $0; return previous / 2.3 }
            }
            let truth = speechExtent(recording, rate: rate)
            let speech = (Int64(rate) + truth.lowerBound)..<(Int64(rate) + truth.upperBound)
            let segments = Endpointer.segments(in: signal, sampleRate: rate)
            let inside = segments.reduce(Int64(0)) { $0 + max(0, min($1.upperBound, speech.upperBound) - max($1.lowerBound, speech.lowerBound)) }
            let beyond = segments.reduce(Int64(0)) { $0 + Int64($1.count) } - inside
            #expect(Double(inside) >= 0.7 * Double(speech.count), "\(name): \(segments) cover \(inside) of \(speech)")
            // A breath or noise after the last word may count (cards/004 ends with one); over
            // all recordings the share outside the speech is held to 5 % below.
            #expect(Double(beyond) <= 0.5 * Double(rate), "\(name): \(beyond) samples of segments outside the speech: \(segments) vs \(speech)")
            covered += inside
            speechTotal += Int64(speech.count)
            outside += beyond
        }
        #expect(Double(covered) >= 0.9 * Double(speechTotal), "segments cover \(covered) of \(speechTotal) samples of speech")
        #expect(Double(outside) <= 0.05 * Double(speechTotal), "\(outside) samples outside \(speechTotal) of speech")
    }
}

@Suite("The detector's lookahead")
struct LookaheadTests {
    /// Every verdict of a fresh detector over `samples`: those returned while feeding, then flush's.
    static func verdicts(_ samples: [Int16], rate: Int) -> (fed: [VoiceActivity], flushed: [VoiceActivity]) {
        let detector = VoiceActivityDetector(sampleRate: rate)
        let n = rate / 100
        let fed = stride(from: 0, to: samples.count - n + 1, by: n).map { detector.process(Array(samples[$0..<$0 + n])) }
        return (fed, detector.flush())
    }

    @Test("verdicts lag by the lookahead; flush judges the rest, one verdict per frame", arguments: [8000, 16000])
    func lag(rate: Int) throws {
        let lookahead = VoiceActivityDetector.lookaheadFrames
        #expect(lookahead > 0)
        let speech = padded(try SpeechCorpus.phrase("operator, please", voice: "en-us", rate: rate), rate: rate, before: 0.5, after: 0.5)
        let frames = speech.count / (rate / 100)
        let (fed, flushed) = Self.verdicts(speech, rate: rate)
        #expect(fed.count == frames && flushed.count == lookahead)
        // Before the first frame is judged, the verdicts are for silence before the stream.
        #expect(fed.prefix(lookahead).allSatisfy { $0.probability == 0 && !$0.isSpeech })
        let judged = fed.dropFirst(lookahead) + flushed
        #expect(judged.count == frames)
        // Verdict i is frame i's: speech where the phrase is, silence in the padding.
        let extent = speechExtent(speech, rate: rate)
        let n = Int64(rate / 100)
        let inside = judged.enumerated().filter { extent.contains(Int64($0.offset) * n) }
        let outside = judged.enumerated().filter { Int64($0.offset) * n < extent.lowerBound - 2 * n || Int64($0.offset + 1) * n > extent.upperBound + 30 * n }
        #expect(Double(inside.filter(\.element.isSpeech).count) >= 0.7 * Double(inside.count))
        #expect(outside.allSatisfy { !$0.element.isSpeech })
    }

    @Test("a stream shorter than the lookahead is judged whole by flush; reset forgets frames waiting")
    func shortStream() {
        let rate = 8000
        let detector = VoiceActivityDetector(sampleRate: rate)
        let frame = [Int16](repeating: 0, count: rate / 100)
        for _ in 0..<2 { _ = detector.process(frame) }
        #expect(detector.flush().count == 2)
        #expect(detector.flush().isEmpty)
        _ = detector.process(frame)
        detector.reset()
        #expect(detector.flush().isEmpty)
    }
}
