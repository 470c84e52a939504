/// Timing of ``Endpointer``, in seconds.
public struct EndpointerConfiguration: Sendable {
    /// Speech that must run (gaps of one frame allowed) before speech counts as started.
    public var minimumSpeech = 0.1
    /// Audio kept from before the start, handed over with ``EndpointEvent/speechStarted(at:audio:)``
    /// so that a recognizer gets the first syllable.
    public var preRoll = 0.3
    /// Silence after the last speech frame that ends an utterance.
    public var trailingSilence = 0.7
    /// Longest utterance; longer speech is cut here.
    public var maximumUtterance = 20.0
    /// Level above the noise floor (dB) a speech frame needs to mark where the utterance last
    /// had speech: the detector bridges short gaps inside words, and its memory must not
    /// delay the end once the voice has stopped.
    public var endLevel: Float = 6
    /// Time to wait for speech after ``Endpointer/listen(from:noInputTimeout:)`` by default.
    public var noInputTimeout = 5.0

    public init() {}
}

/// Why an utterance ended.
public enum EndpointReason: String, Sendable, Equatable {
    case silence
    case maximumLength
    case endOfInput
}

/// What ``Endpointer`` reports, on the sample clock of the audio fed to it.
public enum EndpointEvent: Sendable, Equatable {
    /// Speech started at sample `at` (the first frame of the speech run). `audio` holds the
    /// samples from the pre-roll before it up to and including the current frame.
    case speechStarted(at: Int64, audio: [Int16])
    /// The utterance ended; `at` is the sample after its last speech frame.
    case speechEnded(at: Int64, reason: EndpointReason)
    /// Nothing was said within the timeout given to ``Endpointer/listen(from:noInputTimeout:)``.
    case noInput(at: Int64)
}

/// Finds where utterances start and end, on top of ``VoiceActivityDetector``.
///
/// Speech starts after ``EndpointerConfiguration/minimumSpeech`` of speech frames (one-frame
/// gaps bridged) and ends after ``EndpointerConfiguration/trailingSilence`` since the last
/// speech frame with voice energy (``EndpointerConfiguration/endLevel``) or at
/// ``EndpointerConfiguration/maximumUtterance``. While listening with a timeout, no start within
/// it gives ``EndpointEvent/noInput(at:)``. Between utterances the detector keeps running, so its
/// noise floor stays current.
public final class Endpointer {
    public let sampleRate: Int
    public let configuration: EndpointerConfiguration
    public let detector: VoiceActivityDetector
    /// Silence after the last voiced frame that ends an utterance: the configuration's, unless
    /// changed for what is listened for now (it applies to the utterance under way too).
    public var trailingSilence: Double

    private enum State {
        case waiting(deadline: Int64?)
        /// `lastSpeechEnd`: after the detector's last speech frame (the utterance's reported end);
        /// `lastVoiceEnd`: after its last speech frame with voice energy (the silence timer's start).
        case speaking(start: Int64, lastSpeechEnd: Int64, lastVoiceEnd: Int64)
    }

    private var state: State = .waiting(deadline: nil)
    private var run = 0
    private var runStart: Int64 = 0
    private var gapFrames = 0
    /// The sample after the last frame fed.
    private var fedEnd: Int64 = 0
    /// The last frames' samples, oldest first, for the pre-roll.
    private var history: [Int16] = []
    private var historyStart: Int64 = 0
    private let historyCapacity: Int

    /// Creates an endpointer for 8000 or 16000 Hz audio in 10 ms frames.
    public init(sampleRate: Int, configuration: EndpointerConfiguration = .init()) {
        self.sampleRate = sampleRate
        self.configuration = configuration
        trailingSilence = configuration.trailingSilence
        detector = VoiceActivityDetector(sampleRate: sampleRate)
        // The pre-roll, the speech run and the detector's lookahead, plus two frames.
        historyCapacity = Int((configuration.preRoll + configuration.minimumSpeech) * Double(sampleRate))
            + (VoiceActivityDetector.lookaheadFrames + 2) * sampleRate / 100
        history.reserveCapacity(historyCapacity + sampleRate / 100)
    }

    /// Whether an utterance is under way.
    public var isInSpeech: Bool {
        if case .speaking = state { return true }
        return false
    }

    /// While an utterance is under way: the sample after its last speech frame so far (where it
    /// ends if the caller says no more) and the samples of silence since its last voiced frame.
    public var tentativeEnd: (at: Int64, silence: Int64)? {
        guard case .speaking(_, let lastSpeechEnd, let lastVoiceEnd) = state else { return nil }
        return (lastSpeechEnd, fedEnd - lastVoiceEnd)
    }

    /// Starts waiting for speech at sample `from`, with the configuration's no-input timeout.
    /// An utterance under way is dropped.
    public func listen(from sample: Int64) {
        listen(from: sample, noInputTimeout: configuration.noInputTimeout)
    }

    /// Starts waiting for speech at sample `from`; without speech within `noInputTimeout`
    /// seconds (`nil`: no limit) ``EndpointEvent/noInput(at:)`` follows.
    public func listen(from sample: Int64, noInputTimeout: Double?) {
        state = .waiting(deadline: noInputTimeout.map { sample + Int64($0 * Double(sampleRate)) })
        run = 0
    }

