import Foundation
import IVRAudio
import IVRDSP
import IVRFlow
import IVRSpeech

/// Settings of one call.
public struct CallSettings {
    public var caller: CallerInfo
    /// Wall-clock time of the answer (for business hours).
    public var answeredAt: Date
    public var queueStatus: any QueueStatusProvider
    /// Pipeline rate: 8000 (telephone) or 16000.
    public var sampleRate: Int
    /// How long the IVR waits after the caller's audio has ended before counting a hang-up.
    public var secondsAfterInput: Double
    /// Live audio that may carry the IVR's own prompt back (a sound card, a line without a
    /// good hybrid): while a prompt plays, speech counts only when the caller is clearly
    /// louder than the prompt (6 dB).
    public var echoGate = false

    public init(caller: CallerInfo = .init(), answeredAt: Date = Date(), queueStatus: any QueueStatusProvider = FixedQueueStatus(),
                sampleRate: Int = 8000, secondsAfterInput: Double = 30) {
        self.caller = caller
        self.answeredAt = answeredAt
        self.queueStatus = queueStatus
        self.sampleRate = sampleRate
        self.secondsAfterInput = secondsAfterInput
    }
}

/// A line of a call's transcript.
public struct TranscriptLine: Sendable, Equatable {
    public var time: Double
    public var text: String

    /// `00:03.20 IVR: For billing, press 1.`
    public var description: String {
        let centiseconds = Int((time * 100).rounded())
        return String(format: "%02d:%02d.%02d %@", centiseconds / 6000, centiseconds / 100 % 60, centiseconds % 100, text)
    }
}

/// What a call produced.
public struct CallResult: Sendable {
    public var transcript: [TranscriptLine]
    public var outcome: CallOutcome
    public var log: [CallLogEntry]
    public var commands: [CallCommand]
    /// What the call carried at its end: language, path, collected data (secrets masked).
    public var context: CallContext
    /// Voicemail messages the caller left, with their audio.
    public var messages: [VoicemailMessage]
    /// Call length in seconds of audio.
    public var duration: Double
    /// Whether the caller's audio ran out (a file's or a pipe's end, a device gone).
    public var inputEnded: Bool
}

/// A voicemail message as recorded: the caller's audio from the start of recording.
public struct VoicemailMessage: Sendable {
    public var box: String
    /// Call time at which recording started, in seconds.
    public var start: Double
    public var samples: [Int16]
    public var sampleRate: Int

    public var seconds: Double { Double(samples.count) / Double(sampleRate) }
}

/// A call that stopped on an error (a device lost, a prompt that cannot be played): what the
/// call had produced until then, with the error, so its record can still be written.
public struct CallFailure: Error, CustomStringConvertible {
    public var partial: CallResult
    public var underlying: any Error

    /// The error in one line (a file error as the system words it, e.g. "No space left on device").
    public var description: String { Self.describe(underlying) }

    static func describe(_ error: any Error) -> String {
        guard let fileError = error as? CocoaError else { return "\(error)" }
        return (fileError.userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription ?? fileError.localizedDescription
    }
}

/// Runs one call on the audio clock: the caller's audio goes through the DTMF detector and the
/// endpointer, utterances through the recognizer (during their trailing silence, so that the
/// answer comes as soon as the silence ends them), and the flow core's commands drive the
/// prompts, which take the time their audio lasts. Much faster than real time on files.
public final class CallEngine {
    public let flow: Flow
    public let settings: CallSettings
    private let prompts: PromptLibrary
    private let recognizer: SpeechRecognizer?
    private var grammars: [String: IntentGrammar] = [:]
    /// The flow's intent files, read at the first utterance that needs them.
    private var intentFiles: [IntentGrammar]?
    /// Whether a prompt is playing now (for scripted callers that wait for the IVR).
    public private(set) var isPlayingPrompt = false
    private let hangUpLock = NSLock()
    private var hangUpRequested = false

    /// Ends the call as if the caller hung up, at the next frame (from any thread: a signal).
    public func requestHangUp() {
        hangUpLock.withLock { hangUpRequested = true }
    }

    /// A call engine for `flow`; `recognizer` nil makes calls keypad-only.
    public init(flow: Flow, settings: CallSettings, prompts: PromptLibrary, recognizer: SpeechRecognizer?) {
        self.flow = flow
        self.settings = settings
        self.prompts = prompts
        self.recognizer = recognizer
    }

