/// Keys sent as RFC 4733 events (telephone-event): each event is reported once, at its first
/// packet (an event's packets share one RTP timestamp; its end is sent three times).
struct TelephoneEvents {
    private var lastTimestamp: UInt32?

    static let keys: [Character] = Array("0123456789*#ABCD")

    /// The key of a new event in `payload` (4 bytes: event, end bit and volume, duration), if any.
    mutating func key(in payload: UnsafeRawBufferPointer, timestamp: UInt32) -> Character? {
        guard payload.count >= 4, Int(payload[0]) < Self.keys.count, timestamp != lastTimestamp else { return nil }
        lastTimestamp = timestamp
        return Self.keys[Int(payload[0])]
    }
}
