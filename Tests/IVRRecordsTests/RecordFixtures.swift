import Foundation
import IVRFlow
import IVRRecords
import Testing
import IVRTestSupport

/// Calls with known figures, written as the flow core logs them, on the example help desk.
enum RecordFixtures {
    static let flow: Flow = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/help-desk.yaml").path
        return try! FlowLoader.load(path: path)
    }()

    static let day = ISO8601DateFormatter().date(from: "2026-11-24T15:00:00Z")!

    /// A call from `(time, node, event, detail)` steps; nodes entered make its path.
    static func call(_ steps: [(Double, String, String, [String: String])], outcome: CallOutcome, duration: Double,
                     at date: Date = day, source: String = "file", requests: [StaffRequest] = [],
                     voicemails: [VoicemailEntry] = [], webhooks: [WebhookEndpoint] = []) -> CallRecord {
        let log = steps.map { CallLogEntry(time: $0.0, node: $0.1, event: $0.2, detail: $0.3) }
        let path = log.filter { $0.event == "enter" }.map(\.node)
        let context = CallContext(callerNumber: "+15550001111", language: "en", tags: [], path: path,
                                  data: ["account": "****5678"], intent: nil, verifiedAccount: nil, extensionNumber: nil)
        return CallRecord(flow: flow, callerNumber: context.callerNumber, startedAt: date, duration: duration,
                          outcome: outcome, log: log, context: context, requests: requests, voicemails: voicemails, source: source,
                          webhooks: webhooks)
    }

    static let languageByKey: [(Double, String, String, [String: String])] = [
        (0, "language", "enter", [:]), (4, "language", "choice", ["via": "key", "option": "english", "to": "main"]),
        (5, "main", "enter", [:]),
    ]

    /// Five real calls and one test call. Expected: containment 1/5, abandonment 2/5 (1 in a
    /// menu, 1 in queue), handling (40+12+10+20+15)/5 = 19.4 s; menu `main`: 5 entries, 7 turns,
    /// 2 no-inputs, 1 no-match, 3 key and 1 spoken choice, confidence 0.8, 1 hang-up.
    static var week: [CallRecord] {
        [
            call(languageByKey + [(10, "main", "no_input", ["try": "1"]), (16, "main", "choice", ["via": "key", "to": "hours"]),
                                  (16.5, "hours", "enter", [:]), (40, "hours", "outcome", [:])],
                 outcome: .contained("faq hours"), duration: 40),
            call(languageByKey + [(7, "main", "intent", ["intent": "billing", "confidence": "0.80"]),
                                  (8, "main", "choice", ["via": "speech", "to": "billing"]), (8.5, "billing", "enter", [:]),
                                  (12, "billing", "transfer", ["queue": "billing"])],
                 outcome: .transferred(queue: "billing", priority: 5), duration: 12),
            call(languageByKey + [(6, "main", "choice", ["via": "key", "to": "sales"]), (7, "sales", "enter", [:])],
                 outcome: .transferred(queue: "sales-vip", priority: 1), duration: 10),
            call(languageByKey + [(9, "main", "no_match", ["try": "1"]), (15, "main", "no_input", ["try": "2"]),
                                  (20, "main", "hangup", [:])],
                 outcome: .abandoned(node: "main"), duration: 20),
            call(languageByKey + [(6, "main", "choice", ["via": "key", "to": "billing"]), (6.5, "billing", "enter", [:]),
                                  (15, "billing", "hangup", [:])],
                 outcome: .abandoned(node: "billing"), duration: 15),
            call(languageByKey + [(6, "main", "choice", ["via": "key", "to": "hours"]), (6.5, "hours", "enter", [:])],
                 outcome: .contained("faq hours"), duration: 30, source: "test"),
        ]
    }

    /// The databases the records can live in.
    enum Engine: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    /// A new, empty records database of `engine`.
    static func newStore(_ engine: Engine) throws -> RecordStore {
        try RecordStore(address: newAddress(engine))
    }

    /// The address of a new, empty records database of `engine`.
    static func newAddress(_ engine: Engine) -> String {
        engine == .sqlite ? temporaryDatabase() : ScratchPostgres.shared.newDatabase()
    }

    static func temporaryDatabase() -> String {
        ScratchFolder.file("ivr.sqlite")
    }
}
