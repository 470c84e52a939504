import Foundation
import Testing
@testable import IVRTelephony

@Suite("RTP media: G.711, jitter buffer, RFC 4733 keys, allowed addresses")
struct MediaTests {
    @Test("G.711 codes silence as the standards do and decodes what it encodes within one step", arguments: [AudioCodec.pcmu, .pcma])
    func g711(codec: AudioCodec) {
        #expect(G711.encode([0][...], codec: codec) == [codec == .pcmu ? 0xFF : 0xD5])
        let samples: [Int16] = stride(from: -32000, through: 32000, by: 37).map { Int16($0) }
        let decoded = G711.encode(samples[...], codec: codec).withUnsafeBytes { G711.decode($0, codec: codec) }
        for (original, back) in zip(samples, decoded) {
            // A logarithmic law: the error grows with the level, about 1/16 of it at most.
            #expect(abs(Int(original) - Int(back)) <= max(16, abs(Int(original)) / 16), "\(original) → \(back)")
        }
        #expect(G711.encode([Int16.max, Int16.min][...], codec: codec).count == 2)
    }

    @Test("the jitter buffer waits for two packets, puts them back in order, covers a loss, plays a late packet later")
    func jitterBuffer() {
        var buffer = JitterBuffer(depth: 2, frameSamples: 4)
        func frame(_ value: Int16) -> [Int16] { [Int16](repeating: value, count: 4) }
        buffer.insert(sequence: 11, samples: frame(11))
        #expect(buffer.pop() == frame(0), "silence until two packets are in")
        buffer.insert(sequence: 10, samples: frame(10))
        #expect(buffer.pop() == frame(10))
        #expect(buffer.pop() == frame(11))
        buffer.insert(sequence: 13, samples: frame(13))
        let covered = buffer.pop()   // 12 is missing: the last packet, fading
        #expect(covered.allSatisfy { $0 > 0 && $0 < 11 } && buffer.lost == 1)
        #expect(buffer.pop() == frame(13))
        // 12 comes after its turn: played now (the call hears it 40 ms late), 13 not again.
        buffer.insert(sequence: 12, samples: frame(12))
        buffer.insert(sequence: 14, samples: frame(14))
        #expect(buffer.late == 1)
        #expect(buffer.pop() == frame(12))
        #expect(buffer.pop() == frame(14))
        buffer.insert(sequence: 14, samples: frame(14))
        #expect(buffer.late == 2 && buffer.pop() != frame(14), "a duplicate is not played twice")
        #expect(buffer.lost == 1, "a caller that stops sending is not a loss")
    }

    @Test("after a stall, a burst is played in order up to the delay limit; beyond it the oldest go")
    func jitterBufferBurst() {
        var buffer = JitterBuffer(depth: 2, maxDelay: 5, frameSamples: 2)
        func frame(_ value: Int16) -> [Int16] { [value, value] }
        buffer.insert(sequence: 1, samples: frame(1))
        buffer.insert(sequence: 2, samples: frame(2))
        #expect(buffer.pop() == frame(1) && buffer.pop() == frame(2))
        _ = buffer.pop(); _ = buffer.pop()   // the sender stalls for two frames
        for sequence in UInt16(3)...10 { buffer.insert(sequence: sequence, samples: frame(Int16(sequence))) }
        // 3 and 4 came after their turn and are played; 8 packets wait, 5 at most: 3, 4 and 5 go.
        #expect(buffer.pop() == frame(6) && buffer.dropped == 3)
        #expect((7...10).map { _ in buffer.pop() } == (7...10).map { frame(Int16($0)) })
    }

    @Test("an RFC 4733 event is one key, however many packets carry it")
    func telephoneEvents() {
        var events = TelephoneEvents()
        func packet(_ event: UInt8, end: Bool) -> [UInt8] { [event, end ? 0x8A : 0x0A, 0x01, 0x40] }
        var keys: [Character] = []
        for (event, timestamp, end) in [(UInt8(5), UInt32(800), false), (5, 800, false), (5, 800, true), (5, 800, true),
                                        (11, 2400, false), (11, 2400, true), (5, 4000, false)] {
            if let key = packet(event, end: end).withUnsafeBytes({ events.key(in: $0, timestamp: timestamp) }) { keys.append(key) }
        }
        #expect(keys == ["5", "#", "5"])
        #expect([UInt8(16), 0, 0, 0].withUnsafeBytes { events.key(in: $0, timestamp: 9999) } == nil, "flash and beyond are not keys")
    }

    @Test("--allow takes IPv4 and IPv6 blocks and single addresses, and refuses what is not one")
    func addressFilter() throws {
        let filter = try AddressFilter("10.0.0.0/8, 192.168.1.5,2001:db8::/32")
        #expect(filter.allows("10.200.3.4") && filter.allows("192.168.1.5") && filter.allows("2001:db8::1"))
        #expect(!filter.allows("192.168.1.6") && !filter.allows("11.0.0.1") && !filter.allows("2001:db9::1") && !filter.allows("pbx"))
        #expect(try AddressFilter(nil).allows("203.0.113.9"))
        #expect(throws: AddressFilterError.self) { try AddressFilter("10.0.0.0/33") }
        #expect(throws: AddressFilterError.self) { try AddressFilter("pbx.example") }
    }
}
