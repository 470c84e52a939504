import Foundation
import IVRDSP
import Testing

/// The receiver limits of ITU-T Q.24, on generated tones (0 dBm0 = a sine 3.14 dB below full scale).
@Suite("DTMF receiver: ITU-T Q.24 conformance")
struct DTMFConformanceTests {
    static let rates = [8000, 16000]

    @Test("All 16 keys, 50 ms on / 50 ms off, at several levels: all found, nothing extra",
          arguments: rates, [-3.0, -10, -20, -30, -36])
    func allKeys(rate: Int, levelDBm0: Double) {
        let sequence = KeySequence.allKeys(rate: rate, levelDBm0: levelDBm0)
        #expect(detectedKeys(sequence.samples, rate: rate) == sequence.keys)
    }

    @Test("Frames of any size give the same digits", arguments: [1, 7, 80, 160, 333, 4096])
    func anyFrameSize(frameLength: Int) {
        let sequence = KeySequence.allKeys(rate: 8000)
        #expect(detectedKeys(sequence.samples, rate: 8000, frameLength: frameLength) == sequence.keys)
    }

    static let acceptedErrors: [(Double, Double)] = [
        (0.015, 0), (-0.015, 0), (0, 0.015), (0, -0.015),
        (0.015, 0.015), (-0.015, -0.015), (0.015, -0.015), (-0.015, 0.015),
    ]

    @Test("Frequency error of ±1.5 % on one or both tones is accepted", arguments: rates, acceptedErrors)
    func frequencyErrorAccepted(rate: Int, errors: (Double, Double)) {
        let sequence = KeySequence.allKeys(rate: rate, lowError: errors.0, highError: errors.1)
        #expect(detectedKeys(sequence.samples, rate: rate) == sequence.keys)
    }

    static let rejectedErrors: [(Double, Double)] = [
        (0.035, 0), (-0.035, 0), (0, 0.035), (0, -0.035),
        (0.035, 0.035), (-0.035, -0.035), (0.035, -0.035), (-0.035, 0.035),
    ]

    @Test("Frequency error of ±3.5 % on one or both tones is rejected", arguments: rates, rejectedErrors)
    func frequencyErrorRejected(rate: Int, errors: (Double, Double)) {
        for level in [-3.0, -20] {
            let sequence = KeySequence.allKeys(rate: rate, levelDBm0: level, lowError: errors.0, highError: errors.1)
            #expect(detectedKeys(sequence.samples, rate: rate) == "", "level \(level)")
        }
    }

    @Test("Twist: high group up to 8 dB weaker, low group up to 4 dB weaker",
          arguments: rates, [8.0, 6, 4, 2, -2, -4])
    func twist(rate: Int, twistDB: Double) {
        // The stronger tone at -10 and -26 dBm0: the weaker one stays within Q.24's range.
        for level in [-10.0, -26] {
            let low = twistDB < 0 ? level + twistDB : level
            let sequence = KeySequence.allKeys(rate: rate, levelDBm0: low, twistDB: twistDB)
            #expect(detectedKeys(sequence.samples, rate: rate) == sequence.keys, "level \(level)")
        }
    }

    @Test("Twist with frequency error at once: 8 dB high-weaker and 1.5 % off", arguments: [-0.015, 0.015])
    func twistAndFrequencyError(error: Double) {
        let sequence = KeySequence.allKeys(rate: 8000, levelDBm0: -10, twistDB: 8, lowError: error, highError: error)
        #expect(detectedKeys(sequence.samples, rate: 8000) == sequence.keys)
    }

    @Test("Levels from -36 to -3 dBm0 per tone are detected", arguments: rates, [-36.0, -33, -27, -21, -15, -9, -3])
    func levelAccepted(rate: Int, levelDBm0: Double) {
        let sequence = KeySequence.allKeys(rate: rate, levelDBm0: levelDBm0)
        #expect(detectedKeys(sequence.samples, rate: rate) == sequence.keys)
    }

    @Test("Tones below -45 dBm0 are ignored", arguments: rates, [-45.0, -50, -60])
    func levelRejected(rate: Int, levelDBm0: Double) {
        let sequence = KeySequence.allKeys(rate: rate, levelDBm0: levelDBm0)
        #expect(detectedKeys(sequence.samples, rate: rate) == "")
    }

    @Test("Tones of 40 ms and more are detected", arguments: rates, [0.040, 0.045, 0.060])
    func durationAccepted(rate: Int, seconds: Double) {
        let sequence = KeySequence.allKeys(rate: rate, on: seconds, off: 0.06)
        #expect(detectedKeys(sequence.samples, rate: rate) == sequence.keys)
    }

