import Foundation

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
            try db.query("""
                SELECT v.*, c.caller, c.uid FROM voicemails v JOIN calls c ON c.id = v.call_id
                WHERE CAST($1 AS TEXT) IS NULL OR v.state = $1 ORDER BY v.created_at, v.id
                """, [SQLValue(state)]).map { row in
                StoredVoicemail(id: row.int("id"), box: row.string("box"), caller: row["caller"].string, file: row.string("file"),
                                seconds: row.double("seconds"), createdAt: Date(timeIntervalSince1970: row.double("created_at")),
                                state: row.string("state"), handledAt: row["handled_at"].double.map(Date.init(timeIntervalSince1970:)),
                                callUID: row.string("uid"))
            }
        }
    }

    /// A voicemail's audio (a WAV file's bytes): from the database where it keeps audio, else
    /// the file beside it.
    public func voicemailAudio(_ message: StoredVoicemail) throws(RecordStoreError) -> Data {
        if engine.storesAudio {
            let audio = try read { db in
                try db.query("SELECT wav FROM voicemail_audio WHERE voicemail_id = $1", [.integer(message.id)]).first?["wav"].data
            }
            guard let audio else { throw RecordStoreError(path: path, reason: "voicemail \(message.id) has no audio stored") }
            return audio
        }
        do { return try Data(contentsOf: URL(fileURLWithPath: message.file)) } catch {
            throw RecordStoreError(path: message.file, reason: "cannot be read (\(error.localizedDescription))")
        }
    }

    /// Callback or text requests, oldest first; only those in `state` when given.
    public func requests(_ kind: StaffRequest.Kind, state: String? = nil) throws(RecordStoreError) -> [StoredRequest] {
        try read { db in
            try db.query("""
                SELECT r.*, c.caller, c.uid FROM \(kind.table) r JOIN calls c ON c.id = r.call_id
                WHERE CAST($1 AS TEXT) IS NULL OR r.state = $1 ORDER BY r.created_at, r.id
                """, [SQLValue(state)]).map { row in
                StoredRequest(id: row.int("id"), kind: kind, number: row.string("number"), topic: row.string("topic"),
                              caller: row["caller"].string, createdAt: Date(timeIntervalSince1970: row.double("created_at")),
                              state: row.string("state"), handledAt: row["handled_at"].double.map(Date.init(timeIntervalSince1970:)),
                              callUID: row.string("uid"))
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
            try db.query("UPDATE \(table) SET state = $1, handled_at = $2 WHERE id = $3 RETURNING id",
                         [.text(handled ? "handled" : "new"), SQLValue(handled ? date.timeIntervalSince1970 : nil), .integer(id)]).count
        }
        if changed == 0 { throw RecordStoreError(path: path, reason: "no \(what) with id \(id)") }
    }
}
