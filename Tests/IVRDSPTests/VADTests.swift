import Foundation
import IVRAudio
import IVRDSP
import Testing

/// Where the speech of a clean signal is: first and last sample of the 10 ms frames within
/// 35 dB of the loudest frame.
func speechExtent(_ samples: [Int16], rate: Int) -> Range<Int64> {
    let n = rate / 100
    let energies = stride(from: 0, to: samples.count - n + 1, by: n).map { start in
        samples[start..<start + n].reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n)
    }
    let threshold = (energies.max() ?? 0) * pow(10, -3.5)
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
    if let event = endpointer.finish() { events.append((event, Int64(samples.count))) }
    return events
}

@Suite("Endpointing of speech")
struct EndpointingTests {
    static let phrases: [(text: String, voice: String)] = [
        ("billing", "en-us"), ("I would like to pay my bill", "en-gb+m5"),
        ("operator, please", "en-us+f3"), ("seven four one two", "en+m2"),
    ]

    @Test("start within 50 ms, end after the configured silence + 30 ms",
          arguments: [8000, 16000], [nil, 20.0, 10.0])
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

    @Test("a step in steady noise is learned within about a second", arguments: [8000, 16000])
    func noiseStep(rate: Int) {
        var noise = NoiseGenerator(seed: 5)
        let quiet = noise.white(count: 2 * rate, rms: 30).map { Int16(clamping: Int($0)) }
        let loud = noise.white(count: 5 * rate, rms: 1000).map { Int16(clamping: Int($0)) }
        let detector = VoiceActivityDetector(sampleRate: rate)
        let n = rate / 100
        let signal = quiet + loud
        var speechAfterSettling = 0
        for frame in 0..<(signal.count / n) {
            let activity = detector.process(Array(signal[frame * n..<(frame + 1) * n]))
            if frame * n >= 2 * rate + Int(1.2 * Double(rate)), activity.isSpeech { speechAfterSettling += 1 }
        }
        #expect(speechAfterSettling == 0, "\(speechAfterSettling) frames of the louder noise taken for speech")
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
    /// The recordings of pocketsphinx-testdata (a 1 s silence added on each side), in pink-ish
    /// noise at 15 dB SNR: the segments cover their speech and little else.
    @Test("segments cover the speech of real recordings", arguments: [8000, 16000])
    func recordings(rate: Int) throws {
        for (name, recording) in try SpeechCorpus.realWAVRecordings(rate: rate) {
            let signal = padded(recording, rate: rate, before: 1, after: 1, snr: 15) { count in
                var generator = NoiseGenerator(seed: 21)
                var previous = 0.0
                return generator.white(count: count, rms: 1).map { previous = 0.9 * previous + $0; return previous / 2.3 }
            }
            let truth = speechExtent(recording, rate: rate)
            let speech = (Int64(rate) + truth.lowerBound)..<(Int64(rate) + truth.upperBound)
            let segments = Endpointer.segments(in: signal, sampleRate: rate)
            let covered = segments.reduce(Int64(0)) { $0 + max(0, min($1.upperBound, speech.upperBound) - max($1.lowerBound, speech.lowerBound)) }
            let outside = segments.reduce(Int64(0)) { $0 + Int64($1.count) } - covered
            #expect(Double(covered) >= 0.85 * Double(speech.count), "\(name): \(segments) cover \(covered) of \(speech)")
            #expect(Double(outside) <= 0.3 * Double(rate), "\(name): \(outside) samples of segments outside the speech")
        }
    }
}
