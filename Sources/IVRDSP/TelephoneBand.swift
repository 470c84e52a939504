import Foundation

/// Whether audio sampled at a wide rate holds only the telephone band: a narrowband call
/// recorded or carried at 16 kHz or more (a softphone's recording, a wideband leg bridged to a
/// narrowband one) has next to nothing above 4 kHz, where wideband speech keeps its fricatives.
/// And what of the 8 kHz band a line passed: all of it, or less (cut above 3.4 kHz, or the
/// classic voice band of 300–3400 Hz as a public network's channel filters pass it).
public enum TelephoneBand {
    /// Power above 4.3 kHz, against the band of 300–3400 Hz, below which the audio counts as
    /// telephone speech: wideband voices lie at −25 to −45 dB (flite's 16 kHz diphone voice at
    /// about −40), telephone speech resampled to 16 kHz at −75 dB and lower.
    public static let narrowbandBelowDB = -60.0

    /// True when `samples`, at `sampleRate` (above 8 kHz), hold speech of the telephone band only,
    /// judged on their loudest 30 % of frames; false for quiet or short audio.
    public static func holdsOnlyTelephoneBand(_ samples: [Int16], sampleRate: Int) -> Bool {
        guard sampleRate > 8000, let ratios = bandRatiosDB(samples, sampleRate: sampleRate, of: [4300...7500]) else { return false }
        return ratios[0] < narrowbandBelowDB
    }

    /// What of the 8 kHz band a telephone line passes, told by its edges.
    public enum Line: Sendable, Hashable {
        /// Up to about 4 kHz: a digital line end to end (G.711 between softphones and servers;
        /// the development list's recordings hold 60 Hz to 3.9 kHz).
        case whole
        /// Nothing above 3.5 kHz, its low band kept: a mobile network's codec, a handset's or a
        /// gateway's low-pass filter.
        case topCut
        /// 300–3400 Hz: a public network's channel filters, both edges.
        case voiceBand
    }

    /// Power at 3550–3950 Hz, against the band of 300–3400 Hz, below which 8 kHz audio counts as
    /// cut at the top: the development list's recordings lie at −31.7 dB (median; 7 of 360 below,
    /// a few were recorded so), the same limited to 3400 Hz (sox `sinc`) at −65 to −93 dB, and
    /// after G.711 µ-law, whose quantization noise fills the empty band, at −44 to −50 dB.
    public static let topCutBelowDB = -40.0
    /// Power at 60–200 Hz, against the band of 300–3400 Hz, below which audio cut at the top
    /// counts as the voice band: the list's recordings lie at −9.5 dB (−20.6 at the least), the
    /// same limited to 300–3400 Hz at −47 to −74 dB, and after µ-law at −45 to −56 dB; GSM 06.10
    /// keeps the low band (−9 dB).
    public static let voiceBandBottomBelowDB = -30.0

    /// The band the line that carried `samples`, at 8 kHz, passes (``topCutBelowDB``,
    /// ``voiceBandBottomBelowDB``); ``Line/whole`` at other rates and for quiet or short audio.
    public static func line(of samples: [Int16], sampleRate: Int) -> Line {
        guard sampleRate == 8000, let ratios = bandRatiosDB(samples, sampleRate: sampleRate, of: [3550...3950, 60...200]),
              ratios[0] < topCutBelowDB else { return .whole }
        return ratios[1] < voiceBandBottomBelowDB ? .voiceBand : .topCut
    }

    /// Power in each of `ranges` (Hz) over that of 300–3400 Hz, in dB, in the loudest 30 % of
    /// frames of about 30 ms (one spectrum per frame for all of them); nil when there is too
    /// little audio or no power in the band.
    static func bandRatiosDB(_ samples: [Int16], sampleRate: Int, of ranges: [ClosedRange<Double>]) -> [Double]? {
        var length = 1
        while length < sampleRate * 3 / 100 { length *= 2 }
        let starts = Array(stride(from: 0, to: samples.count - length + 1, by: length))
        guard starts.count >= 3 else { return nil }
        let powers = starts.map { samples[$0..<$0 + length].meanPower }
        let loudest = starts.indices.sorted { powers[$0] > powers[$1] }.prefix(max(1, starts.count * 3 / 10)).map { starts[$0] }
        let window = (0..<length).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(length)) }
        let hertzPerBin = Double(sampleRate) / Double(length)
        var band = 0.0, inRanges = [Double](repeating: 0, count: ranges.count)
        for start in loudest {
            let spectrum = FFT.forward((0..<length).map { Double(samples[start + $0]) * window[$0] })
            for bin in 1..<length / 2 {
                let frequency = Double(bin) * hertzPerBin, power = spectrum[bin].re * spectrum[bin].re + spectrum[bin].im * spectrum[bin].im
                if frequency >= 300 && frequency <= 3400 { band += power }
                for (index, range) in ranges.enumerated() where range.contains(frequency) { inRanges[index] += power }
            }
        }
        guard band > 0 else { return nil }
        return inRanges.map { 10 * log10(max($0, 1e-30) / band) }
    }
}
