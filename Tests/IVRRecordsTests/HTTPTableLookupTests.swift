import Foundation
import IVREngine
import IVRFlow
import IVRIntegrations
import Testing

@Suite("Lookups over HTTP: rows from a live system, failures and timeouts")
struct HTTPTableLookupTests {
    static let server: LoopbackHTTPServer = try! LoopbackHTTPServer { request in
        switch request.path {
        case "/orders/4711": .init(body: #"{"status":"shipped","eta":"2026-12-09","items":3,"paid":true,"note":null}"#)
        case "/orders/list": .init(body: #"[{"status":"packed"}]"#)
        case "/orders/slow": .init(body: "{}", delay: 3)
        case "/orders/broken": .init(status: 500)
        default: .init(status: 404)
        }
    }

    static func request(_ key: String, timeout: Double = 1) -> LookupRequest {
        LookupRequest(table: "orders", url: RemoteTable(url: "http://127.0.0.1:\(server.port)/orders/{key}", timeout: timeout).address(for: key),
                      timeout: timeout)
    }

    @Test("a JSON object (or a list of one) is the row, its values as text; 404 is no row; 500 a failure")
    func answers() {
        let lookups = HTTPTableLookups(waitsForAnswers: true)
        #expect(lookups.lookup(Self.request("4711")).result?.result
            == .found(["status": "shipped", "eta": "2026-12-09", "items": "3", "paid": "true"]))
        #expect(lookups.lookup(Self.request("list")).result?.result == .found(["status": "packed"]))
        #expect(lookups.lookup(Self.request("0000")).result?.result == .notFound)
        #expect(lookups.lookup(Self.request("broken")).result?.result == .failed("the table's system answered 500"))
        #expect(Self.request("a/b c").url.hasSuffix("/orders/a%2Fb%20c"))
    }

    @Test("a system that hangs fails at the timeout (within 100 ms), waited for on a file's clock, not on the wall clock")
    func hangs() throws {
        let waiting = HTTPTableLookups(waitsForAnswers: true)
        let started = Date()
        let pending = waiting.lookup(Self.request("slow", timeout: 0.5))
        let waited = Date().timeIntervalSince(started)
        let (result, seconds) = try #require(pending.result)
        #expect(result == .failed("no answer within 0.5 s"))
        #expect(seconds >= 0.5 && seconds < 0.6 && waited < 0.6, "took \(seconds) s, waited \(waited) s")

        let live = HTTPTableLookups(waitsForAnswers: false)
        let asked = Date()
        let answer = live.lookup(Self.request("slow", timeout: 0.5))
        #expect(Date().timeIntervalSince(asked) < 0.1 && answer.result == nil)
        while answer.result == nil { Thread.sleep(forTimeInterval: 0.01) }
        #expect(Date().timeIntervalSince(asked) < 0.6)
    }
}
