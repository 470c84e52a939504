import Foundation
import GRDB

/// The records database: one SQLite file with migrations, holding calls, their events and node
/// visits, voicemails, callback and text-message requests. Opening it imports the records a
/// journal kept while the database could not take them.
public final class RecordStore: Sendable {
    /// Where the records live unless `--db` says otherwise: `$IVR_DB` when set, else
    /// `data/ivr.sqlite` in the current folder.
    public static var defaultPath: String { ProcessInfo.processInfo.environment["IVR_DB"] ?? "data/ivr.sqlite" }

    public let path: String
    let database: DatabaseQueue

    /// Opens (creating it and its folder if needed, unless `create` is false) and migrates the
    /// database at `path`, then imports its journal. A database busy for longer than
    /// `busyTimeout` seconds fails.
    public init(path: String, create: Bool = true, busyTimeout: TimeInterval = 5) throws(RecordStoreError) {
        self.path = path
        guard create || FileManager.default.fileExists(atPath: path) else {
            throw RecordStoreError(path: path, reason: "no records database here (no call has been recorded with this --db)")
        }
        do {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            var configuration = Configuration()
            configuration.busyMode = .timeout(busyTimeout)
            configuration.foreignKeysEnabled = true
            database = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch {
            throw RecordStoreError(path: path, error)
        }
        try RecordJournal(databasePath: path).importRecords(into: self)
    }

    /// Stores a call and everything it left, in one transaction (all or nothing).
    public func save(_ record: CallRecord) throws(RecordStoreError) {
        do {
            try database.write { db in try Self.insert(record, into: db) }
        } catch {
            throw RecordStoreError(path: path, error)
        }
    }

    /// Stores many calls in one transaction (imports, the benchmark's data).
    public func save(_ records: [CallRecord]) throws(RecordStoreError) {
        do {
            try database.write { db in
                for record in records { try Self.insert(record, into: db) }
            }
        } catch {
            throw RecordStoreError(path: path, error)
        }
    }

    /// Number of calls stored.
    public func callCount() throws(RecordStoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM calls") ?? 0 }
    }

    /// Runs a read, turning database errors into ``RecordStoreError``.
    func read<T>(_ body: (Database) throws -> T) throws(RecordStoreError) -> T {
        do { return try database.read(body) } catch { throw RecordStoreError(path: path, error) }
    }

    /// Runs a write transaction, turning database errors into ``RecordStoreError``.
    func write<T>(_ body: (Database) throws -> T) throws(RecordStoreError) -> T {
        do { return try database.write(body) } catch { throw RecordStoreError(path: path, error) }
    }

    private static func insert(_ record: CallRecord, into db: Database) throws {
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM calls WHERE uid = ?", arguments: [record.uid]) == true { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = { (value: [String: String]) in String(decoding: try encoder.encode(value), as: UTF8.self) }
        let outcome = record.outcome
        try db.execute(sql: """
            INSERT INTO calls (uid, flow, caller, started_at, duration, language, path, outcome, outcome_detail,
                               summary, contained, queue, priority, end_node, end_kind, data, source, scenario)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                record.uid, record.flow, record.callerNumber, record.startedAt.timeIntervalSince1970, record.duration,
                record.language, record.path.joined(separator: " > "), outcome.kind, outcome.detail, outcome.summary,
                outcome.contained, outcome.queue, outcome.priority, record.endNode,
                record.visits.last?.kind, try json(record.data), record.source, record.scenario,
            ])
        let callID = db.lastInsertedRowID
        let created = record.startedAt.addingTimeInterval(record.duration).timeIntervalSince1970
        let event = try db.makeStatement(sql: "INSERT INTO events (call_id, seq, time, node, event, detail) VALUES (?, ?, ?, ?, ?, ?)")
        for (seq, entry) in record.events.enumerated() {
            try event.execute(arguments: [callID, seq, entry.time, entry.node, entry.event, try json(entry.detail)])
        }
        let visit = try db.makeStatement(sql: """
            INSERT INTO visits (call_id, seq, node, kind, entered_at, seconds, no_inputs, no_matches, key_choices,
                                speech_choices, confidence_sum, confidence_count, hung_up)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (seq, v) in record.visits.enumerated() {
            try visit.execute(arguments: [callID, seq, v.node, v.kind, v.enteredAt, v.seconds, v.noInputs, v.noMatches,
                                          v.keyChoices, v.speechChoices, v.confidenceSum, v.confidenceCount, v.hungUp])
        }
        for message in record.voicemails {
            try db.execute(sql: "INSERT INTO voicemails (call_id, box, file, seconds, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [callID, message.box, message.file, message.seconds, created])
        }
        for request in record.requests {
            try db.execute(sql: "INSERT INTO \(request.kind.table) (call_id, number, topic, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [callID, request.number, request.topic, created])
        }
    }

    /// The schema, one migration per change; a database made by an older version is brought up to date.
    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: calls, events, visits, voicemails, callbacks, texts") { db in
            try db.create(table: "calls") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("uid", .text).notNull().unique()
                t.column("flow", .text).notNull()
                t.column("caller", .text)
                t.column("started_at", .double).notNull()
                t.column("duration", .double).notNull()
                t.column("language", .text).notNull()
                t.column("path", .text).notNull()
                t.column("outcome", .text).notNull()
                t.column("outcome_detail", .text).notNull()
                t.column("summary", .text).notNull()
                t.column("contained", .boolean).notNull()
                t.column("queue", .text)
                t.column("priority", .integer)
                t.column("end_node", .text).notNull()
                t.column("end_kind", .text)
                t.column("data", .text).notNull()
                t.column("source", .text).notNull()
                t.column("scenario", .text)
            }
            try db.create(index: "calls_by_time", on: "calls", columns: ["started_at"])
            try db.create(table: "events") { t in
                t.column("call_id", .integer).notNull().references("calls", onDelete: .cascade)
                t.column("seq", .integer).notNull()
                t.column("time", .double).notNull()
                t.column("node", .text).notNull()
                t.column("event", .text).notNull()
                t.column("detail", .text).notNull()
                t.primaryKey(["call_id", "seq"])
            }
            try db.create(table: "visits") { t in
                t.column("call_id", .integer).notNull().references("calls", onDelete: .cascade)
                t.column("seq", .integer).notNull()
                t.column("node", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("entered_at", .double).notNull()
                t.column("seconds", .double).notNull()
                t.column("no_inputs", .integer).notNull()
                t.column("no_matches", .integer).notNull()
                t.column("key_choices", .integer).notNull()
                t.column("speech_choices", .integer).notNull()
                t.column("confidence_sum", .double).notNull()
                t.column("confidence_count", .integer).notNull()
                t.column("hung_up", .boolean).notNull()
                t.primaryKey(["call_id", "seq"])
            }
            try db.create(table: "voicemails") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("call_id", .integer).notNull().references("calls", onDelete: .cascade)
                t.column("box", .text).notNull()
                t.column("file", .text).notNull()
                t.column("seconds", .double).notNull()
                t.column("created_at", .double).notNull()
                t.column("state", .text).notNull().defaults(to: "new")
                t.column("handled_at", .double)
            }
            for table in StaffRequest.Kind.allCases.map(\.table) {
                try db.create(table: table) { t in
                    t.autoIncrementedPrimaryKey("id")
                    t.column("call_id", .integer).notNull().references("calls", onDelete: .cascade)
                    t.column("number", .text).notNull()
                    t.column("topic", .text).notNull()
                    t.column("created_at", .double).notNull()
                    t.column("state", .text).notNull().defaults(to: "new")
                    t.column("handled_at", .double)
                }
            }
        }
        return migrator
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
        } else if let error = error as? DatabaseError {
            reason = error.message ?? "\(error.resultCode)"
        } else {
            reason = error.localizedDescription
        }
    }

    public var description: String { "\(path): \(reason)" }
}
