/// Reads any audio file as a stream of mono frames (10 ms unless asked) at a chosen rate.
///
/// A file of at most 16 bits a sample at the chosen rate (the usual telephone WAV) is read as
/// 16-bit samples straight into the frames, channels averaged in integers. Any other is read
/// as floats in blocks by ``SoundFileReader``, its channels averaged to mono, converted to
/// `sampleRate` by ``Resampler``, and rounded to 16 bits. Frames are `sampleRate / 100`
/// samples (or `frameLength`) on a sample clock that starts at 0; the last is padded with silence. Nothing is
/// allocated per frame. Every `ivr` command reads audio through this type.
public final class AudioFileSource: AudioSource {
    public let sampleRate: Int
    public let frameLength: Int
    /// The header of the file being read.
    public let fileInfo: SoundFileInfo
    public var path: String { reader.path }

    private let reader: SoundFileReader
    private let resampler: Resampler?
    /// Whether samples go from the file to the frames as 16-bit, without floats.
    private let direct: Bool
    private var block: [Float] = []
    private var block16: [Int16] = []
    private var mono: [Float] = []
    private var resampled: [Float] = []
    /// Mono samples at `sampleRate` not yet handed out, from `pendingStart` on.
    private var pending: [Int16] = []
    private var pendingStart = 0
    private var clock: Int64 = 0
    /// Samples of the file handed out so far, at `sampleRate` (the last frame's padding not counted).
    public private(set) var samplesDelivered: Int64 = 0
    private var finished = false
    private static let blockFrames = 32768

    /// Opens `path` for reading at `sampleRate` (the pipeline's 8,000 or 16,000, or any rate), in
    /// frames of `frameLength` samples (10 ms when nil; longer ones cost less per sample where
    /// nothing needs 10 ms frames).
    public init(path: String, sampleRate: Int, frameLength: Int? = nil) throws(AudioError) {
        reader = try SoundFileReader(path: path)
        fileInfo = reader.info
        self.sampleRate = sampleRate
        self.frameLength = max(1, frameLength ?? sampleRate / 100)
        resampler = fileInfo.sampleRate == sampleRate ? nil
            : try Resampler(from: Double(fileInfo.sampleRate), to: Double(sampleRate))
        direct = resampler == nil && fileInfo.fitsSixteenBits
        pending.reserveCapacity(2 * Self.blockFrames + self.frameLength)
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
            pending.withUnsafeBufferPointer { source in
                out.baseAddress!.update(from: source.baseAddress! + pendingStart, count: take)
            }
            for i in take..<frameLength { out[i] = 0 }
        }
        frame.sampleRate = sampleRate
        frame.timestamp = clock
        clock += Int64(frameLength)
        pendingStart += take
        samplesDelivered += Int64(take)
        return true
    }

    /// Reads one block from the file onto the end of `pending`, converted.
    private func fill() throws {
        if pendingStart > 0 {
            pending.removeSubrange(0..<pendingStart)
            pendingStart = 0
        }
        let count = direct ? try fillDirect() : try fillThroughFloats()
        if count == 0 { finished = true }
    }

    /// 16-bit samples: mono straight into `pending`, several channels averaged.
    private func fillDirect() throws -> Int {
        let channels = fileInfo.channels
        let start = pending.count
        if channels == 1 {
            pending.append(contentsOf: repeatElement(0, count: Self.blockFrames))
            let count = try pending.withUnsafeMutableBufferPointer { try reader.read(into: $0.baseAddress! + start, maxFrames: Self.blockFrames) }
            pending.removeLast(Self.blockFrames - count)
            return count
        }
        if block16.count < Self.blockFrames * channels { block16 = [Int16](repeating: 0, count: Self.blockFrames * channels) }
        let count = try block16.withUnsafeMutableBufferPointer { try reader.read(into: $0.baseAddress!, maxFrames: Self.blockFrames) }
        ChannelMixer.averageToMono(block16, frames: count, channels: channels, appendingTo: &pending)
        return count
    }

    /// Other samples: floats, mixed to mono, resampled when the rates differ, then rounded.
    private func fillThroughFloats() throws -> Int {
        let count = try reader.read(into: &block, maxFrames: Self.blockFrames)
        resampled.removeAll(keepingCapacity: true)
        if count == 0 {
            resampler?.flush(into: &resampled)
        } else {
            ChannelMixer.averageToMono(block, frames: count, channels: fileInfo.channels, into: &mono)
            if let resampler {
                mono.withUnsafeBufferPointer { resampler.process(UnsafeBufferPointer(rebasing: $0[0..<count]), into: &resampled) }
            } else {
                resampled.append(contentsOf: mono[0..<count])
            }
        }
        pending.append(contentsOf: resampled.lazy.map(SampleConversion.int16))
        return count
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

    /// Averages the channels of `frames` interleaved 16-bit frames, rounded to the nearest,
    /// onto the end of `mono`.
    public static func averageToMono(_ interleaved: [Int16], frames: Int, channels: Int, appendingTo mono: inout [Int16]) {
        mono.reserveCapacity(mono.count + frames)
        for i in 0..<frames {
            var sum = 0
            for c in 0..<channels { sum += Int(interleaved[i * channels + c]) }
            mono.append(Int16((Double(sum) / Double(channels)).rounded()))
        }
    }
}
