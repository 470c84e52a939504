import Foundation
import IVRAudio
import IVRDSP
import IVRFlow
import IVRSpeech
import Yams

/// One scripted test call: who calls when, what the caller does, and what must come of it.
public struct Scenario {
    public enum Step: Equatable {
        /// Silence until a prompt of the IVR (the one playing, or the next) has played to its end.
        case waitPrompt
        case press(String)
        case say(String)
        /// Says the text only if the IVR is asking whether an unsure answer is what the caller
        /// said ("Did you say billing?"); nothing otherwise.
        case confirm(String)
        /// A recording the caller plays (a real caller's voice): any format, converted to the call's rate.
        case play(String)
        case silence(Double)
        case hangUp
    }

    public var name: String
    public var line: Int
    /// The caller's voice for `say` (the file's when nil).
    public var voice: String?
    public var callerID: String?
    /// When the call happens (opening hours): the scenario's `at`, the file's, or the time it runs.
    public var at: Date
    public var queues: [String: QueueStatus]
    /// Noise under the caller's audio, in dB SNR (none when nil).
    public var snr: Double?
    public var steps: [Step]
    /// The outcome's description must start with this.
    public var outcome: String?
    /// Nodes that must be visited, in this order (others may come between).
    public var visits: [String]
    /// Collected values the call must carry (as the context shows them: secrets masked).
    public var collected: [String: String]
    public var maxDuration: Double?
}

/// A scenario file: the flow it tests and its scenarios.
public struct ScenarioFile {
    public var flowPath: String
    public var scenarios: [Scenario]
    /// The voice the caller speaks with (not the IVR's): an eSpeak NG voice, `flite:NAME` or
    /// `festival:NAME`; `caller_voice`, else ``TestVoice/defaultCaller``.
    public var callerVoice: String

    /// Reads a scenario file; the error says what is wrong and where.
    public static func load(path: String) throws -> ScenarioFile {
        func fail(_ node: Node?, _ message: String) -> InputError {
            InputError(message: "\(path):\(node?.mark?.line ?? 0): \(message)")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw InputError(message: "\(path): no such file, or not readable") }
        guard let root = try Yams.compose(yaml: text), case .mapping(let top) = root else { throw InputError(message: "\(path): not a scenario file (a mapping with flow and scenarios)") }
        guard let flow = top["flow"]?.string else { throw fail(root, "no 'flow' (the flow file to test)") }
        let folder = (path as NSString).deletingLastPathComponent
        let flowPath = flow.hasPrefix("/") ? flow : (folder as NSString).appendingPathComponent(flow)
        let defaultAt = top["at"]?.string
        guard case .sequence(let items)? = top["scenarios"] else { throw fail(root, "no 'scenarios' list") }
        var scenarios: [Scenario] = []
        for item in items {
            guard case .mapping(let fields) = item, let name = fields["name"]?.string else { throw fail(item, "a scenario needs a 'name'") }
            for key in fields.keys.compactMap(\.string) where !["name", "voice", "caller_id", "at", "queues", "snr", "steps", "expect"].contains(key) {
                throw fail(item, "scenario '\(name)': unknown key '\(key)'")
            }
            var at = Date()  // without an `at` (the scenario's or the file's), the call happens now
            if let atText = fields["at"]?.string ?? defaultAt {
                guard let time = ISO8601DateFormatter().date(from: atText) else {
                    throw fail(item, "scenario '\(name)': 'at' must be a time like 2026-11-24T10:00:00-05:00")
                }
                at = time
            }
            var queues: [String: QueueStatus] = [:]
            if case .mapping(let entries)? = fields["queues"] {
                for (queue, figures) in entries {
                    queues[queue.string ?? ""] = QueueStatus(
                        waiting: figures["waiting"]?.int ?? 0, agentsFree: figures["agents_free"]?.int ?? 1,
                        estimatedWait: figures["estimated_wait"]?.float ?? Double(figures["estimated_wait"]?.int ?? 0))
                }
            }
            var steps: [Scenario.Step] = []
            for step in fields["steps"]?.array() ?? [] {
                if step.string == "wait_prompt" { steps.append(.waitPrompt); continue }
                if step.string == "hang_up" { steps.append(.hangUp); continue }
                guard case .mapping(let action) = step, let (key, value) = action.first.map({ ($0.key.string ?? "", $0.value) }) else {
                    throw fail(step, "scenario '\(name)': a step is wait_prompt, hang_up, press: KEYS, say: TEXT, confirm: TEXT, play: FILE or silence: SECONDS")
                }
                switch key {
                case "press": steps.append(.press(value.string ?? value.int.map(String.init) ?? ""))
                case "say": steps.append(.say(value.string ?? ""))
                case "confirm": steps.append(.confirm(value.string ?? "yes"))
                case "play":
                    guard let file = value.string, !file.isEmpty else { throw fail(step, "scenario '\(name)': play takes a recording's path") }
                    let recording = file.hasPrefix("/") ? file : (folder as NSString).appendingPathComponent(file)
                    // Read now, so that a missing or unreadable file is reported with its line.
                    do { _ = try AudioFileSource(path: recording, sampleRate: 8000) } catch {
                        throw fail(step, "scenario '\(name)': \(error)")
                    }
                    steps.append(.play(recording))
                case "silence":
                    let text = (value.string ?? "").replacingOccurrences(of: "s", with: "")
                    guard let seconds = value.float ?? Double(text) else { throw fail(step, "silence takes seconds, like 6s") }
                    steps.append(.silence(seconds))
                default: throw fail(step, "scenario '\(name)': unknown step '\(key)'")
                }
            }
            let expect = fields["expect"]
            var collected: [String: String] = [:]
            if case .mapping(let entries)? = expect?["collected"] {
                for (field, value) in entries { collected[field.string ?? ""] = value.string ?? value.int.map(String.init) ?? "" }
            }
            scenarios.append(Scenario(
                name: name, line: item.mark?.line ?? 0, voice: fields["voice"]?.string, callerID: fields["caller_id"]?.string,
                at: at, queues: queues,
                snr: fields["snr"]?.float ?? fields["snr"]?.int.map(Double.init), steps: steps,
                outcome: expect?["outcome"]?.string, visits: expect?["visits"]?.array().compactMap(\.string) ?? [],
                collected: collected, maxDuration: expect?["max_duration"]?.float ?? expect?["max_duration"]?.int.map(Double.init)))
        }
        return ScenarioFile(flowPath: flowPath, scenarios: scenarios, callerVoice: top["caller_voice"]?.string ?? TestVoice.defaultCaller.name)
    }
}

