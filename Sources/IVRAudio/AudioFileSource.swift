/// Reads any audio file as a stream of mono 10 ms frames at a chosen rate.
///
/// The file is read in blocks by ``SoundFileReader``, its channels averaged to mono, converted
/// to `sampleRate` by ``Resampler`` when the rates differ, and cut into frames of
/// `sampleRate / 100` samples on a sample clock that starts at 0. The last frame is padded
/// with silence. Every `ivr` command reads audio through this type.
public final class AudioFileSource: AudioSource {
    public let sampleRate: Int
    public let frameLength: Int
    /// The header of the file being read.
    public let fileInfo: SoundFileInfo
    public var path: String { reader.path }

    private let reader: SoundFileReader
    private let resampler: Resampler?
    private var block: [Float] = []
    private var mono: [Float] = []
    private var pending: [Float] = []
    private var pendingStart = 0
    private var clock: Int64 = 0
    private var finished = false
    private static let blockFrames = 4096

    /// Opens `path` for reading at `sampleRate` (the pipeline's 8,000 or 16,000, or any rate).
    public init(path: String, sampleRate: Int) throws(AudioError) {
        reader = try SoundFileReader(path: path)
        fileInfo = reader.info
        self.sampleRate = sampleRate
        frameLength = max(1, sampleRate / 100)
        resampler = fileInfo.sampleRate == sampleRate ? nil
            : try Resampler(from: Double(fileInfo.sampleRate), to: Double(sampleRate))
    }

    public func read(into frame: inout AudioFrame) throws -> Bool {
        while pending.count - pendingStart < frameLength && !finished {
            try fill()
        }
        let available = pending.count - pendingStart
        guard available > 0 else { return false }
        if frame.samples.count != frameLength { frame.samples = [Int16](repeating: 0, count: frameLength) }
        let take = min(available, frameLength)
        frame.samples.withUnsafeMutableBufferPointer { out in
            for i in 0..<take { out[i] = SampleConversion.int16(pending[pendingStart + i]) }
            for i in take..<frameLength { out[i] = 0 }
        }
        frame.sampleRate = sampleRate
        frame.timestamp = clock
        clock += Int64(frameLength)
        pendingStart += take
        return true
    }

    /// Reads one block from the file into `pending`, converted.
    private func fill() throws {
        if pendingStart > 0 {
            pending.removeSubrange(0..<pendingStart)
            pendingStart = 0
        }
        let count = try reader.read(into: &block, maxFrames: Self.blockFrames)
        if count == 0 {
            finished = true
            resampler?.flush(into: &pending)
            return
        }
        ChannelMixer.averageToMono(block, frames: count, channels: fileInfo.channels, into: &mono)
        if let resampler {
            mono.withUnsafeBufferPointer { resampler.process(UnsafeBufferPointer(rebasing: $0[0..<count]), into: &pending) }
        } else {
            pending.append(contentsOf: mono[0..<count])
        }
    }
}

/// Mixes interleaved multichannel audio down to mono.
public enum ChannelMixer {
    /// Averages the channels of `frames` interleaved frames into `mono` (resized only when too small).
    public static func averageToMono(_ interleaved: [Float], frames: Int, channels: Int, into mono: inout [Float]) {
        if mono.count < frames { mono = [Float](repeating: 0, count: frames) }
        if channels == 1 {
            for i in 0..<frames { mono[i] = interleaved[i] }
            return
        }
        let scale = 1 / Float(channels)
        for i in 0..<frames {
            var sum: Float = 0
            for c in 0..<channels { sum += interleaved[i * channels + c] }
            mono[i] = sum * scale
        }
    }
}
