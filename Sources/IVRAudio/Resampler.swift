import CSoxr

/// A streaming mono sample-rate converter on libsoxr (high quality, linear phase).
///
/// Feed blocks of any size with ``process(_:into:)``; call ``flush(into:)`` once at the end to
/// drain the filter's delay. Output buffers are reused, so steady-state calls allocate nothing.
public final class Resampler {
    public let inputRate: Double
    public let outputRate: Double
    private let soxr: OpaquePointer
    private var output: [Float] = []

    /// Throws when libsoxr refuses the rates.
    public init(from inputRate: Double, to outputRate: Double) throws(AudioError) {
        var error: soxr_error_t? = nil
        // nil specs: float32 in and out, SOXR_HQ quality (libsoxr's defaults).
        let handle = soxr_create(inputRate, outputRate, 1, &error, nil, nil, nil)
        if let error {
            throw AudioError(path: "resampler", reason: String(cString: error))
        }
        guard let handle else { throw AudioError(path: "resampler", reason: "libsoxr could not be created") }
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.soxr = handle
    }

    deinit { soxr_delete(soxr) }

    /// Converts `input` and appends the converted samples to `sink`.
    public func process(_ input: UnsafeBufferPointer<Float>, into sink: inout [Float]) {
        let capacity = Int((Double(input.count) * outputRate / inputRate).rounded(.up)) + 64
        run(input.baseAddress, count: input.count, capacity: capacity, into: &sink)
    }

    /// Drains the samples still held in the filter and appends them to `sink`.
    public func flush(into sink: inout [Float]) {
        // Repeat until libsoxr has nothing more: its delay can exceed one output block.
        var before: Int
        repeat {
            before = sink.count
            run(nil, count: 0, capacity: 4096, into: &sink)
        } while sink.count > before
    }

    private func run(_ input: UnsafePointer<Float>?, count: Int, capacity: Int, into sink: inout [Float]) {
        if output.count < capacity { output = [Float](repeating: 0, count: capacity) }
        var produced = 0
        output.withUnsafeMutableBufferPointer { out in
            var consumed = 0
            _ = soxr_process(soxr, input, count, &consumed, out.baseAddress, capacity, &produced)
        }
        sink.append(contentsOf: output[0..<produced])
    }
}
