import Foundation
import IVRAudio
import Testing
@testable import IVRDSP

@Suite("Telephone speech at a wide rate")
struct TelephoneBandTests {
    /// 140 Hz with every harmonic up to `top` Hz (each at 1/k), at `rate`.
    private func voice(rate: Int, top: Double, seconds: Double = 0.5) -> [Int16] {
        let harmonics = Int(top / 140)
        return (0..<Int(seconds * Double(rate))).map { index in
            let t = Double(index) / Double(rate)
            return Int16((3000 * (1...harmonics).reduce(0) { $0 + sin(2 * Double.pi * 140 * Double($1) * t + Double($1)) / Double($1) }).rounded())
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
}
