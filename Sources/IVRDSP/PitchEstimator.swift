import Foundation

/// The fundamental frequency (pitch) of voiced speech, by normalized autocorrelation: every 20 ms
/// a 40 ms window compared with itself shifted by every period from 2 ms (500 Hz) to
/// 14 ms (about 70 Hz); a frame is voiced when it lies within ``loudestWithinDB`` of the
/// loudest and some period repeats it with a correlation of at least ``voicedCorrelation``.
/// The shortest period that comes within ``multipleTolerance`` of the best is taken, so that a
/// period's multiples (which repeat the window almost as well) do not halve the pitch. Works on
/// telephone speech whose fundamental itself is filtered out (its harmonics repeat at the same
/// period).
public enum PitchEstimator {
    /// A frame is voiced when its best period repeats it at least this well (1 = exactly).
    public static let voicedCorrelation = 0.6
    /// Frames quieter than the loudest by more than this (dB) are not looked at.
    public static let loudestWithinDB = 25.0
    /// Periods whose correlation comes within this share of the best count as the best.
    public static let multipleTolerance = 0.9

    /// The pitch (Hz) of each voiced frame of `samples` at `sampleRate` (a frame every 20 ms), in order.
    public static func voicedPitches(_ samples: [Int16], sampleRate: Int) -> [Double] {
        let window = sampleRate * 40 / 1000 / 8 * 8, step = sampleRate / 50
        let shortest = sampleRate / 500, longest = sampleRate * 14 / 1000
        guard samples.count >= window + longest + 1 else { return [] }
        let x = samples.map(Float.init)
        let starts = Array(stride(from: 0, through: x.count - window - longest - 1, by: step))
        return x.withUnsafeBufferPointer { x in
            let energies = starts.map { dot(x, $0, $0, window) }
            guard let loudest = energies.max(), loudest > 0 else { return [] }
            let floor = loudest * Float(pow(10, -loudestWithinDB / 10))
            var pitches: [Double] = []
            var correlations = [Float](repeating: 0, count: longest + 2)
            for (start, energy) in zip(starts, energies) where energy >= floor {
                for lag in shortest...longest + 1 {
                    let shifted = dot(x, start + lag, start + lag, window)
                    correlations[lag] = dot(x, start, start + lag, window) / max(energy * shifted, 1).squareRoot()
                }
                let best = correlations[shortest...longest].max() ?? 0
                guard Double(best) >= voicedCorrelation else { continue }
                // The shortest period at a peak that comes near the best.
                let near = Float(multipleTolerance) * best
                let period = (shortest + 1...longest).first { lag in
                    let value: Float = correlations[lag]
                    return value >= near && value >= correlations[lag - 1] && value >= correlations[lag + 1]
                } ?? correlations[shortest...longest].firstIndex(of: best)!
                pitches.append(Double(sampleRate) / Double(period))
            }
            return pitches
        }
    }

    /// The sum of `x[a + i] · x[b + i]` for `i` below `count` (a multiple of 8), eight at a time.
    private static func dot(_ x: UnsafeBufferPointer<Float>, _ a: Int, _ b: Int, _ count: Int) -> Float {
        var sum = SIMD8<Float>()
        let base = UnsafeRawPointer(x.baseAddress!)
        for offset in stride(from: 0, to: count, by: 8) {
            let first = base.loadUnaligned(fromByteOffset: (a + offset) * 4, as: SIMD8<Float>.self)
            let second = base.loadUnaligned(fromByteOffset: (b + offset) * 4, as: SIMD8<Float>.self)
            sum += first * second
        }
        return sum.sum()
    }
}
