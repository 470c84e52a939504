import Foundation
import IVRFlow
import Testing
@testable import IVRRecords

@Suite("Call records")
struct RecordStoreTests {
    @Test("a record follows the call's log: path, outcome, time in each node, choices")
    func recordFromLog() {
        let record = RecordFixtures.week[0]
        #expect(record.path == ["language", "main", "hours"])
        #expect(record.outcome.kind == "contained" && record.outcome.contained && record.outcome.detail == "faq hours")
        #expect(record.visits.map(\.node) == ["language", "main", "hours"])
        #expect(record.visits.map(\.kind) == ["menu", "menu", "message"])
        #expect(record.visits.map(\.seconds) == [5, 11.5, 23.5])
        #expect(record.visits[1].noInputs == 1 && record.visits[1].keyChoices == 1 && !record.visits[2].hungUp)
        let abandoned = RecordFixtures.week[3]
        #expect(abandoned.outcome.kind == "abandoned" && abandoned.endNode == "main" && abandoned.visits.last?.hungUp == true)
        let transferred = RecordFixtures.week[2]
        #expect(transferred.outcome.queue == "sales-vip" && transferred.outcome.priority == 1)
    }

    @Test("a call stopped by an error is recorded as failed, with what happened until then")
    func failedCall() throws {
        let steps = RecordFixtures.languageByKey
        var record = RecordFixtures.call(steps, outcome: .abandoned(node: "main"), duration: 6)
        record = CallRecord(flow: RecordFixtures.flow, callerNumber: nil, startedAt: RecordFixtures.day, duration: 6, outcome: nil,
                            failure: "ALSA device failed: No such device", log: record.events,
                            context: CallContext(callerNumber: nil, language: "en", tags: [], path: ["language", "main"], data: [:]),
                            source: "live")
        #expect(record.outcome.kind == "failed" && record.outcome.summary == "failed (ALSA device failed: No such device)")
        let store = try RecordStore(path: RecordFixtures.temporaryDatabase())
        try store.save(record)
        let report = try store.report()
        #expect(report.calls == 1 && report.outcomes.map(\.outcome) == ["failed"] && report.abandoned == 0)
    }

    @Test("saved calls keep their events, data masked; the same record twice is stored once", arguments: RecordFixtures.Engine.allCases)
    func saveAndReload(_ engine: RecordFixtures.Engine) throws {
        let store = try RecordFixtures.newStore(engine)
        var record = RecordFixtures.week[1]
        record.node = "ivr-2"
        try store.save(record)
        try store.save([record, RecordFixtures.week[0]])
        #expect(try store.callCount() == 2)
        let (events, visits, data) = try store.read { db in
            (try db.query("SELECT count(*) AS n FROM events", [])[0].int("n"), try db.query("SELECT count(*) AS n FROM visits", [])[0].int("n"),
             try db.query("SELECT data FROM calls WHERE uid = $1", [.text(record.uid)])[0].string("data"))
        }
        #expect(events == record.events.count + RecordFixtures.week[0].events.count)
        #expect(visits == record.visits.count + RecordFixtures.week[0].visits.count)
        #expect(data == #"{"account":"****5678"}"#)
        #expect(try store.callsPerNode() == ["ivr-2": 1, "": 1])
        // Reopening migrates nothing and finds the calls.
        #expect(try RecordStore(address: store.path).callCount() == 2)
    }

    @Test("the report's figures match a set of calls with known answers", arguments: RecordFixtures.Engine.allCases)
    func reportFigures(_ engine: RecordFixtures.Engine) throws {
        let store = try RecordFixtures.newStore(engine)
        try store.save(RecordFixtures.week)
        let report = try store.report()
        #expect(report.calls == 5)
        #expect(report.contained == 1 && abs(report.containmentRate - 0.2) < 1e-9)
        #expect(report.abandoned == 2 && abs(report.abandonmentRate - 0.4) < 1e-9)
        #expect(report.abandonedInMenus == 1 && report.abandonedInQueue == 1 && report.abandonedElsewhere == 0)
        #expect(abs(report.averageHandlingSeconds - 19.4) < 1e-9)
        #expect(report.transfers == [.init(queue: "billing", priority: 5, calls: 1), .init(queue: "sales-vip", priority: 1, calls: 1)])
        #expect(Set(report.abandonment.map(\.node)) == ["main", "billing"])
        let main = try #require(report.menus.first { $0.node == "main" })
        #expect(main.entries == 5 && main.turns == 7 && main.noInputs == 2 && main.noMatches == 1)
        #expect(abs(main.noInputRate - 2.0 / 7) < 1e-9 && abs(main.noMatchRate - 1.0 / 7) < 1e-9)
        #expect(main.keyChoices == 3 && main.speechChoices == 1 && main.hangUps == 1)
        #expect(abs(main.meanConfidence! - 0.8) < 1e-9)
        #expect(abs(main.averageSeconds - (11.5 + 3.5 + 2 + 15 + 1.5) / 5) < 1e-9)
        #expect(report.funnel.map(\.node).prefix(2).sorted() == ["language", "main"])
        #expect(report.funnel.first { $0.node == "billing" }?.calls == 2)
        #expect(report.paths.first?.path == "language > main > billing" && report.paths.first?.calls == 2)
        #expect(abs(report.paths.first!.averageSeconds - 13.5) < 1e-9)
        #expect(report.recognition.keyChoices == 8 && report.recognition.speechChoices == 1)
        #expect(abs(report.recognition.noMatchRate - 1.0 / 12) < 1e-9)
        let text = report.text
        #expect(text.contains("containment: 20.0 %") && text.contains("abandonment: 40.0 %"))
        #expect(text.contains("average handling time: 19.4 s"))
    }

