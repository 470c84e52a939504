import Foundation
import Testing

@Suite("ivr dtmf and ivr tones")
struct DTMFCommandTests {
    @Test("Tones written by ivr tones are read back by ivr dtmf, at any rate")
    func roundTrip() throws {
        let folder = IVRProcess.temporaryFolder()
        for rate in ["8000", "16000", "44100"] {
            let path = folder.appendingPathComponent("keys-\(rate).wav").path
            let written = try IVRProcess.run(["tones", "0123456789*#ABCD", "--rate", rate, "-o", path])
            #expect(written.status == 0, "\(written.stderr)")
            let read = try IVRProcess.run(["dtmf", path])
            #expect(read.status == 0)
            #expect(read.stdout == "0123456789*#ABCD\n", "rate \(rate)")
        }
    }

    @Test("--json gives one object per digit with start and end in seconds")
    func json() throws {
        let path = IVRProcess.temporaryFolder().appendingPathComponent("keys.wav").path
        _ = try IVRProcess.run(["tones", "4,2", "--on", "0.1", "--off", "0.2", "-o", path])
        let result = try IVRProcess.run(["dtmf", "--json", path])
        let objects = result.stdout.split(separator: "\n").map {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.count == 2)
        #expect(objects.first??["digit"] as? String == "4")
        #expect(objects.last??["digit"] as? String == "2")
        // "4" from 0 to 0.1 s; then 0.2 s off and a one-second pause: "2" from 1.3 to 1.4 s.
        let start = objects.last??["start"] as? Double ?? 0, end = objects.last??["end"] as? Double ?? 0
        #expect(abs(start - 1.3) < 0.015 && abs(end - 1.4) < 0.015, "\(start) \(end)")
    }

    @Test("Call-progress tones are written and are not keys")
    func callProgress() throws {
        let path = IVRProcess.temporaryFolder().appendingPathComponent("busy.wav").path
        #expect(try IVRProcess.run(["tones", "--progress", "busy", "--seconds", "2", "-o", path]).status == 0)
        let info = try IVRProcess.run(["info", path])
        #expect(info.stdout.contains("duration:    2.000 s"))
        #expect(try IVRProcess.run(["dtmf", path]).stdout == "\n")
    }

    @Test("Bad keys and bad options are usage errors; bad files exit 1")
    func errors() throws {
        let path = IVRProcess.temporaryFolder().appendingPathComponent("x.wav").path
        let badKey = try IVRProcess.run(["tones", "12x", "-o", path])
        #expect(badKey.status == 2)
        #expect(badKey.stderr.contains("'x' is not a keypad key"))
        #expect(try IVRProcess.run(["dtmf", "--rate", "11025", path]).status == 2)
        let missing = try IVRProcess.run(["dtmf", path])
        #expect(missing.status == 1)
        #expect(missing.stderr == "\(path): no such file\n")
    }
}
