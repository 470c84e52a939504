/// An audio file or device that cannot be used, with the reason in one line.
public struct AudioError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file or device the error concerns.
    public let path: String
    /// What is wrong, in words for a person.
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `path: reason`, the form every `ivr` command prints.
    public var description: String { "\(path): \(reason)" }
}
