// How long `ivr report` takes over many calls: fills a new records database with N synthetic
// calls on the example help desk (varied paths, retries, hang-ups, transfers, requests, test
// runs, a month of dates), then times the report (all calls, and filtered), best of 5.
// Usage: ReportBenchmark [calls] [keep.sqlite | postgres://…] (default 100000 calls; the
// database is removed unless a path to keep it at, or a PostgreSQL database, is given)
import Foundation
import IVRFlow
import IVRRecords

/// A small seeded generator, so every run builds the same calls.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let count = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 100_000
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let flow = try FlowLoader.load(path: root.appendingPathComponent("examples/help-desk.yaml").path)
var random = SeededGenerator(state: 42)

/// Where a call goes after the main menu, with its outcome.
let endings: [(node: String, outcome: CallOutcome, weight: Int)] = [
    ("billing", .transferred(queue: "billing", priority: 5), 30),
    ("sales", .transferred(queue: "sales", priority: 5), 12),
    ("sales", .transferred(queue: "sales-vip", priority: 1), 3),
    ("hours", .contained("faq hours"), 15),
    ("balance", .contained("self-service balance"), 10),
    ("voicemail-billing", .voicemail(box: "billing"), 5),
    ("callback", .callback(topic: "long wait"), 4),
    ("text-reset", .text(topic: "password-reset"), 3),
    ("main", .abandoned(node: "main"), 8),
    ("billing", .abandoned(node: "billing"), 4),
    ("operator", .transferred(queue: "reception", priority: 5), 6),
]
let totalWeight = endings.reduce(0) { $0 + $1.weight }

@MainActor func makeCall(_ index: Int) -> CallRecord {
    var time = 0.0
    var log = [CallLogEntry(time: 0, node: "language", event: "enter")]
    func step(_ seconds: ClosedRange<Double>) { time += Double.random(in: seconds, using: &random) }
    func menuTurn(_ node: String, to target: String) {
        for _ in 0..<Int.random(in: 0...3, using: &random) where Bool.random(using: &random) {
            step(4...6)
            log.append(CallLogEntry(time: time, node: node, event: Bool.random(using: &random) ? "no_input" : "no_match"))
        }
        step(1...8)
        if Int.random(in: 0..<4, using: &random) == 0 {
            log.append(CallLogEntry(time: time, node: node, event: "intent",
                                    detail: ["confidence": String(format: "%.2f", Double.random(in: 0.5...1, using: &random))]))
            log.append(CallLogEntry(time: time, node: node, event: "choice", detail: ["via": "speech", "to": target]))
        } else {
            log.append(CallLogEntry(time: time, node: node, event: "choice", detail: ["via": "key", "to": target]))
        }
        log.append(CallLogEntry(time: time, node: target, event: "enter"))
    }
    var pick = Int.random(in: 0..<totalWeight, using: &random)
    let ending = endings.first { pick -= $0.weight; return pick < 0 }!
    menuTurn("language", to: "main")
    if ending.node != "main" { menuTurn("main", to: ending.node) } else { step(3...20) }
    step(2...40)
    log.append(CallLogEntry(time: time, node: ending.node, event: "outcome", detail: ["outcome": ending.outcome.description]))
    let path = log.filter { $0.event == "enter" }.map(\.node)
    let day = Date(timeIntervalSince1970: 1_793_491_200 + Double(index % 30) * 86400 + Double.random(in: 0..<86400, using: &random))
    return CallRecord(flow: flow, callerNumber: "+1555\(1_000_000 + index % 9_000_000)", startedAt: day, duration: time,
                      outcome: ending.outcome, log: log,
                      context: CallContext(callerNumber: nil, language: "en", path: path, data: ["account": "****1234"]),
                      requests: ending.outcome == .callback(topic: "long wait")
                          ? [StaffRequest(kind: .callback, number: "+15550000000", topic: "long wait")] : [],
                      source: index % 50 == 0 ? "test" : "file")
}

let keepPath = CommandLine.arguments.dropFirst(2).first
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ivr-report-benchmark-\(UUID().uuidString)")
let path = keepPath ?? folder.appendingPathComponent("ivr.sqlite").path
if let keepPath, !keepPath.hasPrefix("postgres") { try? FileManager.default.removeItem(atPath: keepPath) }
defer { try? FileManager.default.removeItem(at: folder) }
let store = try RecordStore(address: path)
let fillStart = Date()
var batch: [CallRecord] = []
for index in 0..<count {
    batch.append(makeCall(index))
    if batch.count == 10_000 {
        try store.save(batch)
        batch.removeAll(keepingCapacity: true)
    }
}
try store.save(batch)
let fillSeconds = Date().timeIntervalSince(fillStart)
let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int).map { String(format: ", database %.0f MB", Double($0) / 1e6) }
print(String(format: "filled %d calls in %.1f s (%.0f calls/s)", count, fillSeconds, Double(count) / fillSeconds) + (size ?? ""))

@MainActor func best(_ label: String, _ filter: ReportFilter) throws {
    var times: [Double] = []
    var report: IVRReport!
    for _ in 0..<5 {
        let start = DispatchTime.now().uptimeNanoseconds
        report = try store.report(filter)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    print(label.padding(toLength: 36, withPad: " ", startingAt: 0) + String(
        format: "%7d calls  best %.3f s  median %.3f s  (containment %.1f %%, %d menus, %d paths)", report.calls, times.min()!, times.sorted()[2], report.containmentRate * 100,
                 report.menus.count, report.paths.count))
}
try best("report, all real calls", ReportFilter())
try best("report, one week (--since/--until)", ReportFilter(since: Date(timeIntervalSince1970: 1_793_491_200 + 7 * 86400),
                                                            until: Date(timeIntervalSince1970: 1_793_491_200 + 14 * 86400)))
try best("report, --flow help-desk", ReportFilter(flow: "help-desk"))
try best("report, --tests", ReportFilter(tests: true))
