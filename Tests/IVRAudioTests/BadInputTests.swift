import Foundation
import IVRAudio
import Testing

@Suite("Bad input gives one clear error naming the file")
struct BadInputTests {
    static func expectFailure(_ path: String, mentioning words: String) {
        do {
            _ = try AudioFileSource(path: path, sampleRate: 8000).readAll()
            Issue.record("\(path) was read without an error")
        } catch let error as AudioError {
            #expect(error.path == path)
            #expect(error.description.hasPrefix(path + ": "))
            #expect(error.reason.lowercased().contains(words), "\(error)")
            #expect(!error.description.contains("\n"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func missingFile() {
        Self.expectFailure(TestSignals.temporaryFolder().appendingPathComponent("absent.wav").path,
                           mentioning: "no such file")
    }

    @Test func textFileNamedWav() throws {
        let path = TestSignals.temporaryFolder().appendingPathComponent("notes.wav").path
        try "this is not audio\n".write(toFile: path, atomically: true, encoding: .utf8)
        Self.expectFailure(path, mentioning: "not readable as audio")
    }

    @Test func zeroLengthFile() throws {
        let path = TestSignals.temporaryFolder().appendingPathComponent("empty.wav").path
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        Self.expectFailure(path, mentioning: "empty")
    }

    @Test("A WAV cut in its data chunk", arguments: [0.25, 0.5, 0.9])
    func truncatedWav(keptFraction: Double) throws {
        let good = try TestSignals.write(TestSignals.sine(500, rate: 8000, seconds: 1), rate: 8000)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let path = TestSignals.temporaryFolder().appendingPathComponent("cut.wav").path
        try bytes.prefix(Int(Double(bytes.count) * keptFraction)).write(to: URL(fileURLWithPath: path))
        Self.expectFailure(path, mentioning: "truncated")
    }

    @Test func headerOnlyFragment() throws {
        let good = try TestSignals.write(TestSignals.sine(500, rate: 8000, seconds: 0.1), rate: 8000)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let path = TestSignals.temporaryFolder().appendingPathComponent("fragment.wav").path
        try bytes.prefix(20).write(to: URL(fileURLWithPath: path))
        Self.expectFailure(path, mentioning: "not readable as audio")
    }
}