/// Bad input found while reading a file: one line.
public struct InputError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The caller of a scenario: makes its audio as the call goes, waiting for the IVR's prompts
/// when told to. Keys come from the tone generator, speech from eSpeak NG (or flite) in the
/// caller's voice, limited to the telephone band, or from a recording, with noise at the
/// scenario's SNR.
final class ScriptedCaller: AudioSource {
    let sampleRate: Int
    let frameLength: Int
    weak var engine: CallEngine?
    private var steps: [Scenario.Step]
    private var pending: [Int16] = []
    private var waiting = false
    private var waitedFrames = 0
    private var sawPrompt = false
    private var clock: Int64 = 0
    private let voice: TestVoice
    private let noiseScale: Double?
    private var noise = NoiseGenerator(seed: 17)

    init(steps: [Scenario.Step], sampleRate: Int, voice: String, snr: Double?) {
        self.steps = steps
        self.sampleRate = sampleRate
        frameLength = sampleRate / 100
        self.voice = TestVoice(voice)
        // Speech is scaled to about −20 dBFS RMS; noise is set against that.
        noiseScale = snr.map { 3277 / pow(10, $0 / 20) }
    }

    func read(into frame: inout AudioFrame) throws -> Bool {
        while pending.isEmpty {
            if waiting {
                // Until a prompt has played to its end (the one playing now, or the next).
                waitedFrames += 1
                let playingNow = engine?.isPlayingPrompt ?? false
                if playingNow { sawPrompt = true }
                if sawPrompt && !playingNow || waitedFrames > 6000 {
                    waiting = false
                } else {
                    pending = [Int16](repeating: 0, count: frameLength)
                    break
                }
            }
            guard !steps.isEmpty else { return false }
            switch steps.removeFirst() {
            case .waitPrompt:
                waiting = true
                waitedFrames = 0
                sawPrompt = engine?.isPlayingPrompt ?? false
            case .press(let keys):
                pending += try ToneGenerator(sampleRate: sampleRate).keys(keys, on: 0.1, off: 0.15)
            case .confirm(let text):
                if engine?.isConfirmingChoice == true { steps.insert(.say(text), at: 0) }
            case .say(let text):
                var speech = TestVoice.telephoneBand(try voice.speak(text, sampleRate: sampleRate), sampleRate: sampleRate)
                let rms = (speech.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(speech.count, 1))).squareRoot()
                let gain = rms > 0 ? 3277 / rms : 1
                speech = speech.map { Int16(clamping: Int((Double($0) * gain).rounded())) }
                pending += speech + [Int16](repeating: 0, count: sampleRate / 5)
            case .play(let path):
                pending += try AudioFileSource(path: path, sampleRate: sampleRate).readAll() + [Int16](repeating: 0, count: sampleRate / 5)
            case .silence(let seconds):
                pending += [Int16](repeating: 0, count: Int(seconds * Double(sampleRate)))
            case .hangUp:
                steps.removeAll()
                return false
            }
        }
        var chunk = Array(pending.prefix(frameLength))
        pending.removeFirst(chunk.count)
        chunk += [Int16](repeating: 0, count: frameLength - chunk.count)
        if let noiseScale {
            let added = noise.white(count: frameLength, rms: noiseScale)
            chunk = zip(chunk, added).map { Int16(clamping: Int((Double($0) + $1).rounded())) }
        }
        frame = AudioFrame(samples: chunk, sampleRate: sampleRate, timestamp: clock)
        clock += Int64(frameLength)
        return true
    }
}

