#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A key press found by ``DTMFDetector``, on the sample clock of the audio fed to it.
public struct DTMFDigit: Sendable, Equatable {
    public let key: DTMFKey
    /// First sample of the tone (to within one analysis hop, 6.5 ms).
    public let start: Int64
    /// Sample after the tone's last analysed hop.
    public let end: Int64
}

/// What ``DTMFDetector`` reports as it hears keys.
public enum DTMFEvent: Sendable, Equatable {
    /// A key is confirmed and still held: act on it now (barge-in, type-ahead).
    case pressed(DTMFKey, start: Int64)
    /// The key was released; the digit with its start and end.
    case released(DTMFDigit)
}

/// The thresholds of ``DTMFDetector``. The defaults meet ITU-T Q.24's receiver limits.
public struct DTMFDetectorConfiguration: Sendable {
    /// Weakest tone accepted, per tone, in dBm0 (0 dBm0 = a sine 3.14 dB below full scale).
    /// Q.24 asks for −36 dBm0 to be detected and tones below about −45 dBm0 ignored.
    public var minimumLevelDBm0: Double = -41
    /// How much weaker the high-group tone may be (normal twist; Q.24: 8 dB), with margin
    /// for the Goertzel filters' loss on a tone 1.5 % off frequency.
    public var normalTwistDB: Double = 10
    /// How much weaker the low-group tone may be (reverse twist; Q.24: 4 dB), with margin.
    public var reverseTwistDB: Double = 6
    /// How far the strongest row must stand above the other rows.
    public var rowRelativePeakDB: Double = 6
    /// How far the strongest column must stand above the other columns (less than for rows:
    /// a strong row tone leaks into the column filters when the column tone is 8 dB weaker).
    public var columnRelativePeakDB: Double = 6
    /// The least share of the block's energy the two tones must hold (speech spreads its own).
    public var toneToTotalRatio: Double = 0.6
    /// The same share when the tones differ by more than ``strongTwistDB``: a weak high tone
    /// is the easiest for a voice's harmonic to imitate, so such blocks must be cleaner.
    public var strongTwistToneToTotalRatio: Double = 0.75
    /// Twist beyond which ``strongTwistToneToTotalRatio`` applies.
    public var strongTwistDB: Double = 6
    /// Largest frequency error accepted, as a fraction (Q.24: accept 1.5 %, reject 3.5 %).
    public var maximumFrequencyError: Double = 0.025
    /// Largest difference in signal energy between the two halves of a block: a tone is
    /// steady. 2 dB lets a half count only when a tone fills 63 % of it, which is what tells
    /// 20 ms from 40 ms tones.
    public var maximumHalfImbalanceDB: Double = 2
    /// How far below the high-group tone its second harmonic must be (speech is rich in
    /// harmonics; a keypad tone is not).
    public var secondHarmonicRejectDB: Double = 12
    /// How far below the weaker tone the frequencies where a voice would have other harmonics
    /// must stay (f₂ − f₁, 2f₁ − f₂, 2f₂ − f₁ of the tones f₁ < f₂; a keypad puts nothing
    /// there; a block fails when two of them are louder). Checked until a key is confirmed.
    public var voiceHarmonicRejectDB: Double = 9
    /// Largest change of both tones' frequencies in the same direction, as a fraction, between
    /// the first block of a key and a later one before it is confirmed: a keypad's two
    /// oscillators hold still, while two harmonics of a voice glide together (speech played
    /// faster or higher imitates keys that way, `scripts/benchmark-talkoff`).
    public var maximumJointDrift: Double = 0.005
    /// Consecutive valid blocks that confirm a key: 3 hops (tones of 40 ms give at least 4,
    /// tones of 20 ms at most 2).
    public var confirmCount = 3
    /// Consecutive invalid blocks that release a key: 6 hops (a 10 ms dropout spoils at most
    /// 4, a 40 ms pause at least 7).
    public var releaseCount = 6

    public init() {}
}

