import Foundation
import IVRFlow

/// Everything kept about one call: who, when, where it went, how it ended, its events, the
/// time spent in each node, and what it left for the staff. Secrets are masked before a record
/// exists (the flow core masks them in its log and context).
public struct CallRecord: Codable, Sendable, Equatable {
    /// Unique id (a UUID): importing the same record twice stores it once.
    public var uid: String
    /// The flow's name.
    public var flow: String
    public var callerNumber: String?
    public var startedAt: Date
    /// Seconds from answer to the end of the call.
    public var duration: Double
    public var language: String
    /// Nodes visited, in order.
    public var path: [String]
    public var outcome: Outcome
    /// The node the call ended in.
    public var endNode: String
    /// Collected values by field (secrets masked).
    public var data: [String: String]
    /// Where the call came from: `file` (ivr call), `live` or `test` (ivr test).
    public var source: String
    /// The scenario's name for test calls.
    public var scenario: String?
    /// The node (`ivr serve --node`) that took the call, when several share the records.
    public var node: String?
    public var events: [CallLogEntry]
    public var visits: [NodeVisit]
    public var voicemails: [VoicemailEntry]
    public var requests: [StaffRequest]
    /// Events for the flow's webhooks, stored with the call in one transaction and delivered
    /// from there (nil in records kept before webhooks existed).
    public var outbox: [OutgoingEvent]?

    public var isTest: Bool { source == "test" }

    /// How a call ended, flattened for the database and the report.
    public struct Outcome: Codable, Sendable, Equatable {
        /// `transferred`, `contained`, `voicemail`, `callback`, `text`, `abandoned`,
        /// `disconnected` or `failed` (an error ended the call).
        public var kind: String
        /// The queue, box, topic or reason.
        public var detail: String
        /// Readable, as the transcript prints it.
        public var summary: String
        public var contained: Bool
        public var queue: String?
        public var priority: Int?

        public init(_ outcome: CallOutcome) {
            summary = outcome.description
            contained = outcome.isContained
            switch outcome {
            case .transferred(let queue, let priority):
                (kind, detail, self.queue, self.priority) = ("transferred", queue, queue, priority)
            case .contained(let reason): (kind, detail) = ("contained", reason)
            case .voicemail(let box): (kind, detail) = ("voicemail", box)
            case .callback(let topic): (kind, detail) = ("callback", topic)
            case .text(let topic): (kind, detail) = ("text", topic)
            case .abandoned(let node): (kind, detail) = ("abandoned", node)
            case .disconnected(_, let reason): (kind, detail) = ("disconnected", reason)
            }
        }

        /// A call an error ended.
        public static func failed(_ reason: String) -> Outcome {
            var outcome = Outcome(.disconnected(node: "", reason: reason))
            (outcome.kind, outcome.summary, outcome.contained) = ("failed", "failed (\(reason))", false)
            return outcome
        }
    }

    /// A record of a call that ran through `flow`.
    ///
    /// - Parameters:
    ///   - outcome: how it ended; `failure` instead when an error stopped it.
    ///   - log: the flow core's events; `context` what the call carried at its end.
    ///   - voicemails: messages already stored as files.
    ///   - webhooks: endpoints to tell about the call (their events go in ``outbox``).
    public init(uid: String = UUID().uuidString, flow: Flow, callerNumber: String?, startedAt: Date, duration: Double,
                outcome: CallOutcome?, failure: String? = nil, log: [CallLogEntry], context: CallContext,
                requests: [StaffRequest] = [], voicemails: [VoicemailEntry] = [], source: String, scenario: String? = nil,
                node: String? = nil, webhooks: [WebhookEndpoint] = []) {
        self.uid = uid
        self.flow = flow.name
        self.callerNumber = callerNumber
        self.startedAt = startedAt
        self.duration = duration
        language = context.language
        path = context.path
        endNode = log.last?.node ?? flow.start
        if let failure {
            self.outcome = .failed(failure)
        } else {
            self.outcome = Outcome(outcome ?? .abandoned(node: endNode))
        }
        data = context.data
        self.source = source
        self.scenario = scenario
        self.node = node
        events = log
        visits = NodeVisit.visits(in: log, flow: flow, callEnd: duration, endedByCaller: self.outcome.kind == "abandoned")
        self.voicemails = voicemails
        self.requests = requests
        let events = WebhookDocument.events(of: self, context: context, to: webhooks)
        outbox = events.isEmpty ? nil : events
    }
}

/// One stay in one node: from entering it to entering the next (or the call's end).
public struct NodeVisit: Codable, Sendable, Equatable {
    public var node: String
    /// The node's type (`menu`, `collect`, `transfer`, …).
    public var kind: String
    public var enteredAt: Double
    public var seconds: Double
    public var noInputs = 0
    public var noMatches = 0
    /// Menu options chosen by key and by speech.
    public var keyChoices = 0
    public var speechChoices = 0
    /// Sum and count of the recognizer's confidences for intents heard here.
    public var confidenceSum = 0.0
    public var confidenceCount = 0
    /// Whether the caller hung up here.
    public var hungUp = false

    /// The visits of a call, from its log (visits start at each `enter` event).
    static func visits(in log: [CallLogEntry], flow: Flow, callEnd: Double, endedByCaller: Bool) -> [NodeVisit] {
        var visits: [NodeVisit] = []
        for entry in log {
            if entry.event == "enter" {
                if !visits.isEmpty { visits[visits.count - 1].seconds = entry.time - visits[visits.count - 1].enteredAt }
                visits.append(NodeVisit(node: entry.node, kind: flow.nodes[entry.node]?.kind ?? "unknown",
                                        enteredAt: entry.time, seconds: 0))
                continue
            }
            guard !visits.isEmpty else { continue }
            let index = visits.count - 1
            switch entry.event {
            case "no_input": visits[index].noInputs += 1
            case "no_match": visits[index].noMatches += 1
            case "choice":
                if entry.detail["via"] == "speech" { visits[index].speechChoices += 1 } else { visits[index].keyChoices += 1 }
            case "intent":
                if let confidence = entry.detail["confidence"].flatMap(Double.init) {
                    visits[index].confidenceSum += confidence
                    visits[index].confidenceCount += 1
                }
            default: break
            }
        }
        if !visits.isEmpty {
            visits[visits.count - 1].seconds = max(0, callEnd - visits[visits.count - 1].enteredAt)
            visits[visits.count - 1].hungUp = endedByCaller
        }
        return visits
    }
}

/// A voicemail message: its audio is a WAV file beside the database.
public struct VoicemailEntry: Codable, Sendable, Equatable {
    public var box: String
    /// Path of the WAV file.
    public var file: String
    public var seconds: Double

    public init(box: String, file: String, seconds: Double) {
        self.box = box
        self.file = file
        self.seconds = seconds
    }
}

/// Something the caller asked the staff to do: call back, or send a text message.
public struct StaffRequest: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case callback, text

        /// The table that holds requests of this kind.
        var table: String { self == .callback ? "callbacks" : "texts" }
    }

    public var kind: Kind
    public var number: String
    public var topic: String

    public init(kind: Kind, number: String, topic: String) {
        self.kind = kind
        self.number = number
        self.topic = topic
    }
}
