import ArgumentParser
import Foundation
import IVRFlow
import IVRRecords
import IVRIntegrations

struct WebhooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "The webhook outbox: events waiting for their endpoints, and sending them now.",
        discussion: """
        A flow's `webhooks:` are told about its calls (call_ended, voicemail, callback, text, \
        transferred, abandoned). Each event is stored with the call's record and sent from there, \
        at least once: `ivr serve` and `ivr live` send in the background, `ivr call` once the call \
        is over; an endpoint that is down is tried again after 2 s, 4 s, 8 s … (at most every 15 \
        minutes), and nothing is dropped. Format and signatures: docs/webhooks.md.

        Examples:
          ivr webhooks list
          ivr webhooks list --all --json
          ivr webhooks retry
          ivr webhooks retry 12 13
        """,
        subcommands: [List.self, Retry.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List events waiting, and why (--all: delivered ones too).")
        @OptionGroup var db: DatabaseOption
        @Flag(help: "Delivered events too.") var all = false
        @Flag(help: "One JSON array (without the documents' bodies).") var json = false

        func run() throws {
            let store = try db.store()
            let entries: [OutboxEntry]
            do { entries = try store.webhookEvents(all: all) } catch { throw InputFailure(message: "\(error)") }
            if json {
                return try printJSON(entries.map { entry in
                    var listed = entry
                    listed.event.body = ""
                    return listed
                })
            }
            if entries.isEmpty { print(all ? "no webhook events" : "no webhook events waiting") }
            for entry in entries { print(Self.line(entry)) }
        }

        static func line(_ entry: OutboxEntry) -> String {
            let head = "\(entry.id)  \(localTime(entry.createdAt))  \(entry.event.event.rawValue)  → \(entry.event.url)"
            if let delivered = entry.deliveredAt { return head + "  delivered \(localTime(delivered))" }
            let tries = entry.attempts == 0 ? "not tried yet" : "\(entry.attempts) attempt\(entry.attempts == 1 ? "" : "s"), next \(localTime(entry.nextAttemptAt))"
            return head + "  waiting: \(tries)" + (entry.lastError.map { " (\($0))" } ?? "")
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send waiting events now (all, or those with the ids given).")
        @OptionGroup var db: DatabaseOption
        @Argument(help: "Ids from 'ivr webhooks list' (default: every waiting event).") var ids: [Int] = []

        func run() throws {
            let store = try db.store()
            let due: Int
            do { due = try store.retryWebhookEventsNow(ids: ids) } catch { throw InputFailure(message: "\(error)") }
            if due == 0 { return print(ids.isEmpty ? "no webhook events waiting" : "none of those events is waiting") }
            let pass = try deliverWebhooks(database: db.database)
            print("\(pass.delivered.count) delivered, \(pass.failed.count) still waiting")
            if !pass.failed.isEmpty { throw ExitCode(1) }
        }
    }
}

/// Sends the outbox's due events once; each failure is a line on standard error.
@discardableResult
func deliverWebhooks(database: String) throws -> WebhookDispatcher.Pass {
    let dispatcher = WebhookDispatcher(address: database)
    defer { dispatcher.stop() }
    let pass: WebhookDispatcher.Pass
    do { pass = try dispatcher.deliverDue() } catch { throw InputFailure(message: "ivr webhooks: \(error)") }
    for (entry, reason) in pass.failed {
        printError("ivr: webhook \(entry.event.event.rawValue) → \(entry.event.url): \(reason); it waits in the outbox (ivr webhooks list)")
    }
    return pass
}

/// Starts sending the outbox in the background when calls are recorded and `flow` has webhooks
/// (or `always`: a server whose flow may be reloaded with some), a pass every second; `log`
/// hears what was delivered and what failed, as an event name and its fields.
func startWebhooks(for flow: Flow, records: RecordOptions, always: Bool = false,
                   log: @escaping @Sendable (_ event: String, _ fields: [(String, String)]) -> Void) -> WebhookDispatcher? {
    guard always || !flow.webhooks.isEmpty, !records.noRecords else { return nil }
    let dispatcher = WebhookDispatcher(address: records.db.database)
    dispatcher.start(every: 1) { result in
        switch result {
        case .success(let pass):
            for entry in pass.delivered {
                log("webhook_delivered", [("event", entry.event.event.rawValue), ("key", entry.event.key), ("url", entry.event.url)])
            }
            for (entry, reason) in pass.failed {
                log("webhook_failed", [("event", entry.event.event.rawValue), ("key", entry.event.key), ("url", entry.event.url),
                                       ("why", reason)])
            }
        case .failure(let error):
            log("webhook_outbox_unavailable", [("why", "\(error)")])
        }
    }
    return dispatcher
}
