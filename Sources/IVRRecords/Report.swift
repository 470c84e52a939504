import Foundation
import GRDB

/// Which calls a report covers.
public struct ReportFilter: Sendable, Equatable {
    /// Calls answered at or after this time.
    public var since: Date?
    /// Calls answered before this time.
    public var until: Date?
    /// Only calls of the flow with this name.
    public var flow: String?
    /// Test calls (`ivr test`) instead of real ones.
    public var tests: Bool

    public init(since: Date? = nil, until: Date? = nil, flow: String? = nil, tests: Bool = false) {
        self.since = since
        self.until = until
        self.flow = flow
        self.tests = tests
    }

    /// The condition on `calls` (aliased `c`) and its arguments.
    var condition: (sql: String, arguments: StatementArguments) {
        ("""
         (?1 IS NULL OR c.started_at >= ?1) AND (?2 IS NULL OR c.started_at < ?2)
         AND (?3 IS NULL OR c.flow = ?3) AND (c.source = 'test') = ?4
         """,
         [since?.timeIntervalSince1970, until?.timeIntervalSince1970, flow, tests])
    }
}

/// The figures that tell whether the IVR works, over the calls a ``ReportFilter`` selects.
public struct IVRReport: Codable, Sendable, Equatable {
    public var calls: Int
    /// Calls the IVR served itself (a recorded answer, self-service, voicemail, a request).
    public var contained: Int
    public var containmentRate: Double
    /// Calls the caller hung up before being served.
    public var abandoned: Int
    public var abandonmentRate: Double
    /// Abandoned calls by where the caller hung up: in a menu, in a queue (waiting for the
    /// transfer), elsewhere (entering digits, a message).
    public var abandonedInMenus: Int
    public var abandonedInQueue: Int
    public var abandonedElsewhere: Int
    /// Mean seconds from answer to the end of the IVR's part.
    public var averageHandlingSeconds: Double
    public var outcomes: [OutcomeCount]
    public var abandonment: [NodeCount]
    public var transfers: [TransferCount]
    public var menus: [MenuFigures]
    /// Calls that reached each node, most first.
    public var funnel: [NodeCount]
    /// The paths callers took, most common first, with how long each takes.
    public var paths: [PathFigures]
    public var recognition: RecognitionFigures

    public struct OutcomeCount: Codable, Sendable, Equatable {
        public var outcome: String
        public var calls: Int
        public var share: Double
    }

    public struct NodeCount: Codable, Sendable, Equatable {
        public var node: String
        public var kind: String
        public var calls: Int
        /// Of all calls in the report.
        public var share: Double
    }

    public struct TransferCount: Codable, Sendable, Equatable {
        public var queue: String
        public var priority: Int
        public var calls: Int
    }

    /// How one menu does.
    public struct MenuFigures: Codable, Sendable, Equatable {
        public var node: String
        public var entries: Int
        /// Turns: each ends in a choice, a no-input or a no-match.
        public var turns: Int
        public var noInputs: Int
        public var noMatches: Int
        public var noInputRate: Double
        public var noMatchRate: Double
        public var averageSeconds: Double
        public var keyChoices: Int
        public var speechChoices: Int
        /// Intents the recognizer understood here.
        public var intentsHeard: Int
        /// Mean recognizer confidence of intents heard here (nil when none).
        public var meanConfidence: Double?
        /// Callers who hung up here.
        public var hangUps: Int
    }

    public struct PathFigures: Codable, Sendable, Equatable {
        public var path: String
        public var calls: Int
        public var share: Double
        public var averageSeconds: Double
        public var minSeconds: Double
        public var maxSeconds: Double
    }

    public struct RecognitionFigures: Codable, Sendable, Equatable {
        public var keyChoices: Int
        public var speechChoices: Int
        /// Share of menu choices made by speech.
        public var speechShare: Double
        public var meanConfidence: Double?
        /// No-matches per menu turn, all menus.
        public var noMatchRate: Double
    }
}

extension RecordStore {
    /// Most paths listed in a report.
    public static let reportPathLimit = 20

