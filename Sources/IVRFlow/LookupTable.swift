import Foundation

/// Rows keyed by one column, from a CSV file with a header line or a JSON array of objects
/// (the accounts that collected numbers are checked against), or from a live system over HTTP
/// or PostgreSQL (``remote``), row by row as calls ask.
public struct LookupTable: Sendable, Equatable {
    public var name: String
    public var keyColumn: String
    public var rows: [String: [String: String]]
    /// Where rows come from when they are not in a file.
    public var remote: RemoteTable?

    public init(name: String, keyColumn: String, rows: [String: [String: String]], remote: RemoteTable? = nil) {
        self.name = name
        self.keyColumn = keyColumn
        self.rows = rows
        self.remote = remote
    }

    public func row(_ key: String) -> [String: String]? { rows[key] }

    /// Reads a table; the error text says what is wrong and where.
    public static func load(name: String, path: String, keyColumn: String) throws(TableError) -> LookupTable {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw TableError(path: path, reason: "cannot be read")
        }
        let records = path.lowercased().hasSuffix(".json") ? try json(text, path: path) : try csv(text, path: path)
        var rows: [String: [String: String]] = [:]
        for (index, record) in records.enumerated() {
            guard let key = record[keyColumn], !key.isEmpty else {
                throw TableError(path: path, reason: "row \(index + 1) has no '\(keyColumn)'")
            }
            rows[key] = record
        }
        return LookupTable(name: name, keyColumn: keyColumn, rows: rows)
    }

    private static func json(_ text: String, path: String) throws(TableError) -> [[String: String]] {
        guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else {
            throw TableError(path: path, reason: "is not a JSON array of objects")
        }
        return array.map { $0.mapValues { "\($0)" } }
    }

    private static func csv(_ text: String, path: String) throws(TableError) -> [[String: String]] {
        let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let header = lines.first else { throw TableError(path: path, reason: "is empty") }
        let columns = fields(header)
        return try lines.dropFirst().enumerated().map { (index, line) throws(TableError) in
            let values = fields(line)
            guard values.count == columns.count else {
                throw TableError(path: path, reason: "line \(index + 2) has \(values.count) fields, the header \(columns.count)")
            }
            return Dictionary(zip(columns, values), uniquingKeysWith: { first, _ in first })
        }
    }

    /// Comma-separated fields, double quotes around fields that hold commas.
    private static func fields(_ line: String) -> [String] {
        var result: [String] = []
        var field = ""
        var quoted = false
        for character in line {
            if character == "\"" {
                quoted.toggle()
            } else if character == "," && !quoted {
                result.append(field.trimmingCharacters(in: .whitespaces))
                field = ""
            } else {
                field.append(character)
            }
        }
        result.append(field.trimmingCharacters(in: .whitespaces))
        return result
    }
}

/// A table that cannot be used.
public struct TableError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}
