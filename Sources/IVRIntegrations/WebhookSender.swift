import AsyncHTTPClient
import Foundation
import IVRRecords
import NIOCore
import NIOHTTP1

/// Sends one outbox event to its endpoint: a signed JSON POST (async-http-client) within the
/// endpoint's timeout. A 2xx answer is a delivery; anything else, or no answer, a failure.
public final class WebhookSender: Sendable {
    private let client: HTTPClient
    private let environment: [String: String]

    /// What one attempt came to.
    public enum Result: Sendable, Equatable {
        case delivered(status: Int)
        /// Not delivered: why, and the HTTP status if the endpoint answered.
        case failed(reason: String, status: Int?)
    }

    /// - Parameter environment: where secrets are read (`secret_env`); the process's own by default.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.environment = environment
    }

    /// Stops the client; call once no delivery is under way.
    public func shutdown() {
        try? client.syncShutdown()
    }

    /// Sends `event` (blocking this thread for at most its timeout).
    public func send(_ event: OutgoingEvent, at now: Date = Date()) -> Result {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "User-Agent", value: "ivr-webhooks/1")
        headers.add(name: "X-IVR-Event", value: event.event.rawValue)
        headers.add(name: "Idempotency-Key", value: event.key)
        if let name = event.secretEnv {
            guard let secret = environment[name], !secret.isEmpty else {
                return .failed(reason: "\(name) is not set (events are never sent unsigned)", status: nil)
            }
            let timestamp = Int(now.timeIntervalSince1970)
            headers.add(name: WebhookSignature.timestampHeader, value: String(timestamp))
            headers.add(name: WebhookSignature.header, value: WebhookSignature.sign(body: event.body, timestamp: timestamp, secret: secret))
        }
        let request: HTTPClient.Request
        do {
            request = try HTTPClient.Request(url: event.url, method: .POST, headers: headers, body: .string(event.body))
        } catch {
            return .failed(reason: "the url \(event.url) cannot be used: \(error)", status: nil)
        }
        let milliseconds = Int64(max(0.05, event.timeout) * 1000)
        do {
            let response = try client.execute(request: request, deadline: .now() + .milliseconds(milliseconds)).wait()
            let status = Int(response.status.code)
            guard (200..<300).contains(status) else {
                return .failed(reason: "the endpoint answered \(status) \(response.status.reasonPhrase)", status: status)
            }
            return .delivered(status: status)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return .failed(reason: "no answer within \(event.timeout.formatted()) s", status: nil)
        } catch {
            return .failed(reason: Self.describe(error), status: nil)
        }
    }

    private static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return text
    }
}