    @Test("Tones of 20 ms or less are rejected", arguments: rates, [0.020, 0.015, 0.010])
    func durationRejected(rate: Int, seconds: Double) {
        // Each key at several offsets against the analysis blocks.
        for shift in stride(from: 0.0, to: 0.0065, by: 0.0013) {
            var sequence = KeySequence(rate: rate)
            sequence.pause(0.1 + shift)
            for key in DTMFKey.allCases {
                sequence.press(key, seconds: seconds)
                sequence.pause(0.08)
            }
            #expect(detectedKeys(sequence.samples, rate: rate) == "", "shift \(shift)")
        }
    }

    @Test("40 ms of silence separates two presses of the same key", arguments: rates)
    func pauseSeparates(rate: Int) {
        for shift in stride(from: 0.0, to: 0.0065, by: 0.0013) {
            var sequence = KeySequence(rate: rate)
            sequence.pause(0.1 + shift)
            for key in DTMFKey.allCases {
                sequence.press(key, seconds: 0.05)
                sequence.pause(0.04)
                sequence.press(key, seconds: 0.05)
                sequence.pause(0.1)
            }
            #expect(detectedKeys(sequence.samples, rate: rate) == sequence.keys, "shift \(shift)")
        }
    }

    @Test("A 10 ms dropout inside a tone does not split it", arguments: rates)
    func dropoutDoesNotSplit(rate: Int) {
        for position in stride(from: 0.030, to: 0.070, by: 0.0037) {
            var sequence = KeySequence.allKeys(rate: rate, on: 0.1, off: 0.1)
            for press in sequence.presses {
                let from = press.start + Int(position * Double(rate))
                for i in from..<(from + rate / 100) { sequence.samples[i] = 0 }
            }
            #expect(detectedKeys(sequence.samples, rate: rate) == sequence.keys, "dropout at \(position)")
        }
    }

    @Test("Each digit is reported with start and end close to the tone's", arguments: rates)
    func timing(rate: Int) {
        let sequence = KeySequence.allKeys(rate: rate, on: 0.08, off: 0.08)
        let digits = detectDigits(sequence.samples, rate: rate)
        #expect(digits.count == sequence.presses.count)
        let tolerance = Int64(rate / 100)  // 10 ms
        for (digit, press) in zip(digits, sequence.presses) {
            #expect(abs(digit.start - Int64(press.start)) <= tolerance)
            #expect(abs(digit.end - Int64(press.end)) <= tolerance)
        }
    }

    @Test("A key is confirmed while it is still held (for barge-in)")
    func pressedBeforeRelease() {
        let rate = 8000
        let tone = ToneGenerator(sampleRate: rate).key(.five, seconds: 1)
        let detector = DTMFDetector(sampleRate: rate)
        let events = detector.process(Array(tone.prefix(rate / 20)))  // the first 50 ms
        #expect(events == [.pressed(.five, start: events.first.map { if case .pressed(_, let s) = $0 { s } else { -1 } } ?? -1)])
        #expect(detector.process(Array(tone.dropFirst(rate / 20))).isEmpty)
        let released = detector.finish()
        #expect(released.count == 1)
    }

    @Test("White noise: at least 99 % of keys right down to 6 dB SNR", arguments: rates, [20.0, 12, 9, 6])
    func whiteNoise(rate: Int, snrDB: Double) {
        var noise = NoiseGenerator(seed: UInt64(rate) &* 31 &+ UInt64(snrDB))
        var right = 0, extra = 0, total = 0
        for _ in 0..<8 {
            let sequence = KeySequence.allKeys(rate: rate, on: 0.05, off: 0.05, levelDBm0: -10)
            // Signal power: the two tones while on.
            let tonePower = 2 * pow(ToneGenerator.amplitude(dBm0: -10), 2) / 2
            let rms = sqrt(tonePower / pow(10, snrDB / 10))
            let noisy = mix(sequence.samples, noise.white(count: sequence.samples.count, rms: rms))
            let result = score(detectDigits(noisy, rate: rate), against: sequence.presses, rate: rate)
            right += result.right
            extra += result.extra
            total += sequence.presses.count
        }
        #expect(Double(right) >= 0.99 * Double(total), "\(right) of \(total) right")
        #expect(Double(extra) <= 0.01 * Double(total), "\(extra) extra digits")
    }
}
