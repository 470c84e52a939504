import Foundation
import Yams

/// A table whose rows come from a live system: `GET` of `url` with `{key}` replaced by the key
/// (percent-encoded); a JSON object back is the row, 404 means no such row.
public struct RemoteTable: Sendable, Equatable {
    /// The address with `{key}` in it, e.g. `https://shop.example/api/orders/{key}`.
    public var url: String
    /// Seconds the system may take before the lookup fails.
    public var timeout: Double

    public init(url: String, timeout: Double = 2) {
        self.url = url
        self.timeout = timeout
    }

    /// The address for `key`.
    public func address(for key: String) -> String {
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
    /// The address to ask.
    public var url: String
    public var timeout: Double

    public init(table: String, url: String, timeout: Double) {
        self.table = table
        self.url = url
        self.timeout = timeout
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
        guard let url = reader.string(fields["http"], "http") else { return nil }
        guard let scheme = URL(string: url.replacingOccurrences(of: "{key}", with: "k"))?.scheme?.lowercased(),
              ["http", "https"].contains(scheme) else {
            reader.problem(fields["http"], "table '\(name)': '\(url)' is not an http:// or https:// address")
            return nil
        }
        if !url.contains("{key}") { reader.problem(fields["http"], "table '\(name)': the address has no {key} (where the key goes)") }
        let timeout = fields["timeout"] == nil ? 2 : reader.number(fields["timeout"], "timeout", in: 0.1...30) ?? 2
        return LookupTable(name: name, keyColumn: reader.string(fields["key"], "key") ?? "key", rows: [:],
                           remote: RemoteTable(url: url, timeout: timeout))
    }
}
