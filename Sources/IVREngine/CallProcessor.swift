import Foundation
import IVRAudio
import IVRDSP
import IVRFlow
import IVRSpeech

/// One call as an object: it takes the caller's next frame and gives back the IVR's next frame,
/// with the call's state (prompts playing, the utterance being heard, the voicemail being
/// recorded) kept between frames. Whoever has the audio drives it: ``CallEngine`` from a file,
/// a sound card or a pipe, a SIP server from RTP as it arrives.
///
/// The caller's audio goes through the DTMF detector and the endpointer, utterances to the
/// understanding (during their trailing silence, so that the answer comes as soon as the
/// silence ends them), and the flow core's commands drive the prompts, which take the time their
/// audio lasts.
public final class CallProcessor {
    public let flow: Flow
    public let settings: CallSettings
    private let prompts: PromptLibrary
    private let understanding: UtteranceUnderstanding?
    private let taps: [any CallAudioTap]
    private let onLine: ((TranscriptLine) -> Void)?
    private let onCommand: ((CallCommand) -> Void)?

    private let session: CallSession
    private let dtmf: DTMFDetector
    private let endpointer: Endpointer
    private var endpointerRunning = true
    private var transcript: [TranscriptLine] = []
    private var commands: [CallCommand] = []
    private var playing: [(samples: [Int16], played: Int)] = []   // the prompts queued, and how far each has played
    private var utterance: [Int16]?
    /// Speech that starts before this sample is a key's tone, not the caller's voice: from a
    /// key's press to ``keyToneGuard`` after its release (the detector takes some tones in line
    /// noise for speech).
    private var keyToneUntil: Int64 = -1
    private var utteranceStart: Int64 = 0     // sample clock of the utterance's first kept sample
    /// The utterance handed over for understanding during its trailing silence, and where it ended then.
    private var early: (end: Int64, length: Int, answer: PendingAnswer)?
    /// The utterance that ended, waiting for its answer (at once from an inline understanding),
    /// and the sample where its speech ended.
    private var awaited: (answer: PendingAnswer, speechEnd: Int64)?
    private var listen: ListenRequest?
    /// What the caller's utterances have shown of the line so far (their answers delivered).
    private var line = CallLine()
    /// The lookup under way and the sample it started at.
    private var lookup: (pending: PendingLookup, started: Int64)?
    private var recording: (box: String, started: Int64, maxSeconds: Double, silenceSeconds: Double, lastVoice: Int64)?
    private var messageAudio: [Int16] = []
    private var messages: [VoicemailMessage] = []
    private var enteredNodes = 0
    private var lastOutput: [Int16] = []      // the IVR's previous frame, for the echo gate
    /// The call's clock: samples of the caller's audio processed.
    public private(set) var clock: Int64 = 0
    /// Seconds utterances waited for a decoder, and from the end of the caller's speech (its last
    /// speech frame) to the answer, on the call's clock: the endpointer's trailing silence and
    /// any wait for a decoder.
    public private(set) var answerDelays: [(queueWait: Double, afterSpeech: Double)] = []

    /// A call on `flow`; `understanding` nil makes it keypad-only. `onLine` receives each
    /// transcript line as it happens, `onCommand` each command of the flow core (a transfer, …).
    public init(flow: Flow, settings: CallSettings, prompts: PromptLibrary, understanding: UtteranceUnderstanding?,
                taps: [any CallAudioTap] = [], onLine: ((TranscriptLine) -> Void)? = nil,
                onCommand: ((CallCommand) -> Void)? = nil) {
        self.flow = flow
        self.settings = settings
        self.prompts = prompts
        self.understanding = understanding
        self.taps = taps
        self.onLine = onLine
        self.onCommand = onCommand
        session = CallSession(flow: flow, caller: settings.caller, answeredAt: settings.answeredAt, queueStatus: settings.queueStatus)
        dtmf = DTMFDetector(sampleRate: settings.sampleRate)
        endpointer = Endpointer(sampleRate: settings.sampleRate)
        endpointer.listen(from: 0, noInputTimeout: nil)
    }

