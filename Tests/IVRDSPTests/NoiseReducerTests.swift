import Foundation
import Testing
@testable import IVRDSP

@Suite("Noise reduction before recognition")
struct NoiseReducerTests {
    /// A voiced sound: 140 Hz with ten harmonics, its loudness rising and falling like syllables.
    private func voice(seconds: Double, rate: Int, level: Double) -> [Double] {
        (0..<Int(seconds * Double(rate))).map { index in
            let t = Double(index) / Double(rate)
            let envelope = 0.5 + 0.5 * sin(2 * Double.pi * 3 * t)
            return level * envelope * (1...10).reduce(0) { $0 + sin(2 * Double.pi * 140 * Double($1) * t) / Double($1) }
        }
    }

    private func power(_ x: [Double]) -> Double { x.reduce(0) { $0 + $1 * $1 } / Double(max(x.count, 1)) }

    @Test("the FFT gives back its input")
    func fftRoundTrip() {
        let input = (0..<256).map { sin(Double($0) * 0.3) + 0.2 * cos(Double($0) * 1.7) }
        let output = FFT.inverseReal(FFT.forward(input))
        #expect(zip(input, output).allSatisfy { abs($0 - $1) < 1e-9 })
    }

    @Test("the exponential integral and the log-spectral gain")
    func logSpectralGain() {
        for (x, e1) in [(0.01, 4.037_929_576_538), (0.1, 1.822_923_958_419), (1.0, 0.219_383_934_396), (2.5, 0.024_914_917_870), (5.0, 0.001_148_295_591)] {
            #expect(abs(NoiseReducer.exponentialIntegral(x) - e1) < 1e-9 * max(1, e1), "E1(\(x))")
        }
        // Above the Wiener gain where the a-priori SNR is low (it keeps more of a weak sound),
        // near it where the SNR is high, never above one.
        let low = NoiseReducer.logSpectralGain(prior: 0.1, posterior: 1)
        #expect(low > 2 * (0.1 / 1.1) && low < 1)
        let high = NoiseReducer.logSpectralGain(prior: 100, posterior: 101)
        #expect(abs(high - 100.0 / 101) < 0.01)
        #expect(NoiseReducer.logSpectralGain(prior: 1e-6, posterior: 1e-6) <= 1)
    }

    @Test("at 10 dB SNR the voice comes out closer to the clean one; noise alone is turned down", arguments: [8000, 16000])
    func reduces(rate: Int) {
        let clean = voice(seconds: 2, rate: rate, level: 3000)
        var generator = NoiseGenerator(seed: 5)
        let noise = generator.white(count: clean.count, rms: (power(clean) / 10).squareRoot())
        // Half a second of noise alone first, as the endpointer's pre-roll gives.
        let lead = generator.white(count: rate / 2, rms: (power(clean) / 10).squareRoot())
        let noisy = (lead + zip(clean, noise).map(+)).map { Int16(clamping: Int($0.rounded())) }
        let output = NoiseReducer(sampleRate: rate).reduce(noisy).map(Double.init)
        #expect(output.count == noisy.count)
        let before = power(noise), after = power(zip(output.dropFirst(rate / 2), clean).map { $0 - $1 })
        #expect(10 * log10(before / after) >= 3, "error power \(before) → \(after)")
        let leadBefore = power(lead), leadAfter = power(Array(output[(rate / 8)..<(rate / 2)]))
        #expect(10 * log10(leadBefore / leadAfter) >= 8, "noise alone \(leadBefore) → \(leadAfter)")
    }

    @Test("noise is turned down to the first and the last sample", arguments: [8000, 16000])
    func edges(rate: Int) {
        let clean = voice(seconds: 1, rate: rate, level: 3000)
        var generator = NoiseGenerator(seed: 7)
        let rms = (power(clean) / 10).squareRoot()
        let noisy = (generator.white(count: rate / 2, rms: rms) + zip(clean, generator.white(count: clean.count, rms: rms)).map(+)
            + generator.white(count: rate / 2, rms: rms)).map { Int16(clamping: Int($0.rounded())) }
        let output = NoiseReducer(sampleRate: rate).reduce(noisy)
        let edge = rate / 100
        for (name, before, after) in [("first", noisy.prefix(edge), output.prefix(edge)), ("last", noisy.suffix(edge), output.suffix(edge))] {
            let reduction = 10 * log10(power(before.map(Double.init)) / power(after.map(Double.init)))
            #expect(reduction >= 6, "\(name) 10 ms: \(reduction) dB")
        }
    }

    @Test("the SNR of a line with steady noise is estimated; clean speech with digital silence or cut tight is not taken for noise", arguments: [8000, 16000])
    func estimatedSNR(rate: Int) {
        let reducer = NoiseReducer(sampleRate: rate)
        let clean = voice(seconds: 2, rate: rate, level: 3000)
        var generator = NoiseGenerator(seed: 11)
        let noisy = zip(clean, generator.white(count: clean.count, rms: (power(clean) / 10).squareRoot())).map { Int16(clamping: Int(($0 + $1).rounded())) }
        #expect(abs(reducer.estimatedSNR(noisy) - 10.4) < 1.5, "\(reducer.estimatedSNR(noisy)) dB")
        let tight = clean.map { Int16(clamping: Int($0.rounded())) }
        #expect(reducer.estimatedSNR(tight) > 30, "\(reducer.estimatedSNR(tight)) dB")
        let silences = [Int16](repeating: 0, count: rate / 10) + tight + [Int16](repeating: 0, count: rate / 20)
        #expect(reducer.estimatedSNR(silences) > 30, "\(reducer.estimatedSNR(silences)) dB")
    }

    @Test("clean speech passes nearly unchanged")
    func clean() {
        let rate = 8000
        var generator = NoiseGenerator(seed: 9)
        let quiet = generator.white(count: 2 * rate, rms: 3)
        let input = zip(voice(seconds: 2, rate: rate, level: 3000), quiet).map { Int16(clamping: Int(($0 + $1).rounded())) }
        let output = NoiseReducer(sampleRate: rate).reduce(input)
        let difference = power(zip(input, output).map { Double($0) - Double($1) })
        #expect(10 * log10(power(input.map(Double.init)) / difference) >= 20)
    }
}
