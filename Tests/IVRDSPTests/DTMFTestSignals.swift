import Foundation
import IVRDSP

/// Keypad signals with known truth, noise and mixing for the DTMF tests.
struct KeySequence {
    struct Press { let key: DTMFKey; let start: Int; let end: Int }
    var samples: [Int16] = []
    var presses: [Press] = []
    let rate: Int

    init(rate: Int) { self.rate = rate }

    /// Appends `seconds` of silence.
    mutating func pause(_ seconds: Double) {
        samples += [Int16](repeating: 0, count: Int(seconds * Double(rate)))
    }

    /// Appends one key's tone, generated with the given deviations.
    mutating func press(_ key: DTMFKey, seconds: Double, levelDBm0: Double = -10, twistDB: Double = 0,
                        lowError: Double = 0, highError: Double = 0) {
        let tone = ToneGenerator(sampleRate: rate).key(key, seconds: seconds, levelDBm0: levelDBm0, twistDB: twistDB,
                                                       lowFrequencyError: lowError, highFrequencyError: highError)
        presses.append(Press(key: key, start: samples.count, end: samples.count + tone.count))
        samples += tone
    }

    /// All 16 keys, `on` seconds each with `off` seconds between, with silence around.
    static func allKeys(rate: Int, on: Double = 0.05, off: Double = 0.05, levelDBm0: Double = -10,
                        twistDB: Double = 0, lowError: Double = 0, highError: Double = 0) -> KeySequence {
        var sequence = KeySequence(rate: rate)
        sequence.pause(0.1)
        for key in DTMFKey.allCases {
            sequence.press(key, seconds: on, levelDBm0: levelDBm0, twistDB: twistDB, lowError: lowError, highError: highError)
            sequence.pause(off)
        }
        sequence.pause(0.1)
        return sequence
    }

    var keys: String { String(presses.map(\.key.rawValue)) }
}

/// Runs a fresh detector over `samples`, fed in frames of `frameLength`, and returns the digits.
func detectDigits(_ samples: [Int16], rate: Int, frameLength: Int = 80) -> [DTMFDigit] {
    let detector = DTMFDetector(sampleRate: rate)
    var events: [DTMFEvent] = []
    var index = 0
    while index < samples.count {
        let end = min(index + frameLength, samples.count)
        events += samples[index..<end].withUnsafeBufferPointer { detector.process($0) }
        index = end
    }
    events += detector.finish()
    return events.compactMap { if case .released(let digit) = $0 { digit } else { nil } }
}

func detectedKeys(_ samples: [Int16], rate: Int, frameLength: Int = 80) -> String {
    String(detectDigits(samples, rate: rate, frameLength: frameLength).map(\.key.rawValue))
}

/// `signal + gain·other`, clipped to 16 bits; `other` is repeated or cut to the signal's length.
func mix(_ signal: [Int16], _ other: [Double], gain: Double = 1) -> [Int16] {
    signal.indices.map { i in
        let x = Double(signal[i]) + gain * other[i % other.count] * 32768
        return Int16(max(-32768, min(32767, x.rounded())))
    }
}

/// Mean power (full scale 1.0) of `samples`.
func power(_ samples: [Int16]) -> Double {
    samples.reduce(0.0) { $0 + pow(Double($1) / 32768, 2) } / Double(max(1, samples.count))
}

/// Scores detected digits against the presses: a press is right when exactly one digit
/// starts within it (with 20 ms slack) and has its key; digits matching no press are extra.
func score(_ digits: [DTMFDigit], against presses: [KeySequence.Press], rate: Int) -> (right: Int, extra: Int) {
    let slack = rate / 50
    var used = Set<Int>()
    var right = 0
    for press in presses {
        let matches = digits.indices.filter {
            !used.contains($0) && digits[$0].start >= Int64(press.start - slack) && digits[$0].start <= Int64(press.end)
        }
        matches.forEach { used.insert($0) }
        if matches.count == 1, digits[matches[0]].key == press.key { right += 1 }
    }
    return (right, digits.count - used.count)
}
