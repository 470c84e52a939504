import Foundation
import IVRFlow
import IVRRecords
import IVRIntegrations
import Testing
import IVRTestSupport

@Suite("Webhooks: the outbox, signatures and delivery")
struct WebhookTests {
    static let secret = "test-secret-\(UUID().uuidString)"
    static let environment = ["IVR_TEST_WEBHOOK_SECRET": secret]

    static func endpoint(_ url: String, events: Set<WebhookEventKind> = Set(WebhookEventKind.allCases), timeout: Double = 2) -> WebhookEndpoint {
        WebhookEndpoint(url: url, events: events, secretEnv: "IVR_TEST_WEBHOOK_SECRET", timeout: timeout)
    }

    /// A caller who left a voicemail after asking for a callback, with a masked account.
    static func voicemailCall(_ webhooks: [WebhookEndpoint], file: String) -> CallRecord {
        RecordFixtures.call(RecordFixtures.languageByKey + [(8, "main", "choice", ["via": "key", "to": "billing"])],
                            outcome: .voicemail(box: "billing"), duration: 30, requests: [StaffRequest(kind: .callback, number: "+15551230000", topic: "invoice")],
                            voicemails: [VoicemailEntry(box: "billing", file: file, seconds: 4.2)], webhooks: webhooks)
    }

    static func wavFile() throws -> String {
        let path = ScratchFolder.file("webhook.wav")
        // A 44-byte header and a few samples: the bytes are what counts here.
        var bytes = Data("RIFF".utf8)
        bytes.append(contentsOf: [UInt8](repeating: 7, count: 60))
        try bytes.write(to: URL(fileURLWithPath: path))
        return path
    }

