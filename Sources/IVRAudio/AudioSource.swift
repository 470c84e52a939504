/// Something that yields mono PCM in fixed-size frames (10 ms at the source's rate).
///
/// Sources own their buffers: ``read(into:)`` overwrites the caller's frame in place, so a
/// loop that reuses one frame allocates nothing per frame.
public protocol AudioSource: AnyObject {
    /// The rate of the frames this source yields.
    var sampleRate: Int { get }
    /// Samples per frame; every frame has this length (the last is padded with silence).
    var frameLength: Int { get }
    /// Fills `frame` with the next frame and returns true, or returns false at the end.
    func read(into frame: inout AudioFrame) throws -> Bool
}

/// Something that takes mono PCM frames: a file, a sound card, a pipe.
public protocol AudioSink: AnyObject {
    /// The rate the sink expects.
    var sampleRate: Int { get }
    /// Writes one frame's samples.
    func write(_ frame: AudioFrame) throws
    /// Flushes and releases the sink; later writes fail.
    func close() throws
}

extension AudioSource {
    /// Reads every remaining frame and returns the samples joined. For short files and tests;
    /// streaming code calls ``read(into:)``.
    public func readAll() throws -> [Int16] {
        var all: [Int16] = []
        var frame = AudioFrame(silenceOf: frameLength, sampleRate: sampleRate)
        while try read(into: &frame) { all.append(contentsOf: frame.samples) }
        return all
    }
}
