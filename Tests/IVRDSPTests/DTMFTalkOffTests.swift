import Foundation
import IVRDSP
import Testing

/// A receiver must never invent keys from speech or music (talk-off), and must still hear keys
/// pressed while someone talks (talk-down).
@Suite("DTMF receiver: talk-off and talk-down")
struct DTMFTalkOffTests {
    @Test("No false keys on real and synthetic speech, loud and soft", arguments: [8000, 16000])
    func speechTalkOff(rate: Int) throws {
        let corpus = try SpeechCorpus.recordings(rate: rate)
        #expect(corpus.count >= 20, "speech corpus incomplete: \(corpus.map(\.name))")
        var seconds = 0.0
        for (name, samples) in corpus {
            for gain in [1.0, 0.2] {
                let scaled = samples.map { Int16((Double($0) * gain).rounded()) }
                let keys = detectedKeys(scaled, rate: rate)
                #expect(keys.isEmpty, "\(name) (gain \(gain)): false keys '\(keys)'")
            }
            seconds += Double(samples.count) / Double(rate)
        }
        #expect(seconds > 300, "only \(seconds) s of speech")
    }

    @Test("No false keys on chords of harmonic notes", arguments: [8000, 16000])
    func chordsTalkOff(rate: Int) {
        let shapes: [[Double]] = [[0, 4, 7], [0, 3, 7], [0, 4, 7, 10], [0, 7], [0, 5], [0, 4, 7, 11, 14]]
        var samples: [Int16] = []
        for root in stride(from: 36.0, through: 84, by: 1) {       // MIDI notes C2–C6
            for shape in shapes {
                let notes = shape.map { 440 * pow(2, (root + $0 - 69) / 12) }
                samples += harmonicChord(notes, rate: rate, seconds: 0.3)
            }
        }
        #expect(detectedKeys(samples, rate: rate) == "")
    }

    /// Two tones that both stay within a key's tolerance for 40 ms are that key by Q.24's
    /// definition, so the paired glissandi hold intervals no key pair has (key pairs span
    /// ratios 1.285–2.343): a minor third (1.2) and a twelfth (3.0).
    @Test("No false keys on sweeps: single tones and interval glissandi", arguments: [8000, 16000])
    func sweepsTalkOff(rate: Int) {
        var samples: [Int16] = []
        for seconds in [0.5, 2, 8] {
            samples += sweep([(300, 3400)], rate: rate, seconds: seconds)
            samples += sweep([(3400, 300)], rate: rate, seconds: seconds)
            samples += sweep([(500, 1200), (600, 1440)], rate: rate, seconds: seconds)
            samples += sweep([(1200, 500), (1440, 600)], rate: rate, seconds: seconds)
            samples += sweep([(400, 1000), (1200, 3000)], rate: rate, seconds: seconds)
            samples += sweep([(1000, 400), (3000, 1200)], rate: rate, seconds: seconds)
        }
        #expect(detectedKeys(samples, rate: rate) == "")
    }

    /// Harmonics of a voice whose pitch glides move together; a keypad's tones hold still. Pairs
    /// at the keys' frequencies gliding from 2 % below to 2 % above them in 50 ms (every block
    /// within the ±2.5 % tolerance) are keys to a receiver without the drift check, and mostly
    /// not with it (a glide seen from a tone's first, partly filled block can look smaller),
    /// while the same pairs held still at +1.2 % are all keys.
    @Test("Two tones gliding together (a voice's harmonics) are mostly not keys", arguments: [8000, 16000])
    func glidingPairTalkOff(rate: Int) {
        func pair(_ row: Double, _ column: Double, glide: Double) -> [Int16] {
            let count = rate / 20       // 50 ms
            let amplitude = ToneGenerator.amplitude(dBm0: -10)
            var phases = (0.0, 0.0)
            var samples = ToneGenerator(sampleRate: rate).silence(seconds: 0.1)
            for i in 0..<count {
                let factor = 1 + glide * (Double(i) / Double(count) - 0.5) * 2
                phases.0 += 2 * .pi * row * factor / Double(rate)
                phases.1 += 2 * .pi * column * factor / Double(rate)
                samples.append(Int16((amplitude * (sin(phases.0) + sin(phases.1)) * 32768).rounded()))
            }
            return samples + ToneGenerator(sampleRate: rate).silence(seconds: 0.1)
        }
        var gliding: [Int16] = [], still: [Int16] = []
        for key in DTMFKey.allCases {
            gliding += pair(key.lowFrequency, key.highFrequency, glide: 0.02)
            still += pair(key.lowFrequency * 1.012, key.highFrequency * 1.012, glide: 0)
        }
        var unchecked = DTMFDetectorConfiguration()
        unchecked.maximumJointDrift = 1
        #expect(DTMFDetector.digits(in: gliding, sampleRate: rate, configuration: unchecked).count >= 12)
        let taken = detectedKeys(gliding, rate: rate)
        #expect(taken.count <= 3, "gliding pairs taken for keys: \(taken)")
        #expect(detectedKeys(still, rate: rate) == String(DTMFKey.allCases.map(\.rawValue)))
    }

