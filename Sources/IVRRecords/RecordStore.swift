import Foundation
import GRDB

/// The records database: calls, their events and node visits, voicemails, callback and
/// text-message requests. One SQLite file on one machine; PostgreSQL (`postgres://…`) when
/// several nodes share their records. The same SQL runs on both.
public final class RecordStore: Sendable {
    /// Where the records live unless `--db` says otherwise: `$IVR_DB` when set, else
    /// `data/ivr.sqlite` in the current folder.
    public static var defaultPath: String { ProcessInfo.processInfo.environment["IVR_DB"] ?? "data/ivr.sqlite" }

    /// The SQLite file, or the PostgreSQL address without its password.
    public var path: String { engine.location }
    let engine: any SQLEngine

    /// Whether voicemail audio is kept in the database itself (PostgreSQL) rather than in files.
    public var keepsAudio: Bool { engine.storesAudio }

    /// Opens the records at `address`: a PostgreSQL address (`postgres://…`), else the path of
    /// a SQLite file (created with its folder if needed, unless `create` is false). The schema
    /// is brought up to date. A SQLite database's journal is imported; a SQLite database busy,
    /// or a PostgreSQL server silent, for longer than `timeout` seconds fails.
    public init(address: String, create: Bool = true, timeout: TimeInterval = 5) throws(RecordStoreError) {
        if PostgresEngine.isAddress(address) {
            engine = try PostgresEngine(address: address, timeout: timeout)
        } else {
            engine = try SQLiteEngine(path: address, create: create, busyTimeout: timeout)
            try RecordJournal(databasePath: address).deliver(into: self)
        }
    }

    /// Opens (creating it if needed) the SQLite database at `path`.
    public convenience init(path: String, create: Bool = true, busyTimeout: TimeInterval = 5) throws(RecordStoreError) {
        try self.init(address: path, create: create, timeout: busyTimeout)
    }

    deinit { engine.close() }

    /// Stores a call and everything it left, in one transaction (all or nothing). A call
    /// already stored (the same uid) is left as it is.
    public func save(_ record: CallRecord) throws(RecordStoreError) {
        try save([record])
    }

    /// Stores many calls in one transaction (journals, imports, the benchmark's data); calls
    /// already stored are skipped, so a journal delivered twice stores each call once.
    public func save(_ records: [CallRecord]) throws(RecordStoreError) {
        let storesAudio = engine.storesAudio
        try write { db in
            for record in records { try Self.insert(record, into: db, withAudio: storesAudio) }
        }
    }

    /// Number of calls stored.
    public func callCount() throws(RecordStoreError) -> Int {
        try read { db in try db.query("SELECT count(*) AS n FROM calls", []).first?.int("n") ?? 0 }
    }

    /// Calls per node (`""` for calls recorded without a node name).
    public func callsPerNode() throws(RecordStoreError) -> [String: Int] {
        try read { db in
            let rows = try db.query("SELECT coalesce(node, '') AS node, count(*) AS n FROM calls GROUP BY coalesce(node, '')", [])
            return Dictionary(uniqueKeysWithValues: rows.map { ($0.string("node"), $0.int("n")) })
        }
    }

    /// Runs a read, turning database errors into ``RecordStoreError``.
    func read<T>(_ body: (any SQLTransaction) throws -> T) throws(RecordStoreError) -> T {
        do { return try engine.read(body) } catch { throw RecordStoreError(path: path, error) }
    }

    /// Runs a write transaction, turning database errors into ``RecordStoreError``.
    func write<T>(_ body: (any SQLTransaction) throws -> T) throws(RecordStoreError) -> T {
        do { return try engine.transaction(body) } catch { throw RecordStoreError(path: path, error) }
    }

