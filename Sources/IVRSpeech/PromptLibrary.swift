import Foundation
import IVRAudio
import IVRDSP

/// The audio of a flow's prompts: a recorded file when there is one, else the synthesized
/// text from the cache. A recording replaces the synthetic prompt just by being dropped into
/// the prompt folder under the prompt's name: `<language>/<id>.<ext>`, `<id>.<language>.<ext>`
/// or `<id>.<ext>` (any format libsndfile reads), e.g. `prompts/es/main.prompt.wav`. A stock
/// phrase is also found under its stock id, in the flow's folder and then in the project's
/// stock folder (`prompts/es/no_input.wav`).
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
    /// The project's stock prompt folder, for recordings of stock phrases.
    public let stockFolder: String?
    public let cache: PromptCache
    /// Recordings that exist but could not be read, with the reason (the text was used instead).
    public private(set) var problems: [String] = []
    static let extensions = ["wav", "flac", "ogg", "aiff", "au"]

    public init(folder: String, stockFolder: String? = nil, cache: PromptCache) {
        self.folder = folder
        self.stockFolder = stockFolder
        self.cache = cache
    }

    /// The recorded file for a prompt: the one the flow names, else one named after the prompt,
    /// else one named after the stock phrase it stands for.
    public func recording(id: String, stockID: String? = nil, language: String, explicitFile: String?) -> String? {
        if let explicitFile {
            let path = explicitFile.hasPrefix("/") ? explicitFile : (folder as NSString).appendingPathComponent(explicitFile)
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
        var candidates = ["\(language)/\(id)", "\(id).\(language)", id].map { (folder as NSString).appendingPathComponent($0) }
        if let stockID {
            candidates += ["\(language)/\(stockID)", "\(stockID).\(language)"].map { (folder as NSString).appendingPathComponent($0) }
            if let stockFolder { candidates.append((stockFolder as NSString).appendingPathComponent("\(language)/\(stockID)")) }
        }
        for name in candidates {
            for ext in Self.extensions where FileManager.default.fileExists(atPath: "\(name).\(ext)") {
                return "\(name).\(ext)"
            }
        }
        return nil
    }

    /// The beep before a voicemail is recorded: a recording `<language>/beep.wav` (in the flow's
    /// prompt folder, else the project's stock folder), else a 1 kHz tone of 0.4 s.
    public func beep(language: String) -> [Int16] {
        if let path = recording(id: "beep", stockID: "beep", language: language, explicitFile: nil),
           let samples = try? AudioFileSource(path: path, sampleRate: cache.synthesizer.sampleRate).readAll() {
            return samples
        }
        return ToneGenerator(sampleRate: cache.synthesizer.sampleRate).render([(1000, -13)], seconds: 0.4)
    }

    /// The prompt's audio at the synthesizer's rate. A recording that cannot be read is noted
    /// in ``problems`` and the text is synthesized instead.
    public func audio(id: String, text: String, language: String, settings: VoiceSettings, explicitFile: String? = nil,
                      stockID: String? = nil) throws -> Audio {
        if let path = recording(id: id, stockID: stockID, language: language, explicitFile: explicitFile) {
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
