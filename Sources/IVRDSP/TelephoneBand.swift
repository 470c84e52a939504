import Foundation

/// Whether audio sampled at a wide rate holds only the telephone band: a narrowband call
/// recorded or carried at 16 kHz or more (a softphone's recording, a wideband leg bridged to a
/// narrowband one) has next to nothing above 4 kHz, where wideband speech keeps its fricatives.
public enum TelephoneBand {
    /// Power above 4.3 kHz, against the band of 300–3400 Hz, below which the audio counts as
    /// telephone speech: wideband voices lie at −25 to −45 dB (flite's 16 kHz diphone voice at
    /// about −40), telephone speech resampled to 16 kHz at −75 dB and lower.
    public static let narrowbandBelowDB = -60.0

    /// True when `samples`, at `sampleRate` (above 8 kHz), hold speech of the telephone band only,
    /// judged on their loudest 30 % of frames; false for quiet or short audio.
    public static func holdsOnlyTelephoneBand(_ samples: [Int16], sampleRate: Int) -> Bool {
        guard sampleRate > 8000, let ratio = highBandRatioDB(samples, sampleRate: sampleRate) else { return false }
        return ratio < narrowbandBelowDB
    }

    /// Power above 4.3 kHz (up to 7.5 kHz) over that of 300–3400 Hz, in dB, in the loudest 30 %
    /// of frames of about 30 ms; nil when there is too little audio or no power in the band.
    static func highBandRatioDB(_ samples: [Int16], sampleRate: Int) -> Double? {
        var length = 1
        while length < sampleRate * 3 / 100 { length *= 2 }
        let starts = Array(stride(from: 0, to: samples.count - length + 1, by: length))
        guard starts.count >= 3 else { return nil }
        let powers = starts.map { samples[$0..<$0 + length].meanPower }
        let loudest = starts.indices.sorted { powers[$0] > powers[$1] }.prefix(max(1, starts.count * 3 / 10)).map { starts[$0] }
        let window = (0..<length).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(length)) }
        let hertzPerBin = Double(sampleRate) / Double(length)
        var band = 0.0, high = 0.0
        for start in loudest {
            let spectrum = FFT.forward((0..<length).map { Double(samples[start + $0]) * window[$0] })
            for bin in 1..<length / 2 {
                let frequency = Double(bin) * hertzPerBin, power = spectrum[bin].re * spectrum[bin].re + spectrum[bin].im * spectrum[bin].im
                if frequency >= 300 && frequency <= 3400 { band += power }
                if frequency >= 4300 && frequency <= 7500 { high += power }
            }
        }
        guard band > 0 else { return nil }
        return 10 * log10(max(high, 1e-30) / band)
    }
}
