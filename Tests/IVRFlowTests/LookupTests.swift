import Foundation
import Testing
@testable import IVRFlow

@Suite("Lookups: rows from a file or a live system decide the path")
struct LookupTests {
    static let yaml = """
    start: order
    tables:
      orders: { http: "https://shop.example/api/orders/{key}", timeout: 2 }
      stores: { file: stores.csv, key: store }
    nodes:
      order:
        type: collect
        prompt: "Your order number, please."
        field: order_number
        digits: 4
        next: find
        failure: sorry
      find:
        type: lookup
        table: orders
        key: order_number
        wait_prompt: "One moment while I look that up."
        next: status
        not_found: unknown
        failure: sorry
      status: { type: message, prompt: "Your order is {status}.", next: store }
      store:
        type: collect
        prompt: "Store number?"
        field: store
        digits: 2
        next: find-store
        failure: sorry
      find-store: { type: lookup, table: stores, key: store, next: store-hours, failure: sorry }
      store-hours: { type: hangup, prompt: "Open {hours}." }
      unknown: { type: hangup, prompt: "No such order." }
      sorry: { type: hangup, prompt: "We cannot look that up now." }
    """

    static func flow() throws -> Flow {
        let (flow, problems) = try checkFlow(yaml, files: ["stores.csv": "store,hours\n12,9 to 5\n"])
        #expect(problems.isEmpty, "\(problems)")
        return try #require(flow)
    }

    static func lookupRequest(_ call: CallDriver) -> LookupRequest? {
        call.commands.compactMap { if case .lookup(let request) = $0 { request } else { nil } }.last
    }

    @Test("a row found: its columns become call data for the prompts; a file's table is looked up at once")
    func found() throws {
        let call = CallDriver(try Self.flow())
        call.answer()
        call.press("4711")
        let request = try #require(Self.lookupRequest(call))
        #expect(request.remote.address(for: request.key) == "https://shop.example/api/orders/4711")
        #expect(request.remote.timeout == 2 && request.table == "orders" && request.key == "4711")
        call.timePasses(0.4)
        call.send(.lookupFinished(.found(["status": "shipped", "order_number": "0000"])))
        call.press("12")
        #expect(call.path == ["order", "find", "status", "store", "find-store", "store-hours"])
        #expect(call.spoken.contains("Your order is shipped.") && call.spoken.contains("Open 9 to 5."))
        #expect(!call.spoken.contains("One moment while I look that up."), "answered before the wait prompt was due")
        #expect(call.session.context.data["order_number"] == "4711")
        #expect(call.events("lookup_result").map { $0.detail["result"] } == ["found", "found"])
    }

    @Test("no such row takes not_found; a failure takes failure")
    func notFoundAndFailed() throws {
        let missing = CallDriver(try Self.flow())
        missing.answer()
        missing.press("4711")
        missing.send(.lookupFinished(.notFound))
        #expect(missing.path.last == "unknown")
        let failed = CallDriver(try Self.flow())
        failed.answer()
        failed.press("4711")
        failed.send(.lookupFinished(.failed("the table's system answered 500")))
        #expect(failed.path.last == "sorry")
        #expect(failed.events("lookup_failed").first?.detail["reason"] == "the table's system answered 500")
    }

    @Test("a lookup that hangs: the wait prompt after a moment, the failure path at the timeout, a late answer ignored, keys ignored")
    func hangs() throws {
        let call = CallDriver(try Self.flow())
        call.answer()
        call.press("4711")
        let asked = call.time
        #expect(call.session.deadline == asked + 1)
        call.timePasses(1.0)
        #expect(call.spoken.last == "One moment while I look that up.")
        #expect(call.session.deadline == asked + 2)
        call.press("5", bargeIn: true)
        #expect(call.events("ignored").count == 1)
        call.timePasses(2.0 - (call.time - asked))
        #expect(call.path.last == "sorry")
        let failure = try #require(call.events("lookup_failed").first)
        #expect(failure.detail["reason"] == "no answer within 2 s" && failure.time == asked + 2)
        call.send(.lookupFinished(.found(["status": "shipped"])))
        #expect(call.path.last == "sorry" && !call.spoken.contains("Your order is shipped."))
    }

    @Test("lint: a live table needs an http(s) address with {key}; a lookup needs its table and key")
    func lint() throws {
        let bad = Self.yaml
            .replacingOccurrences(of: "https://shop.example/api/orders/{key}", with: "ftp://shop.example/orders")
            .replacingOccurrences(of: "table: stores, key: store,", with: "table: shops, key: store,")
        let messages = try checkFlow(bad, files: ["stores.csv": "store,hours\n12,9 to 5\n"]).1.map { "\($0.line): \($0.message)" }
        #expect(messages.contains { $0.hasPrefix("3:") && $0.contains("is not an http:// or https:// address") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("29:") && $0.contains("no table named 'shops'") }, "\(messages)")
        // A key no step collects is noted, with the field it may have meant.
        let typo = Self.yaml.replacingOccurrences(of: "key: order_number", with: "key: order_numbr")
        let (typoFlow, typoProblems) = try checkFlow(typo, files: ["stores.csv": "store,hours\n12,9 to 5\n"])
        #expect(typoProblems.isEmpty, "\(typoProblems)")
        #expect(typoFlow?.notes.contains { $0.message.contains("no step collects 'order_numbr' (did you mean 'order_number'?)") } == true)
        #expect(try Self.flow().notes.isEmpty)
        // A SQL table needs its database and a $1.
        let sql = Self.yaml.replacingOccurrences(of: #"orders: { http: "https://shop.example/api/orders/{key}", timeout: 2 }"#,
                                                 with: #"orders: { sql: "SELECT status FROM orders WHERE number = '1'" }"#)
        let sqlProblems = try checkFlow(sql, files: ["stores.csv": "store,hours\n12,9 to 5\n"]).1.map(\.message)
        #expect(sqlProblems.contains { $0.contains("a sql table needs 'database'") }, "\(sqlProblems)")
        let noKey = sql.replacingOccurrences(of: #"WHERE number = '1'" }"#, with: #"WHERE number = '1'", database: "postgres://ivr@db/shop" }"#)
        let noKeyProblems = try checkFlow(noKey, files: ["stores.csv": "store,hours\n12,9 to 5\n"]).1.map(\.message)
        #expect(noKeyProblems.contains { $0.contains("the query has no $1") }, "\(noKeyProblems)")
        // A live table cannot check a collected entry within its step.
        let validated = Self.yaml.replacingOccurrences(of: "    digits: 2\n", with: "    digits: 2\n    table: orders\n")
        let problems = try checkFlow(validated, files: ["stores.csv": "store,hours\n12,9 to 5\n"]).1.map(\.message)
        #expect(problems.contains { $0.contains("table 'orders' comes from a live system") }, "\(problems)")
    }
}
