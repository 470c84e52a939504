import ArgumentParser
import Foundation
import IVRAudio
import IVREngine
import IVRFlow
import IVRIntegrations
import IVRProjectFiles
import IVRSpeech

/// The project dictionary: words the model's dictionary lacks (the project's
/// `models/project.dict` when it exists, see ``ProjectFiles``, unless another is given).
func projectDictionary(_ given: String?) -> String? {
    given ?? ProjectFiles.locate("models/project.dict")
}

/// A recognizer with the project's dictionary (or `dictionary`). When the project's narrowband
/// transform is not found (an `ivr` run away from the project without `IVR_HOME`), says so once
/// on standard error: 8 kHz telephone speech is then heard without it, far less accurately.
func speechRecognizer(dictionary: String? = nil) throws -> SpeechRecognizer {
    _ = notedMissingNarrowbandTransform
    return try SpeechRecognizer(projectDictionary: projectDictionary(dictionary))
}

private let notedMissingNarrowbandTransform: Void = {
    guard RecognitionModel.debian.narrowbandTransforms[.whole] == nil else { return }
    printError("ivr: note: models/en-us-narrowband.mllr was not found (current folder, above this program, share/ivr): "
        + "8 kHz telephone speech is recognized without its narrowband transform, less accurately; set IVR_HOME to the project's folder")
}()

/// The rate a recording is read at for recognition: 8 kHz (telephone) for files of 8 kHz or
/// less, else 16 kHz (the model's).
func speechRate(of file: String) throws -> Int {
    try SoundFileReader(path: file).info.sampleRate <= 8000 ? 8000 : 16000
}

/// `--queue-status`: where commands that run calls read the queues' figures.
struct QueueStatusOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Queue figures from a JSON file the contact centre keeps current, read at each transfer: "
            + #"{"billing": {"waiting": 4, "agents_free": 0, "estimated_wait": 240}} (overflow and "how long" prompts)."#,
        valueName: "file.json"))
    var queueStatus: String?

    /// The figures: from the file, or none (no queue counts as busy).
    var provider: any QueueStatusProvider { queueStatus.map(QueueStatusFile.init) ?? FixedQueueStatus() }
}

/// What every command that runs calls needs: the checked flow, its prompts, a recognizer.
struct CallSetup {
    let flow: Flow
    let prompts: PromptLibrary
    let recognizer: SpeechRecognizer?
    /// Lookups of the flow's live tables (over HTTP), if it has any.
    let lookups: LiveTableLookups?

    /// Loads the flow (stopping with lint's lines on any problem but missing recordings), the
    /// prompt library on the shared cache, and the recognizer unless keypad-only (without it,
    /// calls go on keypad-only, with a message).
    /// `realTime`: the calls run on the wall clock (a sound card, a pipe, SIP), so lookups are
    /// answered as they come; on a file's clock each lookup is waited for.
    init(flowPath: String, sampleRate: Int, keypadOnly: Bool, command: String, realTime: Bool = false) throws {
        flow = try Self.loadFlow(flowPath)
        lookups = flow.tables.values.contains { $0.remote != nil } ? LiveTableLookups(waitsForAnswers: !realTime) : nil
        prompts = PromptLibrary(folder: flow.promptFolder, stockFolder: flow.stock.folder, cache: PromptCache(
            synthesizer: SpeechSynthesizer(sampleRate: sampleRate), folder: PromptsRenderCommand.defaultCacheFolder))
        var recognizer: SpeechRecognizer?
        if !keypadOnly {
            do { recognizer = try speechRecognizer() } catch {
                printError("\(command): \(error); calls go on keypad-only")
            }
        }
        self.recognizer = recognizer
    }

    /// The flow at `path`, refused with lint's lines on any problem but missing recordings.
    static func loadFlow(_ path: String) throws -> Flow {
        let (loaded, problems) = FlowLoader.check(path: path)
        guard let flow = loaded, problems.allSatisfy(\.isMissingRecording) else {
            throw InputFailure(message: problems.map(\.description).joined(separator: "\n"))
        }
        return flow
    }

    func engine(_ settings: CallSettings) -> CallEngine {
        var settings = settings
        settings.lookups = lookups
        return CallEngine(flow: flow, settings: settings, prompts: prompts, recognizer: recognizer)
    }

    /// Every event of the call as one JSON object per line.
    static func writeEvents(_ log: [CallLogEntry], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let lines = try log.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
