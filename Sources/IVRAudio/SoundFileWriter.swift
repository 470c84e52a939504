/// Writes 16-bit or float audio to a file through libsndfile; a mono writer is an ``AudioSink``.
public final class SoundFileWriter: AudioSink {
    public let path: String
    public let sampleRate: Int
    public let channels: Int
    private var handle: OpaquePointer?

    /// Creates (or replaces) `path`. `format` defaults to the one its extension names.
    public init(path: String, sampleRate: Int, channels: Int = 1, format: SoundFileFormat? = nil) throws(AudioError) {
        let chosen = format ?? .forPath(path)
        handle = try SndFile.openForWriting(path, sampleRate: sampleRate, channels: channels,
                                            format: SndFile.formatCode(chosen.container, chosen.encoding))
        self.path = path
        self.sampleRate = sampleRate
        self.channels = channels
    }

    deinit { if let handle { SndFile.close(handle) } }

    /// Writes interleaved 16-bit samples (`samples.count` must be a multiple of `channels`).
    public func write(samples: [Int16]) throws(AudioError) {
        let pointer = try open()
        let frames = samples.count / channels
        let written = samples.withUnsafeBufferPointer { SndFile.writeShorts(pointer, $0.baseAddress!, frames: frames) }
        if written != frames { throw AudioError(path: path, reason: "write failed: \(SndFile.error(pointer))") }
    }

    /// Writes interleaved float samples normalized to ±1 (values beyond clip).
    public func write(floats: [Float]) throws(AudioError) {
        let pointer = try open()
        let frames = floats.count / channels
        let written = floats.withUnsafeBufferPointer { SndFile.writeFloats(pointer, $0.baseAddress!, frames: frames) }
        if written != frames { throw AudioError(path: path, reason: "write failed: \(SndFile.error(pointer))") }
    }

    public func write(_ frame: AudioFrame) throws {
        guard frame.sampleRate == sampleRate else {
            throw AudioError(path: path, reason: "frame at \(frame.sampleRate) Hz written to a \(sampleRate) Hz file")
        }
        try write(samples: frame.samples)
    }

    /// Finishes the file (its header is written now).
    public func close() throws {
        if let handle { SndFile.close(handle) }
        handle = nil
    }

    private func open() throws(AudioError) -> OpaquePointer {
        guard let handle else { throw AudioError(path: path, reason: "written after close") }
        return handle
    }
}
