import Foundation
import IVRAudio
import IVRTestSupport

/// Signals and temporary files the audio tests generate.
enum TestSignals {
    /// A sine of `frequency` Hz, `seconds` long, peak `amplitude` (full scale 1.0).
    static func sine(_ frequency: Double, rate: Int, seconds: Double, amplitude: Double = 0.5) -> [Float] {
        let count = Int(Double(rate) * seconds)
        return (0..<count).map { Float(amplitude * sin(2 * .pi * frequency * Double($0) / Double(rate))) }
    }

    /// A logarithmic sweep from `low` to `high` Hz.
    static func sweep(from low: Double, to high: Double, rate: Int, seconds: Double, amplitude: Double = 0.5) -> [Float] {
        let count = Int(Double(rate) * seconds)
        let k = log(high / low) / seconds
        return (0..<count).map { i in
            let t = Double(i) / Double(rate)
            return Float(amplitude * sin(2 * .pi * low * (exp(k * t) - 1) / k))
        }
    }

    /// A fresh temporary folder for one test.
    static func temporaryFolder() -> URL {
        ScratchFolder.make("audio")
    }

    /// Writes `floats` (interleaved) to a new file and returns its path.
    static func write(_ floats: [Float], rate: Int, channels: Int = 1, format: SoundFileFormat = .wav16,
                      name: String = "signal.wav") throws -> String {
        let path = temporaryFolder().appendingPathComponent(name).path
        let writer = try SoundFileWriter(path: path, sampleRate: rate, channels: channels, format: format)
        try writer.write(floats: floats)
        try writer.close()
        return path
    }

    /// RMS of `samples[range]` in dBFS.
    static func rmsDB(_ samples: [Int16], _ range: Range<Int>) -> Double {
        let sum = samples[range].reduce(0.0) { $0 + Double($1) * Double($1) }
        return 20 * log10((sum / Double(range.count)).squareRoot() / 32768)
    }

    /// Frequency from interpolated upward zero crossings over `samples[range]`.
    static func frequency(_ samples: [Int16], _ range: Range<Int>, rate: Int) -> Double {
        var crossings: [Double] = []
        for i in range.dropFirst() where samples[i - 1] < 0 && samples[i] >= 0 {
            let a = Double(samples[i - 1]), b = Double(samples[i])
            crossings.append(Double(i - 1) + (-a) / (b - a))
        }
        guard let first = crossings.first, let last = crossings.last, crossings.count > 1 else { return 0 }
        return Double(crossings.count - 1) * Double(rate) / (last - first)
    }
}
