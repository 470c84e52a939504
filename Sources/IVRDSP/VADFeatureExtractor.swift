#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The 32 numbers ``VoiceActivityDetector`` judges each 10 ms frame by.
///
/// Method: the signal is brought to an 8 kHz core (at 16 kHz through a 31-tap half-band
/// low-pass, the band above 4 kHz kept as one energy), and high-passed at 150 Hz (hum, rumble
/// and DC are not speech). One
/// autocorrelation of the last 20 ms (lags 0–12) gives
/// - the energy of eight bands from 250 to 3300 Hz (Blackman–Tukey estimate with a Bartlett lag
///   window),
/// - the linear-prediction gains of orders 1, 2, 4 and 10 and the first reflection
///   coefficient (Levinson–Durbin), which tell the few steady lines of a telephone tone from the
///   formants of a voice and the flat spectrum of noise,
///
/// and a normalized cross-correlation over pitch lags of 70–400 Hz (at 2 kHz) measures voicing.
/// Each band's noise floor is tracked by minimum statistics (R. Martin, "Noise power spectral
/// density estimation based on optimal smoothing and minimum statistics", IEEE TSAP 2001, here
/// in its simplest form: the least smoothed level over the last second), so the features are
/// mostly levels above the line's own noise (and the floor itself, which tells a clean line from
/// a noisy one): a new line's noise is learned within about a second.
///
/// Cost per 10 ms frame: one pass over its samples (conversion, high-pass, half-band at 16 kHz),
/// 13 × 10 eight-lane multiply-adds for the autocorrelation, 24 × 3 for the pitch search, a
/// ten-step Levinson recursion and one sixteen-lane logarithm. Nothing is allocated after `init`.
public final class VADFeatureExtractor {
    /// Number of features per frame.
    public static let count = 32
    /// Index of the full-band level above the noise floor (dB).
    public static let signalToNoiseIndex = 8
    /// Index of the frame's level (dB).
    static let levelIndex = 9
    /// Indices of the eight bands' levels against their mean (dB): the spectrum's shape.
    static let bandShapeIndices = 10..<18
    /// Index of the prediction gain of order 4 (dB): two steady sines are predicted exactly.
    static let fourthOrderGainIndex = 20
    /// Rate of the analysis core.
    static let coreRate = 8000
    static let coreFrame = 80
    static let windowLength = 160
    static let lagCount = 13
    static let bandCenters: [Float] = [250, 500, 800, 1150, 1550, 2000, 2600, 3300]
    static let pitchLags = 5...28
    static let pitchWindow = 24
    /// Frames per block of minimum statistics, and blocks remembered (together: 1 s).
    static let floorBlockFrames = 20
    static let floorBlocks = 5

    /// Input samples per 10 ms frame.
    public let frameLength: Int
    public let sampleRate: Int

    private let decimates: Bool
    /// Input history for the half-band filter, as even and odd phases (16 kHz only).
    private let evenPhase: UnsafeMutablePointer<Float>
    private let oddPhase: UnsafeMutablePointer<Float>
    /// The 8 kHz core: the last 20 ms.
    private let core: UnsafeMutablePointer<Float>
    /// The 2 kHz pitch signal: history for the longest lag plus the current window, and the
    /// same reversed (so that consecutive lags are consecutive addresses).
    private let pitch: UnsafeMutablePointer<Float>
    private let reversedPitch: UnsafeMutablePointer<Float>
    /// Energy of the past window at each pitch lag.
    private let laggedEnergies: UnsafeMutablePointer<Float>
    private static let pitchLength = 28 + 24
    /// Bartlett-windowed cosine table: band b's power is Σ r[k]·bandWeights[k][b].
    private let bandWeights: [SIMD8<Float>]

    /// Autocorrelation lags 0–12 of the current 20 ms, and of its first 10 ms alone.
    private let correlation: UnsafeMutablePointer<Float>
    private let previousCorrelation: UnsafeMutablePointer<Float>
    /// Levinson–Durbin coefficients.
    private let predictor: UnsafeMutablePointer<Float>

    /// High-pass state: first section's output and input, second section's output and input.
    private var highPass = SIMD4<Float>()