/// A streaming DTMF receiver for 8 kHz and 16 kHz audio, after ITU-T Q.24.
///
/// Method: a bank of eight Goertzel filters (G. Goertzel, "An algorithm for the evaluation of
/// finite trigonometric series", 1958) over the row and column frequencies, run as `SIMD8<Float>`
/// recurrences on half-blocks of 6.5 ms (52 samples at 8 kHz). Each pair of consecutive halves
/// forms a 13 ms analysis block, one every half-block. A block is valid for a key when its best
/// row and column tones pass: absolute level, twist, relative peak in each group, tone-to-total
/// energy, steady signal energy in both halves, a frequency check from the phase advance between
/// the halves (which tells ±1.5 % from ±3.5 %), and a check of the high tone's second harmonic
/// (computed only for candidate blocks). Until a key is confirmed, its two tones must not have
/// moved together since its first block (a voice's harmonics glide in step; a keypad's tones
/// hold still), and the frequencies where a voice whose harmonics the tones might be would
/// have others must be quiet. Above 8 kHz the energies are measured through a two-tap
/// low-pass, so that speech near the Nyquist frequency does not count against the tones. A key
/// is confirmed after ``DTMFDetectorConfiguration/confirmCount`` valid blocks in a row and
/// released after ``DTMFDetectorConfiguration/releaseCount`` invalid ones.
///
/// Cost: per sample, a conversion, a square, and one 8-lane multiply and two adds (skipped for
/// half-blocks in no block that could hold a key: too quiet, or too different in energy from
/// both neighbours); per half-block, a few dozen vector operations. No
/// allocation after `init`, except for the array of events returned when a key is pressed or
/// released.
public final class DTMFDetector {
    public let sampleRate: Int
    public let configuration: DTMFDetectorConfiguration

    private let half: Int
    private let coefficient: SIMD8<Float>      // 2 cos ω
    private let cosine: SIMD8<Float>
    private let sine: SIMD8<Float>
    private let rotationRe: SIMD8<Float>       // e^{-jωM}: one half-block's phase advance
    private let rotationIm: SIMD8<Float>
    private let quarterRotationRe: SIMD8<Float>  // e^{-jωM/2}: one quarter-block's
    private let quarterRotationIm: SIMD8<Float>
    private let minimumBlockPower: Float
    private let minimumHalfEnergy: Float
    private let normalTwist: Float, reverseTwist: Float, rowRelativePeak: Float, columnRelativePeak: Float
    private let maximumImbalance: Float, harmonicLimit: Float, voiceHarmonicLimit: Float
    private let toneShare: Float, strongTwistToneShare: Float, strongTwist: Float

    private var filled = 0
    private var halfEnergy: Float = 0
    private var lastSample: Float = 0
    private let bandLimitEnergy: Bool
    private var previousRe = SIMD8<Float>(), previousIm = SIMD8<Float>()
    private var previousEnergy: Float = 0
    private var havePrevious = false
    /// Whether `previousRe` and `previousIm` hold the previous half's filter outputs.
    private var previousAnalysed = false
    /// The samples of the previous and the current half-block, for the harmonic check.
    private let history: UnsafeMutablePointer<Float>
    private var currentHalfOffset = 0
    private var clock: Int64 = 0

    private var candidate: DTMFKey?
    private var candidateRun = 0
    private var candidateStart: Int64 = 0
    /// Frequency errors (fractions) of the row and column tones in the candidate's first block,
    /// and in the block just classified.
    private var candidateErrors = SIMD2<Float>(), blockErrors = SIMD2<Float>()
    private var active: DTMFKey?
    private var activeStart: Int64 = 0
    private var lastValidEnd: Int64 = 0
    private var missRun = 0

