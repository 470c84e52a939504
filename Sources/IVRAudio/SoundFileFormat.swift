/// A file container and sample encoding that ``SoundFileWriter`` can write.
public struct SoundFileFormat: Sendable, Equatable {
    public enum Container: String, Sendable, CaseIterable {
        case wav, flac, aiff, au, raw
    }

    public enum Encoding: String, Sendable, CaseIterable {
        case pcm16, pcm24, float32, aLaw = "alaw", muLaw = "ulaw", pcmU8 = "u8"
    }

    public var container: Container
    public var encoding: Encoding

    public init(container: Container = .wav, encoding: Encoding = .pcm16) {
        self.container = container
        self.encoding = encoding
    }

    /// 16-bit PCM WAV, the default for everything the IVR writes.
    public static let wav16 = SoundFileFormat()

    /// The container named by a file's extension (`.wav` when unknown), 16-bit PCM.
    public static func forPath(_ path: String) -> SoundFileFormat {
        let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch ext {
        case "flac": return SoundFileFormat(container: .flac)
        case "aif", "aiff": return SoundFileFormat(container: .aiff)
        case "au", "snd": return SoundFileFormat(container: .au)
        default: return .wav16
        }
    }
}
