/// Peak and RMS level of a whole file, over all channels, in dBFS (full scale = 1.0, so a
/// full-scale sine has a peak of 0 dBFS and an RMS of −3.01 dBFS).
public struct AudioLevels: Sendable, Equatable {
    public let peakDBFS: Double
    public let rmsDBFS: Double

    /// Reads `reader` to its end and measures it. Cost: one pass over the samples.
    public static func measure(_ reader: SoundFileReader) throws(AudioError) -> AudioLevels {
        var buffer: [Float] = []
        var peak: Float = 0
        var sumOfSquares: Double = 0
        var count = 0
        while true {
            let frames = try reader.read(into: &buffer, maxFrames: 8192)
            if frames == 0 { break }
            let n = frames * reader.info.channels
            var blockSum: Float = 0
            for i in 0..<n {
                let x = buffer[i]
                peak = max(peak, abs(x))
                blockSum += x * x
            }
            sumOfSquares += Double(blockSum)
            count += n
        }
        let rms = count > 0 ? (sumOfSquares / Double(count)).squareRoot() : 0
        return AudioLevels(peakDBFS: SampleConversion.decibels(Double(peak)), rmsDBFS: SampleConversion.decibels(rms))
    }
}
