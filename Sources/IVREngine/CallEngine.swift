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
    /// Where lookups of live tables are made; without, they fail (and the flow takes their
    /// failure path).
    public var lookups: (any TableLookups)?

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

/// Runs one call on the audio clock from a source that is read frame by frame (a file, a sound
/// card, a pipe): the loop around a ``CallProcessor``. Much faster than real time on files.
public final class CallEngine {
    public let flow: Flow
    public let settings: CallSettings
    private let prompts: PromptLibrary
    private let understanding: InlineUnderstanding?
    /// Whether a prompt is playing now (for scripted callers that wait for the IVR).
    public private(set) var isPlayingPrompt = false
    /// Whether the IVR is asking the caller to confirm an unsure answer (for scripted callers).
    public private(set) var isConfirmingChoice = false
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
        understanding = recognizer.map(InlineUnderstanding.init)
    }

    /// Runs the call with the caller's audio from `source` (at the settings' rate). Each tap
    /// receives both sides, frame by frame (a recording, a live output); `onLine` each
    /// transcript line as it happens.
    public func run(caller source: AudioSource, taps: [any CallAudioTap] = [],
                    onLine: ((TranscriptLine) -> Void)? = nil) throws -> CallResult {
        let call = CallProcessor(flow: flow, settings: settings, prompts: prompts, understanding: understanding,
                                 taps: taps, onLine: onLine)
        var frame = AudioFrame(silenceOf: source.frameLength, sampleRate: settings.sampleRate)
        var inputEnded = false
        var inputEnd: Int64 = 0
        do {
            try call.start()
            while !call.isFinished {
                if !inputEnded, try !source.read(into: &frame) {
                    inputEnded = true
                    inputEnd = call.clock
                }
                if hangUpLock.withLock({ hangUpRequested }) {
                    try call.hangUp(saying: "call ended (signal)")
                    break
                }
                if inputEnded {
                    for index in frame.samples.indices { frame.samples[index] = 0 }
                    if Double(call.clock - inputEnd) / Double(settings.sampleRate) > settings.secondsAfterInput {
                        try call.hangUp(saying: "caller hung up")
                        break
                    }
                }
                _ = try call.process(frame.samples)
                isPlayingPrompt = call.isPlayingPrompt
                isConfirmingChoice = call.isConfirmingChoice
            }
        } catch {
            throw call.failure(error, inputEnded: inputEnded)
        }
        return call.finish(inputEnded: inputEnded)
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
