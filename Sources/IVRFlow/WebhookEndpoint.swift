import Foundation
import Yams

/// What the IVR tells the systems around it about a call: each event one JSON document.
public enum WebhookEventKind: String, Sendable, Codable, CaseIterable {
    /// Every call, once it has ended (whatever the outcome).
    case callEnded = "call_ended"
    /// A caller left a voicemail message (with its audio).
    case voicemail
    /// A caller asked to be called back.
    case callback
    /// A caller asked for a text message.
    case text
    /// A call went to a queue.
    case transferred
    /// A caller hung up before being served.
    case abandoned
}

/// An endpoint the flow's events are sent to (`webhooks:` in the flow file).
public struct WebhookEndpoint: Sendable, Equatable, Codable {
    /// An `http://` or `https://` address; each event is POSTed to it.
    public var url: String
    /// The events it hears about.
    public var events: Set<WebhookEventKind>
    /// The environment variable that holds the signing secret; the secret itself is never
    /// written in a flow, a record or a log.
    public var secretEnv: String?
    /// Seconds a delivery may take before it counts as failed (and is tried again later).
    public var timeout: Double
    /// Line in the flow file.
    public var line: Int

    public init(url: String, events: Set<WebhookEventKind>, secretEnv: String? = nil, timeout: Double = 5, line: Int = 0) {
        self.url = url
        self.events = events
        self.secretEnv = secretEnv
        self.timeout = timeout
        self.line = line
    }
}

extension FlowParser {
    /// Whether `url` is an `http://` or `https://` address with a host.
    static func isHTTPAddress(_ url: String) -> Bool {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased() else { return false }
        return ["http", "https"].contains(scheme) && parsed.host?.isEmpty == false
    }

    mutating func parseWebhooks(_ node: Node) -> [WebhookEndpoint] {
        let items = node.array()
        if items.isEmpty { reader.problem(node, "webhooks: give a list of endpoints, each { url, events, secret_env }") }
        return items.compactMap { item in
            let fields = reader.mapping(item, allowed: ["url", "events", "secret_env", "timeout"], where: "a webhook")
            guard let url = reader.string(fields["url"], "url") else {
                reader.problem(item, "a webhook has no 'url'")
                return nil
            }
            guard Self.isHTTPAddress(url) else {
                reader.problem(fields["url"], "webhook url '\(url)' is not an http:// or https:// address")
                return nil
            }
            var events: Set<WebhookEventKind> = []
            let names = fields["events"] == nil ? WebhookEventKind.allCases.map(\.rawValue) : reader.strings(fields["events"], "events")
            for name in names {
                if let kind = WebhookEventKind(rawValue: name) {
                    events.insert(kind)
                } else {
                    let known = WebhookEventKind.allCases.map(\.rawValue)
                    let hint = closest(to: name, in: known).map { " (did you mean '\($0)'?)" } ?? " (events: \(known.joined(separator: ", ")))"
                    reader.problem(fields["events"], "unknown webhook event '\(name)'\(hint)")
                }
            }
            let secretEnv = reader.string(fields["secret_env"], "secret_env")
            if let secretEnv, secretEnv.isEmpty || !secretEnv.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                reader.problem(fields["secret_env"], "secret_env names an environment variable (like IVR_WEBHOOK_SECRET), not '\(secretEnv)'")
            }
            let timeout = fields["timeout"] == nil ? 5 : reader.number(fields["timeout"], "timeout", in: 0.1...120) ?? 5
            return WebhookEndpoint(url: url, events: events, secretEnv: secretEnv, timeout: timeout, line: item.mark?.line ?? 0)
        }
    }
}
