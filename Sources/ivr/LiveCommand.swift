import ArgumentParser
import Foundation
import IVREngine
import IVRFlow
import IVRSpeech

struct LiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "Run a live call on raw PCM pipes (ALSA devices: not yet).",
        discussion: """
        Reads the caller's audio as raw 16-bit little-endian mono PCM from --input (- for \
        standard input) and writes the IVR's audio in the same format to --output (- for \
        standard output), one 10 ms frame out per frame in, so the call is paced by its input. \
        The transcript goes to standard error as the call goes. The call ends when the flow \
        ends it or the input ends.

        Examples:
          arecord -q -t raw -f S16_LE -r 8000 -c 1 | ivr live --flow examples/help-desk.yaml --input - --output - | aplay -q -t raw -f S16_LE -r 8000 -c 1
          ivr live --flow flow.yaml --input caller.raw --output ivr.raw --rate 16000
        """)

    @Option(help: "The flow file (YAML).")
    var flow: String

    @Option(help: "Raw PCM input: a file or - for standard input.")
    var input: String

    @Option(help: "Raw PCM output: a file or - for standard output.")
    var output: String

    @Option(help: "Sample rate of the raw PCM: 8000 or 16000.")
    var rate = 8000

    @Option(help: "The caller's number.")
    var callerId: String?

    @Flag(help: "Keypad only: no speech recognition.")
    var keypadOnly = false

    func validate() throws {
        guard rate == 8000 || rate == 16000 else { throw ValidationError("--rate must be 8000 or 16000") }
    }

    func run() throws {
        let (loaded, problems) = FlowLoader.check(path: flow)
        guard let flowModel = loaded, problems.allSatisfy(\.isMissingRecording) else {
            throw InputFailure(message: problems.map(\.description).joined(separator: "\n"))
        }
        guard let inputHandle = input == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: input) else {
            throw InputFailure(message: "\(input): cannot be read")
        }
        if output != "-" { FileManager.default.createFile(atPath: output, contents: nil) }
        guard let outputHandle = output == "-" ? FileHandle.standardOutput : FileHandle(forWritingAtPath: output) else {
            throw InputFailure(message: "\(output): cannot be written")
        }
        let settings = CallSettings(caller: CallerInfo(number: callerId), answeredAt: Date(), sampleRate: rate, secondsAfterInput: 0)
        let library = PromptLibrary(folder: flowModel.promptFolder, cache: PromptCache(
            synthesizer: SpeechSynthesizer(sampleRate: rate), folder: PromptsRenderCommand.defaultCacheFolder))
        var recognizer: SpeechRecognizer?
        if !keypadOnly {
            do { recognizer = try SpeechRecognizer() } catch { printError("ivr live: \(error); keypad only") }
        }
        let result = try CallEngine(flow: flowModel, settings: settings, prompts: library, recognizer: recognizer)
            .run(caller: RawPCMSource(handle: inputHandle, sampleRate: rate), taps: [RawPCMOutput(handle: outputHandle)]) {
                printError($0.description)
            }
        printError("outcome: \(result.outcome.description)")
    }
}