    // Levels tracked across frames, in dB, as SIMD16: lanes 0–7 bands, 8 full band, 9 high band.
    private var smoothedLevels = SIMD16<Float>(repeating: -200)
    private var blockMinimum = SIMD16<Float>(repeating: .infinity)
    /// Minima of the last ``floorBlocks`` completed blocks, and their least.
    private let blockMinima: UnsafeMutablePointer<SIMD16<Float>>
    private var completedMinimum = SIMD16<Float>(repeating: .infinity)
    private var framesInBlock = 0
    private var nextBlock = 0
    private var started = false

    private var smoothedSNR: Float = 0
    private var recentEnergies = SIMD16<Float>(repeating: 0)
    private var recentVoicing = SIMD8<Float>(repeating: 0)
    private var frameIndex = 0

    /// Creates an extractor for 8000 or 16000 Hz audio.
    public init(sampleRate: Int) {
        precondition(sampleRate == 8000 || sampleRate == 16000, "VAD runs at 8 or 16 kHz")
        self.sampleRate = sampleRate
        frameLength = sampleRate / 100
        decimates = sampleRate == 16000
        evenPhase = .allocate(capacity: 96)
        evenPhase.initialize(repeating: 0, count: 96)
        oddPhase = .allocate(capacity: 96)
        oddPhase.initialize(repeating: 0, count: 96)
        core = .allocate(capacity: Self.windowLength)
        core.initialize(repeating: 0, count: Self.windowLength)
        pitch = .allocate(capacity: Self.pitchLength)
        pitch.initialize(repeating: 0, count: Self.pitchLength)
        reversedPitch = .allocate(capacity: Self.pitchLength + 8)
        reversedPitch.initialize(repeating: 0, count: Self.pitchLength + 8)
        laggedEnergies = .allocate(capacity: 24)
        laggedEnergies.initialize(repeating: 0, count: 24)
        bandWeights = (0..<Self.lagCount).map { k in
            let lagWindow = Float(1 - Double(k) / Double(Self.lagCount))
            var row = SIMD8<Float>()
            for b in 0..<8 {
                let c = cos(2 * Double.pi * Double(Self.bandCenters[b]) * Double(k) / Double(Self.coreRate))
                row[b] = (k == 0 ? 1 : 2) * lagWindow * Float(c)
            }
            return row
        }
        blockMinima = .allocate(capacity: Self.floorBlocks)
        blockMinima.initialize(repeating: SIMD16(repeating: .infinity), count: Self.floorBlocks)
        correlation = .allocate(capacity: Self.lagCount)
        correlation.initialize(repeating: 0, count: Self.lagCount)
        previousCorrelation = .allocate(capacity: Self.lagCount)
        previousCorrelation.initialize(repeating: 0, count: Self.lagCount)
        predictor = .allocate(capacity: 12)
        predictor.initialize(repeating: 0, count: 12)
    }

    deinit {
        evenPhase.deallocate()
        oddPhase.deallocate()
        core.deallocate()
        pitch.deallocate()
        reversedPitch.deallocate()
        laggedEnergies.deallocate()
        blockMinima.deallocate()
        correlation.deallocate()
        previousCorrelation.deallocate()
        predictor.deallocate()
    }

    /// Forgets the line: noise floors and history, as for a new call.
    public func reset() {
        evenPhase.update(repeating: 0, count: 96)
        oddPhase.update(repeating: 0, count: 96)
        core.update(repeating: 0, count: Self.windowLength)
        pitch.update(repeating: 0, count: Self.pitchLength)
        reversedPitch.update(repeating: 0, count: Self.pitchLength + 8)
        previousCorrelation.update(repeating: 0, count: Self.lagCount)
        highPass = SIMD4()
        smoothedLevels = SIMD16(repeating: -200)
        blockMinimum = SIMD16(repeating: .infinity)
        blockMinima.update(repeating: SIMD16(repeating: .infinity), count: Self.floorBlocks)
        completedMinimum = SIMD16(repeating: .infinity)
        framesInBlock = 0
        nextBlock = 0
        started = false
        smoothedSNR = 0
        recentEnergies = SIMD16(repeating: 0)
        recentVoicing = SIMD8(repeating: 0)
        frameIndex = 0
    }

