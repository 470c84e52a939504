import Foundation
import IVRAudio
import IVRDSP
import Testing

@Suite("ivr denoise")
struct DenoiseCommandTests {
    @Test("Hiss under tone bursts is reduced: the estimated SNR rises, length and rate are kept")
    func reducesHiss() throws {
        let folder = IVRProcess.temporaryFolder()
        let input = folder.appendingPathComponent("noisy.wav").path, output = folder.appendingPathComponent("clean.wav").path
        // Half a second of a 700 Hz tone, half a second without, three times, in white noise.
        let bursts = (0..<24000).map { i in (i / 4000) % 2 == 0 ? 6000 * sin(2 * Double.pi * 700 * Double(i) / 8000) : 0 }
        var noise = NoiseGenerator(seed: 7)
        let hiss = noise.white(count: bursts.count, rms: 1500)
        let writer = try SoundFileWriter(path: input, sampleRate: 8000)
        try writer.write(samples: zip(bursts, hiss).map { Int16(clamping: Int(($0 + $1).rounded())) })
        try writer.close()

        let result = try IVRProcess.run(["denoise", input, "-o", output, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let before = try #require(object["snr_db_before"] as? Double), after = try #require(object["snr_db_after"] as? Double)
        #expect(before < 20)
        #expect(after > before + 6, "\(result.stdout)")
        let info = try SoundFileReader(path: output).info
        #expect(info.sampleRate == 8000 && info.frames == 24000)
    }

    @Test("A file that is not audio: exit 1, one line naming it, nothing written")
    func notAudio() throws {
        let folder = IVRProcess.temporaryFolder()
        let input = folder.appendingPathComponent("text.wav").path, output = folder.appendingPathComponent("out.wav").path
        try "hello".write(toFile: input, atomically: true, encoding: .utf8)
        let result = try IVRProcess.run(["denoise", input, "-o", output])
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.hasPrefix(input + ": "))
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