    /// Feeds one 10 ms frame starting at sample `timestamp`; returns what it completed. The
    /// detector judges frames ``VoiceActivityDetector/lookaheadFrames`` behind the one fed, so
    /// events carry the judged frames' times; the trailing silence is counted to the audio fed.
    public func process(_ frame: UnsafeBufferPointer<Int16>, at timestamp: Int64) -> EndpointEvent? {
        let activity = detector.process(frame)
        remember(frame, at: timestamp)
        let length = Int64(frame.count)
        fedEnd = timestamp + length
        return handle(activity, frameEnd: fedEnd - length * Int64(VoiceActivityDetector.lookaheadFrames))
    }

    /// Feeds one frame.
    public func process(_ frame: [Int16], at timestamp: Int64) -> EndpointEvent? {
        frame.withUnsafeBufferPointer { process($0, at: timestamp) }
    }

    /// At the end of the input: judges the frames still waiting for their lookahead, and ends an
    /// utterance under way. Returns what that completed, in order.
    public func finish() -> [EndpointEvent] {
        let verdicts = detector.flush()
        let length = Int64(sampleRate / 100)
        var events: [EndpointEvent] = []
        for (index, activity) in verdicts.enumerated() {
            if let event = handle(activity, frameEnd: fedEnd - length * Int64(verdicts.count - 1 - index)) { events.append(event) }
        }
        if case .speaking(_, let lastSpeechEnd, _) = state {
            state = .waiting(deadline: nil)
            events.append(.speechEnded(at: lastSpeechEnd, reason: .endOfInput))
        }
        return events
    }

    /// Moves the state on with the verdict for the frame ending at sample `frameEnd`.
    private func handle(_ activity: VoiceActivity, frameEnd: Int64) -> EndpointEvent? {
        let frameStart = frameEnd - Int64(sampleRate / 100)
        switch state {
        case .waiting(let deadline):
            if activity.isSpeech {
                if run == 0 { runStart = frameStart }
                run += 1
                gapFrames = 0
            } else if run > 0 {
                gapFrames += 1
                if gapFrames > 1 { run = 0 }
            }
            if run > 0, Double(frameEnd - runStart) >= configuration.minimumSpeech * Double(sampleRate) {
                state = .speaking(start: runStart, lastSpeechEnd: frameEnd, lastVoiceEnd: frameEnd)
                run = 0
                return .speechStarted(at: runStart, audio: preRollAudio(before: runStart))
            }
            if let deadline, frameEnd >= deadline {
                state = .waiting(deadline: nil)
                run = 0
                return .noInput(at: deadline)
            }
        case .speaking(let start, var lastSpeechEnd, var lastVoiceEnd):
            if activity.isSpeech {
                lastSpeechEnd = frameEnd
                if activity.signalToNoise >= configuration.endLevel { lastVoiceEnd = frameEnd }
            }
            state = .speaking(start: start, lastSpeechEnd: lastSpeechEnd, lastVoiceEnd: lastVoiceEnd)
            if Double(fedEnd - lastVoiceEnd) >= trailingSilence * Double(sampleRate) {
                state = .waiting(deadline: nil)
                return .speechEnded(at: lastSpeechEnd, reason: .silence)
            }
            if Double(frameEnd - start) >= configuration.maximumUtterance * Double(sampleRate) {
                state = .waiting(deadline: nil)
                return .speechEnded(at: frameEnd, reason: .maximumLength)
            }
        }
        return nil
    }

    /// Forgets everything, as for a new call.
    public func reset() {
        detector.reset()
        state = .waiting(deadline: nil)
        run = 0
        gapFrames = 0
        fedEnd = 0
        history.removeAll(keepingCapacity: true)
        historyStart = 0
    }

    /// The utterances in a whole signal, as sample ranges from start to the end of the last
    /// speech frame, by a fresh endpointer listening without a timeout. A partial last frame is
    /// ignored.
    public static func segments(
        in samples: [Int16], sampleRate: Int, configuration: EndpointerConfiguration = .init()
    ) -> [Range<Int64>] {
        let endpointer = Endpointer(sampleRate: sampleRate, configuration: configuration)
        endpointer.listen(from: 0, noInputTimeout: nil)
        let n = sampleRate / 100
        var segments: [Range<Int64>] = []
        var start: Int64?
        func note(_ event: EndpointEvent?) {
            switch event {
            case .speechStarted(let at, _): start = at
            case .speechEnded(let at, _):
                if let begin = start { segments.append(begin..<at) }
                start = nil
            default: break
            }
        }
        samples.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset + n <= buffer.count {
                note(endpointer.process(UnsafeBufferPointer(rebasing: buffer[offset..<offset + n]), at: Int64(offset)))
                offset += n
            }
        }
        endpointer.finish().forEach(note)
        return segments
    }

    private func remember(_ frame: UnsafeBufferPointer<Int16>, at timestamp: Int64) {
        if history.isEmpty || historyStart + Int64(history.count) != timestamp {
            history.removeAll(keepingCapacity: true)
            historyStart = timestamp
        }
        history.append(contentsOf: frame)
        // Trimmed when twice the capacity, to the capacity: a copy every few hundred frames
        // rather than one per frame.
        if history.count > 2 * historyCapacity {
            let excess = history.count - historyCapacity
            history.removeFirst(excess)
            historyStart += Int64(excess)
        }
    }

    private func preRollAudio(before start: Int64) -> [Int16] {
        let from = max(start - Int64(configuration.preRoll * Double(sampleRate)), historyStart)
        return Array(history[Int(from - historyStart)...])
    }
}