    private static func insert(_ record: CallRecord, into db: any SQLTransaction, withAudio: Bool) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = { (value: [String: String]) in SQLValue.text(String(decoding: try encoder.encode(value), as: UTF8.self)) }
        let outcome = record.outcome
        let inserted = try db.query("""
            INSERT INTO calls (uid, flow, caller, started_at, duration, language, path, outcome, outcome_detail,
                               summary, contained, queue, priority, end_node, end_kind, data, source, scenario, node)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
            ON CONFLICT (uid) DO NOTHING RETURNING id
            """, [
                .text(record.uid), .text(record.flow), SQLValue(record.callerNumber), .real(record.startedAt.timeIntervalSince1970),
                .real(record.duration), .text(record.language), .text(record.path.joined(separator: " > ")), .text(outcome.kind),
                .text(outcome.detail), .text(outcome.summary), .bool(outcome.contained), SQLValue(outcome.queue),
                SQLValue(outcome.priority), .text(record.endNode), SQLValue(record.visits.last?.kind), try json(record.data),
                .text(record.source), SQLValue(record.scenario), SQLValue(record.node),
            ])
        // Stored before (a journal delivered again): nothing more to do.
        guard let callID = inserted.first?.int("id") else { return }
        let created = SQLValue.real(record.startedAt.addingTimeInterval(record.duration).timeIntervalSince1970)
        try insertRows(into: "events", columns: ["call_id", "seq", "time", "node", "event", "detail"],
                       rows: try record.events.enumerated().map { seq, entry in
                           [.integer(callID), .integer(seq), .real(entry.time), .text(entry.node), .text(entry.event), try json(entry.detail)]
                       }, db: db)
        try insertRows(into: "visits", columns: ["call_id", "seq", "node", "kind", "entered_at", "seconds", "no_inputs", "no_matches",
                                                 "key_choices", "speech_choices", "confidence_sum", "confidence_count", "hung_up"],
                       rows: record.visits.enumerated().map { seq, v in
                           [.integer(callID), .integer(seq), .text(v.node), .text(v.kind), .real(v.enteredAt), .real(v.seconds),
                            .integer(v.noInputs), .integer(v.noMatches), .integer(v.keyChoices), .integer(v.speechChoices),
                            .real(v.confidenceSum), .integer(v.confidenceCount), .bool(v.hungUp)]
                       }, db: db)
        for message in record.voicemails {
            let stored = try db.query("""
                INSERT INTO voicemails (call_id, box, file, seconds, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id
                """, [.integer(callID), .text(message.box), .text(message.file), .real(message.seconds), created])
            if withAudio, let id = stored.first?.int("id") {
                let audio: Data
                do { audio = try Data(contentsOf: URL(fileURLWithPath: message.file)) } catch {
                    throw RecordStoreError(path: message.file, reason: "the voicemail's audio \(message.file) cannot be read (\(error.localizedDescription))")
                }
                try db.query("INSERT INTO voicemail_audio (voicemail_id, wav) VALUES ($1, $2)", [.integer(id), .blob(audio)])
            }
        }
        for request in record.requests {
            try db.query("INSERT INTO \(request.kind.table) (call_id, number, topic, created_at) VALUES ($1, $2, $3, $4)",
                         [.integer(callID), .text(request.number), .text(request.topic), created])
        }
        // Due at once (a file call's end lies in its own clock's future).
        let queued = SQLValue.real(Date().timeIntervalSince1970)
        for event in record.outbox ?? [] {
            try db.query("""
                INSERT INTO webhook_outbox (event_key, url, event, call_uid, secret_env, timeout, body, created_at, next_attempt_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (event_key, url) DO NOTHING
                """, [.text(event.key), .text(event.url), .text(event.event.rawValue), .text(record.uid), SQLValue(event.secretEnv),
                      .real(event.timeout), .text(event.body), queued])
        }
    }

    /// Inserts rows with as few statements as the databases' parameter limits allow.
    private static func insertRows(into table: String, columns: [String], rows: [[SQLValue]], db: any SQLTransaction) throws {
        let rowsPerStatement = 30_000 / columns.count
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + rowsPerStatement)]
            var placeholders: [String] = []
            for index in 0..<chunk.count {
                let first = index * columns.count + 1
                placeholders.append("(" + (first..<first + columns.count).map { "$\($0)" }.joined(separator: ", ") + ")")
            }
            try db.query("INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES \(placeholders.joined(separator: ", "))",
                         chunk.flatMap { $0 })
            start += chunk.count
        }
    }
}

/// The records database could not be opened, read or written.
public struct RecordStoreError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    init(path: String, _ error: any Error) {
        self.path = path
        if let error = error as? RecordStoreError {
            reason = error.reason
        } else if let error = error as? GRDB.DatabaseError {
            reason = error.message ?? "\(error.resultCode)"
        } else {
            reason = error.localizedDescription
        }
    }

    public var description: String { "\(path): \(reason)" }
}
