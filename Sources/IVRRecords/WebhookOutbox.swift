import Foundation
import IVRFlow

/// An event in the outbox: waiting for its endpoint, or delivered.
public struct OutboxEntry: Sendable, Equatable, Codable {
    public var id: Int
    public var event: OutgoingEvent
    public var callUID: String
    public var createdAt: Date
    /// Deliveries tried and failed so far.
    public var attempts: Int
    /// When it is tried next (while waiting).
    public var nextAttemptAt: Date
    /// Why the last attempt failed, and the HTTP status if one came back.
    public var lastError: String?
    public var lastStatus: Int?
    public var deliveredAt: Date?

    public var isDelivered: Bool { deliveredAt != nil }
}

/// The webhook outbox: events stored with their calls, delivered at least once.
extension RecordStore {
    /// Events waiting whose next attempt is due at `now`, oldest first.
    public func dueWebhookEvents(at now: Date = Date(), limit: Int = 100) throws(RecordStoreError) -> [OutboxEntry] {
        try read { db in
            try db.query("""
                SELECT * FROM webhook_outbox WHERE delivered_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2
                """, [.real(now.timeIntervalSince1970), .integer(limit)]).map(Self.entry)
        }
    }

    /// The outbox: only the events still waiting unless `all`, oldest first.
    public func webhookEvents(all: Bool = false) throws(RecordStoreError) -> [OutboxEntry] {
        try read { db in
            try db.query("SELECT * FROM webhook_outbox WHERE $1 OR delivered_at IS NULL ORDER BY id", [.bool(all)]).map(Self.entry)
        }
    }

    /// Takes `entry` for one delivery attempt: moves its next attempt to `until`, so that
    /// another process or node sending from the same outbox leaves it alone meanwhile. False
    /// when someone else took it first (or it was delivered).
    public func claimWebhookEvent(_ entry: OutboxEntry, until: Date) throws(RecordStoreError) -> Bool {
        try write { db in
            try db.query("""
                UPDATE webhook_outbox SET next_attempt_at = $1
                WHERE id = $2 AND next_attempt_at = $3 AND delivered_at IS NULL RETURNING id
                """, [.real(until.timeIntervalSince1970), .integer(entry.id), .real(entry.nextAttemptAt.timeIntervalSince1970)])
        }.count == 1
    }

    /// Notes that the endpoint took the event (HTTP `status`).
    public func webhookEventDelivered(_ id: Int, status: Int, at date: Date = Date()) throws(RecordStoreError) {
        try write { db in
            try db.query("UPDATE webhook_outbox SET delivered_at = $1, last_status = $2, last_error = NULL WHERE id = $3",
                         [.real(date.timeIntervalSince1970), .integer(status), .integer(id)])
        }
    }

    /// Notes a failed attempt (why, and the HTTP status if one came back); the event is tried
    /// again at `nextAttempt`.
    public func webhookEventFailed(_ id: Int, reason: String, status: Int?, nextAttempt: Date) throws(RecordStoreError) {
        try write { db in
            try db.query("""
                UPDATE webhook_outbox SET attempts = attempts + 1, last_error = $1, last_status = $2, next_attempt_at = $3
                WHERE id = $4 AND delivered_at IS NULL
                """, [.text(reason), SQLValue(status), .real(nextAttempt.timeIntervalSince1970), .integer(id)])
        }
    }

    /// Makes waiting events due now (all of them, or those with `ids`); returns how many.
    @discardableResult
    public func retryWebhookEventsNow(ids: [Int] = [], at now: Date = Date()) throws(RecordStoreError) -> Int {
        let sql = "UPDATE webhook_outbox SET next_attempt_at = $1 WHERE delivered_at IS NULL AND (CAST($2 AS BIGINT) IS NULL OR id = $2) RETURNING id"
        return try write { db in
            if ids.isEmpty { return try db.query(sql, [.real(now.timeIntervalSince1970), .null]).count }
            return try ids.reduce(0) { count, id in try count + db.query(sql, [.real(now.timeIntervalSince1970), .integer(id)]).count }
        }
    }

    private static func entry(_ row: SQLRow) -> OutboxEntry {
        OutboxEntry(
            id: row.int("id"),
            event: OutgoingEvent(key: row.string("event_key"), event: WebhookEventKind(rawValue: row.string("event")) ?? .callEnded,
                                 url: row.string("url"), secretEnv: row["secret_env"].string, timeout: row.double("timeout"),
                                 body: row.string("body")),
            callUID: row.string("call_uid"), createdAt: Date(timeIntervalSince1970: row.double("created_at")),
            attempts: row.int("attempts"), nextAttemptAt: Date(timeIntervalSince1970: row.double("next_attempt_at")),
            lastError: row["last_error"].string, lastStatus: row["last_status"].int,
            deliveredAt: row["delivered_at"].double.map(Date.init(timeIntervalSince1970:)))
    }
}
