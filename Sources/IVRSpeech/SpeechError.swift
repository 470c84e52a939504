/// What can go wrong in speech synthesis.
public enum SpeechError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The voice is unknown; `available` lists voices that would do.
    case unknownVoice(String, available: [String] = [])
    case synthesizer(String)

    public var description: String {
        switch self {
        case .unknownVoice(let voice, let available):
            let list = available.isEmpty ? "" : "; available: \(available.joined(separator: ", "))"
            return "unknown eSpeak NG voice '\(voice)'\(list)"
        case .synthesizer(let message):
            return message
        }
    }
}
