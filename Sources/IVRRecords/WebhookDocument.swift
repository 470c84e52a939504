import Foundation
import IVRFlow

/// One event on its way to a webhook endpoint: stored with the call's record in one
/// transaction (the outbox), sent until the endpoint takes it.
public struct OutgoingEvent: Codable, Sendable, Equatable {
    /// The idempotency key: the same for every attempt and every endpoint, so a receiver that
    /// sees it twice knows it is the same event (`<call uid>:<event>` or `…:<event>:<n>`).
    public var key: String
    public var event: WebhookEventKind
    public var url: String
    /// The environment variable holding the signing secret (never the secret itself).
    public var secretEnv: String?
    /// Seconds one delivery may take.
    public var timeout: Double
    /// The JSON document sent.
    public var body: String
}

/// The JSON documents a call's record gives each endpoint. Every document has `event`, `key`
/// (the idempotency key) and `call` (the call as the record keeps it, secrets masked), and one
/// of `voicemail` (with its audio, base64 WAV), `callback`, `text` or `transfer`. The format is
/// documented in `docs/webhooks.md`.
enum WebhookDocument {
    /// The events of `record` for each endpoint that asked for them; `context` is what the call
    /// carried at its end (tags, intent, masked account) for the transfer's context.
    static func events(of record: CallRecord, context: CallContext, to endpoints: [WebhookEndpoint]) -> [OutgoingEvent] {
        guard !endpoints.isEmpty else { return [] }
        let documents = documents(of: record, context: context)
        return endpoints.flatMap { endpoint in
            documents.filter { endpoint.events.contains($0.event) }.map { document in
                OutgoingEvent(key: document.key, event: document.event, url: endpoint.url, secretEnv: endpoint.secretEnv,
                              timeout: endpoint.timeout, body: document.body)
            }
        }
    }

    private static func documents(of record: CallRecord, context: CallContext) -> [(key: String, event: WebhookEventKind, body: String)] {
        let call = CallSummary(record, tags: context.tags, intent: context.intent)
        var documents: [(String, WebhookEventKind, Document)] = []
        func add(_ event: WebhookEventKind, index: Int? = nil, _ fill: (inout Document) -> Void = { _ in }) {
            let key = [record.uid, event.rawValue, index.map(String.init)].compactMap { $0 }.joined(separator: ":")
            var document = Document(event: event.rawValue, key: key, call: call)
            fill(&document)
            documents.append((key, event, document))
        }
        add(.callEnded)
        for (index, message) in record.voicemails.enumerated() {
            add(.voicemail, index: record.voicemails.count > 1 ? index + 1 : nil) { $0.voicemail = VoicemailPart(message) }
        }
        for kind in StaffRequest.Kind.allCases {
            let requests = record.requests.filter { $0.kind == kind }
            for (index, request) in requests.enumerated() {
                let event: WebhookEventKind = kind == .callback ? .callback : .text
                add(event, index: requests.count > 1 ? index + 1 : nil) { document in
                    let part = RequestPart(number: request.number, topic: request.topic)
                    if kind == .callback { document.callback = part } else { document.text = part }
                }
            }
        }
        switch record.outcome.kind {
        case "transferred":
            add(.transferred) {
                $0.transfer = TransferPart(queue: record.outcome.queue ?? record.outcome.detail, priority: record.outcome.priority,
                                           verifiedAccount: context.verifiedAccount, extension: context.extensionNumber)
            }
        case "abandoned":
            add(.abandoned)
        default:
            break
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return documents.map { key, event, document in
            (key, event, (try? encoder.encode(document)).map { String(decoding: $0, as: UTF8.self) } ?? "{}")
        }
    }

    private struct Document: Encodable {
        var event: String
        var key: String
        var call: CallSummary
        var voicemail: VoicemailPart?
        var callback: RequestPart?
        var text: RequestPart?
        var transfer: TransferPart?
    }

    private struct CallSummary: Encodable {
        var id: String
        var flow: String
        var caller: String?
        var startedAt: Date
        var endedAt: Date
        var durationSeconds: Double
        var language: String
        var path: [String]
        var outcome: CallRecord.Outcome
        /// The queue the call went to, or was on its way to (after hours, overflow, a wait it
        /// left): where a help desk files it.
        var queue: String?
        var endNode: String
        /// Collected fields; secrets are masked before a record exists.
        var data: [String: String]
        var tags: [String]
        var intent: String?
        var node: String?
        var source: String

        init(_ record: CallRecord, tags: [String], intent: String?) {
            id = record.uid
            flow = record.flow
            caller = record.callerNumber
            startedAt = record.startedAt
            endedAt = record.startedAt.addingTimeInterval(record.duration)
            durationSeconds = (record.duration * 10).rounded() / 10
            language = record.language
            path = record.path
            outcome = record.outcome
            queue = record.outcome.queue ?? record.events.last { $0.detail["queue"] != nil }?.detail["queue"]
            endNode = record.endNode
            data = record.data
            self.tags = tags
            self.intent = intent
            node = record.node
            source = record.source
        }
    }

    private struct VoicemailPart: Encodable {
        var box: String
        var seconds: Double
        var audio: Attachment?
        /// Why the audio is not attached (its file could not be read).
        var audioMissing: String?

        init(_ message: VoicemailEntry) {
            box = message.box
            seconds = (message.seconds * 10).rounded() / 10
            do {
                let wav = try Data(contentsOf: URL(fileURLWithPath: message.file))
                audio = Attachment(fileName: (message.file as NSString).lastPathComponent, contentType: "audio/wav",
                                   base64: wav.base64EncodedString())
            } catch {
                audioMissing = "\(message.file) cannot be read"
            }
        }
    }

    private struct Attachment: Encodable {
        var fileName: String
        var contentType: String
        var base64: String
    }

    private struct RequestPart: Encodable {
        var number: String
        var topic: String
    }

    private struct TransferPart: Encodable {
        var queue: String
        var priority: Int?
        var verifiedAccount: String?
        var `extension`: String?
    }
}
