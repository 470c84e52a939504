extension Collection where Element == Int16 {
    /// The mean of the squared samples (0 when empty), in squared sample units.
    public var meanPower: Double {
        isEmpty ? 0 : reduce(0.0) { $0 + Double($1) * Double($1) } / Double(count)
    }
}