    @Test("Two harmonics of a voice posing as a key, with its other harmonics beside them, are not keys", arguments: [8000, 16000])
    func harmonicSeriesTalkOff(rate: Int) {
        /// 80 ms of the harmonics `numbers` of `pitch`, the first two at −10 dBm0, the rest 6 dB weaker.
        func voice(pitch: Double, _ numbers: [Int]) -> [Int16] {
            let amplitude = ToneGenerator.amplitude(dBm0: -10)
            let samples = (0..<(rate * 8 / 100)).map { i in
                numbers.enumerated().reduce(0.0) { sum, harmonic in
                    sum + (harmonic.offset < 2 ? 1 : 0.5) * sin(2 * .pi * pitch * Double(harmonic.element) * Double(i) / Double(rate))
                }
            }
            let silence = ToneGenerator(sampleRate: rate).silence(seconds: 0.1)
            return silence + samples.map { Int16((amplitude * $0 * 32768).rounded()) } + silence
        }
        var series: [Int16] = [], pairs: [Int16] = []
        var keys = ""
        for key in DTMFKey.allCases {
            // A pitch of 100–350 Hz with harmonics within 1 % of both tones, if there is one.
            let found = (2...12).lazy.compactMap { low -> (Double, Int, Int)? in
                let pitch = key.lowFrequency / Double(low)
                let high = Int((key.highFrequency / pitch).rounded())
                guard (100...350).contains(pitch), abs(Double(high) * pitch / key.highFrequency - 1) <= 0.01 else { return nil }
                return (pitch, low, high)
            }.first
            guard let (pitch, low, high) = found else { continue }
            let others = [high - low, 2 * low - high, 2 * high - low].filter {
                $0 > 0 && $0 != low && $0 != high && Double($0) * pitch < Double(rate) / 2 - 200
            }
            series += voice(pitch: pitch, [low, high] + others)
            pairs += voice(pitch: pitch, [low, high])
            keys.append(key.rawValue)
        }
        #expect(keys.count >= 8)
        var unchecked = DTMFDetectorConfiguration()
        unchecked.voiceHarmonicRejectDB = -100
        let takenUnchecked = DTMFDetector.digits(in: series, sampleRate: rate, configuration: unchecked).count
        #expect(takenUnchecked >= keys.count / 2, "without the check, only \(takenUnchecked) of \(keys.count) series are keys")
        let taken = detectedKeys(series, rate: rate)
        #expect(taken.isEmpty, "harmonic series taken for keys: \(taken)")
        #expect(detectedKeys(pairs, rate: rate) == keys)
    }

    @Test("Call-progress tones are not keys", arguments: CallProgressTone.allCases)
    func callProgress(tone: CallProgressTone) {
        let samples = ToneGenerator(sampleRate: 8000).callProgress(tone, seconds: 6, levelDBm0: -10)
        #expect(detectedKeys(samples, rate: 8000) == "")
    }

    @Test("Talk-down: keys heard under speech 10 dB weaker", arguments: [8000, 16000])
    func talkDown(rate: Int) throws {
        let speech = try SpeechCorpus.recordings(rate: rate).filter { $0.samples.count > rate * 3 }
        var right = 0, extra = 0, total = 0
        for (_, recording) in speech {
            let sequence = KeySequence.allKeys(rate: rate, on: 0.06, off: 0.06, levelDBm0: -10)
            let tonePower = pow(ToneGenerator.amplitude(dBm0: -10), 2)     // two tones, A²/2 each
            let gain = sqrt(tonePower / pow(10, 1.0) / activePower(recording))
            let speechSignal = recording.map { Double($0) / 32768 }
            let mixed = mix(sequence.samples, speechSignal, gain: gain)
            let result = score(detectDigits(mixed, rate: rate), against: sequence.presses, rate: rate)
            right += result.right
            extra += result.extra
            total += sequence.presses.count
        }
        #expect(Double(right) >= 0.99 * Double(total), "\(right) of \(total) keys right under speech")
        #expect(extra == 0, "\(extra) extra keys")
    }

    /// Active speech power after ITU-T P.56's idea: the mean power of the 10 ms frames above a
    /// threshold 15.9 dB below that mean, found by iteration.
    private func activePower(_ samples: [Int16]) -> Double {
        let frames = stride(from: 0, to: samples.count - 80, by: 80).map { power(Array(samples[$0..<($0 + 80)])) }
        var level = frames.reduce(0, +) / Double(max(1, frames.count))
        for _ in 0..<20 {
            let active = frames.filter { $0 > level / pow(10, 1.59) }
            level = active.reduce(0, +) / Double(max(1, active.count))
        }
        return level
    }

    /// Notes with decaying harmonics (like a string or a piano), each at about -20 dBm0.
    private func harmonicChord(_ notes: [Double], rate: Int, seconds: Double) -> [Int16] {
        var tones: [(frequency: Double, levelDBm0: Double)] = []
        for note in notes {
            for harmonic in 1...6 where note * Double(harmonic) < Double(rate) / 2 {
                tones.append((note * Double(harmonic), -20 - 6 * Double(harmonic - 1)))
            }
        }
        return ToneGenerator(sampleRate: rate).render(tones, seconds: seconds)
    }

    /// Logarithmic sweeps played together, each at -12 dBm0.
    private func sweep(_ ranges: [(Double, Double)], rate: Int, seconds: Double) -> [Int16] {
        let count = Int(seconds * Double(rate))
        let amplitude = ToneGenerator.amplitude(dBm0: -12)
        return (0..<count).map { i in
            let t = Double(i) / Double(rate)
            var x = 0.0
            for (from, to) in ranges {
                let k = log(to / from) / seconds
                x += amplitude * sin(2 * .pi * from * (exp(k * t) - 1) / k)
            }
            return Int16((x * 32768).rounded())
        }
    }
}
