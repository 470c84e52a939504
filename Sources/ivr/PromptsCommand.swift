import ArgumentParser
import Foundation
import IVREngine
import IVRFlow
import IVRSpeech

struct PromptsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompts",
        abstract: "Work with a flow's prompts and the stock prompt set.",
        subcommands: [PromptsRenderCommand.self, PromptsListCommand.self])
}

struct PromptsRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render every prompt of a flow (or the stock set) into the prompt cache ahead of calls.",
        discussion: """
        For each prompt and language of the flow, prints one line: its name, language, and \
        where its audio comes from: a recording in the prompt folder, or eSpeak NG (newly \
        synthesized, or already in the cache). Prompts with call data in them ({placeholders}) \
        are synthesized during the call and listed as such. Recordings that are named in the \
        flow but missing, or that cannot be read, are reported. Without a flow, renders the \
        stock prompt set (prompts/<language>.yaml) in every language with its own voice. \
        Progress goes to the terminal.

        Examples:
          ivr prompts render examples/help-desk.yaml
          ivr prompts render --rate 16000 --cache /var/cache/ivr my-flow.yaml
          ivr prompts render                  # the stock set, every language
        """)

    @Argument(help: "The flow file (YAML); the stock prompt set when left out.")
    var flow: String?

    @Option(help: "Pipeline rate of the rendered audio: 8000 or 16000.")
    var rate = 8000

    @Option(help: "Folder of the prompt cache (default: ~/.cache/ivr/prompts).")
    var cache: String?

    func validate() throws {
        guard rate == 8000 || rate == 16000 else { throw ValidationError("--rate must be 8000 or 16000") }
    }

    func run() throws {
        let source = try PromptSource(flowPath: flow)
        let folder = cache ?? PromptsRenderCommand.defaultCacheFolder
        let library = PromptLibrary(folder: source.promptFolder, stockFolder: source.stock.folder,
                                    cache: PromptCache(synthesizer: SpeechSynthesizer(sampleRate: rate), folder: folder))
        let work = source.prompts
        let progress = isatty(STDERR_FILENO) != 0
        var counts = (recorded: 0, synthesized: 0, cached: 0, dynamic: 0, missing: 0)
        for (index, item) in work.enumerated() {
            if progress { FileHandle.standardError.write(Data("\rrendering \(index + 1)/\(work.count)\u{1B}[K".utf8)) }
            let (prompt, language, text, settings) = (item.prompt, item.language, item.text, item.settings)
            let name = "\(prompt.id) [\(language.code)]"
            if let file = prompt.file, library.recording(id: prompt.id, language: language.code, explicitFile: file) == nil {
                counts.missing += 1
                report("\(name) missing recording \((source.promptFolder as NSString).appendingPathComponent(file))", progress)
            }
            if item.isDynamic,
               library.recording(id: prompt.id, stockID: prompt.stockID, language: language.code, explicitFile: prompt.file) == nil {
                counts.dynamic += 1
                report("\(name) dynamic (synthesized during the call)", progress)
                continue
            }
            let audio: PromptLibrary.Audio
            do {
                audio = try library.audio(id: prompt.id, text: text, language: language.code, settings: settings,
                                          explicitFile: prompt.file, stockID: prompt.stockID)
            } catch {
                throw InputFailure(message: "\(source.name): prompt \(prompt.id) [\(language.code)]: \(error)")
            }
            let seconds = String(format: "%.1f s", Double(audio.samples.count) / Double(rate))
            switch audio.source {
            case .recorded(let path):
                counts.recorded += 1
                report("\(name) recorded \(path) \(seconds)", progress)
            case .synthesized(.synthesized):
                counts.synthesized += 1
                report("\(name) synthesized \(seconds)", progress)
            case .synthesized:
                counts.cached += 1
                report("\(name) cached \(seconds)", progress)
            }
        }
        if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        for problem in library.problems { printError(problem) }
        print("\(work.count) prompts: \(counts.recorded) recorded, \(counts.synthesized) synthesized, "
              + "\(counts.cached) already cached, \(counts.dynamic) dynamic; \(counts.missing) missing recordings (cache: \(folder))")
    }

    private func report(_ line: String, _ progress: Bool) {
        if progress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        print(line)
    }

    static var defaultCacheFolder: String {
        let base = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"]
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")
        return (base as NSString).appendingPathComponent("ivr/prompts")
    }
}

/// The prompts a `prompts` command works on: a flow's (its own and the stock phrases it
/// uses), or without a flow the whole stock prompt set.
struct PromptSource {
    /// The flow file or the stock folder, for messages.
    let name: String
    let promptFolder: String
    let stock: StockPrompts
    let prompts: [FlowPrompt]