    /// Whether the call has ended (an outcome is known).
    public var isFinished: Bool { session.outcome != nil }
    /// Whether a prompt is playing now.
    public var isPlayingPrompt: Bool { !playing.isEmpty }
    /// Whether the IVR is asking the caller to confirm an unsure answer ("Did you say …?").
    public var isConfirmingChoice: Bool { session.isConfirmingChoice }

    private var rate: Int { settings.sampleRate }
    private func seconds(_ sample: Int64) -> Double { Double(sample) / Double(rate) }

    /// Answers the call: the flow's first prompts are queued.
    public func start() throws {
        understanding?.startCall()
        try apply(session.handle(.answered, at: 0), at: 0)
    }

    /// Ends the call as a hang-up by the caller, with `why` in the transcript.
    public func hangUp(saying why: String) throws {
        guard !isFinished else { return }
        say(why, at: clock)
        try apply(session.handle(.hangup, at: seconds(clock)), at: clock)
    }

    /// A key the caller sent out of band (RFC 4733), taken as the detector's would be.
    public func keyPressed(_ key: Character) throws {
        guard !isFinished else { return }
        say("caller pressed \(key)", at: clock)
        try apply(session.handle(.digit(key), at: seconds(clock)), at: clock)
    }

    /// What the call produced so far, the message being recorded kept; `inputEnded`: the
    /// caller's audio ran out (a file's or a pipe's end).
    public func finish(inputEnded: Bool) -> CallResult {
        keepMessage()
        return result(inputEnded: inputEnded)
    }

    /// The call stopped on `error`: the line said, the partial result with it.
    public func failure(_ error: any Error, inputEnded: Bool) -> CallFailure {
        keepMessage()
        say("call failed: \(CallFailure.describe(error))", at: clock)
        return CallFailure(partial: result(inputEnded: inputEnded), underlying: error)
    }

    func result(inputEnded: Bool) -> CallResult {
        CallResult(transcript: transcript, outcome: session.outcome ?? .abandoned(node: session.node),
                   log: session.log, commands: commands, context: session.context, messages: messages,
                   duration: seconds(clock), inputEnded: inputEnded)
    }

    /// Seconds after a key's release in which a speech start is still its tone.
    static let keyToneGuard = 0.05

    /// Forgets an utterance under way (a key's tone, or speech a key cut short); the endpointer
    /// waits for speech afresh from `sample`, its detector's view of the line kept.
    private func dropUtterance(at sample: Int64) {
        utterance = nil
        early = nil
        if endpointerRunning && recording == nil { endpointer.listen(from: sample, noInputTimeout: nil) }
    }

