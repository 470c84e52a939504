import Foundation

/// The latest values of a duration (the last 10,000), for its quantiles.
public struct DurationSample: Sendable {
    private var values: [Double] = []
    private var next = 0
    public private(set) var count = 0
    public private(set) var sum = 0.0
    static let kept = 10_000

    mutating func add(_ value: Double) {
        count += 1
        sum += value
        if values.count < Self.kept { values.append(value) } else { values[next] = value }
        next = (next + 1) % Self.kept
    }

    mutating func add(_ more: [Double]) { more.forEach { add($0) } }

    /// The `q` quantile (0…1) of the values kept; nil without values.
    public func quantile(_ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
}

/// Figures of a running server.
public struct ServerFigures: Sendable {
    public var active = 0
    public var total = 0
    public var byOutcome: [String: Int] = [:]
    public var refused: [Int: Int] = [:]
    /// 20 ms frames processed, and those processed a frame or more after they were due.
    public var frames = 0
    public var lateFrames = 0
    /// Seconds from INVITE to the first prompt audio sent, per call.
    public var setUp = DurationSample()
    /// Seconds from an RFC 4733 key's arrival to its processing.
    public var keyLatency = DurationSample()
    /// Seconds from the end of an utterance to its answer, and the part spent waiting for a decoder.
    public var answerLatency = DurationSample()
    public var decoderWait = DurationSample()

    /// The figures in Prometheus' text format.
    public var prometheus: String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples {
                lines.append("\(name)\(labels) " + (value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)))
            }
        }
        func summary(_ name: String, _ help: String, _ sample: DurationSample) {
            let quantiles = [0.5, 0.9, 0.99].compactMap { q in sample.quantile(q).map { ("{quantile=\"\(q)\"}", $0) } }
            metric(name, "summary", help, quantiles + [("_sum", sample.sum), ("_count", Double(sample.count))])
        }
        metric("ivr_calls_active", "gauge", "Calls in progress.", [("", Double(active))])
        metric("ivr_calls_total", "counter", "Calls answered and ended, by outcome.",
               byOutcome.sorted { $0.key < $1.key }.map { ("{outcome=\"\($0.key)\"}", Double($0.value)) })
        metric("ivr_calls_refused_total", "counter", "INVITEs refused, by SIP status.",
               refused.sorted { $0.key < $1.key }.map { ("{code=\"\($0.key)\"}", Double($0.value)) })
        metric("ivr_frames_total", "counter", "20 ms frames of calls processed.", [("", Double(frames))])
        metric("ivr_late_frames_total", "counter", "Frames processed 20 ms or more after they were due.", [("", Double(lateFrames))])
        summary("ivr_call_setup_seconds", "From INVITE to the first prompt audio sent.", setUp)
        summary("ivr_key_latency_seconds", "From an RFC 4733 key's arrival to its processing.", keyLatency)
        summary("ivr_answer_latency_seconds", "From the end of the caller's speech (last speech frame) to the answer.", answerLatency)
        summary("ivr_decode_queue_wait_seconds", "Time an utterance waited for a free decoder.", decoderWait)
        return lines.joined(separator: "\n") + "\n"
    }
}
