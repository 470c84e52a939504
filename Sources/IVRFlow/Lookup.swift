import Foundation
import Yams

/// A table whose rows come from a live system, row by row as calls ask: over HTTP (`GET` of
/// `url` with `{key}` replaced by the key, percent-encoded; a JSON object back is the row, 404
/// means no such row) or from a PostgreSQL query (`$1` is the key; its one row is the row).
public struct RemoteTable: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// The address with `{key}` in it, e.g. `https://shop.example/api/orders/{key}`.
        case http(url: String)
        /// A query with `$1` for the key, and the database's `postgres://` address.
        case sql(query: String, database: String)
    }

    public var source: Source
    /// Seconds the system may take before the lookup fails.
    public var timeout: Double

    public init(source: Source, timeout: Double = 2) {
        self.source = source
        self.timeout = timeout
    }

    /// The HTTP address for `key` (nil for a SQL table).
    public func address(for key: String) -> String? {
        guard case .http(let url) = source else { return nil }
        let encoded = key.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? key
        return url.replacingOccurrences(of: "{key}", with: encoded)
    }
}

/// Looks a row up by a value the call collected, and goes on by what came back: the row's
/// columns become call data (read by later prompts as `{status}`, `{eta:date}`).
public struct Lookup: Sendable, Equatable {
    public var name: String
    public var line: Int
    public var table: String
    /// The call data field whose value is the key.
    public var key: String
    /// Node after a row was found.
    public var next: String
    /// Node when there is no such row (default: `failure`).
    public var notFound: String?
    /// Node when the lookup failed or took longer than the table's timeout.
    public var failure: String
    /// Played when the answer takes longer than `waitAfter` seconds.
    public var waitPrompt: Prompt?
    public var waitAfter: Double
}

/// A lookup the engine makes for the flow core (of a table from a live system).
public struct LookupRequest: Sendable, Equatable {
    public var table: String
    public var remote: RemoteTable
    /// The value looked up.
    public var key: String

    public init(table: String, remote: RemoteTable, key: String) {
        self.table = table
        self.remote = remote
        self.key = key
    }
}

/// What a lookup came to.
public enum LookupResult: Sendable, Equatable {
    case found([String: String])
    case notFound
    /// The system failed, answered something else than a row, or not in time.
    case failed(String)
}

extension FlowParser {
    mutating func parseRemoteTable(_ name: String, _ fields: [String: Node]) -> LookupTable? {
        let timeout = fields["timeout"] == nil ? 2 : reader.number(fields["timeout"], "timeout", in: 0.1...30) ?? 2
        let keyColumn = reader.string(fields["key"], "key") ?? "key"
        if let query = reader.string(fields["sql"], "sql") {
            guard let database = reader.string(fields["database"], "database") else {
                reader.problem(fields["sql"], "table '\(name)': a sql table needs 'database' (postgres://user@host/database)")
                return nil
            }
            if !(database.hasPrefix("postgres://") || database.hasPrefix("postgresql://")) {
                reader.problem(fields["database"], "table '\(name)': '\(database)' is not a postgres:// address")
            }
            if !query.contains("$1") { reader.problem(fields["sql"], "table '\(name)': the query has no $1 (where the key goes)") }
            return LookupTable(name: name, keyColumn: keyColumn, rows: [:],
                               remote: RemoteTable(source: .sql(query: query, database: database), timeout: timeout))
        }
        guard let url = reader.string(fields["http"], "http") else { return nil }
        guard Self.isHTTPAddress(url.replacingOccurrences(of: "{key}", with: "k")) else {
            reader.problem(fields["http"], "table '\(name)': '\(url)' is not an http:// or https:// address")
            return nil
        }
        if !url.contains("{key}") { reader.problem(fields["http"], "table '\(name)': the address has no {key} (where the key goes)") }
        return LookupTable(name: name, keyColumn: keyColumn, rows: [:], remote: RemoteTable(source: .http(url: url), timeout: timeout))
    }
}