    /// Processes the caller's next frame and returns the IVR's frame of the same length.
    /// `detectKeys: false` leaves keys to ``keyPressed(_:)`` (a line that sends them out of band).
    public func process(_ caller: [Int16], detectKeys: Bool = true) throws -> [Int16] {
        let frameEnd = clock + Int64(caller.count)
        let now = seconds(frameEnd)
        try deliverAnswer(at: clock)
        try deliverLookup(at: clock)

        // Keys (the detector always listens, so that a tone in band is not heard twice, nor as
        // speech: a phone may send a key out of band and as a tone too).
        let keys = caller.withUnsafeBufferPointer { dtmf.process($0) }
        for event in keys {
            switch event {
            case .pressed(let key, _):
                keyToneUntil = .max
                dropUtterance(at: frameEnd)
                guard detectKeys else { break }
                say("caller pressed \(key.rawValue)", at: clock)
                try apply(session.handle(.digit(key.rawValue), at: now), at: frameEnd)
            case .released:
                keyToneUntil = frameEnd + Int64(Self.keyToneGuard * Double(rate))
            }
        }
        // Speech, when the flow listens for it or records. A keypad-only call needs the
        // endpointer only while it records (it starts afresh then).
        let needsEndpointer = understanding != nil || recording != nil
        if needsEndpointer && !endpointerRunning {
            endpointer.reset()
            endpointer.listen(from: clock, noInputTimeout: nil)
        }
        endpointerRunning = needsEndpointer
        let endpoint = needsEndpointer ? caller.withUnsafeBufferPointer { endpointer.process($0, at: clock) } : nil
        if var active = recording {
            if endpointer.isInSpeech { active.lastVoice = frameEnd }
            recording = active
            messageAudio += caller
            if now - seconds(active.started) >= active.maxSeconds || now - seconds(active.lastVoice) >= active.silenceSeconds {
                keepMessage()
                try apply(session.handle(.recordingFinished(seconds: now - seconds(active.started)), at: now), at: frameEnd)
            }
        } else if let request = listen, !request.intents.isEmpty, session.acceptsSpeech, let understanding {
            switch endpoint {
            case .speechStarted? where settings.echoGate && Self.isEcho(caller, playing: lastOutput):
                say("(speech start ignored: as loud as the prompt's echo)", at: clock)
            case .speechStarted(let start, _)? where start < keyToneUntil:
                dropUtterance(at: frameEnd)
            case .speechStarted(_, let audio)?:
                utterance = audio
                utteranceStart = frameEnd - Int64(audio.count)
                early = nil
                say("(caller speaking)", at: clock)
                try apply(session.handle(.speechStarted, at: now), at: frameEnd)
            case .speechEnded(let end, _)?:
                try utteranceEnded(at: end, frameEnd: frameEnd, request: request, understanding: understanding)
            default:
                guard utterance != nil else { break }
                utterance! += caller
                guard let tentative = endpointer.tentativeEnd else { break }
                // Understood during the trailing silence, the utterance is answered as soon
                // as the silence is long enough to end it (unless the caller goes on).
                if tentative.silence >= Int64(Self.earlyUnderstanding * Double(rate)), early?.end != tentative.at {
                    let keep = keptLength(endingAt: tentative.at)
                    if utterance!.count >= keep {
                        let audio = Array(utterance!.prefix(keep))
                        early = (tentative.at, keep, understanding.understand(audio, sampleRate: rate, request: request, flow: flow, line: line))
                    }
                }
                // Digits already a whole entry need not wait for the pause allowed between groups.
                if endpointer.trailingSilence > endpointer.configuration.trailingSilence,
                   tentative.silence >= Int64(endpointer.configuration.trailingSilence * Double(rate)),
                   early?.end == tentative.at, let answer = early?.answer.result, isWholeEntry(answer, for: request) {
                    endpointer.listen(from: frameEnd, noInputTimeout: nil)
                    try utteranceEnded(at: tentative.at, frameEnd: frameEnd, request: request, understanding: understanding)
                }
            }
        } else {
            utterance = nil
        }
        // Prompts play on the clock.
        var output: [Int16] = []
        output.reserveCapacity(caller.count)
        while output.count < caller.count, !playing.isEmpty {
            let (samples, played) = playing[0]
            let used = min(caller.count - output.count, samples.count - played)
            output += samples[played..<played + used]
            playing[0].played += used
            if playing[0].played == samples.count {
                playing.removeFirst()
                try apply(session.handle(.promptFinished, at: now), at: frameEnd)
            }
        }
        output += [Int16](repeating: 0, count: caller.count - output.count)
        for tap in taps { try tap.write(caller: caller, ivr: output) }
        lastOutput = output
        // Timers.
        if let deadline = session.deadline, now >= deadline {
            try apply(session.handle(.timer, at: now), at: frameEnd)
        }
        clock = frameEnd
        return output
    }

    private func say(_ text: String, at sample: Int64) {
        let line = TranscriptLine(time: seconds(sample), text: text)
        transcript.append(line)
        onLine?(line)
    }

    /// Keeps the message being recorded, if any (the recording ended or the call did).
    private func keepMessage() {
        guard let active = recording else { return }
        messages.append(VoicemailMessage(box: active.box, start: seconds(active.started), samples: messageAudio, sampleRate: rate))
        recording = nil
        messageAudio = []
    }

