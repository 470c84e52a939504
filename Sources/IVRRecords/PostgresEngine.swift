import Foundation
import PostgresNIO

/// The records in PostgreSQL, for several nodes sharing one database (PostgresNIO, one
/// connection, statements one at a time). Voicemail audio is stored in the database: the nodes
/// share nothing else, so any node (and the staff's commands anywhere) can play a message.
public final class PostgresEngine: SQLEngine, @unchecked Sendable {
    public let location: String
    public var storesAudio: Bool { true }
    private let connection: PostgresConnection
    private let timeout: TimeInterval
    private let lock = NSLock()
    private static let logger: Logger = {
        var logger = Logger(label: "ivr.records.postgres")
        logger.logLevel = .critical
        return logger
    }()

    /// Whether `address` names a PostgreSQL database (`postgres://` or `postgresql://`).
    public static func isAddress(_ address: String) -> Bool {
        address.hasPrefix("postgres://") || address.hasPrefix("postgresql://")
    }

    /// Connects to `postgres://user[:password]@host[:port]/database` (password also from
    /// `$PGPASSWORD`) and brings the records' schema up to date unless `migrate` is false (another
    /// system's database, queried for lookups). Each statement, and the connection, may take at
    /// most `timeout` seconds.
    public init(address: String, timeout: TimeInterval = 5, migrate: Bool = true) throws(RecordStoreError) {
        guard let url = URLComponents(string: address), Self.isAddress(address), let host = url.host, !host.isEmpty else {
            throw RecordStoreError(path: address, reason: "not a PostgreSQL address: postgres://user[:password]@host[:port]/database")
        }
        let database = String(url.path.drop(while: { $0 == "/" }))
        var redacted = url
        if redacted.password != nil { redacted.password = "***" }
        location = redacted.string ?? "postgres://\(host)"
        self.timeout = timeout
        var configuration = PostgresConnection.Configuration(
            host: host, port: url.port ?? 5432, username: url.user ?? NSUserName(),
            password: url.password ?? ProcessInfo.processInfo.environment["PGPASSWORD"],
            database: database.isEmpty ? nil : database, tls: .disable)
        configuration.options.connectTimeout = .milliseconds(Int64(timeout * 1000))
        let location = location
        do {
            connection = try PostgresConnection.connect(
                on: PostgresConnection.defaultEventLoopGroup.any(), configuration: configuration, id: 1, logger: Self.logger
            ).wait()
        } catch {
            throw RecordStoreError(path: location, reason: Self.reason(error))
        }
        do {
            if migrate { try PostgresSchema.migrate(self) }
        } catch {
            close()
            throw RecordStoreError(path: location, error)
        }
    }

    public func transaction<T>(_ body: (any SQLTransaction) throws -> T) throws -> T {
        try lock.withLock {
            let statements = Statements(engine: self)
            try statements.query("BEGIN", [])
            do {
                let result = try body(statements)
                try statements.query("COMMIT", [])
                return result
            } catch {
                _ = try? statements.query("ROLLBACK", [])
                throw error
            }
        }
    }

    public func read<T>(_ body: (any SQLTransaction) throws -> T) throws -> T {
        try lock.withLock {
            let statements = Statements(engine: self)
            try statements.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", [])
            defer { _ = try? statements.query("COMMIT", []) }
            return try body(statements)
        }
    }

    public func close() {
        try? (connection.close() as EventLoopFuture<Void>).wait()
    }

    /// The rows `query` gives for `key` (its `$1`), each as one JSON object (PostgreSQL's
    /// `row_to_json`: dates, numbers and text come back as JSON writes them); at most `limit`.
    /// One statement, no transaction around it: a lookup in another system's database.
    public func jsonRows(of query: String, key: String, limit: Int = 2) throws(RecordStoreError) -> [String] {
        do {
            return try lock.withLock {
                try run("SELECT row_to_json(q)::text AS row FROM (\(query)) AS q LIMIT \(limit)", [.text(key)]).map { $0.string("row") }
            }
        } catch {
            throw RecordStoreError(path: location, error)
        }
    }

    /// Runs one statement, failing (and closing the connection) when the server takes longer
    /// than the timeout: a database that hangs must not hang a node.
    fileprivate func run(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        var binds = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: binds.appendNull()
            case .integer(let value): binds.append(value)
            case .real(let value): binds.append(value)
            case .text(let value): binds.append(value)
            case .bool(let value): binds.append(value)
            case .blob(let value): try binds.append(value)
            }
        }
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        // A query on a connection the server dropped was seen never to complete: the answer is
        // awaited through a promise of our own, failed at the deadline.
        let answer = connection.eventLoop.makePromise(of: PostgresQueryResult.self)
        let deadline = connection.eventLoop.scheduleTask(in: .milliseconds(Int64(timeout * 1000))) { [connection, timeout] in
            answer.fail(RecordStoreError(path: "", reason: String(format: "no answer from the server within %g s", timeout)))
            _ = connection.close() as EventLoopFuture<Void>
        }
        connection.query(query, logger: Self.logger).cascade(to: answer)
        defer { deadline.cancel() }
        let result: PostgresQueryResult
        do {
            result = try answer.futureResult.wait()
        } catch {
            throw RecordStoreError(path: location, reason: Self.reason(error))
        }
        return try result.rows.map { row in
            var values: [String: SQLValue] = [:]
            for cell in row { values[cell.columnName] = try Self.value(of: cell) }
            return SQLRow(values: values)
        }
    }

    private static func value(of cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bool: return .bool(try cell.decode(Bool.self))
        case .bytea: return .blob(try cell.decode(Data.self))
        default: return .text(try cell.decode(String.self))
        }
    }

    /// The server's own message where there is one (PSQLError's description hides it).
    private static func reason(_ error: any Error) -> String {
        if let error = error as? RecordStoreError { return error.reason }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }

    private struct Statements: SQLTransaction {
        let engine: PostgresEngine

        @discardableResult
        func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
            try engine.run(sql, arguments)
        }
    }
}

