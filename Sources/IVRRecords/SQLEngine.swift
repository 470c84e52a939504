import Foundation

/// A value bound to or read from a SQL statement, the same for SQLite and PostgreSQL.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int)
    case real(Double)
    case text(String)
    case bool(Bool)
    case blob(Data)

    init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
    init(_ value: Int?) { self = value.map(SQLValue.integer) ?? .null }
    init(_ value: Double?) { self = value.map(SQLValue.real) ?? .null }

    var int: Int? {
        switch self {
        case .integer(let value): value
        case .real(let value): Int(value)
        case .bool(let value): value ? 1 : 0
        case .text(let value): Int(value)
        default: nil
        }
    }

    var double: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .real(let value): value
        case .text(let value): Double(value)
        default: nil
        }
    }

    var string: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    var data: Data? {
        if case .blob(let value) = self { return value }
        return nil
    }
}

/// One row of a result, by column name.
public struct SQLRow: Sendable {
    var values: [String: SQLValue]

    subscript(_ column: String) -> SQLValue { values[column] ?? .null }

    /// An integer column (0 when NULL: sums over no rows).
    func int(_ column: String) -> Int { self[column].int ?? 0 }
    /// A real column (0 when NULL).
    func double(_ column: String) -> Double { self[column].double ?? 0 }
    /// A text column ("" when NULL).
    func string(_ column: String) -> String { self[column].string ?? "" }
}

/// Statements inside one transaction. SQL is written once for both databases: PostgreSQL's
/// `$1, $2…` placeholders (each engine rewrites them as it needs), `RETURNING`, `ON CONFLICT`,
/// aggregate `FILTER`, and `CAST(… AS …)` on arguments that may be NULL.
public protocol SQLTransaction {
    /// Runs one statement and returns its rows.
    @discardableResult
    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow]
}

/// A database the records live in: SQLite (one machine) or PostgreSQL (several nodes).
public protocol SQLEngine: AnyObject, Sendable {
    /// Where it is, for messages (a file path, or the PostgreSQL address without its password).
    var location: String { get }
    /// Whether voicemail audio is stored in the database itself (PostgreSQL: any node can
    /// read it) rather than as files beside it.
    var storesAudio: Bool { get }
    /// Runs `body` in one transaction: all of it or nothing.
    func transaction<T>(_ body: (any SQLTransaction) throws -> T) throws -> T
    /// Runs `body` with a consistent view of the data, for reads.
    func read<T>(_ body: (any SQLTransaction) throws -> T) throws -> T
    /// Closes the connection (a PostgreSQL engine is of no use after this).
    func close()
}
