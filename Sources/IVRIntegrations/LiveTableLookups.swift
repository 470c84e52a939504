import AsyncHTTPClient
import Foundation
import IVREngine
import IVRFlow
import IVRRecords
import NIOCore
import NIOHTTP1

/// Lookups of live tables, within each table's timeout; a failure, or no answer in time, the
/// flow answers with its `failure` path.
///
/// - Over HTTP (async-http-client): `GET` of the table's address for the key. A JSON object
///   back (or an array holding one) is the row, its values as text; 404 or an empty array means
///   no such row.
/// - In PostgreSQL: the table's query with the key as `$1`; no row means no such row, more than
///   one is a failure. One connection per database, kept, replaced after a failure.
public final class LiveTableLookups: TableLookups, @unchecked Sendable {
    private let client: HTTPClient
    private let waitsForAnswers: Bool
    /// SQL lookups run here, one at a time (each database has one connection).
    private let sqlQueue = DispatchQueue(label: "ivr.lookups.sql")
    private var databases: [String: PostgresEngine] = [:]   // by address and timeout

    /// - Parameter waitsForAnswers: whether ``lookup(_:)`` blocks until the answer (calls on a
    ///   file's clock, which would otherwise run past the timeout in no time).
    public init(waitsForAnswers: Bool) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.waitsForAnswers = waitsForAnswers
    }

    deinit {
        try? client.syncShutdown()
        for engine in databases.values { engine.close() }
    }

    public func lookup(_ request: LookupRequest) -> PendingLookup {
        switch request.remote.source {
        case .http: return httpLookup(request)
        case .sql(let query, let database): return sqlLookup(query, database: database, request: request)
        }
    }

    private func sqlLookup(_ query: String, database: String, request: LookupRequest) -> PendingLookup {
        let pending = PendingLookup()
        let started = DispatchTime.now()
        let work: @Sendable () -> Void = { [self] in
            let timeout = request.remote.timeout
            let result: LookupResult
            // A connection per database and timeout (the engine's statements take its timeout).
            let connection = "\(database)#\(timeout)"
            do throws(RecordStoreError) {
                let engine: PostgresEngine
                if let open = databases[connection] {
                    engine = open
                } else {
                    engine = try PostgresEngine(address: database, timeout: timeout, migrate: false)
                    databases[connection] = engine
                }
                do throws(RecordStoreError) {
                    result = Self.result(ofRows: try engine.jsonRows(of: query, key: request.key))
                } catch {
                    databases[connection] = nil
                    engine.close()
                    throw error
                }
            } catch {
                result = .failed(error.reason.contains("no answer") ? "no answer within \(timeout.formatted()) s" : error.reason)
            }
            pending.fulfil(result, seconds: Self.seconds(since: started))
        }
        if waitsForAnswers { sqlQueue.sync(execute: work) } else { sqlQueue.async(execute: work) }
        return pending
    }

    private static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    static func result(ofRows rows: [String]) -> LookupResult {
        guard let first = rows.first else { return .notFound }
        guard rows.count == 1 else { return .failed("the query gives more than one row") }
        guard let row = try? JSONDecoder().decode([String: JSONValue].self, from: Data(first.utf8)) else {
            return .failed("the row cannot be read")
        }
        return .found(row.compactMapValues(\.text))
    }

    private func httpLookup(_ request: LookupRequest) -> PendingLookup {
        let pending = PendingLookup()
        let started = DispatchTime.now()
        let address = request.remote.address(for: request.key) ?? ""
        let elapsed: @Sendable () -> Double = { Self.seconds(since: started) }
        let httpRequest: HTTPClient.Request
        do {
            var headers = HTTPHeaders()
            headers.add(name: "Accept", value: "application/json")
            headers.add(name: "User-Agent", value: "ivr-lookups/1")
            httpRequest = try HTTPClient.Request(url: address, method: .GET, headers: headers)
        } catch {
            pending.fulfil(.failed("the address \(address) cannot be used"), seconds: 0)
            return pending
        }
        let timeout = request.remote.timeout
        let future = client.execute(request: httpRequest, deadline: .now() + .milliseconds(Int64(timeout * 1000)))
        future.whenComplete { outcome in
            switch outcome {
            case .success(let response): pending.fulfil(Self.result(of: response), seconds: elapsed())
            case .failure(let error as HTTPClientError) where error == .deadlineExceeded || error == .readTimeout:
                pending.fulfil(.failed("no answer within \(timeout.formatted()) s"), seconds: max(timeout, elapsed()))
            case .failure(let error): pending.fulfil(.failed("\(error)"), seconds: elapsed())
            }
        }
        if waitsForAnswers { _ = try? future.wait() }
        return pending
    }

    static func result(of response: HTTPClient.Response) -> LookupResult {
        let status = Int(response.status.code)
        if status == 404 { return .notFound }
        guard (200..<300).contains(status) else { return .failed("the table's system answered \(status)") }
        let data = response.body.map { Data($0.readableBytesView) } ?? Data()
        let decoder = JSONDecoder()
        if let rows = try? decoder.decode([[String: JSONValue]].self, from: data) {
            guard let row = rows.first else { return .notFound }
            guard rows.count == 1 else { return .failed("the answer holds \(rows.count) rows") }
            return .found(row.compactMapValues(\.text))
        }
        guard let row = try? decoder.decode([String: JSONValue].self, from: data) else {
            return .failed("the answer is not a JSON object")
        }
        return .found(row.compactMapValues(\.text))
    }
}

/// A value of a row as the table's system sent it, read as text for prompts: text as it is,
/// numbers and booleans as JSON writes them; null, lists and objects left out.
struct JSONValue: Decodable {
    let text: String?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            text = flag ? "true" : "false"
        } else if let number = try? container.decode(Double.self) {
            text = number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
        } else {
            text = try? container.decode(String.self)
        }
    }
}
