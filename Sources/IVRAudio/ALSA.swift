import CALSA
import Foundation

/// One ALSA PCM device, opened for capture or playback in 16-bit mono at the pipeline rate.
/// Every call into libasound is in this file. Underruns and overruns are recovered
/// (`snd_pcm_recover`) and counted; other errors end the stream.
public final class ALSAPCM {
    public enum Direction { case capture, playback }

    public let name: String
    public let sampleRate: Int
    /// Underruns (playback) or overruns (capture) recovered so far.
    public private(set) var recoveries = 0
    private var handle: OpaquePointer?

    /// Opens `name` (`default`, `plughw:1,0`, or a PCM of an ALSA configuration).
    public init(name: String, direction: Direction, sampleRate: Int, latencyMicroseconds: UInt32 = 60_000) throws(AudioError) {
        self.name = name
        self.sampleRate = sampleRate
        var pcm: OpaquePointer?
        let stream = direction == .capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK
        let opened = snd_pcm_open(&pcm, name, stream, 0)
        guard opened >= 0, let pcm else { throw AudioError(path: name, reason: "cannot open ALSA device: \(Self.message(opened))") }
        let configured = snd_pcm_set_params(pcm, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED, 1,
                                            UInt32(sampleRate), 1, latencyMicroseconds)
        guard configured >= 0 else {
            snd_pcm_close(pcm)
            throw AudioError(path: name, reason: "cannot use 16-bit mono at \(sampleRate) Hz: \(Self.message(configured))")
        }
        handle = pcm
    }

    deinit { close() }

    /// Reads exactly `samples.count` samples; false at the end of the stream.
    public func read(into samples: inout [Int16]) throws(AudioError) -> Bool {
        guard let handle else { return false }
        var done = 0
        while done < samples.count {
            let count = samples.count - done
            let result = samples.withUnsafeMutableBufferPointer { snd_pcm_readi(handle, $0.baseAddress! + done, snd_pcm_uframes_t(count)) }
            if result > 0 {
                done += Int(result)
            } else if result == 0 || result == -Int(EAGAIN) {
                continue
            } else {
                try recover(Int32(result))
                if result == -Int(ENODEV) { return false }
            }
        }
        return true
    }

    /// Writes all `samples` (blocking while the device's buffer is full).
    public func write(_ samples: [Int16]) throws(AudioError) {
        guard let handle else { return }
        var done = 0
        while done < samples.count {
            let count = samples.count - done
            let result = samples.withUnsafeBufferPointer { snd_pcm_writei(handle, $0.baseAddress! + done, snd_pcm_uframes_t(count)) }
            if result >= 0 {
                done += Int(result)
            } else {
                try recover(Int32(result))
            }
        }
    }

    /// Drops what is queued in the device (barge-in) and makes it ready again.
    public func dropQueued() {
        guard let handle else { return }
        snd_pcm_drop(handle)
        snd_pcm_prepare(handle)
    }

    /// Waits until everything written has played.
    public func drain() {
        if let handle { snd_pcm_drain(handle) }
    }

    public func close() {
        if let handle { snd_pcm_close(handle) }
        handle = nil
    }

    private func recover(_ error: Int32) throws(AudioError) {
        guard let handle else { return }
        if error == -EPIPE || error == -ESTRPIPE { recoveries += 1 }
        guard snd_pcm_recover(handle, error, 1) >= 0 else {
            throw AudioError(path: name, reason: "ALSA device failed: \(Self.message(error))")
        }
    }

    private static func message(_ error: Int32) -> String {
        String(cString: snd_strerror(error))
    }
}

/// The caller's side from an ALSA capture device, in 10 ms frames.
public final class ALSACaptureSource: AudioSource {
    public let sampleRate: Int
    public let frameLength: Int
    public let device: ALSAPCM
    private var clock: Int64 = 0
    private var buffer: [Int16]

    public init(device name: String, sampleRate: Int) throws(AudioError) {
        device = try ALSAPCM(name: name, direction: .capture, sampleRate: sampleRate)
        self.sampleRate = sampleRate
        frameLength = sampleRate / 100
        buffer = [Int16](repeating: 0, count: frameLength)
    }

    public func read(into frame: inout AudioFrame) throws -> Bool {
        guard try device.read(into: &buffer) else { return false }
        frame = AudioFrame(samples: buffer, sampleRate: sampleRate, timestamp: clock)
        clock += Int64(frameLength)
        return true
    }
}
