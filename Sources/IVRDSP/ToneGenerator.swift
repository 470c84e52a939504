#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Telephone signalling tones with their cadences (North American values, ITU-T E.180).
public enum CallProgressTone: String, Sendable, CaseIterable {
    case dial, ringback, busy, reorder

    /// The two frequencies in Hz.
    public var frequencies: (Double, Double) {
        switch self {
        case .dial: (350, 440)
        case .ringback: (440, 480)
        case .busy, .reorder: (480, 620)
        }
    }

    /// Seconds on and off; a continuous tone has no off time.
    public var cadence: (on: Double, off: Double) {
        switch self {
        case .dial: (1, 0)
        case .ringback: (2, 4)
        case .busy: (0.5, 0.5)
        case .reorder: (0.25, 0.25)
        }
    }
}

/// Synthesizes keypad (DTMF) and call-progress tones as 16-bit PCM.
///
/// Levels are per tone in dBm0, where 0 dBm0 is a sine 3.14 dB below full scale (ITU-T G.711).
public struct ToneGenerator: Sendable {
    public let sampleRate: Int

    public init(sampleRate: Int) { self.sampleRate = sampleRate }

    /// One key's tone pair: `seconds` long, low tone at `levelDBm0`, high tone `twistDB` weaker
    /// (negative: stronger), each tone's frequency scaled by `1 + frequencyError`.
    public func key(_ key: DTMFKey, seconds: Double, levelDBm0: Double = -10, twistDB: Double = 0,
                    lowFrequencyError: Double = 0, highFrequencyError: Double = 0) -> [Int16] {
        let tones = [(key.lowFrequency * (1 + lowFrequencyError), levelDBm0),
                     (key.highFrequency * (1 + highFrequencyError), levelDBm0 - twistDB)]
        return render(tones, seconds: seconds)
    }

    /// Keys typed one after another: each `on` seconds with `off` seconds of silence after it.
    /// A comma in `digits` is a pause of one second. Throws on a character that is not a key.
    public func keys(_ digits: String, on: Double = 0.1, off: Double = 0.1,
                     levelDBm0: Double = -10, twistDB: Double = 0) throws(ToneError) -> [Int16] {
        var samples: [Int16] = []
        for character in digits {
            if character == "," {
                samples += silence(seconds: 1)
                continue
            }
            guard let key = DTMFKey(character) else { throw ToneError.notAKey(character) }
            samples += self.key(key, seconds: on, levelDBm0: levelDBm0, twistDB: twistDB)
            samples += silence(seconds: off)
        }
        return samples
    }

    /// A call-progress tone with its cadence, `seconds` long in all, both tones at `levelDBm0`.
    public func callProgress(_ tone: CallProgressTone, seconds: Double, levelDBm0: Double = -13) -> [Int16] {
        let (low, high) = tone.frequencies
        let (on, off) = tone.cadence
        var samples = render([(low, levelDBm0), (high, levelDBm0)], seconds: seconds)
        if off > 0 {
            let period = Int((on + off) * Double(sampleRate))
            let onLength = Int(on * Double(sampleRate))
            for i in samples.indices where i % period >= onLength { samples[i] = 0 }
        }
        return samples
    }

    /// `seconds` of silence.
    public func silence(seconds: Double) -> [Int16] {
        [Int16](repeating: 0, count: Int((seconds * Double(sampleRate)).rounded()))
    }

    /// The sum of sines `(frequency, level in dBm0)`, with 2 ms raised-cosine edges against clicks.
    public func render(_ tones: [(frequency: Double, levelDBm0: Double)], seconds: Double) -> [Int16] {
        let count = Int((seconds * Double(sampleRate)).rounded())
        let ramp = min(count / 2, sampleRate / 500)
        let amplitudes = tones.map { Self.amplitude(dBm0: $0.levelDBm0) }
        return (0..<count).map { i in
            let t = Double(i) / Double(sampleRate)
            var x = 0.0
            for (tone, amplitude) in zip(tones, amplitudes) {
                x += amplitude * sin(2 * .pi * tone.frequency * t)
            }
            if i < ramp { x *= 0.5 - 0.5 * cos(.pi * Double(i) / Double(ramp)) }
            if i >= count - ramp { x *= 0.5 - 0.5 * cos(.pi * Double(count - 1 - i) / Double(ramp)) }
            return Int16(max(-32768, min(32767, (x * 32768).rounded())))
        }
    }

    /// Peak amplitude (full scale 1.0) of a sine at `dBm0`.
    public static func amplitude(dBm0: Double) -> Double { pow(10, (dBm0 - 3.14) / 20) }
}

/// A tone that cannot be generated.
public enum ToneError: Error, Equatable, CustomStringConvertible {
    case notAKey(Character)

    public var description: String {
        switch self {
        case .notAKey(let character):
            "'\(character)' is not a keypad key (use 0-9, *, #, A-D, and ',' for a one-second pause)"
        }
    }
}