    /// The features of one 10 ms frame of exactly ``frameLength`` samples.
    public func features(of frame: UnsafeBufferPointer<Int16>) -> SIMD32<Float> {
        precondition(frame.count == frameLength, "a VAD frame is 10 ms")
        let highBandPower = loadCore(frame)
        let r = autocorrelation()
        let bandPowers = bandPowers(r)
        let (errors, k1) = predictionErrors(r)
        let voicing = pitchCorrelation()
        let zeroCrossings = zeroCrossingRate()

        // Every logarithm of the frame in one vector: 8 bands, full band, high band, the four
        // prediction gains, the bands' mean power.
        var powers = SIMD16<Float>(repeating: 1)
        powers.lowHalf = bandPowers
        powers[8] = r[0] / Float(Self.windowLength)
        powers[9] = decimates ? highBandPower : 1e-10
        for order in 0..<4 { powers[10 + order] = r[0] / max(errors[order], 1e-12) }
        powers[14] = bandPowers.sum() / 8
        let levels = fastDecibels(powers)
        let floors = trackNoiseFloor(levels)

        var f = SIMD32<Float>()
        let bands = levels.lowHalf
        let bandSNR = bands - floors.lowHalf
        let bandMean = bands.sum() / 8
        let fullLevel = levels[8]
        let snr = min(max(fullLevel - floors[8], -10), 60)
        for b in 0..<8 {
            f[b] = min(max(bandSNR[b], -10), 60)
            f[10 + b] = bands[b] - bandMean
        }
        f[8] = snr
        f[9] = max(fullLevel, -100)
        for order in 0..<4 { f[18 + order] = min(levels[10 + order], 60) }
        f[22] = zeroCrossings
        f[23] = voicing
        f[24] = decimates ? min(max(levels[9] - fullLevel, -40), 20) : -40
        f[25] = decimates ? min(max(levels[9] - floors[9], -10), 60) : 0
        // Frame 0's window is half empty: the trackers start at frame 1.
        smoothedSNR = frameIndex <= 1 ? snr : 0.85 * smoothedSNR + 0.15 * snr
        f[26] = smoothedSNR
        if frameIndex <= 1 {
            recentEnergies = SIMD16(repeating: f[9])
        } else {
            recentEnergies[frameIndex & 15] = f[9]
        }
        let deviation = recentEnergies - recentEnergies.sum() / 16
        f[27] = ((deviation * deviation).sum() / 16).squareRoot()
        recentVoicing[frameIndex % 5] = voicing
        f[28] = largestLane(recentVoicing)
        f[29] = k1
        f[30] = max(floors[8], -100)
        f[31] = bandMean - levels[14]
        frameIndex += 1
        return f
    }

    /// Moves the frame into the 8 kHz core (half-band decimation at 16 kHz), high-passed,
    /// and the 2 kHz pitch signal; returns the mean power above 4 kHz (16 kHz only).
    private func loadCore(_ frame: UnsafeBufferPointer<Int16>) -> Float {
        let half = Self.coreFrame
        let newCore = core + half
        core.update(from: newCore, count: half)
        var highPower: Float = 0
        if decimates {
            // Polyphase half-band: output m is centred on input 2m − 15, which is odd phase
            // m − 8; tap t pairs even phases m − 8 − t and m − 7 + t. Phase j is at index 16 + j.
            evenPhase.update(from: evenPhase + half, count: 16)
            oddPhase.update(from: oddPhase + half, count: 16)
            let samples = frame.baseAddress!
            for m in 0..<half {
                evenPhase[16 + m] = Float(samples[2 * m]) * (1 / 32768)
                oddPhase[16 + m] = Float(samples[2 * m + 1]) * (1 / 32768)
            }
            var fullPower = SIMD8<Float>()
            var lowPower = SIMD8<Float>()
            let taps = Self.halfBandTaps
            for m in stride(from: 0, to: half, by: 8) {
                let even = load(evenPhase + 16 + m), odd = load(oddPhase + 16 + m)
                fullPower += even * even + odd * odd
                var y = 0.5 * load(oddPhase + m + 8)
                for t in 0..<8 {
                    y += taps[t] * (load(evenPhase + m + 8 - t) + load(evenPhase + m + 9 + t))
                }
                lowPower += y * y
                store(y, at: newCore + m)
            }
            highPower = max((fullPower.sum() - 2 * lowPower.sum()) / Float(frameLength), 1e-10)
            removeRumble(newCore)
        } else {
            let samples = frame.baseAddress!
            for m in 0..<half { newCore[m] = Float(samples[m]) * (1 / 32768) }
            removeRumble(newCore)
        }
        return highPower
    }

