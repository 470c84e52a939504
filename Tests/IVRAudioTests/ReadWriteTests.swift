import Foundation
import IVRAudio
import Testing

@Suite("Reading and writing audio files")
struct ReadWriteTests {
    @Test("16-bit WAV round trip is exact and framed in 10 ms")
    func roundTrip() throws {
        let samples: [Int16] = (0..<1234).map { Int16(truncatingIfNeeded: $0 &* 977) }
        let path = TestSignals.temporaryFolder().appendingPathComponent("exact.wav").path
        let writer = try SoundFileWriter(path: path, sampleRate: 8000)
        try writer.write(samples: samples)
        try writer.close()

        let source = try AudioFileSource(path: path, sampleRate: 8000)
        #expect(source.fileInfo.frames == 1234)
        #expect(source.frameLength == 80)
        var frame = AudioFrame(silenceOf: 80, sampleRate: 8000)
        var read: [Int16] = []
        var expectedClock: Int64 = 0
        while try source.read(into: &frame) {
            #expect(frame.samples.count == 80)
            #expect(frame.timestamp == expectedClock)
            expectedClock += 80
            read.append(contentsOf: frame.samples)
        }
        #expect(read.count == 1280)  // 16 frames, the last padded
        #expect(Array(read.prefix(1234)) == samples)
        #expect(read.suffix(46).allSatisfy { $0 == 0 })
    }

    @Test("Frames of any length give the file's samples, across the reader's blocks", arguments: [80, 4000])
    func longFrames(frameLength: Int) throws {
        let samples: [Int16] = (0..<70_001).map { Int16(truncatingIfNeeded: $0 &* 7919) }
        let path = TestSignals.temporaryFolder().appendingPathComponent("long-\(frameLength).wav").path
        let writer = try SoundFileWriter(path: path, sampleRate: 8000)
        try writer.write(samples: samples)
        try writer.close()

        let source = try AudioFileSource(path: path, sampleRate: 8000, frameLength: frameLength)
        #expect(source.frameLength == frameLength)
        var frame = AudioFrame(silenceOf: frameLength, sampleRate: 8000)
        var read: [Int16] = []
        while try source.read(into: &frame) {
            #expect(frame.samples.count == frameLength && frame.timestamp == Int64(read.count))
            read.append(contentsOf: frame.samples)
        }
        let whole = (samples.count + frameLength - 1) / frameLength * frameLength
        #expect(read.count == whole)
        #expect(Array(read.prefix(samples.count)) == samples)
        #expect(read.dropFirst(samples.count).allSatisfy { $0 == 0 })
    }

    @Test("Frame source as an AudioSink: mono writer accepts frames at its rate only")
    func sinkRate() throws {
        let path = TestSignals.temporaryFolder().appendingPathComponent("sink.wav").path
        let writer = try SoundFileWriter(path: path, sampleRate: 16000)
        try writer.write(AudioFrame(silenceOf: 160, sampleRate: 16000))
        #expect(throws: AudioError.self) { try writer.write(AudioFrame(silenceOf: 80, sampleRate: 8000)) }
        try writer.close()
        #expect(try SoundFileReader(path: path).info.frames == 160)
    }

    static let formats: [(SoundFileFormat, Double)] = [
        (SoundFileFormat(container: .wav, encoding: .pcm16), 0.05),
        (SoundFileFormat(container: .wav, encoding: .pcm24), 0.05),
        (SoundFileFormat(container: .wav, encoding: .float32), 0.05),
        (SoundFileFormat(container: .wav, encoding: .aLaw), 0.1),
        (SoundFileFormat(container: .wav, encoding: .muLaw), 0.1),
        (SoundFileFormat(container: .flac, encoding: .pcm16), 0.05),
        (SoundFileFormat(container: .aiff, encoding: .pcm24), 0.05),
        (SoundFileFormat(container: .au, encoding: .muLaw), 0.1),
    ]

    @Test("Every encoding reads back as the same tone", arguments: formats)
    func encodings(format: SoundFileFormat, toleranceDB: Double) throws {
        let tone = TestSignals.sine(440, rate: 8000, seconds: 0.5, amplitude: 0.5)
        let path = try TestSignals.write(tone, rate: 8000, format: format,
                                         name: "tone.\(format.container.rawValue)")
        let source = try AudioFileSource(path: path, sampleRate: 8000)
        let samples = try source.readAll()
        let level = TestSignals.rmsDB(samples, 400..<3600)
        #expect(abs(level - (20 * log10(0.5) - 3.0103)) < toleranceDB, "\(format): \(level) dBFS")
        #expect(abs(TestSignals.frequency(samples, 400..<3600, rate: 8000) - 440) < 0.5)
    }

