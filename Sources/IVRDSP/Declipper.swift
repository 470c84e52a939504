/// Restores speech that was clipped (a caller too loud for the line or the handset: the tops of
/// the waveform cut flat at one level), so that the recognizer hears the voice, not the
/// distortion.
///
/// A run of two or more samples at the utterance's peak level, of one sign, is a cut top; with
/// at least ``minimumRuns`` of them the utterance counts as clipped. Each cut top is drawn again
/// as the cubic through the two samples before it and the two after (never below the level it
/// was cut at, at most ``maximumRise`` times it), and the whole utterance is lowered by that
/// factor to make room. Unclipped speech is returned as it is. Tops cut 2–4 dB deep come back
/// with about a third of the flat error; deeper cuts are not drawn much nearer the voice, but their
/// flat tops' harmonics are gone, which is what the recognizer minds (BENCHMARKS.md).
public enum Declipper {
    /// Cut tops an utterance needs to count as clipped: a voice's own peak can lie flat for two
    /// samples once or twice, a clipped one does so on every loud pitch period.
    public static let minimumRuns = 4
    /// A sample lies at the cut level when it is within this fraction of the peak.
    public static let levelTolerance = 0.01
    /// How far above the cut level a restored top may rise (and how much the utterance is lowered).
    public static let maximumRise = 4.0

    /// The utterance restored and lowered by ``maximumRise``, or nil when it is not clipped.
    public static func restored(_ samples: [Int16]) -> [Int16]? {
        let (runs, peak) = cutTops(samples)
        guard runs.count >= minimumRuns else { return nil }
        var output = samples.map { Double($0) }
        let level = Double(peak)
        for run in runs {
            let sign: Double = samples[run.lowerBound] > 0 ? 1 : -1
            let (a, b) = (run.lowerBound, run.upperBound - 1)
            let points = [a - 2, a - 1, b + 1, b + 2]
            for index in run {
                let curve = cubic(through: points.map { (Double($0), Double(samples[$0])) }, at: Double(index))
                output[index] = sign * min(max(sign * curve, level), level * maximumRise)
            }
        }
        return output.map { Int16(clamping: Int(($0 / maximumRise).rounded())) }
    }

    /// The runs of two or more samples of one sign within ``levelTolerance`` of the peak that
    /// have two samples on either side, and the peak (no runs below 1000).
    static func cutTops(_ samples: [Int16]) -> (runs: [Range<Int>], peak: Int) {
        let peak = samples.lazy.map { abs(Int($0)) }.max() ?? 0
        guard peak >= 1000 else { return ([], peak) }
        let level = Int(Double(peak) * (1 - levelTolerance))
        var runs: [Range<Int>] = []
        var index = 2
        while index < samples.count - 2 {
            let value = Int(samples[index])
            guard abs(value) >= level else { index += 1; continue }
            var end = index + 1
            while end < samples.count - 2, abs(Int(samples[end])) >= level, (Int(samples[end]) > 0) == (value > 0) { end += 1 }
            if end - index >= 2 { runs.append(index..<end) }
            index = end
        }
        return (runs, peak)
    }

    /// The cubic through four points, at `x` (Lagrange's form).
    private static func cubic(through points: [(x: Double, y: Double)], at x: Double) -> Double {
        var sum = 0.0
        for (i, p) in points.enumerated() {
            var term = p.y
            for (j, q) in points.enumerated() where j != i { term *= (x - q.x) / (p.x - q.x) }
            sum += term
        }
        return sum
    }
}
