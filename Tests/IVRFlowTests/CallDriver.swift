import Foundation
@testable import IVRFlow
import IVRTestSupport

/// Plays the engine's part for a ``CallSession`` without audio: prompts take two seconds each
/// unless interrupted, keys come 0.3 s apart, and timers fire when the clock passes the
/// session's deadline.
final class CallDriver {
    let session: CallSession
    private(set) var time = 0.0
    private(set) var commands: [CallCommand] = []
    private var playing = 0

    init(_ flow: Flow, caller: CallerInfo = .init(), at date: Date = CallDriver.weekdayMorning,
         queues: [String: QueueStatus] = [:]) {
        session = CallSession(flow: flow, caller: caller, answeredAt: date, queueStatus: FixedQueueStatus(queues))
    }

    /// Tuesday 2026-11-24, 10:00 in New York (the example's office hours).
    static let weekdayMorning = date("2026-11-24T10:00:00-05:00")
    static let sundayMorning = date("2026-11-22T10:00:00-05:00")
    static let christmasMorning = date("2026-12-25T10:00:00-05:00")

    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @discardableResult
    func send(_ event: CallEvent) -> [CallCommand] {
        let result = session.handle(event, at: time)
        commands += result
        if result.contains(.stopPrompt) { playing = 0 }
        playing += result.filter { if case .play = $0 { true } else { false } }.count
        return result
    }

    func answer() { send(.answered) }

    /// Lets every prompt under way play to its end (and those that follow them).
    func listen() {
        while playing > 0 && session.outcome == nil {
            time += 2
            playing -= 1
            send(.promptFinished)
        }
    }

    /// Presses keys after the prompts end, or during them with `bargeIn`.
    func press(_ keys: String, bargeIn: Bool = false) {
        if !bargeIn { listen() }
        for key in keys {
            time += 0.3
            send(.digit(key))
        }
    }

    /// Lets `seconds` pass with the prompts still playing, firing the session's timer if due.
    func timePasses(_ seconds: Double) {
        time += seconds
        if let deadline = session.deadline, deadline <= time { send(.timer) }
    }

    /// Speaks an intent after the prompts (the recognizer's result 1 s after speech starts).
    func say(_ intent: String, confidence: Double = 0.9, bargeIn: Bool = false) {
        if !bargeIn { listen() }
        time += 0.2
        send(.speechStarted)
        time += 1
        send(.intent(intent, confidence: confidence, words: intent))
    }

    /// Stays silent for `seconds` after the prompts, letting timers fire and reprompts play.
    func silence(_ seconds: Double) {
        listen()
        let end = time + seconds
        while session.outcome == nil, let deadline = session.deadline, deadline <= end {
            time = max(time, deadline)
            send(.timer)
            listen()
        }
        time = max(time, end)
    }

    func hangUp() { send(.hangup) }

    var outcome: CallOutcome? { session.outcome }

    /// Nodes entered, in order.
    var path: [String] { session.log.filter { $0.event == "enter" }.map(\.node) }

    /// Every prompt played, as its text.
    var spoken: [String] {
        commands.compactMap { if case .play(let playback) = $0 { playback.text } else { nil } }
    }

    var plays: [PromptPlayback] {
        commands.compactMap { if case .play(let playback) = $0 { playback } else { nil } }
    }

    var lastListen: ListenRequest? {
        commands.reversed().lazy.compactMap { if case .listen(let request) = $0 { request } else { nil } }.first
    }

    func events(_ name: String) -> [CallLogEntry] { session.log.filter { $0.event == name } }

    /// The whole log as text, to check that no secret appears in it.
    var logText: String {
        session.log.map { "\($0.event) \($0.detail.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))" }
            .joined(separator: "\n")
    }
}

/// A call to the example help desk that chose English by key: in its main menu.
func inHelpDeskMainMenu() throws -> CallDriver {
    let call = CallDriver(try helpDeskFlow())
    call.answer()
    call.press("1")
    return call
}

/// The example help desk flow of the repository.
func helpDeskFlow() throws -> Flow {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/help-desk.yaml").path
    return try FlowLoader.load(path: path)
}

/// Writes `yaml` (and any extra files) into a fresh folder and checks it.
func checkFlow(_ yaml: String, files: [String: String] = [:]) throws -> (Flow?, [FlowProblem]) {
    let folder = ScratchFolder.make("flow")
    for (name, content) in files {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try content.write(to: url, atomically: true, encoding: .utf8)
    }
    let path = folder.appendingPathComponent("flow.yaml").path
    try yaml.write(toFile: path, atomically: true, encoding: .utf8)
    return FlowLoader.check(path: path)
}

func loadFlow(_ yaml: String, files: [String: String] = [:]) throws -> Flow {
    let (flow, problems) = try checkFlow(yaml, files: files)
    guard let flow, problems.isEmpty else { throw FlowErrors(problems: problems) }
    return flow
}
