import AsyncHTTPClient
import Foundation
import IVREngine
import IVRFlow
import NIOCore
import NIOHTTP1

/// Lookups of live tables over HTTP (async-http-client): `GET` of the table's address for the
/// key, within its timeout. A JSON object back (or an array holding one) is the row, its values
/// as text; 404 or an empty array means no such row; anything else, or no answer in time, is a
/// failure the flow answers with its `failure` path.
public final class HTTPTableLookups: TableLookups, Sendable {
    private let client: HTTPClient
    private let waitsForAnswers: Bool

    /// - Parameter waitsForAnswers: whether ``lookup(_:)`` blocks until the answer (calls on a
    ///   file's clock, which would otherwise run past the timeout in no time).
    public init(waitsForAnswers: Bool) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.waitsForAnswers = waitsForAnswers
    }

    deinit { try? client.syncShutdown() }

    public func lookup(_ request: LookupRequest) -> PendingLookup {
        let pending = PendingLookup()
        let started = DispatchTime.now()
        let elapsed: @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9 }
        let httpRequest: HTTPClient.Request
        do {
            var headers = HTTPHeaders()
            headers.add(name: "Accept", value: "application/json")
            headers.add(name: "User-Agent", value: "ivr-lookups/1")
            httpRequest = try HTTPClient.Request(url: request.url, method: .GET, headers: headers)
        } catch {
            pending.fulfil(.failed("the address \(request.url) cannot be used"), seconds: 0)
            return pending
        }
        let timeout = request.timeout
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

/// A value of a row as the table's system sent it, read as text for prompts.
private enum JSONValue: Decodable {
    case text(String)
    case null
    case nested(String)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .text(flag ? "true" : "false")
        } else if let number = try? container.decode(Double.self) {
            self = .text(number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number))
        } else if let text = try? container.decode(String.self) {
            self = .text(text)
        } else {
            self = .nested("(a list or object)")
        }
    }

    var text: String? {
        switch self {
        case .text(let value), .nested(let value): value
        case .null: nil
        }
    }
}
