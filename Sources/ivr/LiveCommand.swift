import ArgumentParser
import Foundation
import IVRAudio
import IVREngine
import IVRFlow

struct LiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Run a live call on ALSA devices or raw PCM pipes.",
        discussion: """
        Without --input/--output, the call runs on ALSA: --capture and --playback name the \
        devices (default: default), e.g. plughw:1,0 for a USB phone-line adapter; --alsa-config \
        uses another ALSA configuration file. A key or speech during a prompt drops what the \
        device has queued; while a prompt plays, speech counts only when it is 6 dB louder than \
        the prompt (the prompt's echo in the capture is not a caller). With --input and --output, raw 16-bit little-endian mono PCM (- for \
        standard input and output), one 10 ms frame out per frame in: the call is paced by its \
        input. The transcript goes to standard error as the call goes. The call ends when the \
        flow ends it, the input ends, or on SIGINT/SIGTERM; its record is kept in the records \
        database however it ends (see 'ivr report').

        Examples:
          arecord -q -t raw -f S16_LE -r 8000 -c 1 | ivr live --flow examples/help-desk.yaml --input - --output - | aplay -q -t raw -f S16_LE -r 8000 -c 1
          ivr live --flow flow.yaml --input caller.raw --output ivr.raw --rate 16000
          ivr live --flow examples/help-desk.yaml --capture plughw:1,0 --playback plughw:1,0
        """)

    @Option(help: "The flow file (YAML).")
    var flow: String

    @Option(help: "Raw PCM input: a file or - for standard input.")
    var input: String?

    @Option(help: "Raw PCM output: a file or - for standard output.")
    var output: String?

    @Option(help: "ALSA capture device.")
    var capture = "default"

    @Option(help: "ALSA playback device.")
    var playback = "default"

    @Option(help: "An ALSA configuration file to use instead of the system's.")
    var alsaConfig: String?

    @Option(help: "Sample rate of the raw PCM: 8000 or 16000.")
    var rate = 8000

    @Option(help: "The caller's number.")
    var callerId: String?

    @Flag(help: "Keypad only: no speech recognition.")
    var keypadOnly = false

    @Flag(help: "Take the next call after one ends (ALSA; until SIGINT/SIGTERM).")
    var loop = false

    @Option(help: "Write every event of the call as JSON lines to this file (with --loop: one file per call, numbered).")
    var events: String?

    @Option(help: "Write a stereo recording of the call (caller left, IVR right); numbered with --loop.")
    var record: String?

    @OptionGroup var queues: QueueStatusOption

    @OptionGroup var records: RecordOptions

    func validate() throws {
        guard rate == 8000 || rate == 16000 else { throw ValidationError("--rate must be 8000 or 16000") }
        guard (input == nil) == (output == nil) else { throw ValidationError("give both --input and --output, or neither (ALSA)") }
    }

    func run() throws {
        let source: AudioSource
        let tap: any CallAudioTap
        if let input, let output {
            guard let inputHandle = input == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: input) else {
                throw InputFailure(message: "\(input): cannot be read")
            }
            // A new file is created; an existing one (a named pipe, a device) is opened as it is.
            if output != "-", !FileManager.default.fileExists(atPath: output) {
                _ = FileManager.default.createFile(atPath: output, contents: nil)
            }
            guard let outputHandle = output == "-" ? FileHandle.standardOutput : FileHandle(forWritingAtPath: output) else {
                throw InputFailure(message: "\(output): cannot be written")
            }
            source = RawPCMSource(handle: inputHandle, sampleRate: rate)
            tap = RawPCMOutput(handle: outputHandle)
        } else {
            if let alsaConfig { setenv("ALSA_CONFIG_PATH", alsaConfig, 1) }
            source = try ALSACaptureSource(device: capture, sampleRate: rate)
            tap = try ALSAPlaybackTap(device: playback, sampleRate: rate)
        }
        var settings = CallSettings(caller: CallerInfo(number: callerId), answeredAt: Date(),
                                    queueStatus: queues.provider, sampleRate: rate,
                                    secondsAfterInput: 0)
        // A sound card hears the IVR's own prompt: gate speech by the playback level.
        settings.echoGate = input == nil
        let setup = try CallSetup(flowPath: flow, sampleRate: rate, keypadOnly: keypadOnly, command: "ivr live", realTime: true)
        let stop = StopRequest()
        // SIGINT and SIGTERM end the call under way cleanly (its outcome and records are still
        // written) and the loop after it; installed once, so no signal falls between two calls.
        let signals = [SIGINT, SIGTERM].map { signalNumber -> DispatchSourceSignal in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { stop.request() }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        // Events for the flow's webhooks go out in the background, apart from the calls.
        let webhooks = startWebhooks(for: setup.flow, records: records) { event, fields in
            printError(([event] + fields.map { "\($0)=\($1.contains(" ") ? "\"\($1)\"" : $1)" }).joined(separator: " "))
        }
        defer { webhooks?.stop() }
        var inputEnded = false
        var number = 1
        repeat {
            settings.answeredAt = Date()
            let engine = setup.engine(settings)
            stop.call = engine
            let recorder = try record.map { try CallRecorder(path: numbered($0, number), sampleRate: rate) }
            let result: CallResult
            do {
                result = try records.keeping(setup.flow, source: "live", call: \.self) {
                    try engine.run(caller: source, taps: [tap] + (recorder.map { [$0] } ?? [])) { printError($0.description) }
                }
            } catch let failure as CallFailure {
                try? recorder?.close()
                throw InputFailure(message: "ivr live: the call failed: \(failure)")
            }
            try recorder?.close()
            if let events { try CallSetup.writeEvents(result.log, to: numbered(events, number)) }
            if let capture = source as? ALSACaptureSource, capture.device.recoveries > 0 {
                printError("ALSA: \(capture.device.recoveries) overruns recovered")
            }
            if let playback = tap as? ALSAPlaybackTap, playback.device.recoveries > 0 {
                printError("ALSA: \(playback.device.recoveries) underruns recovered")
            }
            printError("outcome: \(result.outcome.description)")
            inputEnded = result.inputEnded
            number += 1
        } while loop && input == nil && !stop.requested && !inputEnded
    }

    /// `call.wav` → `call-2.wav` for the second call of a loop.
    private func numbered(_ path: String, _ number: Int) -> String {
        guard loop, number > 1 else { return path }
        let url = URL(fileURLWithPath: path)
        let base = url.deletingPathExtension().lastPathComponent
        return url.deletingLastPathComponent().appendingPathComponent("\(base)-\(number).\(url.pathExtension)").path
    }
}

/// A stop asked for by a signal: it ends the call under way (and any call set afterwards).
private final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var engine: CallEngine?

    var requested: Bool { lock.withLock { stopped } }

    /// The call a stop ends.
    var call: CallEngine? {
        get { lock.withLock { engine } }
        set {
            lock.withLock { engine = newValue }
            if requested { newValue?.requestHangUp() }
        }
    }

    func request() {
        let current = lock.withLock { () -> CallEngine? in
            stopped = true
            return engine
        }
        current?.requestHangUp()
    }
}
