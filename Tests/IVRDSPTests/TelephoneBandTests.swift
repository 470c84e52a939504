import Foundation
import IVRAudio
import Testing
@testable import IVRDSP

@Suite("Telephone speech at a wide rate")
struct TelephoneBandTests {
    /// 140 Hz with every harmonic from `bottom` up to `top` Hz (each at 1/k), at `rate`.
    private func voice(rate: Int, bottom: Double = 0, top: Double, seconds: Double = 0.5) -> [Int16] {
        let harmonics = max(1, Int((bottom / 140).rounded(.up)))...Int(top / 140)
        return (0..<Int(seconds * Double(rate))).map { index in
            let t = Double(index) / Double(rate)
            return Int16((3000 * harmonics.reduce(0) { $0 + sin(2 * Double.pi * 140 * Double($1) * t + Double($1)) / Double($1) }).rounded())
        }
    }

    @Test("speech with power up to 7 kHz is wideband; the telephone band resampled to 16 or 48 kHz is not")
    func tellsTheBand() throws {
        #expect(!TelephoneBand.holdsOnlyTelephoneBand(voice(rate: 16000, top: 7400), sampleRate: 16000))
        let narrow = voice(rate: 8000, top: 3400)
        #expect(!TelephoneBand.holdsOnlyTelephoneBand(narrow, sampleRate: 8000))  // 8 kHz is narrowband anyway: nothing to tell
        for rate in [16000, 48000] {
            let resampler = try Resampler(from: 8000, to: Double(rate))
            var output: [Float] = []
            narrow.map(SampleConversion.float).withUnsafeBufferPointer { resampler.process($0, into: &output) }
            resampler.flush(into: &output)
            #expect(TelephoneBand.holdsOnlyTelephoneBand(output.map(SampleConversion.int16), sampleRate: rate), "\(rate) Hz")
        }
        #expect(!TelephoneBand.holdsOnlyTelephoneBand([Int16](repeating: 0, count: 16000), sampleRate: 16000))
    }

    @Test("8 kHz speech from 140 Hz to 3.9 kHz passed the whole band; up to 3.4 kHz the top was cut; from 300 to 3400 Hz the voice band, with a codec's faint noise or not")
    func tellsTheLine() {
        #expect(TelephoneBand.line(of: voice(rate: 8000, top: 3900), sampleRate: 8000) == .whole)
        #expect(TelephoneBand.line(of: voice(rate: 8000, bottom: 300, top: 3900), sampleRate: 8000) == .whole)
        #expect(TelephoneBand.line(of: voice(rate: 8000, top: 3400), sampleRate: 8000) == .topCut)
        let voiceBand = voice(rate: 8000, bottom: 300, top: 3400)
        #expect(TelephoneBand.line(of: voiceBand, sampleRate: 8000) == .voiceBand)
        // White noise 40 dB under the speech, as G.711's quantization noise fills the empty bands.
        var generator = NoiseGenerator(seed: 1)
        let noisy = generator.addingWhite(to: voiceBand, snr: 40)
        #expect(TelephoneBand.line(of: noisy, sampleRate: 8000) == .voiceBand)
        #expect(TelephoneBand.line(of: voice(rate: 16000, bottom: 300, top: 3400), sampleRate: 16000) == .whole)  // a wide rate: another question
        #expect(TelephoneBand.line(of: [Int16](repeating: 0, count: 8000), sampleRate: 8000) == .whole)
    }
}
