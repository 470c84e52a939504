import Foundation
import IVRAudio
import Testing

@Suite("ivr info")
struct InfoCommandTests {
    @Test("Describes a stereo 24-bit file with its levels")
    func describes() throws {
        let path = IVRProcess.temporaryFolder().appendingPathComponent("tone.wav").path
        let writer = try SoundFileWriter(path: path, sampleRate: 44100, channels: 2,
                                         format: SoundFileFormat(encoding: .pcm24))
        let tone = (0..<44100).flatMap { i -> [Float] in
            let x = Float(0.5 * sin(2 * Double.pi * 1000 * Double(i) / 44100)); return [x, x]
        }
        try writer.write(floats: tone)
        try writer.close()

        let result = try IVRProcess.run(["info", path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("24 bit"))
        #expect(result.stdout.contains("sample rate: 44100 Hz"))
        #expect(result.stdout.contains("channels:    2"))
        #expect(result.stdout.contains("duration:    1.000 s"))
        #expect(result.stdout.contains("peak:        -6.02 dBFS"))
        #expect(result.stdout.contains("rms:         -9.03 dBFS"))

        let json = try IVRProcess.run(["info", "--json", path])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["sample_rate"] as? Int == 44100)
        #expect(object?["rms_dbfs"] as? Double == -9.03)
    }

    @Test("Bad files: exit 1 and one line naming the file", arguments: ["missing", "text", "empty"])
    func badFile(kind: String) throws {
        let path = IVRProcess.temporaryFolder().appendingPathComponent("\(kind).wav").path
        switch kind {
        case "text": try "hello".write(toFile: path, atomically: true, encoding: .utf8)
        case "empty": _ = FileManager.default.createFile(atPath: path, contents: Data())
        default: break
        }
        let result = try IVRProcess.run(["info", path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix(path + ": ") == true)
    }

    @Test("Usage errors exit with status 2")
    func usage() throws {
        #expect(try IVRProcess.run(["info"]).status == 2)
        #expect(try IVRProcess.run(["info", "--no-such-flag", "x.wav"]).status == 2)
    }
}
