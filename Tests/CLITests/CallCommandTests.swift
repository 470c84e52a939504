import Foundation
import Testing

@Suite("ivr call")
struct CallCommandTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples").path

    @Test("the example caller hears the opening hours and hangs up: contained")
    func example() throws {
        let events = IVRProcess.temporaryFolder().appendingPathComponent("events.jsonl").path
        let result = try IVRProcess.run([
            "call", "--flow", "\(Self.examples)/help-desk.yaml", "\(Self.examples)/caller-hours.wav",
            "--at", "2026-11-24T10:00:00-05:00", "--keypad-only", "--events", events,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.range(of: #"^\d\d:\d\d\.\d\d caller pressed 2$"#, options: .regularExpression) != nil })
        #expect(lines.contains { $0.hasSuffix("IVR: We are open Monday to Friday from 8 AM to 6 PM, and Saturday from 9 AM to 1 PM, Eastern time.") })
        #expect(lines.last == "outcome: contained (faq hours)")
        let logged = try String(contentsOfFile: events, encoding: .utf8).split(separator: "\n")
        #expect(logged.contains { $0.contains("\"event\":\"outcome\"") })
    }

    @Test("a broken flow or caller file is reported")
    func errors() throws {
        let bad = try IVRProcess.run(["call", "--flow", "/nonexistent.yaml", "\(Self.examples)/caller-hours.wav"])
        #expect(bad.status == 1 && bad.stderr.contains("/nonexistent.yaml"))
        let text = IVRProcess.temporaryFolder().appendingPathComponent("caller.wav")
        try Data("nope".utf8).write(to: text)
        let audio = try IVRProcess.run(["call", "--flow", "\(Self.examples)/help-desk.yaml", text.path])
        #expect(audio.status == 1 && audio.stderr.contains(text.path))
    }
}
