import CSndFile

/// Every call into libsndfile goes through this file; no libsndfile type leaves it.
enum SndFile {
    /// An open libsndfile handle with the file's header facts.
    struct Handle {
        let pointer: OpaquePointer
        let frames: Int64
        let sampleRate: Int
        let channels: Int
        let format: Int32
    }

    /// Opens `path` for reading; throws with libsndfile's reason. A file libsndfile does not
    /// recognize is read as header-less audio when its extension names one of Asterisk's raw
    /// formats (``headerlessFormat(ofPath:)``).
    static func openForReading(_ path: String) throws(AudioError) -> Handle {
        var info = SF_INFO()
        var pointer = sf_open(path, Int32(SFM_READ), &info)
        if pointer == nil, let raw = headerlessFormat(ofPath: path) {
            info = SF_INFO()
            info.samplerate = Int32(raw.sampleRate)
            info.channels = 1
            info.format = raw.format
            pointer = sf_open(path, Int32(SFM_READ), &info)
        }
        guard let pointer else {
            throw AudioError(path: path, reason: "not readable as audio: \(lastOpenError())")
        }
        return Handle(pointer: pointer, frames: Int64(info.frames), sampleRate: Int(info.samplerate),
                      channels: Int(info.channels), format: info.format)
    }

    /// Asterisk's header-less formats, by extension: `.ulaw`/`.ul` (µ-law) and `.alaw`/`.al`
    /// (a-law) at 8 kHz, `.sln` (16-bit little-endian PCM at 8 kHz) and `.sln16` … `.sln192`
    /// (the same at that many kHz; `.sln44` is 44.1 kHz). libsndfile reads `.gsm` by itself.
    static func headerlessFormat(ofPath path: String) -> (sampleRate: Int, format: Int32)? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        let ext = path[path.index(after: dot)...].lowercased()
        switch ext {
        case "ulaw", "ul": return (8000, Int32(SF_FORMAT_RAW | SF_FORMAT_ULAW))
        case "alaw", "al": return (8000, Int32(SF_FORMAT_RAW | SF_FORMAT_ALAW))
        case "sln", "slin": return (8000, Int32(SF_FORMAT_RAW | SF_FORMAT_PCM_16 | SF_ENDIAN_LITTLE))
        default:
            guard ext.hasPrefix("sln"), let kilohertz = Int(ext.dropFirst(3)), [12, 16, 24, 32, 44, 48, 96, 192].contains(kilohertz) else { return nil }
            return (kilohertz == 44 ? 44100 : kilohertz * 1000, Int32(SF_FORMAT_RAW | SF_FORMAT_PCM_16 | SF_ENDIAN_LITTLE))
        }
    }

    /// Opens `path` for writing with a libsndfile format code.
    static func openForWriting(_ path: String, sampleRate: Int, channels: Int, format: Int32) throws(AudioError) -> OpaquePointer {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = format
        guard sf_format_check(&info) != 0 else {
            throw AudioError(path: path, reason: "libsndfile cannot write this format (\(formatName(format)))")
        }
        guard let pointer = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw AudioError(path: path, reason: lastOpenError())
        }
        // Out-of-range floats clip instead of wrapping around.
        sf_command(pointer, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
        return pointer
    }

    static func close(_ pointer: OpaquePointer) { sf_close(pointer) }

    /// Reads up to `frames` interleaved frames as floats normalized to ±1.
    static func readFloats(_ pointer: OpaquePointer, into buffer: UnsafeMutablePointer<Float>, frames: Int) -> Int {
        Int(sf_readf_float(pointer, buffer, sf_count_t(frames)))
    }

    /// Reads up to `frames` interleaved frames as 16-bit samples.
    static func readShorts(_ pointer: OpaquePointer, into buffer: UnsafeMutablePointer<Int16>, frames: Int) -> Int {
        Int(sf_readf_short(pointer, buffer, sf_count_t(frames)))
    }

    /// Whether the encoding holds at most 16 bits a sample (8/16-bit PCM, a-law, µ-law): read as
    /// 16-bit, such samples are exactly what the float path would round them to.
    static func fitsSixteenBits(_ format: Int32) -> Bool {
        let exact = [SF_FORMAT_PCM_S8, SF_FORMAT_PCM_16, SF_FORMAT_PCM_U8, SF_FORMAT_ULAW, SF_FORMAT_ALAW].map { Int32($0) }
        return exact.contains(format & Int32(SF_FORMAT_SUBMASK))
    }

    static func writeShorts(_ pointer: OpaquePointer, _ buffer: UnsafePointer<Int16>, frames: Int) -> Int {
        Int(sf_writef_short(pointer, buffer, sf_count_t(frames)))
    }

    static func writeFloats(_ pointer: OpaquePointer, _ buffer: UnsafePointer<Float>, frames: Int) -> Int {
        Int(sf_writef_float(pointer, buffer, sf_count_t(frames)))
    }

    /// The error of the last operation on `pointer`.
    static func error(_ pointer: OpaquePointer) -> String { String(cString: sf_strerror(pointer)) }

    /// libsndfile's parse log for an open file (it notes truncation and header repairs).
    static func log(_ pointer: OpaquePointer) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        sf_command(pointer, Int32(SFC_GET_LOG_INFO), &buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// "WAV (Microsoft), Signed 16 bit PCM" and the like.
    static func formatName(_ format: Int32) -> String {
        let container = describe(format & Int32(SF_FORMAT_TYPEMASK), command: SFC_GET_FORMAT_INFO)
        let encoding = describe(format & Int32(SF_FORMAT_SUBMASK), command: SFC_GET_FORMAT_INFO)
        return "\(container), \(encoding)"
    }

    private static func describe(_ code: Int32, command: Int) -> String {
        var info = SF_FORMAT_INFO()
        info.format = code
        guard sf_command(nil, Int32(command), &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0,
              let name = info.name else { return String(format: "format 0x%x", code) }
        return String(cString: name)
    }

    private static func lastOpenError() -> String {
        let message = String(cString: sf_strerror(nil))
        return message.isEmpty ? "cannot be opened" : message
    }

    /// The libsndfile format code for a container and encoding.
    static func formatCode(_ container: SoundFileFormat.Container, _ encoding: SoundFileFormat.Encoding) -> Int32 {
        let major: Int = switch container {
        case .wav: SF_FORMAT_WAV
        case .flac: SF_FORMAT_FLAC
        case .aiff: SF_FORMAT_AIFF
        case .au: SF_FORMAT_AU
        case .raw: SF_FORMAT_RAW
        }
        let minor: Int = switch encoding {
        case .pcm16: SF_FORMAT_PCM_16
        case .pcm24: SF_FORMAT_PCM_24
        case .float32: SF_FORMAT_FLOAT
        case .aLaw: SF_FORMAT_ALAW
        case .muLaw: SF_FORMAT_ULAW
        case .pcmU8: SF_FORMAT_PCM_U8
        }
        return Int32(major | minor)
    }
}

import Foundation
