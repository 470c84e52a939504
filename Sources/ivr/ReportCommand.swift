import ArgumentParser
import Foundation
import IVRRecords

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The IVR report: containment, abandonment, handling time, menus, paths, recognition.",
        discussion: """
        Figures over the calls in the records database: containment (calls the IVR served \
        itself), abandonment (hang-ups in menus, in queue, elsewhere), average handling time, \
        transfers per queue and priority, per menu entries, no-input and no-match rates and \
        time spent, a funnel of the nodes calls reached, the paths callers took with how long \
        each takes, and recognition figures. Test calls (ivr test) are reported apart: --tests.

        Dates are ISO 8601 (2026-11-30T09:00:00+01:00) or a day (2026-11-30, local time; \
        --until a day includes that day).

        Examples:
          ivr report
          ivr report --since 2026-11-01 --until 2026-11-30 --flow help-desk
          ivr report --html report.html
          ivr report --tests --json
        """)

    @OptionGroup var db: DatabaseOption

    @Option(help: "Calls answered on or after this date.")
    var since: String?

    @Option(help: "Calls answered up to this date.")
    var until: String?

    @Option(help: "Only calls of this flow (its name).")
    var flow: String?

    @Flag(help: "Report the test calls of 'ivr test' instead of real calls.")
    var tests = false

    @Flag(help: "The figures as one JSON object.")
    var json = false

    @Option(help: "Also write the report as a self-contained HTML page with charts to this file.")
    var html: String?

    func run() throws {
        let filter = ReportFilter(since: try since.map { try Self.date($0, option: "--since", endOfDay: false) },
                                  until: try until.map { try Self.date($0, option: "--until", endOfDay: true) },
                                  flow: flow, tests: tests)
        let store = try db.store()
        let report: IVRReport
        do { report = try store.report(filter) } catch { throw InputFailure(message: "\(error)") }
        if json { try printJSON(report) } else { print(report.text, terminator: "") }
        if let html {
            let page = report.html(title: "IVR report" + (flow.map { ": \($0)" } ?? ""), scope: scope(store.path))
            do { try page.write(toFile: html, atomically: true, encoding: .utf8) } catch {
                throw InputFailure(message: "\(html): cannot be written (\(error.localizedDescription))")
            }
        }
    }

    /// What the report covers, in words.
    private func scope(_ location: String) -> String {
        var words = [tests ? "Test calls" : "Calls"]
        if let since { words.append("since \(since)") }
        if let until { words.append("until \(until)") }
        words.append("in \(location)")
        return words.joined(separator: " ")
    }

    /// A date from ISO 8601 or `YYYY-MM-DD` (local midnight; the next one for `endOfDay`).
    static func date(_ text: String, option: String, endOfDay: Bool) throws -> Date {
        if let date = ISO8601DateFormatter().date(from: text) { return date }
        let day = DateFormatter()
        day.dateFormat = "yyyy-MM-dd"
        guard let start = day.date(from: text) else {
            throw ValidationError("\(option) must be a day like 2026-11-30 or a time like 2026-11-30T09:00:00+01:00")
        }
        return endOfDay ? Calendar.current.date(byAdding: .day, value: 1, to: start)! : start
    }
}
