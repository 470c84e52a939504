import ArgumentParser
import Foundation
import IVRFlow
import IVRSpeech

struct PromptsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompts",
        abstract: "Work with a flow's prompts.",
        subcommands: [PromptsRenderCommand.self])
}

struct PromptsRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render every prompt of a flow into the prompt cache ahead of calls.",
        discussion: """
        For each prompt and language of the flow, prints one line: its name, language, and \
        where its audio comes from: a recording in the prompt folder, or eSpeak NG (newly \
        synthesized, or already in the cache). Prompts with call data in them ({placeholders}) \
        are synthesized during the call and listed as such. Recordings that are named in the \
        flow but missing, or that cannot be read, are reported. Progress goes to the terminal.

        Examples:
          ivr prompts render examples/help-desk.yaml
          ivr prompts render --rate 16000 --cache /var/cache/ivr my-flow.yaml
        """)

    @Argument(help: "The flow file (YAML).")
    var flow: String

    @Option(help: "Pipeline rate of the rendered audio: 8000 or 16000.")
    var rate = 8000

    @Option(help: "Folder of the prompt cache (default: ~/.cache/ivr/prompts).")
    var cache: String?

    func validate() throws {
        guard rate == 8000 || rate == 16000 else { throw ValidationError("--rate must be 8000 or 16000") }
    }

    func run() throws {
        // Missing recordings are named below (their text is synthesized); other problems stop.
        let (loaded, problems) = FlowLoader.check(path: self.flow)
        let blocking = problems.filter { !$0.isMissingRecording }
        guard let flow = loaded, blocking.isEmpty else {
            throw InputFailure(message: blocking.map(\.description).joined(separator: "\n") + "\n\(self.flow): fix the flow first (ivr lint)")
        }
        let folder = cache ?? PromptsRenderCommand.defaultCacheFolder
        let library = PromptLibrary(folder: flow.promptFolder,
                                    cache: PromptCache(synthesizer: SpeechSynthesizer(sampleRate: rate), folder: folder))
        let work = FlowPrompt.all(in: flow)
        let progress = isatty(STDERR_FILENO) != 0
        var counts = (recorded: 0, synthesized: 0, cached: 0, dynamic: 0, missing: 0)
        for (index, item) in work.enumerated() {
            if progress { FileHandle.standardError.write(Data("\rrendering \(index + 1)/\(work.count)\u{1B}[K".utf8)) }
            let (prompt, language, text, settings) = (item.prompt, item.language, item.text, item.settings)
            let name = "\(prompt.id) [\(language.code)]"
            if let file = prompt.file, library.recording(id: prompt.id, language: language.code, explicitFile: file) == nil {
                counts.missing += 1
                report("\(name) missing recording \((flow.promptFolder as NSString).appendingPathComponent(file))", progress)
            }
            if item.isDynamic,
               library.recording(id: prompt.id, language: language.code, explicitFile: prompt.file) == nil {
                counts.dynamic += 1
                report("\(name) dynamic (synthesized during the call)", progress)
                continue
            }
            let audio: PromptLibrary.Audio
            do {
                audio = try library.audio(id: prompt.id, text: text, language: language.code, settings: settings,
                                          explicitFile: prompt.file)
            } catch {
                throw InputFailure(message: "\(self.flow): prompt \(prompt.id) [\(language.code)]: \(error)")
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

/// One prompt of a flow in one of its languages, with its text and voice.
struct FlowPrompt {
    let prompt: Prompt
    let language: FlowLanguage
    let text: String
    let settings: VoiceSettings

    /// Whether its text has call data in it (`{name}`): synthesized during the call.
    var isDynamic: Bool { !PromptText.placeholders(in: text).isEmpty }

    /// Every prompt of `flow` in every language, nodes by name.
    static func all(in flow: Flow) -> [FlowPrompt] {
        flow.nodes.values.sorted { $0.name < $1.name }.flatMap(\.prompts).flatMap { prompt in
            flow.languages.map { language in
                FlowPrompt(prompt: prompt, language: language,
                           text: prompt.text(for: language.code, default: flow.languages.first?.code ?? "en"),
                           settings: VoiceSettings(voice: language.voice, rate: language.rate, pitch: language.pitch, volume: language.volume))
            }
        }
    }
}