    /// Loads the flow (stopping on problems other than missing recordings), or the stock set.
    init(flowPath: String?) throws {
        guard let flowPath else {
            let (stock, problems) = StockPrompts.load(folder: StockPrompts.projectFolder, overrides: nil)
            guard let folder = stock.folder, problems.isEmpty else {
                throw InputFailure(message: problems.isEmpty
                    ? "the stock prompt set (prompts/en.yaml) was not found: set IVR_HOME to the project's folder"
                    : problems.map(\.description).joined(separator: "\n"))
            }
            (name, promptFolder, self.stock, prompts) = (folder, folder, stock, FlowPrompt.all(in: stock))
            return
        }
        // Missing recordings are named by `render` (their text is synthesized); other problems stop.
        let (loaded, problems) = FlowLoader.check(path: flowPath)
        let blocking = problems.filter { !$0.isMissingRecording }
        guard let flow = loaded, blocking.isEmpty else {
            throw InputFailure(message: blocking.map(\.description).joined(separator: "\n") + "\n\(flowPath): fix the flow first (ivr lint)")
        }
        (name, promptFolder, stock, prompts) = (flowPath, flow.promptFolder, flow.stock, FlowPrompt.all(in: flow))
    }
}

/// One prompt of a flow in one of its languages, with its text and voice.
struct FlowPrompt {
    let prompt: Prompt
    let language: FlowLanguage
    let text: String
    let settings: VoiceSettings

    /// Whether its text has call data in it (`{name}`): synthesized during the call.
    var isDynamic: Bool { !PromptText.placeholders(in: text).isEmpty }

    init(prompt: Prompt, language: FlowLanguage, text: String) {
        self.prompt = prompt
        self.language = language
        self.text = text
        settings = VoiceSettings(language)
    }

    /// Every prompt of `flow` in every language, nodes by name.
    static func all(in flow: Flow) -> [FlowPrompt] {
        flow.nodes.values.sorted { $0.name < $1.name }.flatMap(\.prompts).flatMap { prompt in
            flow.languages.map { language in
                FlowPrompt(prompt: prompt, language: language,
                           text: prompt.text(for: language.code, default: flow.languages.first?.code ?? "en"))
            }
        }
    }

    /// Every phrase of the stock set in every language, each with the language's own voice.
    static func all(in stock: StockPrompts) -> [FlowPrompt] {
        stock.languages.values.sorted { $0.code < $1.code }.flatMap { language in
            StockPhrase.allCases.compactMap { phrase in
                language.phrases[phrase.rawValue].map { entry in
                    FlowPrompt(prompt: Prompt(id: phrase.rawValue, texts: [language.code: entry.text], stockID: phrase.rawValue),
                               language: FlowLanguage(code: language.code, voice: language.voice ?? language.code, speech: false),
                               text: entry.text)
                }
            }
        }
    }
}

struct PromptsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List every prompt id with where it comes from and its text.",
        discussion: """
        One line per prompt and language: the id, the language, where it comes from and the \
        text. Sources: `flow FILE:LINE` (the flow's own text), `stock FILE:LINE` (a phrase of \
        the project's stock set prompts/<language>.yaml, or of the flow's own set in its \
        prompt folder, which overrides it), `recording PATH` (a recorded file replaces the \
        text), `missing` (no text in that language: the caller would hear another). Without a \
        flow, lists the stock set.

        Examples:
          ivr prompts list examples/help-desk.yaml
          ivr prompts list --language es examples/help-desk.yaml
          ivr prompts list --language fr          # the French stock phrases
          ivr prompts list --json examples/help-desk.yaml
        """)

    @Argument(help: "The flow file (YAML); the stock prompt set when left out.")
    var flow: String?

    @Option(help: "Only this language (a code such as es).")
    var language: String?

    @Flag(help: "One JSON object per line: {\"id\",\"language\",\"source\",\"text\"}.")
    var json = false

    func run() throws {
        let source = try PromptSource(flowPath: flow)
        let library = PromptLibrary(folder: source.promptFolder, stockFolder: source.stock.folder,
                                    cache: PromptCache(synthesizer: SpeechSynthesizer(sampleRate: 8000)))
        let items = source.prompts.filter { language == nil || $0.language.code == language }
        if items.isEmpty, let language { throw InputFailure(message: "\(source.name): no prompts in language '\(language)'") }
        for item in items {
            let (prompt, code) = (item.prompt, item.language.code)
            let origin: String
            if let path = library.recording(id: prompt.id, stockID: prompt.stockID, language: code, explicitFile: prompt.file) {
                origin = "recording \(path)"
            } else if prompt.texts[code] == nil && prompt.texts["*"] == nil {
                origin = "missing"
            } else if let stockID = prompt.stockID, let entry = source.stock.languages[code]?.phrases[stockID] {
                origin = "stock \(entry.source)"
            } else {
                origin = "flow \(source.name):\(prompt.line)"
            }
            if json {
                let object = ["id": prompt.id, "language": code, "source": origin, "text": item.text]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("\(prompt.id) [\(code)] \(origin): \(item.text)")
            }
        }
    }
}
