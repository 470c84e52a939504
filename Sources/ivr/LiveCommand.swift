import ArgumentParser
import Foundation
import IVRAudio
import IVREngine
import IVRFlow
import IVRSpeech

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
        flow ends it, the input ends, or on SIGINT/SIGTERM.

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

    func validate() throws {
        guard rate == 8000 || rate == 16000 else { throw ValidationError("--rate must be 8000 or 16000") }
        guard (input == nil) == (output == nil) else { throw ValidationError("give both --input and --output, or neither (ALSA)") }
    }

    func run() throws {
        let (loaded, problems) = FlowLoader.check(path: flow)
        guard let flowModel = loaded, problems.allSatisfy(\.isMissingRecording) else {
            throw InputFailure(message: problems.map(\.description).joined(separator: "\n"))
        }
        let source: AudioSource
        let tap: any CallAudioTap
        if let input, let output {
            guard let inputHandle = input == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: input) else {
                throw InputFailure(message: "\(input): cannot be read")
            }
            if output != "-" { FileManager.default.createFile(atPath: output, contents: nil) }
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
        var settings = CallSettings(caller: CallerInfo(number: callerId), answeredAt: Date(), sampleRate: rate, secondsAfterInput: 0)
        // A sound card hears the IVR's own prompt: gate speech by the playback level.
        settings.echoGate = input == nil
        let library = PromptLibrary(folder: flowModel.promptFolder, cache: PromptCache(
            synthesizer: SpeechSynthesizer(sampleRate: rate), folder: PromptsRenderCommand.defaultCacheFolder))
        var recognizer: SpeechRecognizer?
        if !keypadOnly {
            do { recognizer = try SpeechRecognizer() } catch { printError("ivr live: \(error); keypad only") }
        }
        let engine = CallEngine(flow: flowModel, settings: settings, prompts: library, recognizer: recognizer)
        // SIGINT and SIGTERM end the call cleanly (its outcome is still printed).
        let signals = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { engine.requestHangUp() }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        let result = try engine.run(caller: source, taps: [tap]) { printError($0.description) }
        if let capture = source as? ALSACaptureSource, capture.device.recoveries > 0 {
            printError("ALSA: \(capture.device.recoveries) overruns recovered")
        }
        if let playback = tap as? ALSAPlaybackTap, playback.device.recoveries > 0 {
            printError("ALSA: \(playback.device.recoveries) underruns recovered")
        }
        printError("outcome: \(result.outcome.description)")
    }
}
