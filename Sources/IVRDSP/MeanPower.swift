extension Collection where Element == Int16 {
    /// The mean of the squared samples (0 when empty), in squared sample units. Inlinable, so
    /// that callers in other modules get it specialized for their collection (unspecialized,
    /// the framing of an utterance's samples took a tenth of the recognizer's time).
    @inlinable
    public var meanPower: Double {
        guard !isEmpty else { return 0 }
        var sum = 0.0
        for sample in self { sum += Double(sample) * Double(sample) }
        return sum / Double(count)
    }
}
