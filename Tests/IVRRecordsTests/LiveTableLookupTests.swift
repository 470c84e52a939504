import Foundation
import IVREngine
import IVRFlow
import IVRIntegrations
import IVRRecords
import Testing

@Suite("Live lookups over HTTP and in PostgreSQL: rows, failures and timeouts")
struct LiveTableLookupTests {
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
        LookupRequest(table: "orders", remote: RemoteTable(source: .http(url: "http://127.0.0.1:\(server.port)/orders/{key}"), timeout: timeout),
                      key: key)
    }

    @Test("a JSON object (or a list of one) is the row, its values as text; 404 is no row; 500 a failure")
    func answers() {
        let lookups = LiveTableLookups(waitsForAnswers: true)
        #expect(lookups.lookup(Self.request("4711")).result?.result
            == .found(["status": "shipped", "eta": "2026-12-09", "items": "3", "paid": "true"]))
        #expect(lookups.lookup(Self.request("list")).result?.result == .found(["status": "packed"]))
        #expect(lookups.lookup(Self.request("0000")).result?.result == .notFound)
        #expect(lookups.lookup(Self.request("broken")).result?.result == .failed("the table's system answered 500"))
        #expect(Self.request("a/b c").remote.address(for: "a/b c")?.hasSuffix("/orders/a%2Fb%20c") == true)
    }

    @Test("a system that hangs fails at the timeout (within 100 ms), waited for on a file's clock, not on the wall clock")
    func hangs() throws {
        let waiting = LiveTableLookups(waitsForAnswers: true)
        let started = Date()
        let pending = waiting.lookup(Self.request("slow", timeout: 0.5))
        let waited = Date().timeIntervalSince(started)
        let (result, seconds) = try #require(pending.result)
        #expect(result == .failed("no answer within 0.5 s"))
        #expect(seconds >= 0.5 && seconds < 0.6 && waited < 0.6, "took \(seconds) s, waited \(waited) s")

        let live = LiveTableLookups(waitsForAnswers: false)
        let asked = Date()
        let answer = live.lookup(Self.request("slow", timeout: 0.5))
        #expect(Date().timeIntervalSince(asked) < 0.1 && answer.result == nil)
        while answer.result == nil { Thread.sleep(forTimeInterval: 0.01) }
        #expect(Date().timeIntervalSince(asked) < 0.6)
    }

    @Test("a PostgreSQL query gives the row (dates and numbers as text); no row, two rows, a slow query", .timeLimit(.minutes(1)))
    func postgres() throws {
        let database = ScratchPostgres.shared.newDatabase()
        let shop = try PostgresEngine(address: database, migrate: false)
        try shop.transaction { db in
            try db.query("CREATE TABLE orders (number TEXT, status TEXT, eta DATE, items INTEGER, total NUMERIC(8,2))", [])
            try db.query("INSERT INTO orders VALUES ('4711', 'shipped', '2026-12-09', 3, 120.50), ('7', 'a', NULL, 1, 1), ('7', 'b', NULL, 1, 1)", [])
        }
        shop.close()
        func request(_ key: String, _ query: String = "SELECT status, eta, items, total FROM orders WHERE number = $1",
                     timeout: Double = 2) -> LookupRequest {
            LookupRequest(table: "orders", remote: RemoteTable(source: .sql(query: query, database: database), timeout: timeout), key: key)
        }
        let lookups = LiveTableLookups(waitsForAnswers: true)
        #expect(lookups.lookup(request("4711")).result?.result
            == .found(["status": "shipped", "eta": "2026-12-09", "items": "3", "total": "120.5"]))
        #expect(lookups.lookup(request("0000")).result?.result == .notFound)
        #expect(lookups.lookup(request("7")).result?.result == .failed("the query gives more than one row"))
        // A key that looks like SQL is only a value.
        #expect(lookups.lookup(request("4711' OR '1'='1")).result?.result == .notFound)
        let slow = lookups.lookup(request("4711", "SELECT status FROM orders, pg_sleep(3) WHERE number = $1", timeout: 0.5)).result
        #expect(slow?.result == .failed("no answer within 0.5 s"))
        #expect((slow?.seconds ?? 0) >= 0.5 && (slow?.seconds ?? 9) < 0.6, "took \(slow?.seconds ?? -1) s")
        // The connection the timeout closed is replaced.
        #expect(lookups.lookup(request("4711")).result?.result != nil)
        #expect(lookups.lookup(request("0000")).result?.result == .notFound)
    }
}
