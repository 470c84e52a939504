import Foundation

/// A queue (department) calls are transferred to.
public struct QueueDefinition: Sendable, Equatable {
    public var name: String
    public var line: Int
    /// Name of its business hours (always open when nil).
    public var hours: String?
    /// Node for calls outside the hours.
    public var afterHours: String?
    public var overflow: Overflow?
    /// Where `ivr serve` hands calls for this queue (a SIP URI, e.g. `sip:billing@pbx.example`,
    /// by REFER); without one the call ends after the queue's prompt.
    public var sip: String?
}

/// When a queue is too busy, and where calls go then.
public struct Overflow: Sendable, Equatable {
    /// Estimated wait in seconds above which calls overflow.
    public var maxWait: Double?
    /// Callers waiting above which calls overflow.
    public var maxWaiting: Int?
    public var target: String
}

/// A rule on the caller: who it matches and what it changes. Rules apply in order; a later
/// rule's settings override an earlier one's.
public struct CallerRule: Sendable, Equatable {
    public var line: Int
    /// Exact caller numbers.
    public var numbers: Set<String>
    /// Number prefixes (area codes), e.g. `+4930` or `030`.
    public var prefixes: [String]
    /// Tags the caller already carries (from the caller data).
    public var requiredTags: Set<String>
    /// Tags the rule gives the caller, e.g. `vip`.
    public var addTags: [String]
    /// Queue priority (1 is served first).
    public var priority: Int?
    /// Queues replaced for this caller: `sales` → `sales-vip`.
    public var queueMap: [String: String]

    /// Whether the rule applies to a caller.
    public func matches(number: String?, tags: Set<String>) -> Bool {
        if !requiredTags.isEmpty && requiredTags.isSubset(of: tags) { return true }
        guard let number else { return false }
        return numbers.contains(number) || prefixes.contains { number.hasPrefix($0) }
    }
}

/// How busy a queue is right now.
public struct QueueStatus: Sendable, Equatable, Codable {
    public var waiting: Int
    public var agentsFree: Int
    /// Estimated wait in seconds.
    public var estimatedWait: Double

    public init(waiting: Int = 0, agentsFree: Int = 1, estimatedWait: Double = 0) {
        self.waiting = waiting
        self.agentsFree = agentsFree
        self.estimatedWait = estimatedWait
    }

    enum CodingKeys: String, CodingKey {
        case waiting
        case agentsFree = "agents_free"
        case estimatedWait = "estimated_wait"
    }
}

/// Where queue figures come from: set by a test scenario, or read from a file the contact
/// centre keeps current.
public protocol QueueStatusProvider: Sendable {
    /// The queue's figures, or nil when unknown (treated as not busy).
    func status(of queue: String) -> QueueStatus?
}

/// Fixed figures, for test calls.
public struct FixedQueueStatus: QueueStatusProvider {
    public var statuses: [String: QueueStatus]

    public init(_ statuses: [String: QueueStatus] = [:]) { self.statuses = statuses }

    public func status(of queue: String) -> QueueStatus? { statuses[queue] }
}

/// Figures read from a JSON file on each question, e.g.
/// `{"billing": {"waiting": 4, "agents_free": 0, "estimated_wait": 240}}`. A file that is
/// missing or unreadable counts as no figures.
public struct QueueStatusFile: QueueStatusProvider {
    public let path: String

    public init(path: String) { self.path = path }

    public func status(of queue: String) -> QueueStatus? {
        guard let data = FileManager.default.contents(atPath: path),
              let all = try? JSONDecoder().decode([String: QueueStatus].self, from: data) else { return nil }
        return all[queue]
    }
}
