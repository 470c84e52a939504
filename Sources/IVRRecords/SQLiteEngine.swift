import Foundation
import GRDB

/// The records in one SQLite file (GRDB), the default for one machine. Voicemail audio stays in
/// WAV files beside it.
public final class SQLiteEngine: SQLEngine {
    public let location: String
    public var storesAudio: Bool { false }
    private let database: DatabaseQueue

    /// Opens (creating it and its folder if needed, unless `create` is false) and migrates the
    /// database at `path`. A database busy for longer than `busyTimeout` seconds fails.
    public init(path: String, create: Bool = true, busyTimeout: TimeInterval = 5) throws(RecordStoreError) {
        location = path
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
    }

    public func transaction<T>(_ body: (any SQLTransaction) throws -> T) throws -> T {
        try database.write { db in try body(Statements(db: db)) }
    }

    public func read<T>(_ body: (any SQLTransaction) throws -> T) throws -> T {
        try database.read { db in try body(Statements(db: db)) }
    }

    public func close() {}

    private struct Statements: SQLTransaction {
        let db: Database

        @discardableResult
        func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
            let values: [(any DatabaseValueConvertible)?] = arguments.map { argument in
                switch argument {
                case .null: nil
                case .integer(let value): value
                case .real(let value): value
                case .text(let value): value
                case .bool(let value): value
                case .blob(let value): value
                }
            }
            // Compiled once per SQL text and kept (GRDB's statement cache): a call's inserts reuse them.
            let statement = try db.cachedStatement(sql: SQLiteEngine.sqliteParameters(sql))
            return try Row.fetchAll(statement, arguments: StatementArguments(values)).map { row in
                var columns: [String: SQLValue] = [:]
                for (column, value) in row {
                    columns[column] = switch value.storage {
                    case .null: .null
                    case .int64(let number): .integer(Int(number))
                    case .double(let number): .real(number)
                    case .string(let text): .text(text)
                    case .blob(let data): .blob(data)
                    }
                }
                return SQLRow(values: columns)
            }
        }
    }

    /// `$1` → `?1`: SQLite's numbered parameters (no `$` appears in the records' SQL otherwise).
    private static func sqliteParameters(_ sql: String) -> String {
        var converted = sql.utf8.map { $0 }
        for index in converted.indices.dropLast() where converted[index] == UInt8(ascii: "$")
            && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(converted[index + 1]) {
            converted[index] = UInt8(ascii: "?")
        }
        return String(decoding: converted, as: UTF8.self)
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
        migrator.registerMigration("v2: the node that took the call") { db in
            try db.alter(table: "calls") { t in t.add(column: "node", .text) }
        }
        migrator.registerMigration("v3: the webhook outbox") { db in
            try db.execute(sql: """
                CREATE TABLE webhook_outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, event_key TEXT NOT NULL, url TEXT NOT NULL, event TEXT NOT NULL,
                    call_uid TEXT NOT NULL, secret_env TEXT, timeout DOUBLE NOT NULL, body TEXT NOT NULL,
                    created_at DOUBLE NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at DOUBLE NOT NULL,
                    last_error TEXT, last_status INTEGER, delivered_at DOUBLE, UNIQUE (event_key, url));
                CREATE INDEX webhook_outbox_waiting ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL;
                """)
        }
        return migrator
    }
}
