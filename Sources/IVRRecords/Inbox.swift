import Foundation
import GRDB

/// A voicemail message waiting for the staff (or handled).
public struct StoredVoicemail: Codable, Sendable, Equatable {
    public var id: Int
    public var box: String
    public var caller: String?
    public var file: String
    public var seconds: Double
    public var createdAt: Date
    /// `new` or `handled`.
    public var state: String
    public var handledAt: Date?
    /// The call that left it.
    public var callUID: String
}

/// A callback or text-message request waiting for the staff (or handled).
public struct StoredRequest: Codable, Sendable, Equatable {
    public var id: Int
    public var kind: StaffRequest.Kind
    public var number: String
    public var topic: String
    public var caller: String?
    public var createdAt: Date
    /// `new` or `handled`.
    public var state: String
    public var handledAt: Date?
    public var callUID: String
}

/// The handling side: what callers left for the staff, and marking it handled.
extension RecordStore {
    /// Voicemails, oldest first; only those in `state` when given.
    public func voicemails(state: String? = nil) throws(RecordStoreError) -> [StoredVoicemail] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT v.*, c.caller, c.uid FROM voicemails v JOIN calls c ON c.id = v.call_id
                WHERE ?1 IS NULL OR v.state = ?1 ORDER BY v.created_at, v.id
                """, arguments: [state]).map { row in
                StoredVoicemail(id: row["id"], box: row["box"], caller: row["caller"], file: row["file"], seconds: row["seconds"],
                                createdAt: Date(timeIntervalSince1970: row["created_at"]), state: row["state"],
                                handledAt: (row["handled_at"] as Double?).map(Date.init(timeIntervalSince1970:)), callUID: row["uid"])
            }
        }
    }

    /// Callback or text requests, oldest first; only those in `state` when given.
    public func requests(_ kind: StaffRequest.Kind, state: String? = nil) throws(RecordStoreError) -> [StoredRequest] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.*, c.caller, c.uid FROM \(kind.table) r JOIN calls c ON c.id = r.call_id
                WHERE ?1 IS NULL OR r.state = ?1 ORDER BY r.created_at, r.id
                """, arguments: [state]).map { row in
                StoredRequest(id: row["id"], kind: kind, number: row["number"], topic: row["topic"], caller: row["caller"],
                              createdAt: Date(timeIntervalSince1970: row["created_at"]), state: row["state"],
                              handledAt: (row["handled_at"] as Double?).map(Date.init(timeIntervalSince1970:)), callUID: row["uid"])
            }
        }
    }

    /// Marks a voicemail handled (or new again).
    public func markVoicemail(_ id: Int, handled: Bool = true, at date: Date = Date()) throws(RecordStoreError) {
        try setState(table: "voicemails", what: "voicemail", id: id, handled: handled, at: date)
    }

    /// Marks a callback or text request handled (or new again).
    public func markRequest(_ kind: StaffRequest.Kind, _ id: Int, handled: Bool = true, at date: Date = Date()) throws(RecordStoreError) {
        try setState(table: kind.table, what: "\(kind.rawValue) request", id: id, handled: handled, at: date)
    }

    private func setState(table: String, what: String, id: Int, handled: Bool, at date: Date) throws(RecordStoreError) {
        let changed = try write { db in
            try db.execute(sql: "UPDATE \(table) SET state = ?, handled_at = ? WHERE id = ?",
                           arguments: [handled ? "handled" : "new", handled ? date.timeIntervalSince1970 : nil, id])
            return db.changesCount
        }
        if changed == 0 { throw RecordStoreError(path: path, reason: "no \(what) with id \(id)") }
    }
}