/// The verdict on one scenario.
public struct ScenarioResult {
    public var scenario: Scenario
    public var call: CallResult
    public var failures: [String]
    public var passed: Bool { failures.isEmpty }
    /// Nodes visited, in order.
    public var path: [String] { call.log.filter { $0.event == "enter" }.map(\.node) }
}

/// Runs scenarios against their flow.
public enum ScenarioRunner {
    /// - Parameter lookups: where the flow's live tables are looked up (none: such lookups fail).
    public static func run(_ scenario: Scenario, flow: Flow, voice: String, prompts: PromptLibrary,
                           recognizer: SpeechRecognizer?, lookups: (any TableLookups)? = nil) throws -> ScenarioResult {
        let hangsUp = scenario.steps.last == .hangUp
        var settings = CallSettings(
            caller: CallerInfo(number: scenario.callerID), answeredAt: scenario.at,
            queueStatus: FixedQueueStatus(scenario.queues), sampleRate: 8000, secondsAfterInput: hangsUp ? 0 : 60)
        settings.lookups = lookups
        let engine = CallEngine(flow: flow, settings: settings, prompts: prompts, recognizer: recognizer)
        let caller = ScriptedCaller(steps: scenario.steps, sampleRate: 8000, voice: scenario.voice ?? voice, snr: scenario.snr)
        caller.engine = engine
        let call = try engine.run(caller: caller)
        var failures: [String] = []
        if let expected = scenario.outcome, !call.outcome.description.hasPrefix(expected) {
            failures.append("outcome '\(call.outcome.description)', expected '\(expected)'")
        }
        let path = call.log.filter { $0.event == "enter" }.map(\.node)
        var remaining = path[...]
        for node in scenario.visits {
            guard let index = remaining.firstIndex(of: node) else {
                failures.append("did not visit \(node) (path: \(path.joined(separator: " > ")))")
                break
            }
            remaining = remaining[(index + 1)...]
        }
        let context = call.commands.compactMap { if case .transfer(let request) = $0 { request.context } else { nil } }.first
        for (field, value) in scenario.collected {
            let logged = call.log.last { $0.event == "collected" && $0.detail["field"] == field }?.detail["value"]
            let actual = context?.data[field] ?? logged
            if actual != value { failures.append("\(field) is \(actual ?? "not collected"), expected \(value)") }
        }
        if let limit = scenario.maxDuration, call.duration > limit {
            failures.append(String(format: "took %.1f s, limit %.0f s", call.duration, limit))
        }
        if !failures.isEmpty {
            // What the IVR made of the caller's speech, to tell a misheard word from a flow's fault.
            let heard = call.transcript.map(\.text).filter { $0.hasPrefix("caller said") || $0.hasPrefix("(recognizer failed") }
            if !heard.isEmpty { failures.append(heard.joined(separator: "; ")) }
        }
        return ScenarioResult(scenario: scenario, call: call, failures: failures)
    }
}