    /// Half-band taps at odd offsets ±1, ±3, … ±15 from the centre (windowed sinc, Blackman).
    private static let halfBandTaps: SIMD8<Float> = {
        var taps = SIMD8<Float>()
        for t in 0..<8 {
            let offset = Double(2 * t + 1)
            let sinc = sin(Double.pi * offset / 2) / (Double.pi * offset)
            let window = 0.42 + 0.5 * cos(Double.pi * offset / 16) + 0.08 * cos(2 * Double.pi * offset / 16)
            taps[t] = Float(sinc * window)
        }
        return taps
    }()

    /// High-passes the frame's core samples in place: two one-pole sections at about 150 Hz
    /// (y[n] = a·(y[n−1] + x[n] − x[n−1]), a = 0.89), 12 dB per octave below.
    private func removeRumble(_ samples: UnsafeMutablePointer<Float>) {
        let a: Float = 0.89
        var (firstOut, firstIn, secondOut, secondIn) = (highPass.x, highPass.y, highPass.z, highPass.w)
        for m in 0..<Self.coreFrame {
            let x = samples[m]
            let first = a * (firstOut + (x - firstIn))
            let second = a * (secondOut + (first - secondIn))
            (firstOut, firstIn, secondOut, secondIn) = (first, x, second, first)
            samples[m] = second
        }
        highPass = SIMD4(firstOut, firstIn, secondOut, secondIn)
    }

    /// Autocorrelation at lags 0–12 of the last 20 ms: the lagged products of this frame's
    /// 10 ms (reaching 12 samples back) plus those of the frame before.
    private func autocorrelation() -> UnsafeMutablePointer<Float> {
        let fresh = core + Self.windowLength - Self.coreFrame
        for k in 0..<Self.lagCount {
            var acc = SIMD8<Float>()
            for j in stride(from: 0, to: Self.coreFrame, by: 8) {
                acc += load(fresh + j) * load(fresh + j - k)
            }
            let current = acc.sum()
            correlation[k] = current + previousCorrelation[k]
            previousCorrelation[k] = current
        }
        return correlation
    }

    /// Power per sample of the eight bands.
    private func bandPowers(_ r: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        var power = SIMD8<Float>()
        for k in 0..<Self.lagCount { power += r[k] * bandWeights[k] }
        return power.replacing(with: 1e-12, where: power .< 1e-12) / Float(Self.windowLength)
    }

    /// Prediction error powers at orders 1, 2, 4 and 10 (Levinson–Durbin), and the first
    /// reflection coefficient.
    private func predictionErrors(_ r: UnsafeMutablePointer<Float>) -> (SIMD4<Float>, Float) {
        guard r[0] > 1e-9 else { return (SIMD4(repeating: max(r[0], 1e-12)), 0) }
        let a = predictor
        a.update(repeating: 0, count: 12)
        var error = r[0] * 1.0001
        var errors = SIMD4<Float>()
        var k1: Float = 0
        for order in 1...10 {
            var acc = r[order]
            for j in 1..<order { acc -= a[j] * r[order - j] }
            let k = acc / error
            a[order] = k
            var j = 1, mirror = order - 1
            while j < mirror {
                (a[j], a[mirror]) = (a[j] - k * a[mirror], a[mirror] - k * a[j])
                j += 1
                mirror -= 1
            }
            if j == mirror { a[j] -= k * a[j] }
            error *= max(1 - k * k, 1e-6)
            switch order {
            case 1: k1 = k; errors[0] = error
            case 2: errors[1] = error
            case 4: errors[2] = error
            case 10: errors[3] = error
            default: break
            }
        }
        return (errors, k1)
    }

