/// Something wrong in a flow file, with where it is.
public struct FlowProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    /// 1-based line, 0 when the problem is about the file as a whole.
    public let line: Int
    public let message: String
    /// A recorded prompt the flow names is missing: calls still work (the text is spoken).
    public let isMissingRecording: Bool

    public init(file: String, line: Int, message: String, isMissingRecording: Bool = false) {
        self.file = file
        self.line = line
        self.message = message
        self.isMissingRecording = isMissingRecording
    }

    /// `file:line: message`, as compilers print it.
    public var description: String {
        line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
    }
}

/// All the problems of a flow that could not be loaded.
public struct FlowErrors: Error, Sendable, CustomStringConvertible {
    public let problems: [FlowProblem]

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