    /// The report over the calls `filter` selects (aggregated in SQLite: 100,000 calls take well under 2 s).
    public func report(_ filter: ReportFilter = .init()) throws(RecordStoreError) -> IVRReport {
        let (condition, arguments) = filter.condition
        return try read { db in
            let totals = try Row.fetchOne(db, sql: """
                SELECT count(*) AS calls, coalesce(sum(contained), 0) AS contained,
                       coalesce(sum(outcome = 'abandoned'), 0) AS abandoned,
                       coalesce(sum(outcome = 'abandoned' AND end_kind = 'menu'), 0) AS in_menus,
                       coalesce(sum(outcome = 'abandoned' AND end_kind = 'transfer'), 0) AS in_queue,
                       coalesce(avg(duration), 0) AS handling
                FROM calls c WHERE \(condition)
                """, arguments: arguments)!
            let calls: Int = totals["calls"]
            let share = { (count: Int) in calls == 0 ? 0 : Double(count) / Double(calls) }
            let contained: Int = totals["contained"], abandoned: Int = totals["abandoned"]
            let inMenus: Int = totals["in_menus"], inQueue: Int = totals["in_queue"]

            let outcomes = try Row.fetchAll(db, sql: """
                SELECT outcome, count(*) AS n FROM calls c WHERE \(condition) GROUP BY outcome ORDER BY n DESC, outcome
                """, arguments: arguments).map { row in
                IVRReport.OutcomeCount(outcome: row["outcome"], calls: row["n"], share: share(row["n"]))
            }
            let abandonment = try Row.fetchAll(db, sql: """
                SELECT end_node, coalesce(end_kind, '') AS kind, count(*) AS n FROM calls c
                WHERE \(condition) AND outcome = 'abandoned' GROUP BY end_node ORDER BY n DESC, end_node
                """, arguments: arguments).map { row in
                IVRReport.NodeCount(node: row["end_node"], kind: row["kind"], calls: row["n"], share: share(row["n"]))
            }
            let transfers = try Row.fetchAll(db, sql: """
                SELECT queue, priority, count(*) AS n FROM calls c WHERE \(condition) AND outcome = 'transferred'
                GROUP BY queue, priority ORDER BY queue, priority
                """, arguments: arguments).map { row in
                IVRReport.TransferCount(queue: row["queue"], priority: row["priority"], calls: row["n"])
            }
            let menus = try Row.fetchAll(db, sql: """
                SELECT v.node, count(*) AS entries, sum(v.no_inputs) AS no_inputs, sum(v.no_matches) AS no_matches,
                       sum(v.key_choices) AS keys, sum(v.speech_choices) AS speech, avg(v.seconds) AS seconds,
                       sum(v.confidence_sum) AS confidence_sum, sum(v.confidence_count) AS confidence_count,
                       sum(v.hung_up) AS hang_ups
                FROM visits v JOIN calls c ON c.id = v.call_id
                WHERE \(condition) AND v.kind = 'menu' GROUP BY v.node ORDER BY entries DESC, v.node
                """, arguments: arguments).map { row in
                let noInputs: Int = row["no_inputs"], noMatches: Int = row["no_matches"]
                let keys: Int = row["keys"], speech: Int = row["speech"]
                let turns = noInputs + noMatches + keys + speech
                let rate = { (count: Int) in turns == 0 ? 0 : Double(count) / Double(turns) }
                let confidenceCount: Int = row["confidence_count"]
                let confidenceSum: Double = row["confidence_sum"]
                return IVRReport.MenuFigures(
                    node: row["node"], entries: row["entries"], turns: turns, noInputs: noInputs, noMatches: noMatches,
                    noInputRate: rate(noInputs), noMatchRate: rate(noMatches), averageSeconds: row["seconds"],
                    keyChoices: keys, speechChoices: speech, intentsHeard: confidenceCount,
                    meanConfidence: confidenceCount == 0 ? nil : confidenceSum / Double(confidenceCount), hangUps: row["hang_ups"])
            }
            let funnel = try Row.fetchAll(db, sql: """
                SELECT v.node, v.kind, count(DISTINCT v.call_id) AS n FROM visits v JOIN calls c ON c.id = v.call_id
                WHERE \(condition) GROUP BY v.node ORDER BY n DESC, v.node
                """, arguments: arguments).map { row in
                IVRReport.NodeCount(node: row["node"], kind: row["kind"], calls: row["n"], share: share(row["n"]))
            }
            let paths = try Row.fetchAll(db, sql: """
                SELECT path, count(*) AS n, avg(duration) AS mean, min(duration) AS low, max(duration) AS high
                FROM calls c WHERE \(condition) GROUP BY path ORDER BY n DESC, path LIMIT \(Self.reportPathLimit)
                """, arguments: arguments).map { row in
                IVRReport.PathFigures(path: row["path"], calls: row["n"], share: share(row["n"]), averageSeconds: row["mean"],
                                      minSeconds: row["low"], maxSeconds: row["high"])
            }
            let total = { (figure: (IVRReport.MenuFigures) -> Int) in menus.reduce(0) { $0 + figure($1) } }
            let keyChoices = total(\.keyChoices), speechChoices = total(\.speechChoices)
            let turns = total(\.turns), heard = total(\.intentsHeard)
            let confidenceSum = menus.reduce(0.0) { $0 + ($1.meanConfidence ?? 0) * Double($1.intentsHeard) }
            let recognition = IVRReport.RecognitionFigures(
                keyChoices: keyChoices, speechChoices: speechChoices,
                speechShare: keyChoices + speechChoices == 0 ? 0 : Double(speechChoices) / Double(keyChoices + speechChoices),
                meanConfidence: heard == 0 ? nil : confidenceSum / Double(heard),
                noMatchRate: turns == 0 ? 0 : Double(total(\.noMatches)) / Double(turns))
            return IVRReport(
                calls: calls, contained: contained, containmentRate: share(contained), abandoned: abandoned,
                abandonmentRate: share(abandoned), abandonedInMenus: inMenus, abandonedInQueue: inQueue,
                abandonedElsewhere: abandoned - inMenus - inQueue, averageHandlingSeconds: totals["handling"],
                outcomes: outcomes, abandonment: abandonment, transfers: transfers, menus: menus, funnel: funnel,
                paths: paths, recognition: recognition)
        }
    }
}
