/// G.711 µ-law (PCMU) and A-law (PCMA): 8-bit telephone samples to 16-bit linear and back.
enum G711 {
    /// Decodes `bytes` in `codec` to linear samples.
    static func decode(_ bytes: UnsafeRawBufferPointer, codec: AudioCodec) -> [Int16] {
        let table = codec == .pcmu ? muLawTable : aLawTable
        return bytes.map { table[Int($0)] }
    }

    /// Encodes linear samples in `codec`.
    static func encode(_ samples: ArraySlice<Int16>, codec: AudioCodec) -> [UInt8] {
        let table = codec == .pcmu ? muLawEncoding : aLawEncoding
        return samples.map { table[Int(UInt16(bitPattern: $0))] }
    }

    /// Every 16-bit sample's code (indexed by its bit pattern), 64 KB per law.
    private static let muLawEncoding: [UInt8] = (0...0xFFFF).map { muLaw(Int16(bitPattern: UInt16($0))) }
    private static let aLawEncoding: [UInt8] = (0...0xFFFF).map { aLaw(Int16(bitPattern: UInt16($0))) }

    private static let muLawTable: [Int16] = (0...255).map { value in
        let byte = ~UInt8(value)
        let exponent = Int((byte >> 4) & 0x07)
        let magnitude = ((Int(byte & 0x0F) << 3) + 0x84) << exponent
        return Int16(byte & 0x80 != 0 ? 0x84 - magnitude : magnitude - 0x84)
    }

    private static let aLawTable: [Int16] = (0...255).map { value in
        let byte = UInt8(value) ^ 0x55
        let exponent = Int((byte >> 4) & 0x07)
        var magnitude = Int(byte & 0x0F) << 4
        magnitude = exponent == 0 ? magnitude + 8 : (magnitude + 0x108) << (exponent - 1)
        return Int16(byte & 0x80 != 0 ? magnitude : -magnitude)
    }

    static func muLaw(_ sample: Int16) -> UInt8 {
        let bias = 0x84, clip = 32635
        var value = Int(sample)
        let sign: UInt8 = value < 0 ? 0x80 : 0
        if value < 0 { value = -value }
        value = min(value, clip) + bias
        var exponent = 7
        var mask = 0x4000
        while exponent > 0 && value & mask == 0 {
            exponent -= 1
            mask >>= 1
        }
        let mantissa = (value >> (exponent + 3)) & 0x0F
        return ~(sign | UInt8(exponent << 4) | UInt8(mantissa))
    }

    static func aLaw(_ sample: Int16) -> UInt8 {
        var value = Int(sample)
        let sign: UInt8 = value >= 0 ? 0x80 : 0
        if value < 0 { value = -value - 1 }
        value = min(value, 32767)
        let byte: UInt8
        if value < 256 {
            byte = UInt8(value >> 4)
        } else {
            var exponent = 1
            while exponent < 7 && value >= (256 << exponent) { exponent += 1 }
            byte = UInt8(exponent << 4) | UInt8((value >> (exponent + 3)) & 0x0F)
        }
        return (sign | byte) ^ 0x55
    }
}
