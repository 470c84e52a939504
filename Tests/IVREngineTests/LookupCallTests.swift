import Foundation
import IVRDSP
import IVREngine
import IVRFlow
import IVRSpeech
import Testing
import IVRTestSupport

/// A lookup service that answers after `seconds` (never, when nil), as a live system would.
final class TimedLookups: TableLookups, @unchecked Sendable {
    let seconds: Double?
    let answer: LookupResult
    private(set) var asked: [LookupRequest] = []

    init(answering answer: LookupResult, after seconds: Double?) {
        self.answer = answer
        self.seconds = seconds
    }

    func lookup(_ request: LookupRequest) -> PendingLookup {
        asked.append(request)
        let pending = PendingLookup()
        if let seconds { pending.fulfil(answer, seconds: seconds) }
        return pending
    }
}

@Suite("Lookups in whole calls on the audio clock")
struct LookupCallTests {
    static let yaml = """
    start: order
    tables:
      orders: { http: "http://127.0.0.1:9/orders/{key}", timeout: 2 }
    nodes:
      order: { type: collect, prompt: "Order number?", field: order_number, digits: 4, next: find, failure: sorry }
      find:
        type: lookup
        table: orders
        key: order_number
        wait_prompt: "One moment."
        wait_after: 0.5
        next: status
        failure: sorry
      status: { type: hangup, prompt: "Your order is {status}." }
      sorry: { type: hangup, prompt: "We cannot look that up now." }
    """

    func call(_ lookups: TimedLookups) throws -> CallResult {
        let path = ScratchFolder.file("lookup.yaml")
        try Self.yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let flow = try FlowLoader.load(path: path)
        var settings = CallSettings(secondsAfterInput: 10)
        settings.lookups = lookups
        let library = PromptLibrary(folder: flow.promptFolder, cache: PromptCache(synthesizer: SpeechSynthesizer(sampleRate: 8000)))
        let tones = ToneGenerator(sampleRate: 8000)
        let caller = tones.silence(seconds: 0.5) + (try tones.keys("4711")) + tones.silence(seconds: 12)
        return try CallEngine(flow: flow, settings: settings, prompts: library, recognizer: nil).run(caller: MemorySource(caller))
    }

    func entered(_ node: String, in result: CallResult) -> Double? {
        result.log.first { $0.event == "enter" && $0.node == node }?.time
    }

    @Test("an answer after 0.3 s: the row's value is spoken, 0.3 s after the lookup on the call's clock")
    func answered() throws {
        let lookups = TimedLookups(answering: .found(["status": "shipped"]), after: 0.3)
        let result = try call(lookups)
        #expect(lookups.asked.map(\.key) == ["4711"])
        let asked = try #require(entered("find", in: result))
        let status = try #require(entered("status", in: result))
        #expect(abs(status - asked - 0.3) < 0.02, "\(status - asked)")
        #expect(result.transcript.contains { $0.text == "IVR: Your order is shipped." })
        #expect(!result.transcript.contains { $0.text == "IVR: One moment." })
    }

    @Test("no answer: the wait prompt after 0.5 s, the failure path at the 2 s timeout (within 10 ms of the call's clock)")
    func hangs() throws {
        let result = try call(TimedLookups(answering: .notFound, after: nil))
        let asked = try #require(entered("find", in: result))
        let sorry = try #require(entered("sorry", in: result))
        #expect(abs(sorry - asked - 2) < 0.01, "\(sorry - asked)")
        let wait = try #require(result.transcript.first { $0.text == "IVR: One moment." })
        #expect(abs(wait.time - asked - 0.5) < 0.02)
        #expect(result.log.contains { $0.event == "lookup_failed" && $0.detail["reason"] == "no answer within 2 s" })
        #expect(result.transcript.contains { $0.text == "IVR: We cannot look that up now." })
    }
}
