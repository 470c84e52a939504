/// A block of mono 16-bit PCM on the pipeline's sample clock.
///
/// `timestamp` counts samples since the start of the stream at `sampleRate`, so time is
/// `Double(timestamp) / Double(sampleRate)` seconds and never comes from a wall clock.
public struct AudioFrame: Sendable, Equatable {
    /// The samples, mono.
    public var samples: [Int16]
    /// Samples per second: 8,000 or 16,000 in the pipeline, anything for files.
    public var sampleRate: Int
    /// Index of the first sample on the stream's sample clock.
    public var timestamp: Int64

    public init(samples: [Int16], sampleRate: Int, timestamp: Int64) {
        self.samples = samples
        self.sampleRate = sampleRate
        self.timestamp = timestamp
    }

    /// An all-zero frame of `length` samples, for reuse with ``AudioSource/read(into:)``.
    public init(silenceOf length: Int, sampleRate: Int, timestamp: Int64 = 0) {
        self.init(samples: [Int16](repeating: 0, count: length), sampleRate: sampleRate, timestamp: timestamp)
    }

    /// Start time in seconds on the sample clock.
    public var startTime: Double { Double(timestamp) / Double(sampleRate) }

    /// Length in seconds.
    public var duration: Double { Double(samples.count) / Double(sampleRate) }
}

/// The sample rates the pipeline runs at.
public enum PipelineRate: Int, Sendable, CaseIterable {
    case narrowband = 8000
    case wideband = 16000

    /// Samples in one 10 ms frame.
    public var frameLength: Int { rawValue / 100 }
}
