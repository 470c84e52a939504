import Foundation
import Testing

@Suite("Call records, the staff's inbox and ivr report")
struct RecordsCommandTests {
    private func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test("ivr call leaves a record that ivr report counts; --no-records leaves none")
    func callRecord() throws {
        let database = IVRProcess.temporaryFolder().appendingPathComponent("calls.sqlite").path
        let call = try IVRProcess.run(["call", "--flow", "\(IVRProcess.examples)/help-desk.yaml",
                                       "\(IVRProcess.examples)/caller-keys.wav", "--db", database])
        #expect(call.status == 0, "\(call.stderr)")
        let report = try IVRProcess.run(["report", "--db", database, "--json"])
        let figures = try #require(try json(report.stdout) as? [String: Any])
        #expect(figures["calls"] as? Int == 1 && figures["contained"] as? Int == 1)
        #expect((figures["paths"] as? [[String: Any]])?.first?["path"] as? String == "language > main > hours")

        let none = IVRProcess.temporaryFolder().appendingPathComponent("none.sqlite").path
        _ = try IVRProcess.run(["call", "--flow", "\(IVRProcess.examples)/help-desk.yaml",
                                "\(IVRProcess.examples)/caller-keys.wav", "--no-records"], database: none)
        let missing = try IVRProcess.run(["report", "--db", none])
        #expect(missing.status == 1 && missing.stderr.contains("no records database here"), "\(missing.stderr)")
    }

    @Test("a call that fails on an error is still recorded, as failed")
    func failedCall() throws {
        let folder = IVRProcess.temporaryFolder()
        let database = folder.appendingPathComponent("calls.sqlite").path
        let input = folder.appendingPathComponent("caller.raw").path
        try Data(count: 16000).write(to: URL(fileURLWithPath: input))
        // The IVR's audio goes to a device that is always full: the call fails on its first frame.
        let live = try IVRProcess.run(["live", "--flow", "\(IVRProcess.examples)/help-desk.yaml", "--input", input,
                                       "--output", "/dev/full", "--keypad-only"], database: database)
        #expect(live.status == 1 && live.stderr.contains("the call failed: ") && live.stderr.contains("No space left on device"),
                "\(live.stderr)")
        let report = try IVRProcess.run(["report", "--json"], database: database)
        let outcomes = try #require((try json(report.stdout) as? [String: Any])?["outcomes"] as? [[String: Any]])
        #expect(outcomes.first?["outcome"] as? String == "failed", "\(report.stdout)")
    }

    @Test("test calls leave voicemail, a callback and a text request for the staff, and a report of their paths")
    func inboxAfterTests() throws {
        let folder = IVRProcess.temporaryFolder()
        let database = folder.appendingPathComponent("calls.sqlite").path
        let scenarios = folder.appendingPathComponent("scenarios.yaml").path
        try """
        flow: \(IVRProcess.examples)/help-desk.yaml
        at: "2026-11-24T10:00:00-05:00"
        scenarios:
          - name: long wait, callback
            caller_id: "+15551234567"
            queues: { billing: { waiting: 12, agents_free: 0, estimated_wait: 900 } }
            steps: [wait_prompt, press: "1", wait_prompt, press: "1", wait_prompt, press: "1", wait_prompt, press: "1", wait_prompt, wait_prompt]
            expect: { outcome: callback requested (long wait) }
          - name: after hours voicemail
            at: "2026-11-22T10:00:00-05:00"
            steps: [wait_prompt, press: "1", wait_prompt, press: "1", wait_prompt, say: "Please call me back about my invoice.", silence: 6]
            expect: { outcome: voicemail (billing) }
          - name: text message
            caller_id: "+15557654321"
            steps: [wait_prompt, press: "1", wait_prompt, press: "4", wait_prompt, press: "1", wait_prompt, press: "1", wait_prompt, wait_prompt]
            expect: { outcome: text message requested (password-reset) }
          - name: hang up in the main menu
            steps: [wait_prompt, press: "1", silence: 2, hang_up]
            expect: { outcome: abandoned in main }
        """.write(toFile: scenarios, atomically: true, encoding: .utf8)
        let run = try IVRProcess.run(["test", scenarios], database: database)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")

        let messages = try #require(try json(IVRProcess.run(["voicemail", "list", "--json"], database: database).stdout) as? [[String: Any]])
        #expect(messages.count == 1 && messages.first?["box"] as? String == "billing")
        let file = try #require(messages.first?["file"] as? String)
        let info = try IVRProcess.run(["info", file, "--json"])
        let seconds = (try json(info.stdout) as? [String: Any])?["duration"] as? Double ?? 0
        #expect(seconds > 2, "\(info.stdout)")
        #expect(!FileManager.default.fileExists(atPath: file + ".partial"))

        let callbacks = try IVRProcess.run(["callbacks", "list"], database: database)
        #expect(callbacks.stdout.contains("+15551234567  long wait  new"), "\(callbacks.stdout)")
        let texts = try #require(try json(IVRProcess.run(["texts", "list", "--json"], database: database).stdout) as? [[String: Any]])
        #expect(texts.first?["number"] as? String == "+15557654321" && texts.first?["topic"] as? String == "password-reset")
        let id = try #require(texts.first?["id"] as? Int)
        #expect(try IVRProcess.run(["texts", "done", "\(id)"], database: database).status == 0)
        #expect(try IVRProcess.run(["texts", "list"], database: database).stdout == "no new text requests\n")
        let unknown = try IVRProcess.run(["callbacks", "done", "999"], database: database)
        #expect(unknown.status == 1 && unknown.stderr.contains("no callback request with id 999"), "\(unknown.stderr)")
        let messageID = try #require(messages.first?["id"] as? Int)
        #expect(try IVRProcess.run(["voicemail", "mark", "\(messageID)"], database: database).status == 0)
        #expect(try IVRProcess.run(["voicemail", "list"], database: database).stdout == "no new messages\n")

        // Test runs are reported apart from real calls.
        #expect(try IVRProcess.run(["report"], database: database).stdout == "calls: 0\n")
        let report = try IVRProcess.run(["report", "--tests", "--html", folder.appendingPathComponent("r.html").path], database: database)
        #expect(report.stdout.hasPrefix("calls: 4\n"), "\(report.stdout)")
        #expect(report.stdout.contains("containment: 75.0 %") && report.stdout.contains("abandonment: 25.0 % (1 call: 1 in menus"))
        #expect(report.stdout.contains("language > main > billing > voicemail-billing"))
        let page = try String(contentsOf: folder.appendingPathComponent("r.html"), encoding: .utf8)
        #expect(page.contains("75.0 %") && page.contains("<svg"))
    }

    @Test("bad dates and a missing database are clear errors")
    func badInput() throws {
        let date = try IVRProcess.run(["report", "--since", "last tuesday"])
        #expect(date.status == 2 && date.stderr.contains("--since must be a day like 2026-11-30"), "\(date.stderr)")
        let missing = try IVRProcess.run(["voicemail", "list", "--db", "/nonexistent/ivr.sqlite"])
        #expect(missing.status == 1 && missing.stderr.contains("/nonexistent/ivr.sqlite: no records database here"), "\(missing.stderr)")
    }
}
