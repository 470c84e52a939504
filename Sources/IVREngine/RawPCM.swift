import Foundation
import IVRAudio

/// Raw 16-bit little-endian mono PCM from a file handle (a pipe, standard input), in 10 ms
/// frames: paced by whoever writes it.
public final class RawPCMSource: AudioSource {
    public let sampleRate: Int
    public let frameLength: Int
    private let handle: FileHandle
    private var clock: Int64 = 0
    private var carry = Data()

    public init(handle: FileHandle, sampleRate: Int) {
        self.handle = handle
        self.sampleRate = sampleRate
        frameLength = sampleRate / 100
    }

    public func read(into frame: inout AudioFrame) throws -> Bool {
        let bytes = 2 * frameLength
        while carry.count < bytes {
            let chunk = handle.readData(ofLength: bytes - carry.count)
            if chunk.isEmpty { break }
            carry.append(chunk)
        }
        guard !carry.isEmpty else { return false }
        var samples = [Int16](repeating: 0, count: frameLength)
        carry.withUnsafeBytes { raw in
            for index in 0..<min(frameLength, raw.count / 2) {
                samples[index] = Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * index, as: Int16.self))
            }
        }
        carry.removeFirst(min(bytes, carry.count))
        frame = AudioFrame(samples: samples, sampleRate: sampleRate, timestamp: clock)
        clock += Int64(frameLength)
        return true
    }
}

/// The IVR's side of a call as raw 16-bit little-endian PCM to a file handle (a pipe, standard
/// output), one 10 ms frame per caller frame.
public final class RawPCMOutput: CallAudioTap {
    private let handle: FileHandle

    public init(handle: FileHandle) { self.handle = handle }

    public func write(caller: [Int16], ivr: [Int16]) throws {
        let data = ivr.map(\.littleEndian).withUnsafeBufferPointer { Data(buffer: $0) }
        try handle.write(contentsOf: data)
    }
}
