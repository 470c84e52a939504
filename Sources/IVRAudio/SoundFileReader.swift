/// What a sound file's header says: format, rate, channels and length.
public struct SoundFileInfo: Sendable, Equatable {
    /// Container and encoding in libsndfile's words, e.g. "WAV (Microsoft), Signed 16 bit PCM".
    public let formatName: String
    public let sampleRate: Int
    public let channels: Int
    /// Length in frames (one sample per channel).
    public let frames: Int64
    /// Whether samples hold at most 16 bits (8/16-bit PCM, a-law, µ-law), so that reading them
    /// as 16-bit loses nothing.
    public let fitsSixteenBits: Bool

    /// Length in seconds.
    public var duration: Double { sampleRate > 0 ? Double(frames) / Double(sampleRate) : 0 }
}

/// Reads any file libsndfile understands (WAV, FLAC, AIFF, AU, a-law, µ-law, 24-bit, float…),
/// and Asterisk's header-less recordings by extension (`.ulaw`, `.alaw`, `.sln`, `.sln16`…;
/// `.gsm` libsndfile reads itself), as interleaved float samples normalized to ±1.
///
/// A file that is not audio, empty, or cut short fails at ``init(path:)`` with an
/// ``AudioError`` that names the file and the reason.
public final class SoundFileReader {
    public let path: String
    public let info: SoundFileInfo
    private let handle: OpaquePointer
    private var framesRead: Int64 = 0

    public init(path: String) throws(AudioError) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw AudioError(path: path, reason: "no such file")
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size == 0 {
            throw AudioError(path: path, reason: "the file is empty (0 bytes)")
        }
        let opened = try SndFile.openForReading(path)
        self.path = path
        self.handle = opened.pointer
        self.info = SoundFileInfo(formatName: SndFile.formatName(opened.format), sampleRate: opened.sampleRate,
                                  channels: opened.channels, frames: opened.frames,
                                  fitsSixteenBits: SndFile.fitsSixteenBits(opened.format))
        if let problem = Self.truncation(in: SndFile.log(opened.pointer)) {
            SndFile.close(opened.pointer)
            throw AudioError(path: path, reason: problem)
        }
        guard info.sampleRate > 0, info.channels > 0 else {
            SndFile.close(opened.pointer)
            throw AudioError(path: path, reason: "the header gives no sample rate or channel count")
        }
    }

    deinit { SndFile.close(handle) }

    /// Reads up to `maxFrames` frames, interleaved, into `buffer` (resized only when too small)
    /// and returns the number of frames read; 0 at the end.
    public func read(into buffer: inout [Float], maxFrames: Int) throws(AudioError) -> Int {
        let needed = maxFrames * info.channels
        if buffer.count < needed { buffer = [Float](repeating: 0, count: needed) }
        return try counted(buffer.withUnsafeMutableBufferPointer { SndFile.readFloats(handle, into: $0.baseAddress!, frames: maxFrames) })
    }

    /// Reads up to `maxFrames` interleaved frames as 16-bit samples into `buffer`, which must
    /// hold `maxFrames × channels`; returns the number of frames read, 0 at the end.
    public func read(into buffer: UnsafeMutablePointer<Int16>, maxFrames: Int) throws(AudioError) -> Int {
        try counted(SndFile.readShorts(handle, into: buffer, frames: maxFrames))
    }

    /// `count` frames more read; a read of nothing before the header's length is a cut file.
    private func counted(_ count: Int) throws(AudioError) -> Int {
        framesRead += Int64(count)
        if count == 0 && framesRead < info.frames {
            throw AudioError(path: path, reason: "cut short: read \(framesRead) of \(info.frames) frames (\(SndFile.error(handle)))")
        }
        return count
    }

    /// Recognizes libsndfile's log lines for a data chunk longer than the file holds
    /// (`data : 13490 (should be 2957)`). Its note that a data chunk of an odd number of bytes
    /// "should be an even number of bytes" is not one: one-byte encodings (a-law, µ-law, 8-bit)
    /// of an odd number of samples are whole, as libsndfile and sox write them.
    static func truncation(in log: String) -> String? {
        for line in log.split(separator: "\n") {
            let lower = line.lowercased()
            if lower.contains("truncated") || lower.contains("too large") || lower.contains("(should be") && lower.contains("data") {
                return "truncated: the header promises more audio than the file holds (\(line.trimmingCharacters(in: .whitespaces)))"
            }
        }
        return nil
    }
}

import Foundation
