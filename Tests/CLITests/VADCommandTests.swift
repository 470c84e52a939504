import Foundation
import Testing

@Suite("ivr vad")
struct VADCommandTests {
    /// A phrase from espeak-ng between silences, written at 22.05 kHz (converted by ivr).
    func phraseFile(_ name: String, silence: Double, text: String = "the quick brown fox jumps over the lazy dog") throws -> String {
        let folder = IVRProcess.temporaryFolder()
        let speech = folder.appendingPathComponent("\(name)-speech.wav").path
        let padded = folder.appendingPathComponent("\(name).wav").path
        try runTool("espeak-ng", ["-w", speech, text])
        try runTool("sox", [speech, padded, "pad", "\(silence)", "\(silence)"])
        return padded
    }

    func runTool(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(tool) failed")
    }

    @Test("prints one 'start end' line per segment, and JSON with --json")
    func segments() throws {
        let path = try phraseFile("fox", silence: 1)
        let result = try IVRProcess.run(["vad", path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.range(of: #"^\d+\.\d{3} \d+\.\d{3}$"#, options: .regularExpression) != nil }, "\(lines)")
        let first = lines.first.map { $0.split(separator: " ").compactMap { Double($0) } } ?? []
        #expect(first.count == 2 && abs(first[0] - 1.0) < 0.1, "\(lines)")

        let json = try IVRProcess.run(["vad", "--json", "--rate", "8000", path])
        let objects = json.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Double]
        }
        #expect(!objects.isEmpty && objects.allSatisfy { ($0["end"] ?? 0) > ($0["start"] ?? 1) })
    }

    @Test("a long --end-silence joins what a short one splits")
    func endSilence() throws {
        let path = try phraseFile("yes-no", silence: 0.5, text: "Yes. No. Maybe. Goodbye.")
        let short = try IVRProcess.run(["vad", "--end-silence", "0.05", path]).stdout.split(separator: "\n")
        let long = try IVRProcess.run(["vad", "--end-silence", "2", path]).stdout.split(separator: "\n")
        #expect(long.count == 1)
        #expect(short.count > long.count)
    }

    @Test("keypad tones give no segments; bad input is reported")
    func errors() throws {
        let folder = IVRProcess.temporaryFolder()
        let keys = folder.appendingPathComponent("vad-keys.wav").path
        #expect(try IVRProcess.run(["tones", "159#", "-o", keys]).status == 0)
        #expect(try IVRProcess.run(["vad", keys]).stdout == "")
        let text = folder.appendingPathComponent("not-audio.wav")
        try Data("hello".utf8).write(to: text)
        let bad = try IVRProcess.run(["vad", text.path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains(text.path))
        #expect(try IVRProcess.run(["vad", "--end-silence", "0", keys]).status == 2)
    }
}
