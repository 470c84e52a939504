import Foundation
import Testing
@testable import IVRDSP

@Suite("The pitch of voiced speech")
struct PitchEstimatorTests {
    /// A voice at `pitch` Hz through the telephone band (harmonics from 300 to 3400 Hz only, the
    /// fundamental itself missing when it lies lower), at 8 kHz, its loudness rising and falling.
    private func voice(pitch: Double, seconds: Double = 0.6) -> [Int16] {
        let harmonics = (1...Int(3400 / pitch)).filter { Double($0) * pitch >= 300 }
        return (0..<Int(seconds * 8000)).map { index in
            let t = Double(index) / 8000
            let envelope = 0.6 + 0.4 * sin(2 * Double.pi * 3 * t)
            let sum = harmonics.reduce(0.0) { $0 + sin(2 * Double.pi * pitch * Double($1) * t + Double($1)) / Double($1).squareRoot() }
            return Int16((4000 * envelope * sum).rounded())
        }
    }

    private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    @Test("a man's, a woman's and a child's pitch, their fundamental filtered out, within 2 %", arguments: [110.0, 200.0, 320.0])
    func pitches(of pitch: Double) {
        let found = PitchEstimator.voicedPitches(voice(pitch: pitch), sampleRate: 8000)
        #expect(found.count >= 20, "a frame every 20 ms of voicing")
        #expect(abs(median(found) / pitch - 1) < 0.02, "\(median(found)) Hz for \(pitch) Hz")
        #expect(found.filter { abs($0 / pitch - 1) > 0.05 }.count <= found.count / 10, "no period's multiple taken for it")
    }

    @Test("noise and silence are not voiced")
    func unvoiced() {
        var generator = NoiseGenerator(seed: 3)
        let noise = generator.white(count: 8000, rms: 3000).map { Int16(clamping: Int($0.rounded())) }
        #expect(PitchEstimator.voicedPitches(noise, sampleRate: 8000).count <= 2)
        #expect(PitchEstimator.voicedPitches([Int16](repeating: 0, count: 8000), sampleRate: 8000).isEmpty)
        #expect(PitchEstimator.voicedPitches([1, 2, 3], sampleRate: 8000).isEmpty, "too short for a window")
    }
}
