import Foundation
import IVRAudio

/// Synthesized prompts kept by text and voice settings, in memory and (when given a folder) as
/// WAV files, so that a call never waits for the synthesis of a fixed prompt.
public final class PromptCache: @unchecked Sendable {
    /// Where a prompt's audio came from.
    public enum Source: Sendable, Equatable {
        case memory, disk, synthesized
    }

    public let synthesizer: SpeechSynthesizer
    /// Folder of cached WAV files (`nil`: memory only).
    public let folder: String?
    private var entries: [String: [Int16]] = [:]
    private let lock = NSLock()

    public init(synthesizer: SpeechSynthesizer, folder: String? = nil) {
        self.synthesizer = synthesizer
        self.folder = folder
    }

    /// The audio of `text` spoken with `settings`, from the cache if it is there.
    public func audio(for text: String, settings: VoiceSettings) throws -> (samples: [Int16], source: Source) {
        let key = Self.key(text: text, settings: settings, sampleRate: synthesizer.sampleRate)
        if let samples = lock.withLock({ entries[key] }) { return (samples, .memory) }
        if let path = path(for: key), FileManager.default.fileExists(atPath: path),
           let source = try? AudioFileSource(path: path, sampleRate: synthesizer.sampleRate),
           source.fileInfo.sampleRate == synthesizer.sampleRate,
           let padded = try? source.readAll() {
            // Whole frames are read; the file holds exactly what was synthesized.
            let samples = Array(padded.prefix(Int(source.fileInfo.frames)))
            lock.withLock { entries[key] = samples }
            return (samples, .disk)
        }
        let samples = try synthesizer.synthesize(text, settings: settings)
        lock.withLock { entries[key] = samples }
        if let path = path(for: key) { try? store(samples, at: path) }
        return (samples, .synthesized)
    }

    /// A stable name for text + settings + rate (FNV-1a, 64 bits, in hex).
    public static func key(text: String, settings: VoiceSettings, sampleRate: Int) -> String {
        let description = "\(settings.voice)|\(settings.rate)|\(settings.pitch)|\(settings.volume)|\(sampleRate)|\(text)"
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in description.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    private func path(for key: String) -> String? {
        folder.map { ($0 as NSString).appendingPathComponent("\(key).wav") }
    }

    /// Writes under a temporary name and renames, so that no reader sees half a file.
    private func store(_ samples: [Int16], at path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let temporary = path + ".\(ProcessInfo.processInfo.processIdentifier).tmp.wav"
        let writer = try SoundFileWriter(path: temporary, sampleRate: synthesizer.sampleRate)
        try writer.write(samples: samples)
        try writer.close()
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw SpeechError.synthesizer("\(path): cannot be written to the prompt cache")
        }
    }
}