    /// The utterance under way ended with its last speech at `end`: its answer (the one begun
    /// during its trailing silence, if that heard the same audio) is awaited.
    private func utteranceEnded(at end: Int64, frameEnd: Int64, request: ListenRequest, understanding: UtteranceUnderstanding) throws {
        if let audio = utterance {
            let keep = min(audio.count, keptLength(endingAt: end))
            awaited = (early.flatMap { $0.end == end && $0.length == keep ? $0.answer : nil }
                ?? understanding.understand(Array(audio.prefix(keep)), sampleRate: rate, request: request, flow: flow, line: line), end)
            try deliverAnswer(at: frameEnd)
        }
        utterance = nil
        early = nil
    }

    /// Whether an answer is as many digits as the entry listened for takes at most, as sure as
    /// the flow takes them (a phone number of 5 to 15 digits said in groups may go on after six).
    private func isWholeEntry(_ answer: Result<Understanding, any Error>, for request: ListenRequest) -> Bool {
        guard case .success(let heard) = answer, heard.match?.intent == SpokenIntent.entryName,
              let digits = heard.match?.slots[SpokenIntent.entrySlot],
              let most = request.intents.first(where: { $0.name == SpokenIntent.entryName })?.entryLengths?.upperBound else { return false }
        return digits.count == most && heard.confidence >= flow.threshold(for: SpokenIntent.entryName)
    }

    /// Samples of the utterance from its first kept sample to 200 ms after its last speech
    /// frame at `end` (the rest of the trailing silence that ended it is not part of it).
    private func keptLength(endingAt end: Int64) -> Int {
        Int(max(0, end + Int64(rate / 5) - utteranceStart))
    }

    /// The answer to the utterance that ended, once it has come.
    private func deliverAnswer(at sample: Int64) throws {
        guard let (answer, speechEnd) = awaited, let understood = answer.result else { return }
        awaited = nil
        answerDelays.append((answer.queueWait, seconds(sample - speechEnd)))
        if case .success(let understanding) = understood, let heard = understanding.heard.line { line.hear(heard) }
        try apply(respond(to: understood, at: sample), at: sample)
    }

    /// The answer to the lookup under way, once it has come and the call's clock has reached the
    /// time it took (a file's clock runs ahead of the wall clock).
    private func deliverLookup(at sample: Int64) throws {
        guard let (pending, started) = lookup, let (result, took) = pending.result, seconds(sample - started) >= took else { return }
        lookup = nil
        try apply(session.handle(.lookupFinished(result), at: seconds(sample)), at: sample)
    }

    private func apply(_ produced: [CallCommand], at sample: Int64) throws {
        let entries = session.log.filter { $0.event == "enter" }
        for entry in entries.dropFirst(enteredNodes) { say("-> \(entry.node)", at: sample) }
        enteredNodes = entries.count
        for command in produced {
            commands.append(command)
            onCommand?(command)
            switch command {
            case .play(let playback):
                // The language's rate, pitch and volume, as `ivr prompts render` and `ivr serve`
                // rendered it ahead of the call (the same cache entry).
                var voice = flow.language(playback.language).map(VoiceSettings.init) ?? VoiceSettings()
                voice.voice = playback.voice
                let audio = try prompts.audio(
                    id: playback.id, text: playback.text, language: playback.language,
                    settings: voice, explicitFile: playback.file, stockID: playback.stockID)
                playing.append((audio.samples.isEmpty ? [0] : audio.samples, 0))
                say("IVR: \(playback.text)", at: sample)
            case .stopPrompt:
                playing.removeAll()
                for tap in taps { tap.promptStopped() }
                say("(prompt stopped)", at: sample)
            case .listen(let request):
                listen = request
                // Digits by voice: a caller who says a number in groups pauses between them.
                endpointer.trailingSilence = request.collectingDigits && !request.intents.isEmpty
                    ? Self.digitsTrailingSilence : endpointer.configuration.trailingSilence
            case .setLanguage(let language, _):
                say("-> language \(language)", at: sample)
            case .record(let box, let maxSeconds, let silenceSeconds):
                recording = (box, sample, maxSeconds, silenceSeconds, sample)
                messageAudio = []
                endpointer.trailingSilence = endpointer.configuration.trailingSilence
                playing.append((prompts.beep(language: session.language), 0))
                say("(beep; recording voicemail for \(box))", at: sample)
            case .stopRecording:
                if let started = recording?.started {
                    keepMessage()
                    try apply(session.handle(.recordingFinished(seconds: seconds(sample - started)), at: seconds(sample)), at: sample)
                }
            case .transfer(let request):
                say("-> transfer to \(request.queue) (priority \(request.priority))", at: sample)
            case .requestCallback(let request):
                say("-> callback request to \(request.number) (\(request.topic))", at: sample)
            case .sendText(let request):
                say("-> text message to \(request.number) (\(request.topic))", at: sample)
            case .lookup(let request):
                say("(looking up \(request.table))", at: sample)
                if let lookups = settings.lookups {
                    lookup = (lookups.lookup(request), sample)
                } else {
                    let failed = PendingLookup()
                    failed.fulfil(.failed("no lookup service in this program"), seconds: 0)
                    lookup = (failed, sample)
                }
            case .hangUp:
                say("IVR hangs up", at: sample)
            }
        }
    }

