/// Conversions between normalized float samples (full scale = 1.0) and 16-bit PCM.
public enum SampleConversion {
    /// Rounds and clips a normalized sample to Int16 (1.0 maps to 32767, -1.0 to -32768).
    @inlinable
    public static func int16(_ x: Float) -> Int16 {
        let scaled = (x * 32768).rounded()
        return Int16(max(-32768, min(32767, scaled)))
    }

    /// A 16-bit sample as a normalized float.
    @inlinable
    public static func float(_ x: Int16) -> Float { Float(x) / 32768 }

    /// Level of an amplitude ratio in decibels (−∞ for 0).
    public static func decibels(_ ratio: Double) -> Double {
        ratio > 0 ? 20 * log10(ratio) : -.infinity
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