    @Test("the report filters by time, flow and test runs", arguments: RecordFixtures.Engine.allCases)
    func reportFilters(_ engine: RecordFixtures.Engine) throws {
        let store = try RecordFixtures.newStore(engine)
        var calls = RecordFixtures.week
        calls[0].startedAt = RecordFixtures.day.addingTimeInterval(-7 * 86400)
        calls[1].flow = "other-desk"
        try store.save(calls)
        #expect(try store.report(.init(since: RecordFixtures.day)).calls == 4)
        #expect(try store.report(.init(until: RecordFixtures.day)).calls == 1)
        #expect(try store.report(.init(flow: "other-desk")).calls == 1)
        let tests = try store.report(.init(tests: true))
        #expect(tests.calls == 1 && tests.paths.first?.path == "language > main > hours" && tests.paths.first?.averageSeconds == 30)
        #expect(try store.report(.init(flow: "nothing")).calls == 0)
    }

    @Test("voicemails, callbacks and texts wait for the staff, and are marked handled", arguments: RecordFixtures.Engine.allCases)
    func inbox(_ engine: RecordFixtures.Engine) throws {
        let store = try RecordFixtures.newStore(engine)
        let steps = RecordFixtures.languageByKey
        let keeper = RecordKeeper(address: RecordFixtures.temporaryDatabase())
        let audio = (0..<4000).map { Int16(truncatingIfNeeded: $0 * 37) }
        let file = try keeper.storeMessage(audio, sampleRate: 8000, name: "message")
        let wav = try Data(contentsOf: URL(fileURLWithPath: file))
        try store.save([
            RecordFixtures.call(steps, outcome: .voicemail(box: "billing"), duration: 30,
                                voicemails: [VoicemailEntry(box: "billing", file: file, seconds: 7.5)]),
            RecordFixtures.call(steps, outcome: .callback(topic: "long wait"), duration: 40,
                                requests: [StaffRequest(kind: .callback, number: "+15551234567", topic: "long wait")]),
            RecordFixtures.call(steps, outcome: .text(topic: "password-reset"), duration: 40,
                                requests: [StaffRequest(kind: .text, number: "+15557654321", topic: "password-reset")]),
        ])
        let messages = try store.voicemails(state: "new")
        #expect(messages.count == 1 && messages[0].box == "billing" && messages[0].seconds == 7.5 && messages[0].caller == "+15550001111")
        // The audio: from the database itself with PostgreSQL (the file may be gone), else the file.
        if engine == .postgres { try FileManager.default.removeItem(atPath: file) }
        #expect(try store.voicemailAudio(messages[0]) == wav)
        let callbacks = try store.requests(.callback, state: "new")
        #expect(callbacks.map(\.number) == ["+15551234567"] && callbacks[0].topic == "long wait")
        #expect(try store.requests(.text).map(\.topic) == ["password-reset"])

        try store.markVoicemail(messages[0].id)
        try store.markRequest(.callback, callbacks[0].id)
        #expect(try store.voicemails(state: "new").isEmpty)
        #expect(try store.voicemails(state: "handled").count == 1)
        #expect(try store.requests(.callback, state: "new").isEmpty)
        #expect(try store.requests(.callback).first?.handledAt != nil)
        try store.markRequest(.callback, callbacks[0].id, handled: false)
        #expect(try store.requests(.callback, state: "new").count == 1)
        do {
            try store.markRequest(.text, 99)
            Issue.record("marking a request that does not exist succeeded")
        } catch {
            #expect(error.reason == "no text request with id 99")
        }
    }
}
