import Foundation
import IVRAudio

/// The audio of a flow's prompts: a recorded file when there is one, else the synthesized
/// text from the cache. A recording replaces the synthetic prompt just by being dropped into
/// the prompt folder under the prompt's name: `<id>.<language>.<ext>` or `<id>.<ext>` (any
/// format libsndfile reads), e.g. `prompts/main.prompt.es.wav`.
public final class PromptLibrary: @unchecked Sendable {
    /// Where a prompt's audio came from.
    public enum Source: Sendable, Equatable {
        case recorded(path: String)
        case synthesized(PromptCache.Source)
    }

    /// One prompt's audio.
    public struct Audio: Sendable {
        public let samples: [Int16]
        public let source: Source
    }

    public let folder: String
    public let cache: PromptCache
    /// Recordings that exist but could not be read, with the reason (the text was used instead).
    public private(set) var problems: [String] = []
    static let extensions = ["wav", "flac", "ogg", "aiff", "au"]

    public init(folder: String, cache: PromptCache) {
        self.folder = folder
        self.cache = cache
    }

    /// The recorded file for a prompt: the one the flow names, else one named after the prompt.
    public func recording(id: String, language: String, explicitFile: String?) -> String? {
        if let explicitFile {
            let path = explicitFile.hasPrefix("/") ? explicitFile : (folder as NSString).appendingPathComponent(explicitFile)
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
        for name in ["\(id).\(language)", id] {
            for ext in Self.extensions {
                let path = (folder as NSString).appendingPathComponent("\(name).\(ext)")
                if FileManager.default.fileExists(atPath: path) { return path }
            }
        }
        return nil
    }

    /// The prompt's audio at the synthesizer's rate. A recording that cannot be read is noted
    /// in ``problems`` and the text is synthesized instead.
    public func audio(id: String, text: String, language: String, settings: VoiceSettings, explicitFile: String? = nil) throws -> Audio {
        if let path = recording(id: id, language: language, explicitFile: explicitFile) {
            do {
                let samples = try AudioFileSource(path: path, sampleRate: cache.synthesizer.sampleRate).readAll()
                return Audio(samples: samples, source: .recorded(path: path))
            } catch {
                problems.append("\(error) (prompt \(id); synthesized instead)")
            }
        }
        let (samples, source) = try cache.audio(for: text, settings: settings)
        return Audio(samples: samples, source: .synthesized(source))
    }
}
