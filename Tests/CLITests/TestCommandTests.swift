import Foundation
import Testing

@Suite("ivr test")
struct TestCommandTests {
    @Test("every scenario of the example passes, with the time of each path")
    func example() throws {
        let result = try IVRProcess.run(["test", "\(IVRProcess.examples)/help-desk-scenarios.yaml"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.last == "22 passed, 0 failed", "\(lines)")
        #expect(lines.filter { $0.hasPrefix("PASS ") }.count == 22)
        #expect(lines.contains { $0.range(of: #"^ +\d+\.\d s  language > main > billing \(5 calls\)$"#, options: .regularExpression) != nil }, "\(lines)")
    }

    @Test("the pharmacy example's keypad habits pass: pound after a full entry, extensions sharing a key, star")
    func pharmacy() throws {
        let result = try IVRProcess.run(["test", "\(IVRProcess.examples)/pharmacy-scenarios.yaml", "--no-records"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.hasSuffix("10 passed, 0 failed\n"), "\(result.stdout)")
    }

    @Test("a failed expectation fails the run and says why")
    func failure() throws {
        let path = IVRProcess.temporaryFolder().appendingPathComponent("scenarios.yaml").path
        try """
        flow: \(IVRProcess.examples)/help-desk.yaml
        at: "2026-11-24T10:00:00-05:00"
        scenarios:
          - name: expects the wrong queue
            steps: [wait_prompt, press: "1", wait_prompt, press: "5"]
            expect: { outcome: transferred to billing, max_duration: 5 }
          - name: expects sales where the caller asks for billing
            steps: [wait_prompt, say: "english", wait_prompt, say: "billing"]
            expect: { outcome: transferred to sales }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try IVRProcess.run(["test", path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL expects the wrong queue"), "\(result.stdout)")
        #expect(result.stdout.contains("outcome 'transferred to sales (priority 5)', expected 'transferred to billing'"))
        #expect(result.stdout.contains("limit 5 s"))
        // A spoken step's failure says what the IVR heard.
        let spoken = result.stdout.split(separator: "\n").first { $0.hasPrefix("FAIL expects sales") }
        #expect(spoken?.contains("caller said \"english\"") == true && spoken?.contains("caller said \"billing\"") == true, "\(result.stdout)")
        #expect(result.stdout.hasSuffix("0 passed, 2 failed\n"))
        try "flow: x.yaml\nscenarios:\n  - steps: []\n".write(toFile: path, atomically: true, encoding: .utf8)
        let bad = try IVRProcess.run(["test", path])
        #expect(bad.status == 1 && bad.stderr.contains("a scenario needs a 'name'"), "\(bad.stderr)")
    }
}
