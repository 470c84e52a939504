import Foundation
import IVRAudio
import Testing

@Suite("Resampling to the pipeline rates")
struct ResamplingTests {
    static let conversions: [(Int, Int)] = [(44100, 8000), (48000, 8000), (22050, 16000), (44100, 16000),
                                             (16000, 8000), (8000, 16000), (11025, 8000)]

    @Test("A 1 kHz tone keeps its level within 0.1 dB and its frequency", arguments: conversions)
    func toneKeepsLevelAndFrequency(from inputRate: Int, to outputRate: Int) throws {
        let tone = TestSignals.sine(1000, rate: inputRate, seconds: 1.5, amplitude: 0.5)
        let path = try TestSignals.write(tone, rate: inputRate, format: SoundFileFormat(encoding: .float32))
        let source = try AudioFileSource(path: path, sampleRate: outputRate)
        let samples = try source.readAll()
        // Length preserved to within the padding of the last frame.
        let expected = Int(1.5 * Double(outputRate))
        #expect(abs(samples.count - expected) <= source.frameLength)
        // Steady state, away from the filter's edges.
        let middle = (outputRate / 5)..<(outputRate * 13 / 10)
        let level = TestSignals.rmsDB(samples, middle)
        #expect(abs(level - (20 * log10(0.5) - 3.0103)) < 0.1, "level \(level)")
        #expect(abs(TestSignals.frequency(samples, middle, rate: outputRate) - 1000) < 0.1)
    }

    @Test("Content above the new Nyquist frequency is removed, not aliased")
    func sweepAboveNyquistIsRejected() throws {
        // 4.4–20 kHz at 44.1 kHz: all of it must vanish at 8 kHz (it would fold into 0–3.6 kHz).
        let sweep = TestSignals.sweep(from: 4400, to: 20000, rate: 44100, seconds: 2, amplitude: 0.5)
        let path = try TestSignals.write(sweep, rate: 44100, format: SoundFileFormat(encoding: .float32))
        let samples = try AudioFileSource(path: path, sampleRate: 8000).readAll()
        let residue = TestSignals.rmsDB(samples, 800..<15200)
        #expect(residue < 20 * log10(0.5) - 3.01 - 70, "aliased residue \(residue) dBFS")
    }

    @Test("An in-band sweep passes with a flat level")
    func sweepInBandPasses() throws {
        let sweep = TestSignals.sweep(from: 100, to: 3400, rate: 44100, seconds: 2, amplitude: 0.5)
        let path = try TestSignals.write(sweep, rate: 44100, format: SoundFileFormat(encoding: .float32))
        let samples = try AudioFileSource(path: path, sampleRate: 8000).readAll()
        let level = TestSignals.rmsDB(samples, 800..<15200)
        #expect(abs(level - (20 * log10(0.5) - 3.0103)) < 0.1, "in-band level \(level)")
    }
}