    /// Largest normalized correlation between the last 12 ms and itself 2.5–14 ms earlier,
    /// at 2 kHz (box-filtered from the core): near 1 for voiced speech and steady tones.
    /// Eight lags at a time: lag L of sample j is `reversedPitch[23 − j + L]`.
    private func pitchCorrelation() -> Float {
        let fresh = Self.coreFrame / 4
        let length = Self.pitchLength
        pitch.update(from: pitch + fresh, count: length - fresh)
        let source = core + Self.windowLength - Self.coreFrame
        for j in 0..<fresh {
            let s = source + 4 * j
            pitch[length - fresh + j] = (s[0] + s[1]) + (s[2] + s[3])
        }
        for i in 0..<length { reversedPitch[i] = pitch[length - 1 - i] }
        let window = Self.pitchWindow
        let start = length - window
        var currentEnergy: Float = 0
        for j in 0..<window { currentEnergy += pitch[start + j] * pitch[start + j] }
        guard currentEnergy > 1e-9 else { return 0 }
        // Energy of the window at each lag: a sliding sum from the shortest lag upward.
        let first = Self.pitchLags.lowerBound
        var laggedEnergy: Float = 0
        for j in 0..<window { laggedEnergy += pitch[start + j - first] * pitch[start + j - first] }
        for index in 0..<24 {
            laggedEnergies[index] = laggedEnergy
            let lag = first + index
            guard lag < Self.pitchLags.upperBound else { break }
            let entering = pitch[start - lag - 1], leaving = pitch[start + window - 1 - lag]
            laggedEnergy += entering * entering - leaving * leaving
        }
        var best = SIMD8<Float>()
        for block in 0..<3 {
            let lag0 = first + 8 * block
            var cross = SIMD8<Float>()
            for j in 0..<window {
                cross += pitch[start + j] * load(reversedPitch + 23 - j + lag0)
            }
            let energies = load(laggedEnergies + 8 * block)
            let normalized = cross / (currentEnergy * energies.replacing(with: 1e-12, where: energies .< 1e-12)).squareRoot()
            best = best.replacing(with: normalized, where: normalized .> best)
        }
        return largestLane(best)
    }

    /// Share of sign changes among the frame's core samples.
    private func zeroCrossingRate() -> Float {
        let frame = core + Self.windowLength - Self.coreFrame
        var changes = SIMD8<Int32>()
        var i = 0
        while i < Self.coreFrame {
            let current = UnsafeRawPointer(frame + i).loadUnaligned(as: SIMD8<Float>.self)
            let before = UnsafeRawPointer(frame + i - 1).loadUnaligned(as: SIMD8<Float>.self)
            changes &+= SIMD8<Int32>(repeating: 0).replacing(with: 1, where: (current .< 0) .!= (before .< 0))
            i += 8
        }
        return Float(changes.wrappedSum()) / Float(Self.coreFrame)
    }

    /// Minimum statistics over about one second of smoothed levels. The first frame, whose
    /// 20 ms window is half empty, is not counted (it would hold the floor 3 dB low).
    private func trackNoiseFloor(_ levels: SIMD16<Float>) -> SIMD16<Float> {
        guard frameIndex > 0 else { return levels }
        smoothedLevels = started ? 0.7 * smoothedLevels + 0.3 * levels : levels
        started = true
        blockMinimum = blockMinimum.replacing(with: smoothedLevels, where: smoothedLevels .< blockMinimum)
        let floor = blockMinimum.replacing(with: completedMinimum, where: completedMinimum .< blockMinimum)
        framesInBlock += 1
        if framesInBlock == Self.floorBlockFrames {
            blockMinima[nextBlock] = blockMinimum
            nextBlock = (nextBlock + 1) % Self.floorBlocks
            blockMinimum = SIMD16(repeating: .infinity)
            framesInBlock = 0
            completedMinimum = blockMinima[0]
            for block in 1..<Self.floorBlocks {
                let m = blockMinima[block]
                completedMinimum = completedMinimum.replacing(with: m, where: m .< completedMinimum)
            }
        }
        return floor
    }
}

@inline(__always)
private func load(_ pointer: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func store(_ vector: SIMD8<Float>, at pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: SIMD8<Float>.self)
}

/// The largest lane, written out: the standard library's `max()` on a vector is a generic call
/// that is not inlined here (3 % of `ivr vad`'s time).
@inline(__always)
private func largestLane(_ v: SIMD8<Float>) -> Float {
    let quad = v.lowHalf.replacing(with: v.highHalf, where: v.highHalf .> v.lowHalf)
    return max(max(quad[0], quad[1]), max(quad[2], quad[3]))
}

/// 10·log10 of each lane, within 0.004 dB, for powers of 1e-12 and above: the exponent from the
/// float's bits and a cubic for the mantissa (a libm call per value would cost more than the
/// rest of a frame's analysis).
@inline(__always)
func fastDecibels(_ power: SIMD16<Float>) -> SIMD16<Float> {
    let clamped = power.replacing(with: 1e-12, where: power .< 1e-12)
    let bits = unsafeBitCast(clamped, to: SIMD16<UInt32>.self)
    let exponent = SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded: bits &>> 23) &- 127)
    let mantissa = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F80_0000, to: SIMD16<Float>.self) - 1
    let log2Mantissa = mantissa * (1.4234932 + mantissa * (-0.5877653 + mantissa * 0.16558643))
    return 3.0103 * (exponent + log2Mantissa)
}