    /// A detector for audio at `sampleRate` (8,000 or 16,000 Hz; other rates from 8 kHz up work too).
    public init(sampleRate: Int, configuration: DTMFDetectorConfiguration = .init()) {
        precondition(sampleRate >= 8000, "DTMF needs at least 8 kHz audio")
        self.sampleRate = sampleRate
        self.configuration = configuration
        // 6.5 ms, a multiple of 4, so that each half splits into two quarters of even length
        // (52 samples at 8 kHz).
        half = 4 * Int((Double(sampleRate) * 0.001625).rounded())
        var coefficient = SIMD8<Float>(), cosine = SIMD8<Float>(), sine = SIMD8<Float>()
        var rotationRe = SIMD8<Float>(), rotationIm = SIMD8<Float>()
        var quarterRotationRe = SIMD8<Float>(), quarterRotationIm = SIMD8<Float>()
        for (lane, frequency) in (DTMFKey.rowFrequencies + DTMFKey.columnFrequencies).enumerated() {
            let omega = 2 * Double.pi * frequency / Double(sampleRate)
            coefficient[lane] = Float(2 * cos(omega))
            cosine[lane] = Float(cos(omega))
            sine[lane] = Float(sin(omega))
            rotationRe[lane] = Float(cos(omega * Double(half)))
            rotationIm[lane] = Float(-sin(omega * Double(half)))
            quarterRotationRe[lane] = Float(cos(omega * Double(half / 2)))
            quarterRotationIm[lane] = Float(-sin(omega * Double(half / 2)))
        }
        self.coefficient = coefficient
        self.cosine = cosine
        self.sine = sine
        self.rotationRe = rotationRe
        self.rotationIm = rotationIm
        self.quarterRotationRe = quarterRotationRe
        self.quarterRotationIm = quarterRotationIm
        // A sine of amplitude A gives |X|² = (A·N/2)² over a block of N samples.
        let amplitude = pow(10, (configuration.minimumLevelDBm0 - 3.14) / 20)
        minimumBlockPower = Float(pow(amplitude * Double(2 * half) / 2, 2))
        // A valid block has |X|² ≥ (A·N/2)², and |X|² ≤ N·Σx² for any signal, so its energy is at
        // least A²·N/4; the steadiness check keeps each half at or above 1/(1 + imbalance) of it.
        let imbalance = pow(10, configuration.maximumHalfImbalanceDB / 10)
        minimumHalfEnergy = Float(amplitude * amplitude * Double(2 * half) / 4 / (1 + imbalance))
        normalTwist = Float(pow(10, -configuration.normalTwistDB / 10))
        reverseTwist = Float(pow(10, configuration.reverseTwistDB / 10))
        rowRelativePeak = Float(pow(10, configuration.rowRelativePeakDB / 10))
        columnRelativePeak = Float(pow(10, configuration.columnRelativePeakDB / 10))
        maximumImbalance = Float(pow(10, configuration.maximumHalfImbalanceDB / 10))
        harmonicLimit = Float(pow(10, -configuration.secondHarmonicRejectDB / 10))
        voiceHarmonicLimit = Float(pow(10, -configuration.voiceHarmonicRejectDB / 10))
        toneShare = Float(configuration.toneToTotalRatio)
        strongTwistToneShare = Float(configuration.strongTwistToneToTotalRatio)
        strongTwist = Float(pow(10, configuration.strongTwistDB / 10))
        bandLimitEnergy = sampleRate > 8000
        history = .allocate(capacity: 2 * half)
        history.initialize(repeating: 0, count: 2 * half)
    }

    deinit { history.deallocate() }

    /// Samples consumed so far: the detector's sample clock.
    public var sampleClock: Int64 { clock }

    /// Feeds samples (any count) and returns the events they complete, usually none.
    public func process(_ samples: UnsafeBufferPointer<Int16>) -> [DTMFEvent] {
        var events: [DTMFEvent] = []
        guard let base = samples.baseAddress else { return events }
        var index = 0
        while index < samples.count {
            let n = min(half - filled, samples.count - index)
            let store = history + currentHalfOffset + filled
            let energy = Self.convert(base + index, count: n, into: store)
            halfEnergy += bandLimitEnergy ? bandEnergy(store, count: n) : energy
            filled += n
            index += n
            clock += Int64(n)
            if filled == half { finishHalf(into: &events) }
        }
        return events
    }

