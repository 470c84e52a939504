/// The caller's RTP packets put back in order and handed out one per 20 ms frame: it starts
/// once `depth` packets are in (so that a late packet still makes its turn), drops packets
/// that come after their turn, and covers a lost packet with the last one, fading.
struct JitterBuffer {
    private var packets: [UInt16: [Int16]] = [:]
    private var next: UInt16?
    private var last: [Int16] = []
    private var concealed = 0
    let depth: Int
    let frameSamples: Int
    /// Packets that came too late or twice, and frames covered for a lost packet (one missing
    /// while later ones are in; a caller that stops sending is not counted).
    private(set) var late = 0
    private(set) var lost = 0

    init(depth: Int = 2, frameSamples: Int = 160) {
        self.depth = depth
        self.frameSamples = frameSamples
    }

    mutating func insert(sequence: UInt16, samples: [Int16]) {
        if let next {
            let ahead = sequence &- next
            // Older than the turn being played (or a restart far away): late, or a new stream.
            if ahead >= 0x8000 {
                late += 1
                return
            }
            if ahead > 200 {
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
            guard packets.count >= depth, let first = packets.keys.min(by: { ($0 &- $1) >= 0x8000 }) else {
                return [Int16](repeating: 0, count: frameSamples)
            }
            next = first
        }
        let turn = next!
        next = turn &+ 1
        if let samples = packets.removeValue(forKey: turn) {
            last = samples
            concealed = 0
            return samples
        }
        if !packets.isEmpty { lost += 1 }
        concealed += 1
        // Three frames of the last packet, fading, then silence.
        let gain = max(0, 1 - 0.3 * Double(concealed))
        guard gain > 0, !last.isEmpty else { return [Int16](repeating: 0, count: frameSamples) }
        return last.map { Int16(Double($0) * gain) }
    }
}
