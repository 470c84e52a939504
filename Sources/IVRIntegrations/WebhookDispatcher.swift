import Foundation
import IVRRecords

/// Delivers the outbox of a records database: every due event is claimed, sent and marked
/// delivered, or tried again later with a growing wait (2 s, 4 s, 8 s … up to 15 minutes).
/// Events are never dropped: one that keeps failing waits in the outbox, where
/// `ivr webhooks list` shows it and `ivr webhooks retry` sends it at once. Runs apart from
/// calls (its own thread), so an endpoint that is slow or down never holds one up.
public final class WebhookDispatcher: @unchecked Sendable {
    public let address: String
    private let sender: WebhookSender
    private let timeout: TimeInterval
    private let lock = NSLock()
    private var store: RecordStore?
    private var thread: Thread?
    private let stopSignal = DispatchSemaphore(value: 0)
    private var stopping = false

    /// What one pass over the outbox did.
    public struct Pass: Sendable {
        public var delivered: [OutboxEntry] = []
        /// Events that failed, with why.
        public var failed: [(entry: OutboxEntry, reason: String)] = []
    }

    /// - Parameters:
    ///   - address: the records database (`--db`): a SQLite path or a PostgreSQL address.
    ///   - timeout: seconds the database may be busy.
    public init(address: String, sender: WebhookSender = WebhookSender(), timeout: TimeInterval = 5) {
        self.address = address
        self.sender = sender
        self.timeout = timeout
    }

    /// The wait before attempt `attempts + 1`, after `attempts` failures.
    public static func backoff(afterFailures attempts: Int) -> TimeInterval {
        min(900, 2 * pow(2, Double(max(0, attempts - 1))))
    }

    /// Sends every event due at `now` (at most `limit`); returns what came of each.
    public func deliverDue(at now: Date = Date(), limit: Int = 100) throws(RecordStoreError) -> Pass {
        lock.lock()
        defer { lock.unlock() }
        return try pass(at: now, limit: limit)
    }

    /// One pass, the lock held.
    private func pass(at now: Date, limit: Int) throws(RecordStoreError) -> Pass {
        var pass = Pass()
        do {
            let store = try openStore()
            // Endpoints that did not answer in this pass, and why: their other events wait for
            // the next pass (the HTTP client keeps trying a refused connection until the
            // deadline, so each would cost a whole timeout).
            var unreachable: [String: String] = [:]
            for entry in try store.dueWebhookEvents(at: now, limit: limit) {
                // Held for the attempt and a margin: another sender leaves it alone meanwhile.
                guard try store.claimWebhookEvent(entry, until: Date().addingTimeInterval(entry.event.timeout + 30)) else { continue }
                let result = unreachable[entry.event.url].map { WebhookSender.Result.failed(reason: $0, status: nil) }
                    ?? sender.send(entry.event)
                switch result {
                case .delivered(let status):
                    try store.webhookEventDelivered(entry.id, status: status)
                    var done = entry
                    done.deliveredAt = Date()
                    done.lastStatus = status
                    pass.delivered.append(done)
                case .failed(let reason, let status):
                    if status == nil { unreachable[entry.event.url] = reason }
                    let next = Date().addingTimeInterval(Self.backoff(afterFailures: entry.attempts + 1))
                    try store.webhookEventFailed(entry.id, reason: reason, status: status, nextAttempt: next)
                    pass.failed.append((entry, reason))
                }
            }
        } catch {
            store = nil
            throw error
        }
        return pass
    }

    /// Delivers in the background, every `interval` seconds, until ``stop()``; `report` hears
    /// each pass that did something and each database failure.
    public func start(every interval: TimeInterval = 1, report: @escaping @Sendable (Result<Pass, RecordStoreError>) -> Void = { _ in }) {
        let thread = Thread { [self] in
            while true {
                lock.lock()
                if stopping {
                    lock.unlock()
                    break
                }
                let result: Result<Pass, RecordStoreError>
                do throws(RecordStoreError) { result = .success(try pass(at: Date(), limit: 100)) } catch { result = .failure(error) }
                lock.unlock()
                switch result {
                case .success(let pass) where pass.delivered.isEmpty && pass.failed.isEmpty: break
                default: report(result)
                }
                if stopSignal.wait(timeout: .now() + interval) == .success { break }
            }
        }
        thread.name = "webhooks"
        lock.lock()
        self.thread = thread
        lock.unlock()
        thread.start()
    }

    /// Stops the background deliveries (after the pass under way) and the HTTP client.
    public func stop() {
        // Taken between passes: none is under way once it is held, and none starts after.
        lock.lock()
        let running = thread != nil && !stopping
        stopping = true
        lock.unlock()
        if running { stopSignal.signal() }
        sender.shutdown()
    }

    private func openStore() throws(RecordStoreError) -> RecordStore {
        if let store { return store }
        let opened = try RecordStore(address: address, timeout: timeout)
        store = opened
        return opened
    }
}
