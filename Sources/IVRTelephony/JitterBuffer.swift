/// The caller's RTP packets put back in order and handed out one per 20 ms frame. It starts
/// once `depth` packets are in, covers a lost packet with the last one, fading, and adapts to
/// a sender that stalls and then bursts: a packet that comes after its turn (up to
/// `maxDelay` frames) is still played, the playout moving back to it (the call hears it that
/// much later: a key's tone is not lost); when more than `maxDelay` frames wait, the oldest
/// are dropped to catch up.
struct JitterBuffer {
    private var packets: [UInt16: [Int16]] = [:]
    private var next: UInt16?
    private var last: [Int16] = []
    private var concealed = 0
    /// Sequence numbers played lately, so that a duplicate is not played again.
    private var played: [UInt16] = []
    let depth: Int
    let maxDelay: Int
    let frameSamples: Int
    /// Packets that came after their turn (played later, or dropped when too late or a
    /// duplicate), frames covered for a lost packet (one missing while later ones are in; a
    /// caller that stops sending is not counted), packets dropped to catch up.
    private(set) var late = 0
    private(set) var lost = 0
    private(set) var dropped = 0

    init(depth: Int = 2, maxDelay: Int = 10, frameSamples: Int = 160) {
        self.depth = depth
        self.maxDelay = maxDelay
        self.frameSamples = frameSamples
    }

    mutating func insert(sequence: UInt16, samples: [Int16]) {
        if let next {
            let ahead = sequence &- next
            if ahead >= 0x8000 {
                // After its turn: played from here on, unless it was played or is too old.
                late += 1
                let behind = next &- sequence
                guard Int(behind) <= maxDelay, !played.contains(sequence) else { return }
                self.next = sequence
            } else if ahead > 200 {
                // A new stream (a restart far away).
                packets.removeAll()
                self.next = sequence
            }
        }
        if packets[sequence] != nil { late += 1 }
        packets[sequence] = samples
    }

    /// The next frame: the packet whose turn it is, a concealment, or silence before the start.
    mutating func pop() -> [Int16] {
        if next == nil {
            guard packets.count >= depth, let first = oldest else { return [Int16](repeating: 0, count: frameSamples) }
            next = first
        }
        // Too much waiting: the oldest go, down to `maxDelay` frames.
        while packets.count > maxDelay, let first = oldest {
            packets[first] = nil
            dropped += 1
            next = first &+ 1
        }
        // After a move back, the packets already played are not played again.
        while let upcoming = next, played.contains(upcoming), packets[upcoming] == nil { next = upcoming &+ 1 }
        let turn = next!
        next = turn &+ 1
        if let samples = packets.removeValue(forKey: turn) {
            last = samples
            concealed = 0
            played.append(turn)
            if played.count > 2 * maxDelay { played.removeFirst() }
            return samples
        }
        if !packets.isEmpty { lost += 1 }
        concealed += 1
        // Three frames of the last packet, fading, then silence.
        let gain = max(0, 1 - 0.3 * Double(concealed))
        guard gain > 0, !last.isEmpty else { return [Int16](repeating: 0, count: frameSamples) }
        return last.map { Int16(Double($0) * gain) }
    }

    /// The oldest sequence number waiting (in RTP's wrapping order).
    private var oldest: UInt16? { packets.keys.min { ($0 &- $1) >= 0x8000 } }
}