    /// Converts `count` samples to floats (full scale 1.0) into `output` and returns their energy Σx².
    @inline(__always)
    private static func convert(_ input: UnsafePointer<Int16>, count: Int, into output: UnsafeMutablePointer<Float>) -> Float {
        let scale: Float = 1 / 32768
        var energy = SIMD8<Float>()
        var k = 0
        while k &+ 8 <= count {
            let x = SIMD8<Float>(UnsafeRawPointer(input + k).loadUnaligned(as: SIMD8<Int16>.self)) * scale
            UnsafeMutableRawPointer(output + k).storeBytes(of: x, as: SIMD8<Float>.self)
            energy += x * x
            k &+= 8
        }
        var quad = SIMD4<Float>()
        if k &+ 4 <= count {
            let x = SIMD4<Float>(UnsafeRawPointer(input + k).loadUnaligned(as: SIMD4<Int16>.self)) * scale
            UnsafeMutableRawPointer(output + k).storeBytes(of: x, as: SIMD4<Float>.self)
            quad = x * x
            k &+= 4
        }
        var tail: Float = 0
        while k < count {
            let x = Float(input[k]) * scale
            output[k] = x
            tail += x * x
            k &+= 1
        }
        let sum = energy.lowHalf + energy.highHalf + quad
        return (sum[0] + sum[1]) + (sum[2] + sum[3]) + tail
    }

    /// Energy of `count` converted samples after a two-tap low-pass, (x[n] + x[n−1]) / 2, which
    /// keeps the telephone band and removes what speech puts near the Nyquist frequency (used
    /// above 8 kHz, where fricatives would otherwise count against the tones).
    private func bandEnergy(_ x: UnsafeMutablePointer<Float>, count: Int) -> Float {
        var energy: Float = 0
        var previous = lastSample
        for k in 0..<count {
            let y = (x[k] + previous) * 0.5
            energy += y * y
            previous = x[k]
        }
        lastSample = previous
        return energy
    }

    /// Feeds an array of samples.
    public func process(_ samples: [Int16]) -> [DTMFEvent] {
        samples.withUnsafeBufferPointer { process($0) }
    }

    /// Ends the stream: releases a key still held.
    public func finish() -> [DTMFEvent] {
        guard let key = active else { return [] }
        active = nil
        return [.released(DTMFDigit(key: key, start: activeStart, end: lastValidEnd))]
    }

    /// Forgets everything heard, keeping the sample clock.
    public func reset() {
        filled = 0; halfEnergy = 0; havePrevious = false
        candidate = nil; candidateRun = 0; active = nil; missRun = 0
    }

    // MARK: - Per half-block

    private func finishHalf(into events: inout [DTMFEvent]) {
        let energy = halfEnergy
        halfEnergy = 0
        var analysed = false
        if havePrevious {
            // Only a block of two halves each loud enough for two tones at the minimum level,
            // and within the steadiness limit of each other, can be valid (level and
            // steadiness checks), so the filter bank runs only on the halves of such blocks:
            // the previous half late if it was not needed before (its samples are still kept).
            var key: DTMFKey?
            if energy >= minimumHalfEnergy, previousEnergy >= minimumHalfEnergy,
               energy <= previousEnergy * maximumImbalance, previousEnergy <= energy * maximumImbalance {
                if !previousAnalysed {
                    (previousRe, previousIm) = analyseHalf(history + half - currentHalfOffset)
                }
                let (re, im) = analyseHalf(history + currentHalfOffset)
                key = classify(previousRe, previousIm, re, im, energyA: previousEnergy, energyB: energy)
                previousRe = re; previousIm = im
                analysed = true
            }
            step(key, blockEnd: clock, into: &events)
        }
        previousAnalysed = analysed
        previousEnergy = energy
        havePrevious = true
        filled = 0
        currentHalfOffset = half - currentHalfOffset
    }

