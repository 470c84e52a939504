import Foundation
import Testing

@Suite("ivr call")
struct CallCommandTests {
    @Test("the example caller hears the opening hours and hangs up: contained")
    func example() throws {
        let events = IVRProcess.temporaryFolder().appendingPathComponent("events.jsonl").path
        let recording = IVRProcess.temporaryFolder().appendingPathComponent("call.wav").path
        let result = try IVRProcess.run([
            "call", "--flow", "\(IVRProcess.examples)/help-desk.yaml", "\(IVRProcess.examples)/caller-hours.wav",
            "--at", "2026-11-24T10:00:00-05:00", "--keypad-only", "--events", events, "--record", recording,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.range(of: #"^\d\d:\d\d\.\d\d caller pressed 2$"#, options: .regularExpression) != nil })
        #expect(lines.contains { $0.hasSuffix("IVR: We are open Monday to Friday from 8 AM to 6 PM, and Saturday from 9 AM to 1 PM, Eastern time.") })
        #expect(lines.last == "outcome: contained (faq hours)")
        let logged = try String(contentsOfFile: events, encoding: .utf8).split(separator: "\n")
        #expect(logged.contains { $0.contains("\"event\":\"outcome\"") })
        // The recording: stereo, as long as the call, caller left and IVR right both heard.
        let info = try IVRProcess.run(["info", "--json", recording])
        let object = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any]
        #expect(object?["channels"] as? Int == 2, "\(info.stdout)")
        let duration = object?["duration"] as? Double ?? 0
        #expect(abs(duration - 18.58) < 0.05, "\(duration)")
        let left = IVRProcess.temporaryFolder().appendingPathComponent("caller-side.wav").path
        let sox = Process()
        sox.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sox.arguments = ["sox", recording, left, "remix", "1"]
        try sox.run()
        sox.waitUntilExit()
        #expect(try IVRProcess.run(["dtmf", left]).stdout == "122\n")
    }

    @Test("what the caller said below the flow's threshold is shown as not taken")
    func weakMatchNotTaken() throws {
        // The example caller speaks for four seconds before pressing keys; the help-desk flow's
        // recognizer finds a menu word in it with a confidence far below min_confidence.
        let result = try IVRProcess.run([
            "call", "--flow", "\(IVRProcess.examples)/help-desk.yaml", "\(IVRProcess.examples)/caller-keys.wav",
            "--at", "2026-11-24T10:00:00-05:00", "--no-records",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let weak = lines.filter { $0.contains("caller said") && $0.hasSuffix(": not taken)") }
        #expect(!weak.isEmpty, "\(result.stdout)")
        for line in weak {
            // "… (0.01, below 0.50: not taken)": the confidence is under the threshold named.
            let numbers = line.split(separator: "(").last!.split(whereSeparator: { ", :)".contains($0) }).compactMap { Double($0) }
            #expect(numbers.count == 2 && numbers[0] < numbers[1], "\(line)")
            // The flow did not act on it: the next line is the no-match reprompt.
            let next = lines.firstIndex(of: line).map { lines.index(after: $0) }
            #expect(next.map { lines[$0].hasSuffix("IVR: Sorry, I did not understand.") } == true, "\(result.stdout)")
        }
    }

    @Test("a broken flow or caller file is reported")
    func errors() throws {
        let bad = try IVRProcess.run(["call", "--flow", "/nonexistent.yaml", "\(IVRProcess.examples)/caller-hours.wav"])
        #expect(bad.status == 1 && bad.stderr.contains("/nonexistent.yaml"))
        let text = IVRProcess.temporaryFolder().appendingPathComponent("caller.wav")
        try Data("nope".utf8).write(to: text)
        let audio = try IVRProcess.run(["call", "--flow", "\(IVRProcess.examples)/help-desk.yaml", text.path])
        #expect(audio.status == 1 && audio.stderr.contains(text.path))
    }
}