    /// The call's answer to an utterance understood; a failing recognizer is reported to the
    /// flow (which goes on keypad-only).
    private func respond(to understood: Result<Understanding, any Error>, at sample: Int64) -> [CallCommand] {
        let time = seconds(sample)
        switch understood {
        case .success(let result):
            // Digits of an account number or a PIN said aloud stay out of the transcript.
            let text = session.keepsWordsSecret(slots: result.match?.slots ?? [:]) && !result.heard.words.isEmpty ? "(masked)" : result.heard.text
            // The flow judges the confidence (its `min_confidence`, which may be below the
            // recognizer's default), and logs a weak intent as a no-match with its reason.
            if let match = result.match {
                let threshold = flow.threshold(for: match.intent)
                let verdict = result.confidence >= threshold ? "" : String(format: ", below %.2f: not taken", threshold)
                say("caller said \"\(text)\" (\(String(format: "%.2f", result.confidence))\(verdict))", at: sample)
                return session.handle(.intent(match.intent, slots: match.slots, confidence: result.confidence, words: text), at: time)
            }
            say("caller said something else\(text.isEmpty ? "" : " (\"\(text)\")")", at: sample)
            return session.handle(.noMatch(words: text), at: time)
        case .failure(let error):
            say("(recognizer failed: \(error); keypad only)", at: sample)
            return session.handle(.recognizerFailed("\(error)"), at: time)
        }
    }

    /// Whether a caller frame is no louder than 6 dB above the prompt playing (which may be its echo).
    static func isEcho(_ caller: [Int16], playing: [Int16]) -> Bool {
        func power(_ samples: [Int16]) -> Double {
            samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(samples.count, 1))
        }
        let played = power(playing)
        return played > 100 && power(caller) < 4 * played
    }

    /// Silence after the caller's last voiced frame from which the utterance is understood
    /// ahead of its end (most pauses inside a sentence are shorter): the answer then comes as soon
    /// as the endpointer's trailing silence has passed, without waiting for the decoders.
    static let earlyUnderstanding = 0.3

    /// Silence that ends an utterance while digits are listened for by voice (an account or
    /// member number said in groups, "four seven one one … two three"), unless what was heard by
    /// the usual trailing silence is already a whole entry (as many digits as it takes at most):
    /// a caller pausing 0.9 s between two groups of an eight-digit account number was heard as
    /// two wrong entries and locked out.
    static let digitsTrailingSilence = 2.0
}

extension VoiceSettings {
    /// How prompts in `language` are spoken: its voice, rate, pitch and volume.
    public init(_ language: FlowLanguage) {
        self.init(voice: language.voice, rate: language.rate, pitch: language.pitch, volume: language.volume)
    }
}
