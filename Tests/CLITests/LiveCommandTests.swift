import Foundation
import Testing

@Suite("ivr live on pipes")
struct LiveCommandTests {
    @Test("raw PCM through real pipes: the call is paced by its input, the transcript on stderr")
    func pipes() throws {
        // sox writes the caller's raw PCM into a pipe; ivr reads it and writes the IVR's audio.
        let sox = Process()
        sox.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sox.arguments = ["sox", "\(IVRProcess.examples)/caller-hours.wav", "-t", "raw", "-e", "signed", "-b", "16", "-L", "-"]
        let ivr = Process()
        ivr.executableURL = IVRProcess.executable
        ivr.arguments = ["live", "--flow", "\(IVRProcess.examples)/help-desk.yaml", "--input", "-", "--output", "-", "--keypad-only",
                         "--no-records"]
        let link = Pipe(), output = Pipe(), errors = Pipe()
        sox.standardOutput = link
        ivr.standardInput = link
        ivr.standardOutput = output
        ivr.standardError = errors
        try sox.run()
        try ivr.run()
        let audio = output.fileHandleForReading.readDataToEndOfFile()
        let transcript = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ivr.waitUntilExit()
        sox.waitUntilExit()
        #expect(ivr.terminationStatus == 0, "\(transcript)")
        #expect(transcript.contains("caller pressed 2"))
        #expect(transcript.hasSuffix("outcome: contained (faq hours)\n"), "\(transcript)")
        // One frame out per frame in, for the length of the call (18.58 s at 8 kHz).
        #expect(abs(audio.count - 2 * 148_640) <= 160, "\(audio.count) bytes")
        let samples = audio.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        let level = (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(samples.count, 1))).squareRoot()
        #expect(level > 500, "the IVR's prompts are in the output")
    }

    @Test("a call through ALSA: the file plugin plays the caller in and records the IVR")
    func alsa() throws {
        let folder = IVRProcess.temporaryFolder()
        let callerRaw = folder.appendingPathComponent("caller.raw").path
        let ivrRaw = folder.appendingPathComponent("ivr.raw").path
        let config = folder.appendingPathComponent("asound.conf").path
        let sox = Process()
        sox.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sox.arguments = ["sox", "\(IVRProcess.examples)/caller-hours.wav", "-t", "raw", "-e", "signed", "-b", "16", "-L", callerRaw]
        try sox.run()
        sox.waitUntilExit()
        try """
        pcm.silent { type null }
        pcm.caller { type file slave.pcm "silent" file "/dev/null" infile "\(callerRaw)" format "raw" }
        pcm.line { type file slave.pcm "silent" file "\(ivrRaw)" format "raw" }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try IVRProcess.run([
            "live", "--flow", "\(IVRProcess.examples)/help-desk.yaml", "--capture", "caller", "--playback", "line",
            "--alsa-config", config, "--keypad-only",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("caller pressed 1") && result.stderr.hasSuffix("outcome: contained (faq hours)\n"), "\(result.stderr)")
        let written = try Data(contentsOf: URL(fileURLWithPath: ivrRaw))
        #expect(abs(written.count - 2 * 148_640) <= 160, "\(written.count) bytes")
        let missing = try IVRProcess.run([
            "live", "--flow", "\(IVRProcess.examples)/help-desk.yaml", "--capture", "nosuchdevice", "--alsa-config", config,
        ])
        #expect(missing.status == 1 && missing.stderr.contains("nosuchdevice: cannot open ALSA device"), "\(missing.stderr)")
    }

    @Test("--loop takes call after call until SIGTERM, which ends the call cleanly with its records")
    func loopUntilSignal() throws {
        let folder = IVRProcess.temporaryFolder()
        let config = folder.appendingPathComponent("loop.conf").path
        let recording = folder.appendingPathComponent("loop.wav").path
        let events = folder.appendingPathComponent("loop.jsonl").path
        let database = folder.appendingPathComponent("calls.sqlite").path
        // A capture that never ends: silence from the null plugin.
        try """
        pcm.silent { type null }
        pcm.quiet { type file slave.pcm "silent" file "/dev/null" format "raw" }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let ivr = Process()
        ivr.executableURL = IVRProcess.executable
        ivr.arguments = ["live", "--flow", "\(IVRProcess.examples)/help-desk.yaml", "--capture", "quiet", "--playback", "quiet",
                         "--alsa-config", config, "--keypad-only", "--loop", "--record", recording, "--events", events,
                         "--db", database]
        let errors = Pipe()
        ivr.standardError = errors
        try ivr.run()
        Thread.sleep(forTimeInterval: 1.5)
        ivr.terminate()
        let transcript = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ivr.waitUntilExit()
        #expect(ivr.terminationStatus == 0, "\(transcript.suffix(400))")
        // SIGTERM lands in a call, which it ends cleanly, or between two, where the loop just stops.
        let lastCall = transcript.components(separatedBy: "-> language").last ?? ""
        #expect(lastCall.contains("call ended (signal)") || lastCall.contains("IVR hangs up"), "\(transcript.suffix(400))")
        #expect(transcript.hasSuffix("\n") && transcript.split(separator: "\n").last?.hasPrefix("outcome: ") == true)
        #expect(FileManager.default.fileExists(atPath: recording) && FileManager.default.fileExists(atPath: events))
        // Every call of the loop left a record, the one the signal ended too (wherever it was).
        let report = try IVRProcess.run(["report", "--json"], database: database)
        let figures = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any]
        let ended = transcript.split(separator: "\n").filter { $0.hasPrefix("outcome: ") }.count
        #expect(ended >= 1 && figures?["calls"] as? Int == ended, "\(ended) calls ended: \(report.stdout)\(report.stderr)")
    }

    @Test("bad options and files are reported")
    func errors() throws {
        #expect(try IVRProcess.run(["live", "--flow", "\(IVRProcess.examples)/help-desk.yaml", "--input", "-", "--output", "-", "--rate", "11025"]).status == 2)
        let missing = try IVRProcess.run(["live", "--flow", "\(IVRProcess.examples)/help-desk.yaml", "--input", "/nonexistent.raw", "--output", "-"])
        #expect(missing.status == 1 && missing.stderr.contains("/nonexistent.raw"))
    }
}
