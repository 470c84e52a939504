import Foundation

/// Networks allowed to send calls (`--allow 10.0.0.0/8,192.168.1.5`): IPv4 and IPv6 CIDR blocks.
public struct AddressFilter: Sendable {
    private struct Block: Sendable {
        var address: [UInt8]
        var prefix: Int
    }
    private let blocks: [Block]

    /// Parses a comma-separated list; nil or empty allows every address.
    public init(_ list: String?) throws {
        blocks = try (list ?? "").split(separator: ",").map { item in
            let parts = item.trimmingCharacters(in: .whitespaces).split(separator: "/", maxSplits: 1).map(String.init)
            guard let address = Self.bytes(of: parts[0]) else {
                throw AddressFilterError(text: "'\(item)' is not an IP address or CIDR block (like 10.0.0.0/8)")
            }
            let prefix = parts.count == 2 ? Int(parts[1]) : address.count * 8
            guard let prefix, (0...address.count * 8).contains(prefix) else {
                throw AddressFilterError(text: "'\(item)': the prefix length must be 0 to \(address.count * 8)")
            }
            return Block(address: address, prefix: prefix)
        }
    }

    /// Whether `host` (an IP address as text) is in one of the blocks.
    public func allows(_ host: String) -> Bool {
        guard !blocks.isEmpty else { return true }
        guard let address = Self.bytes(of: host) else { return false }
        return blocks.contains { block in
            guard block.address.count == address.count else { return false }
            for bit in 0..<block.prefix where (block.address[bit / 8] ^ address[bit / 8]) & (0x80 >> UInt8(bit % 8)) != 0 {
                return false
            }
            return true
        }
    }

    private static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        return nil
    }
}

public struct AddressFilterError: Error, CustomStringConvertible {
    public var text: String
    public var description: String { text }
}