    @Test("One-byte encodings of an odd number of samples (the data chunk padded to even) read whole",
          arguments: [SoundFileFormat.Encoding.aLaw, .muLaw, .pcmU8])
    func oddLengthOneByteEncodings(encoding: SoundFileFormat.Encoding) throws {
        let tone = TestSignals.sine(440, rate: 8000, seconds: 0.5, amplitude: 0.5) + [0]
        let path = try TestSignals.write(tone, rate: 8000, format: SoundFileFormat(container: .wav, encoding: encoding),
                                         name: "odd-\(encoding.rawValue).wav")
        let samples = try AudioFileSource(path: path, sampleRate: 8000).readAll()
        #expect(samples.count >= 4001)
        #expect(abs(TestSignals.frequency(samples, 400..<3600, rate: 8000) - 440) < 0.5)
    }

    @Test("Asterisk's header-less recordings are read by their extension, at its rate",
          arguments: [("ulaw", SoundFileFormat.Encoding.muLaw, 8000), ("alaw", .aLaw, 8000), ("sln", .pcm16, 8000), ("sln16", .pcm16, 16000)])
    func asteriskRawFormats(ext: String, encoding: SoundFileFormat.Encoding, rate: Int) throws {
        let tone = TestSignals.sine(440, rate: rate, seconds: 0.5, amplitude: 0.5)
        let path = try TestSignals.write(tone, rate: rate, format: SoundFileFormat(container: .raw, encoding: encoding), name: "tone.\(ext)")
        #expect(try SoundFileReader(path: path).info.sampleRate == rate)
        let samples = try AudioFileSource(path: path, sampleRate: rate).readAll()
        #expect(samples.count == rate / 2)
        #expect(abs(TestSignals.rmsDB(samples, rate / 20..<rate * 9 / 20) - (20 * log10(0.5) - 3.0103)) < 0.1)
        #expect(abs(TestSignals.frequency(samples, rate / 20..<rate * 9 / 20, rate: rate) - 440) < 0.5)
        // Another extension says nothing about header-less bytes: not audio.
        let unnamed = path.replacingOccurrences(of: ".\(ext)", with: ".bin")
        try FileManager.default.copyItem(atPath: path, toPath: unnamed)
        defer { try? FileManager.default.removeItem(atPath: unnamed) }
        #expect(throws: AudioError.self) { try SoundFileReader(path: unnamed) }
    }

    @Test("16-bit files (read as 16-bit) give exactly what the same audio as floats gives", arguments: [1, 2, 3])
    func directPathMatchesFloatPath(channels: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let samples = (0..<(8000 * channels + 37)).map { _ in Float(Int16.random(in: .min ... .max, using: &generator)) / 32768 }
        let sixteen = try TestSignals.write(samples, rate: 8000, channels: channels,
                                            format: SoundFileFormat(container: .wav, encoding: .pcm16), name: "direct.wav")
        let floats = try TestSignals.write(samples, rate: 8000, channels: channels,
                                           format: SoundFileFormat(container: .wav, encoding: .float32), name: "floats.wav")
        let direct = try AudioFileSource(path: sixteen, sampleRate: 8000).readAll()
        let converted = try AudioFileSource(path: floats, sampleRate: 8000).readAll()
        #expect(direct.count == 8080 && direct == converted)
    }

    @Test("Stereo is averaged to mono")
    func stereoToMono() throws {
        let tone = TestSignals.sine(1000, rate: 16000, seconds: 0.3, amplitude: 0.4)
        var interleaved: [Float] = []
        for x in tone { interleaved.append(x); interleaved.append(0) }          // left only
        let leftOnly = try AudioFileSource(path: TestSignals.write(interleaved, rate: 16000, channels: 2),
                                           sampleRate: 16000).readAll()
        #expect(abs(TestSignals.rmsDB(leftOnly, 800..<4000) - (20 * log10(0.2) - 3.0103)) < 0.05)

        var opposite: [Float] = []
        for x in tone { opposite.append(x); opposite.append(-x) }              // cancels out
        let cancelled = try AudioFileSource(path: TestSignals.write(opposite, rate: 16000, channels: 2),
                                            sampleRate: 16000).readAll()
        #expect(cancelled.allSatisfy { abs(Int($0)) <= 1 })
    }
}