    /// The eight filters' outputs over one half-block (of even length).
    ///
    /// The two quarters run as independent Goertzel recurrences side by side, so that each one's
    /// multiply-add latency hides the other's; each quarter gives Y = s[Q−1] − e^{−jω}·s[Q−2],
    /// its DFT up to a rotation shared by all quarters, and the half is Y₁ + e^{−jωQ}·Y₂.
    @inline(__always)
    private func analyseHalf(_ x: UnsafeMutablePointer<Float>) -> (SIMD8<Float>, SIMD8<Float>) {
        let quarter = half / 2
        let coefficient = self.coefficient
        var a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), b1 = SIMD8<Float>(), b2 = SIMD8<Float>()
        // Two steps per turn with the roles of s1 and s2 swapped, so no state is copied;
        // written as (x − s2) + c·s1, the order that keeps the loop-carried chain short.
        var k = 0
        while k < quarter {
            a2 = (SIMD8(repeating: x[k]) - a2) + coefficient * a1
            b2 = (SIMD8(repeating: x[quarter + k]) - b2) + coefficient * b1
            a1 = (SIMD8(repeating: x[k + 1]) - a1) + coefficient * a2
            b1 = (SIMD8(repeating: x[quarter + k + 1]) - b1) + coefficient * b2
            k += 2
        }
        let firstRe = a1 - cosine * a2, firstIm = sine * a2
        let secondRe = b1 - cosine * b2, secondIm = sine * b2
        let re = firstRe + (quarterRotationRe * secondRe - quarterRotationIm * secondIm)
        let im = firstIm + (quarterRotationRe * secondIm + quarterRotationIm * secondRe)
        return (re, im)
    }

    /// The key whose tones fill the block made of the previous half (a) and this half (b), if any.
    private func classify(_ aRe: SIMD8<Float>, _ aIm: SIMD8<Float>, _ bRe: SIMD8<Float>, _ bIm: SIMD8<Float>,
                          energyA: Float, energyB: Float) -> DTMFKey? {
        // The checks on the two strongest tones alone first: on speech most blocks end there,
        // before any search over the lanes. (The halves' steadiness is checked before the filters.)
        // Whole-block DFT: X = Ya + e^{−jωM}·Yb.
        let fullRe = aRe + (rotationRe * bRe - rotationIm * bIm)
        let fullIm = aIm + (rotationRe * bIm + rotationIm * bRe)
        let power = fullRe * fullRe + fullIm * fullIm
        let rowPower = max(max(power[0], power[1]), max(power[2], power[3]))
        let columnPower = max(max(power[4], power[5]), max(power[6], power[7]))
        guard rowPower >= minimumBlockPower, columnPower >= minimumBlockPower else { return nil }
        guard columnPower >= rowPower * normalTwist, columnPower <= rowPower * reverseTwist else { return nil }
        // For a pure tone, 2|X|²/N equals its energy Σx² over the block.
        let toneEnergy = 2 * (rowPower + columnPower) / Float(2 * half)
        let strongTwist = columnPower > rowPower * strongTwist || rowPower > columnPower * strongTwist
        let toneShare = strongTwist ? strongTwistToneShare : toneShare
        guard toneEnergy >= toneShare * (energyA + energyB) else { return nil }

        let row = Self.strongest(power, in: 0..<4)
        let column = Self.strongest(power, in: 4..<8)
        for lane in 0..<4 where lane != row && power[lane] * rowRelativePeak > rowPower { return nil }
        for lane in 4..<8 where lane != column && power[lane] * columnRelativePeak > columnPower { return nil }
        for (index, lane) in [row, column].enumerated() {
            // Phase advance of b over a, less the nominal ωM, is 2π·Δf·M/fs.
            let zRe = bRe[lane] * aRe[lane] + bIm[lane] * aIm[lane]
            let zIm = bIm[lane] * aRe[lane] - bRe[lane] * aIm[lane]
            let dRe = zRe * rotationRe[lane] - zIm * rotationIm[lane]
            let dIm = zRe * rotationIm[lane] + zIm * rotationRe[lane]
            let offset = Double(atan2(dIm, dRe)) * Double(sampleRate) / (2 * Double.pi * Double(half))
            let nominal = lane < 4 ? DTMFKey.rowFrequencies[lane] : DTMFKey.columnFrequencies[lane - 4]
            guard abs(offset) <= configuration.maximumFrequencyError * nominal else { return nil }
            blockErrors[index] = Float(offset / nominal)
        }
        let key = DTMFKey(row: row, column: column - 4)
        // Only the high tone's harmonic is clean: twice a row frequency (1394–1882 Hz) lies
        // within a bin of the column tones. Checked until the key is confirmed.
        guard key == active
            || goertzelPower(at: 2 * DTMFKey.columnFrequencies[column - 4]) <= columnPower * harmonicLimit
        else { return nil }
        guard key == active || !voiceHarmonicsAround(row: row, column: column - 4, weakerPower: min(rowPower, columnPower))
        else { return nil }
        return key
    }

    private static func strongest(_ power: SIMD8<Float>, in lanes: Range<Int>) -> Int {
        var best = lanes.lowerBound
        for lane in lanes where power[lane] > power[best] { best = lane }
        return best
    }

    /// Whether the block holds what a voice would put beside two of its harmonics posing as the
    /// key's tones: with the tones at the measured f₁ < f₂, energy within
    /// ``DTMFDetectorConfiguration/voiceHarmonicRejectDB`` of the weaker tone at two or more of
    /// f₂ − f₁, 2f₁ − f₂ and 2f₂ − f₁ (other harmonics, if f₁ and f₂ are multiples of one
    /// pitch; one alone is too often a harmonic of speech under a real key). Frequencies within
    /// two filter bandwidths of a tone, or outside 150 Hz to 200 Hz below Nyquist, are not
    /// looked at (the tones' own energy spreads there).
    private func voiceHarmonicsAround(row: Int, column: Int, weakerPower: Float) -> Bool {
        let low = DTMFKey.rowFrequencies[row] * Double(1 + blockErrors[0])
        let high = DTMFKey.columnFrequencies[column] * Double(1 + blockErrors[1])
        let clearance = 2 * Double(sampleRate) / Double(2 * half)
        var heard = 0
        for frequency in [high - low, 2 * low - high, 2 * high - low]
        where frequency >= 150 && frequency <= Double(sampleRate) / 2 - 200
            && abs(frequency - low) >= clearance && abs(frequency - high) >= clearance
            && goertzelPower(at: frequency) > weakerPower * voiceHarmonicLimit {
            heard += 1
        }
        return heard >= 2
    }

    /// Goertzel power at `frequency` over the block's samples (oldest half first).
    private func goertzelPower(at frequency: Double) -> Float {
        let coefficient = Float(2 * cos(2 * Double.pi * frequency / Double(sampleRate)))
        var a: Float = 0, b: Float = 0
        let oldest = half - currentHalfOffset
        for offset in [oldest, currentHalfOffset] {
            for k in 0..<half {
                let s0 = (history[offset + k] - b) + coefficient * a
                b = a
                a = s0
            }
        }
        return a * a + b * b - coefficient * a * b
    }

    /// Advances the press/release state machine by one block.
    private func step(_ key: DTMFKey?, blockEnd: Int64, into events: inout [DTMFEvent]) {
        let blockStart = blockEnd - Int64(2 * half)
        var key = key
        if let found = key, found == candidate, found != active {
            let drift = blockErrors - candidateErrors
            let limit = Float(configuration.maximumJointDrift)
            if drift[0] * drift[1] > 0 && abs(drift[0]) > limit && abs(drift[1]) > limit { key = nil }
        }
        if key == candidate {
            candidateRun += 1
        } else {
            candidate = key
            candidateRun = 1
            candidateStart = blockStart
            candidateErrors = blockErrors
        }
        if let current = active {
            if key == current {
                missRun = 0
                lastValidEnd = blockEnd
            } else {
                missRun += 1
                let replaced = key != nil && candidateRun >= configuration.confirmCount
                if missRun >= configuration.releaseCount || replaced {
                    events.append(.released(DTMFDigit(key: current, start: activeStart, end: lastValidEnd)))
                    active = nil
                }
            }
        }
        if active == nil, let key, candidateRun >= configuration.confirmCount {
            active = key
            activeStart = candidateStart
            lastValidEnd = blockEnd
            missRun = 0
            events.append(.pressed(key, start: candidateStart))
        }
    }
}

extension DTMFDetector {
    /// All digits in `samples`, in order: a whole-buffer convenience over ``process(_:)-(UnsafeBufferPointer<Int16>)``.
    public static func digits(in samples: [Int16], sampleRate: Int,
                              configuration: DTMFDetectorConfiguration = .init()) -> [DTMFDigit] {
        let detector = DTMFDetector(sampleRate: sampleRate, configuration: configuration)
        return (detector.process(samples) + detector.finish()).compactMap {
            if case .released(let digit) = $0 { digit } else { nil }
        }
    }
}