    static func json(_ body: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    @Test("a call's events: one document each, for the endpoints that asked, with the voicemail's audio and no secret")
    func documents() throws {
        let file = try Self.wavFile()
        let all = Self.endpoint("http://127.0.0.1:9/all")
        let some = Self.endpoint("http://127.0.0.1:9/some", events: [.voicemail])
        let record = Self.voicemailCall([all, some], file: file)
        let outbox = try #require(record.outbox)
        #expect(outbox.filter { $0.url == all.url }.map(\.event) == [.callEnded, .voicemail, .callback])
        #expect(outbox.filter { $0.url == some.url }.map(\.event) == [.voicemail])
        // The same event has the same idempotency key for every endpoint.
        #expect(Set(outbox.filter { $0.event == .voicemail }.map(\.key)).count == 1)
        let voicemail = Self.json(try #require(outbox.first { $0.event == .voicemail }).body)
        let audio = try #require((voicemail["voicemail"] as? [String: Any])?["audio"] as? [String: Any])
        #expect(Data(base64Encoded: audio["base64"] as? String ?? "") == FileManager.default.contents(atPath: file))
        #expect(((voicemail["call"] as? [String: Any])?["data"] as? [String: String])?["account"] == "****5678")
        let callback = Self.json(try #require(outbox.first { $0.event == .callback }).body)
        #expect((callback["callback"] as? [String: String])?["number"] == "+15551230000")
        for event in outbox { #expect(!event.body.contains("12345678") && !event.body.contains(Self.secret)) }
        // A transferred call and an abandoned one say so.
        let transferred = RecordFixtures.week[1]
        let abandoned = RecordFixtures.week[3]
        #expect(RecordFixtures.call([], outcome: .transferred(queue: "billing", priority: 5), duration: 3, webhooks: [all])
            .outbox?.map(\.event) == [.callEnded, .transferred])
        #expect(RecordFixtures.call([], outcome: .abandoned(node: "main"), duration: 3, webhooks: [all]).outbox?.map(\.event) == [.callEnded, .abandoned])
        #expect(transferred.outbox == nil && abandoned.outbox == nil)
        // The queue a call was on its way to is where a help desk files it.
        let waited = RecordFixtures.call([(3, "billing", "overflow", ["queue": "billing", "to": "long-wait"])],
                                         outcome: .callback(topic: "long wait"), duration: 9, webhooks: [all])
        let first = try #require(waited.outbox?.first)
        let call = try #require(Self.json(first.body)["call"] as? [String: Any])
        #expect(call["queue"] as? String == "billing")
        #expect((Self.json(outbox[0].body)["call"] as? [String: Any])?["queue"] == nil)
    }

    @Test("a signature is the HMAC-SHA256 of timestamp and body; another secret, body or time does not match")
    func signature() {
        let signature = WebhookSignature.sign(body: #"{"a":1}"#, timestamp: 1_700_000_000, secret: "k")
        #expect(signature.hasPrefix("sha256=") && signature.count == 7 + 64)
        #expect(WebhookSignature.isValid(signature, body: #"{"a":1}"#, timestamp: 1_700_000_000, secret: "k"))
        #expect(!WebhookSignature.isValid(signature, body: #"{"a":2}"#, timestamp: 1_700_000_000, secret: "k"))
        #expect(!WebhookSignature.isValid(signature, body: #"{"a":1}"#, timestamp: 1_700_000_001, secret: "k"))
        #expect(!WebhookSignature.isValid(signature, body: #"{"a":1}"#, timestamp: 1_700_000_000, secret: "K"))
    }

    @Test("an endpoint down for 100 calls, then back: every event arrives, once per key, signed", .timeLimit(.minutes(2)),
          arguments: RecordFixtures.Engine.allCases)
    func downThenBack(_ engine: RecordFixtures.Engine) throws {
        let address = RecordFixtures.newAddress(engine)
        // A port nobody listens on yet: taken and released, then served on later.
        let placeholder = try LoopbackHTTPServer()
        let port = placeholder.port
        placeholder.stop()
        let url = "http://127.0.0.1:\(port)/ivr"
        let keeper = RecordKeeper(address: address)
        var expected: Set<String> = []
        for index in 0..<100 {
            let record = index % 2 == 0
                ? RecordFixtures.call([], outcome: .callback(topic: "t"), duration: 5,
                                      requests: [StaffRequest(kind: .callback, number: "+1555000\(index)", topic: "t")],
                                      webhooks: [Self.endpoint(url)])
                : RecordFixtures.call([], outcome: .abandoned(node: "main"), duration: 5, webhooks: [Self.endpoint(url)])
            try keeper.keep(record)
            expected.formUnion(record.outbox?.map(\.key) ?? [])
        }
        #expect(expected.count == 200)  // call_ended for each, and a callback or abandoned
        let dispatcher = WebhookDispatcher(address: address, sender: WebhookSender(environment: Self.environment))
        defer { dispatcher.stop() }
        let down = try dispatcher.deliverDue(limit: 1000)
        #expect(down.delivered.isEmpty && down.failed.count == 200)
        #expect(down.failed.allSatisfy { $0.reason.contains("refused") })
        let store = try RecordStore(address: address)
        // Each waits, tried once, its next attempt after the first back-off (2 s).
        let waiting = try store.webhookEvents()
        #expect(waiting.count == 200)
        #expect(waiting.allSatisfy { $0.attempts == 1 && $0.nextAttemptAt.timeIntervalSince($0.createdAt) >= 2 && $0.lastError != nil })

        // The endpoint is back, and it fails the first delivery of every fifth event with a 500.
        let failedOnce = Counter()
        let server = try LoopbackHTTPServer(port: port) { request in
            let key = request.header("Idempotency-Key") ?? ""
            return key.hash % 5 == 0 && failedOnce.firstTime(key) ? .init(status: 500) : .init(status: 204)
        }
        defer { server.stop() }
        // Retrying chosen events makes only those due; an id that is not waiting counts for none.
        #expect(try store.retryWebhookEventsNow(ids: [waiting[0].id, waiting[1].id, 999_999]) == 2)
        #expect(try store.retryWebhookEventsNow() == 200)
        let back = try dispatcher.deliverDue(limit: 1000)
        #expect(back.delivered.count + back.failed.count == 200)
        #expect(back.failed.allSatisfy { $0.reason.contains("500") })
        try store.retryWebhookEventsNow()
        let again = try dispatcher.deliverDue(limit: 1000)
        #expect(again.delivered.count == back.failed.count && again.failed.isEmpty)
        #expect(try store.webhookEvents().isEmpty)

        var delivered: [String: Int] = [:]
        for request in server.requests { delivered[request.header("Idempotency-Key") ?? "", default: 0] += 1 }
        #expect(Set(delivered.keys) == expected)
        // Each key reached the receiver once (twice where the receiver answered 500 the first time).
        for (key, count) in delivered { #expect(count == (failedOnce.failed.contains(key) ? 2 : 1)) }
        for request in server.requests {
            let timestamp = Int(request.header(WebhookSignature.timestampHeader) ?? "") ?? 0
            #expect(WebhookSignature.isValid(request.header(WebhookSignature.header) ?? "", body: request.body, timestamp: timestamp,
                                             secret: Self.secret))
            #expect(request.method == "POST" && !request.body.contains(Self.secret))
        }
    }

    @Test("a slow endpoint holds up no call: records are kept while a delivery hangs, which fails at its timeout",
          .timeLimit(.minutes(1)))
    func slowEndpoint() throws {
        let address = RecordFixtures.temporaryDatabase()
        let release = DispatchSemaphore(value: 0)
        let server = try LoopbackHTTPServer { _ in
            _ = release.wait(timeout: .now() + 10)
            return .init(status: 200)
        }
        defer { release.signal(); server.stop() }
        let endpoint = Self.endpoint(server.url, timeout: 1)
        let keeper = RecordKeeper(address: address)
        try keeper.keep(RecordFixtures.call([], outcome: .contained("faq"), duration: 5, webhooks: [endpoint]))
        let dispatcher = WebhookDispatcher(address: address, sender: WebhookSender(environment: Self.environment))
        defer { dispatcher.stop() }
        let passes = PassLog()
        dispatcher.start(every: 0.2) { passes.add($0) }
        // While the first delivery hangs at the endpoint, ten more calls are kept.
        while server.requests.isEmpty { Thread.sleep(forTimeInterval: 0.01) }
        for _ in 0..<10 {
            #expect(try keeper.keep(RecordFixtures.call([], outcome: .contained("faq"), duration: 5, webhooks: [endpoint])) == .stored)
        }
        #expect(passes.failures.isEmpty, "the hanging delivery was still under way while the calls were kept")
        while passes.failures.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        #expect(passes.failures.first?.contains("no answer within 1 s") == true)
        #expect(try RecordStore(address: address).callCount() == 11)
    }

    @Test("an event whose secret is not set waits, unsent, and goes once the secret is there")
    func missingSecret() throws {
        let address = RecordFixtures.temporaryDatabase()
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        try RecordKeeper(address: address).keep(RecordFixtures.call([], outcome: .contained("faq"), duration: 5,
                                                                    webhooks: [Self.endpoint(server.url)]))
        let unset = WebhookDispatcher(address: address, sender: WebhookSender(environment: [:]))
        let pass = try unset.deliverDue()
        unset.stop()
        #expect(pass.failed.map(\.reason) == ["IVR_TEST_WEBHOOK_SECRET is not set (events are never sent unsigned)"])
        #expect(server.requests.isEmpty)
        try RecordStore(address: address).retryWebhookEventsNow()
        let set = WebhookDispatcher(address: address, sender: WebhookSender(environment: Self.environment))
        defer { set.stop() }
        #expect(try set.deliverDue().delivered.count == 1)
        #expect(server.requests.count == 1)
    }
}

/// Keys a test endpoint has failed once.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var failed: Set<String> = []

    func firstTime(_ key: String) -> Bool { lock.withLock { failed.insert(key).inserted } }
}

/// What a background dispatcher reported.
private final class PassLog: @unchecked Sendable {
    private let lock = NSLock()
    private var reasons: [String] = []

    var failures: [String] { lock.withLock { reasons } }

    func add(_ result: Result<WebhookDispatcher.Pass, RecordStoreError>) {
        guard case .success(let pass) = result else { return }
        lock.withLock { reasons += pass.failed.map(\.reason) }
    }
}