/// The schema in PostgreSQL: the SQLite schema's tables and columns, PostgreSQL's types, one
/// numbered step per change (recorded in `schema_migrations`, applied once, under a lock so
/// nodes starting together do not race).
enum PostgresSchema {
    static let steps: [(name: String, sql: [String])] = [
        ("v1: calls, events, visits, voicemails, callbacks, texts", [
            """
            CREATE TABLE calls (
                id BIGSERIAL PRIMARY KEY, uid TEXT NOT NULL UNIQUE, flow TEXT NOT NULL, caller TEXT,
                started_at DOUBLE PRECISION NOT NULL, duration DOUBLE PRECISION NOT NULL, language TEXT NOT NULL,
                path TEXT NOT NULL, outcome TEXT NOT NULL, outcome_detail TEXT NOT NULL, summary TEXT NOT NULL,
                contained BOOLEAN NOT NULL, queue TEXT, priority INTEGER, end_node TEXT NOT NULL, end_kind TEXT,
                data TEXT NOT NULL, source TEXT NOT NULL, scenario TEXT)
            """,
            "CREATE INDEX calls_by_time ON calls (started_at)",
            """
            CREATE TABLE events (
                call_id BIGINT NOT NULL REFERENCES calls ON DELETE CASCADE, seq INTEGER NOT NULL,
                time DOUBLE PRECISION NOT NULL, node TEXT NOT NULL, event TEXT NOT NULL, detail TEXT NOT NULL,
                PRIMARY KEY (call_id, seq))
            """,
            """
            CREATE TABLE visits (
                call_id BIGINT NOT NULL REFERENCES calls ON DELETE CASCADE, seq INTEGER NOT NULL, node TEXT NOT NULL,
                kind TEXT NOT NULL, entered_at DOUBLE PRECISION NOT NULL, seconds DOUBLE PRECISION NOT NULL,
                no_inputs INTEGER NOT NULL, no_matches INTEGER NOT NULL, key_choices INTEGER NOT NULL,
                speech_choices INTEGER NOT NULL, confidence_sum DOUBLE PRECISION NOT NULL,
                confidence_count INTEGER NOT NULL, hung_up BOOLEAN NOT NULL, PRIMARY KEY (call_id, seq))
            """,
            """
            CREATE TABLE voicemails (
                id BIGSERIAL PRIMARY KEY, call_id BIGINT NOT NULL REFERENCES calls ON DELETE CASCADE, box TEXT NOT NULL,
                file TEXT NOT NULL, seconds DOUBLE PRECISION NOT NULL, created_at DOUBLE PRECISION NOT NULL,
                state TEXT NOT NULL DEFAULT 'new', handled_at DOUBLE PRECISION)
            """,
        ] + StaffRequest.Kind.allCases.map { kind in
            """
            CREATE TABLE \(kind.table) (
                id BIGSERIAL PRIMARY KEY, call_id BIGINT NOT NULL REFERENCES calls ON DELETE CASCADE, number TEXT NOT NULL,
                topic TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, state TEXT NOT NULL DEFAULT 'new',
                handled_at DOUBLE PRECISION)
            """
        }),
        ("v2: the node that took the call; voicemail audio in the database", [
            "ALTER TABLE calls ADD COLUMN node TEXT",
            "CREATE TABLE voicemail_audio (voicemail_id BIGINT PRIMARY KEY REFERENCES voicemails ON DELETE CASCADE, wav BYTEA NOT NULL)",
        ]),
        ("v3: the webhook outbox", [
            """
            CREATE TABLE webhook_outbox (
                id BIGSERIAL PRIMARY KEY, event_key TEXT NOT NULL, url TEXT NOT NULL, event TEXT NOT NULL,
                call_uid TEXT NOT NULL, secret_env TEXT, timeout DOUBLE PRECISION NOT NULL, body TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at DOUBLE PRECISION NOT NULL, last_error TEXT, last_status INTEGER,
                delivered_at DOUBLE PRECISION, UNIQUE (event_key, url))
            """,
            "CREATE INDEX webhook_outbox_waiting ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL",
        ]),
    ]

    static func migrate(_ engine: PostgresEngine) throws {
        try engine.transaction { db in
            // One node at a time; the lock ends with the transaction.
            try db.query("SELECT pg_advisory_xact_lock(5060)", [])
            try db.query("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)", [])
            let applied = Set(try db.query("SELECT name FROM schema_migrations", []).map { $0.string("name") })
            for step in steps where !applied.contains(step.name) {
                for statement in step.sql { try db.query(statement, []) }
                try db.query("INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)",
                             [.text(step.name), .real(Date().timeIntervalSince1970)])
            }
        }
    }
}
