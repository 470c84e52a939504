#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reproducible pseudo-random numbers and white Gaussian noise, for test signals: the same
/// seed always gives the same samples.
///
/// Uniform numbers come from SplitMix64 (S. Vigna), Gaussian ones from the Box–Muller transform.
public struct NoiseGenerator: Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in the open interval (0, 1).
    public mutating func uniform() -> Double {
        (Double(next() >> 11) + 0.5) / Double(1 << 53)
    }

    /// Standard normal (mean 0, variance 1).
    public mutating func gaussian() -> Double {
        sqrt(-2 * log(uniform())) * cos(2 * .pi * uniform())
    }

    /// `count` samples of white noise with the given RMS (full scale 1.0).
    public mutating func white(count: Int, rms: Double) -> [Double] {
        (0..<count).map { _ in gaussian() * rms }
    }

    /// `samples` with white noise added `snr` dB below their mean power (a noisy line).
    public mutating func addingWhite(to samples: [Int16], snr: Double) -> [Int16] {
        let noise = white(count: samples.count, rms: (samples.meanPower / pow(10, snr / 10)).squareRoot())
        return zip(samples, noise).map { Int16(clamping: Int((Double($0) + $1).rounded())) }
    }
}