    /// Runs the call with the caller's audio from `source` (at the settings' rate). Each tap
    /// receives both sides, frame by frame (a recording, a live output); `onLine` each
    /// transcript line as it happens.
    public func run(caller source: AudioSource, taps: [any CallAudioTap] = [],
                    onLine: ((TranscriptLine) -> Void)? = nil) throws -> CallResult {
        let rate = settings.sampleRate
        let session = CallSession(flow: flow, caller: settings.caller, answeredAt: settings.answeredAt, queueStatus: settings.queueStatus)
        let dtmf = DTMFDetector(sampleRate: rate)
        let endpointer = Endpointer(sampleRate: rate)
        endpointer.listen(from: 0, noInputTimeout: nil)
        var transcript: [TranscriptLine] = []
        var commands: [CallCommand] = []
        var playing: [(samples: [Int16], played: Int)] = []   // the prompts queued, and how far each has played
        var utterance: [Int16]?
        var utteranceStart: Int64 = 0     // sample clock of the utterance's first kept sample
        // The utterance understood early, during its trailing silence, and where it ended then.
        var early: (end: Int64, length: Int, understood: Result<Understanding, any Error>)?
        var listen: ListenRequest?
        var recording: (box: String, started: Int64, maxSeconds: Double, silenceSeconds: Double, lastVoice: Int64)?
        var messageAudio: [Int16] = []
        var messages: [VoicemailMessage] = []
        var frame = AudioFrame(silenceOf: source.frameLength, sampleRate: rate)
        var clock: Int64 = 0
        var inputEnded = false
        var inputEnd: Int64 = 0
        var enteredNodes = 0
        var lastOutput: [Int16] = []      // the IVR's previous frame, for the echo gate
        let seconds = { (sample: Int64) in Double(sample) / Double(rate) }

        func say(_ text: String, at sample: Int64) {
            let line = TranscriptLine(time: seconds(sample), text: text)
            transcript.append(line)
            onLine?(line)
        }

        /// Keeps the message being recorded, if any (the recording ended or the call did).
        func keepMessage() {
            guard let active = recording else { return }
            messages.append(VoicemailMessage(box: active.box, start: seconds(active.started), samples: messageAudio, sampleRate: rate))
            recording = nil
            messageAudio = []
        }

        func apply(_ produced: [CallCommand], at sample: Int64) throws {
            let entries = session.log.filter { $0.event == "enter" }
            for entry in entries.dropFirst(enteredNodes) { say("-> \(entry.node)", at: sample) }
            enteredNodes = entries.count
            for command in produced {
                commands.append(command)
                switch command {
                case .play(let playback):
                    let audio = try prompts.audio(
                        id: playback.id, text: playback.text, language: playback.language,
                        settings: VoiceSettings(voice: playback.voice), explicitFile: playback.file)
                    playing.append((audio.samples.isEmpty ? [0] : audio.samples, 0))
                    say("IVR: \(playback.text)", at: sample)
                case .stopPrompt:
                    playing.removeAll()
                    for tap in taps { tap.promptStopped() }
                    say("(prompt stopped)", at: sample)
                case .listen(let request):
                    listen = request
                case .setLanguage(let language, _):
                    say("-> language \(language)", at: sample)
                case .record(let box, let maxSeconds, let silenceSeconds):
                    recording = (box, sample, maxSeconds, silenceSeconds, sample)
                    messageAudio = []
                    say("(recording voicemail for \(box))", at: sample)
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
                case .hangUp:
                    say("IVR hangs up", at: sample)
                }
            }
        }

        func result() -> CallResult {
            CallResult(transcript: transcript, outcome: session.outcome ?? .abandoned(node: session.node),
                       log: session.log, commands: commands, context: session.context, messages: messages,
                       duration: seconds(clock), inputEnded: inputEnded)
        }

        /// Samples of the utterance from its first kept sample to 200 ms after its last speech
        /// frame at `end` (the rest of the trailing silence that ended it is not part of it).
        func keptLength(endingAt end: Int64) -> Int {
            Int(max(0, end + Int64(rate / 5) - utteranceStart))
        }

        recognizer?.startCall()
        do {
            try apply(session.handle(.answered, at: 0), at: 0)
            try runFrames()
        } catch {
            keepMessage()
            say("call failed: \(CallFailure.describe(error))", at: clock)
            throw CallFailure(partial: result(), underlying: error)
        }
        keepMessage()
        return result()

        func runFrames() throws {
            while session.outcome == nil {
                if !inputEnded {
                    if try !source.read(into: &frame) {
                        inputEnded = true
                        inputEnd = clock
                    }
                }
                if hangUpLock.withLock({ hangUpRequested }) {
                    say("call ended (signal)", at: clock)
                    try apply(session.handle(.hangup, at: seconds(clock)), at: clock)
                    break
                }
                if inputEnded {
                    for index in frame.samples.indices { frame.samples[index] = 0 }
                    if seconds(clock - inputEnd) > settings.secondsAfterInput {
                        say("caller hung up", at: clock)
                        try apply(session.handle(.hangup, at: seconds(clock)), at: clock)
                        break
                    }
                }
                let frameEnd = clock + Int64(frame.samples.count)
                let now = seconds(frameEnd)

                // Keys.
                for event in frame.samples.withUnsafeBufferPointer({ dtmf.process($0) }) {
                    if case .pressed(let key, _) = event {
                        say("caller pressed \(key.rawValue)", at: clock)
                        try apply(session.handle(.digit(key.rawValue), at: now), at: frameEnd)
                    }
                }
                // Speech, when the flow listens for it or records.
                let endpoint = frame.samples.withUnsafeBufferPointer { endpointer.process($0, at: clock) }
                if var active = recording {
                    if endpointer.isInSpeech { active.lastVoice = frameEnd }
                    recording = active
                    messageAudio += frame.samples
                    if now - seconds(active.started) >= active.maxSeconds || now - seconds(active.lastVoice) >= active.silenceSeconds {
                        keepMessage()
                        try apply(session.handle(.recordingFinished(seconds: now - seconds(active.started)), at: now), at: frameEnd)
                    }
                } else if let request = listen, !request.intents.isEmpty, session.acceptsSpeech, recognizer != nil {
                    switch endpoint {
                    case .speechStarted?  where settings.echoGate && Self.isEcho(frame.samples, playing: lastOutput):
                        say("(speech start ignored: as loud as the prompt's echo)", at: clock)
                    case .speechStarted(_, let audio)?:
                        utterance = audio
                        utteranceStart = frameEnd - Int64(audio.count)
                        early = nil
                        say("(caller speaking)", at: clock)
                        try apply(session.handle(.speechStarted, at: now), at: frameEnd)
                    case .speechEnded(let end, _)?:
                        if let audio = utterance {
                            let keep = min(audio.count, keptLength(endingAt: end))
                            let understood = early.flatMap { $0.end == end && $0.length == keep ? $0.understood : nil }
                                ?? Result { try understand(Array(audio.prefix(keep)), request) }
                            try apply(respond(to: understood, session: session, at: frameEnd, say: say), at: frameEnd)
                        }
                        utterance = nil
                        early = nil
                    default:
                        guard utterance != nil else { break }
                        utterance! += frame.samples
                        // Understood during the trailing silence, the utterance is answered as soon
                        // as the silence is long enough to end it (unless the caller goes on).
                        if let tentative = endpointer.tentativeEnd, tentative.silence >= Int64(Self.earlyUnderstanding * Double(rate)),
                           early?.end != tentative.at {
                            let keep = keptLength(endingAt: tentative.at)
                            if utterance!.count >= keep {
                                early = (tentative.at, keep, Result { try understand(Array(utterance!.prefix(keep)), request) })
                            }
                        }
                    }
                } else {
                    utterance = nil
                }
                // Prompts play on the clock.
                var output: [Int16] = []
                output.reserveCapacity(frame.samples.count)
                while output.count < frame.samples.count, !playing.isEmpty {
                    let (samples, played) = playing[0]
                    let used = min(frame.samples.count - output.count, samples.count - played)
                    output += samples[played..<played + used]
                    playing[0].played += used
                    if playing[0].played == samples.count {
                        playing.removeFirst()
                        try apply(session.handle(.promptFinished, at: now), at: frameEnd)
                    }
                }
                output += [Int16](repeating: 0, count: frame.samples.count - output.count)
                for tap in taps { try tap.write(caller: frame.samples, ivr: output) }
                lastOutput = output
                isPlayingPrompt = !playing.isEmpty
                // Timers.
                if let deadline = session.deadline, now >= deadline {
                    try apply(session.handle(.timer, at: now), at: frameEnd)
                }
                clock = frameEnd
            }
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

    /// What the recognizer made of an utterance (nil: no recognizer).
    typealias Understanding = (heard: Recognition, match: IntentMatch?, confidence: Double)?

    /// The utterance decoded against the menu's intents (their grammar added once).
    private func understand(_ audio: [Int16], _ request: ListenRequest) throws -> Understanding {
        guard let recognizer else { return nil }
        let key = request.intents.map { "\($0.name):\($0.phrases.joined(separator: "|"))" }.joined(separator: ";")
        let name = "menu-\(String(UInt(bitPattern: key.hashValue), radix: 36))"
        let grammar: IntentGrammar
        if let known = grammars[name] {
            grammar = known
        } else {
            let files = try intentFiles ?? flow.intentFiles.map { try IntentGrammar.load(path: $0.path, knows: recognizer.knows) }
            intentFiles = files
            grammar = try IntentGrammar.combining(files, selection: request.intents.map { ($0.name, $0.phrases) })
            try recognizer.addIntents(name, grammar: grammar)
            grammars[name] = grammar
        }
        return try recognizer.understand(audio, sampleRate: settings.sampleRate, intents: name, grammar: grammar)
    }

    /// The call's answer to an utterance understood; a failing recognizer is reported to the
    /// flow (which goes on keypad-only).
    private func respond(to understood: Result<Understanding, any Error>, session: CallSession, at sample: Int64,
                         say: (String, Int64) -> Void) -> [CallCommand] {
        let time = Double(sample) / Double(settings.sampleRate)
        switch understood {
        case .success(nil):
            return []
        case .success(let result?):
            let text = result.heard.text
            // The flow judges the confidence (its `min_confidence`, which may be below the
            // recognizer's default), and logs a weak intent as a no-match with its reason.
            if let match = result.match {
                say("caller said \"\(text)\" (\(String(format: "%.2f", result.confidence)))", sample)
                return session.handle(.intent(match.intent, slots: match.slots, confidence: result.confidence, words: text), at: time)
            }
            say("caller said something else\(text.isEmpty ? "" : " (\"\(text)\")")", sample)
            return session.handle(.noMatch(words: text), at: time)
        case .failure(let error):
            say("(recognizer failed: \(error); keypad only)", sample)
            return session.handle(.recognizerFailed("\(error)"), at: time)
        }
    }
}

/// Receives a call's audio as it happens: the caller's frame and the IVR's, 10 ms each.
public protocol CallAudioTap {
    func write(caller: [Int16], ivr: [Int16]) throws
    /// The IVR stopped its prompt (barge-in): drop what is queued for playing.
    func promptStopped()
}

extension CallAudioTap {
    public func promptStopped() {}
}

/// The IVR's side played on an ALSA device; barge-in drops what the device has queued.
public final class ALSAPlaybackTap: CallAudioTap {
    public let device: ALSAPCM

    public init(device name: String, sampleRate: Int) throws {
        device = try ALSAPCM(name: name, direction: .playback, sampleRate: sampleRate)
    }

    public func write(caller: [Int16], ivr: [Int16]) throws { try device.write(ivr) }

    public func promptStopped() { device.dropQueued() }
}

/// A stereo recording of a call that a person can listen to: the caller left, the IVR right.
public final class CallRecorder: CallAudioTap {
    private let writer: SoundFileWriter

    public init(path: String, sampleRate: Int) throws {
        writer = try SoundFileWriter(path: path, sampleRate: sampleRate, channels: 2)
    }

    public func write(caller: [Int16], ivr: [Int16]) throws {
        var interleaved = [Int16](repeating: 0, count: 2 * caller.count)
        for index in caller.indices {
            interleaved[2 * index] = caller[index]
            interleaved[2 * index + 1] = ivr[index]
        }
        try writer.write(samples: interleaved)
    }

    public func close() throws { try writer.close() }
}
