import Foundation
import IVRDSP

/// Noise on a line, for the noisy rows of the real-speech benchmark (`NOISE_KIND`): white,
/// pink (power falling 3 dB per octave, like a fan or traffic), brown (6 dB per octave, a
/// rumble), or babble (four other talkers of the development list's sentences at once).
enum LineNoise: String {
    case white, pink, brown, babble

    /// `samples` with this noise added `snr` dB below their mean power.
    func adding(to samples: [Int16], snr: Double, seed: UInt64, talkers: [[Int16]]) -> [Int16] {
        var generator = NoiseGenerator(seed: seed)
        var noise: [Double]
        switch self {
        case .white:
            return generator.addingWhite(to: samples, snr: snr)
        case .pink:
            // Paul Kellet's filter of white noise: three one-pole sections.
            var (b0, b1, b2) = (0.0, 0.0, 0.0)
            noise = generator.white(count: samples.count, rms: 1).map { w in
                b0 = 0.99765 * b0 + w * 0.0990460
                b1 = 0.96300 * b1 + w * 0.2965164
                b2 = 0.57000 * b2 + w * 1.0526913
                return b0 + b1 + b2 + w * 0.1848
            }
        case .brown:
            var level = 0.0
            noise = generator.white(count: samples.count, rms: 1).map { w in
                level = 0.98 * level + w
                return level
            }
        case .babble:
            noise = [Double](repeating: 0, count: samples.count)
            for _ in 0..<4 {
                let talker = talkers[Int(generator.next() % UInt64(talkers.count))]
                guard !talker.isEmpty else { continue }
                let offset = Int(generator.next() % UInt64(talker.count))
                for index in noise.indices { noise[index] += Double(talker[(offset + index) % talker.count]) }
            }
        }
        let power = noise.reduce(0) { $0 + $1 * $1 } / Double(max(noise.count, 1))
        guard power > 0 else { return samples }
        let scale = (samples.meanPower / pow(10, snr / 10) / power).squareRoot()
        return zip(samples, noise).map { Int16(clamping: Int((Double($0) + $1 * scale).rounded())) }
    }
}
