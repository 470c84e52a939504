import Foundation

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
    var condition: (sql: String, arguments: [SQLValue]) {
        ("""
         (CAST($1 AS DOUBLE PRECISION) IS NULL OR c.started_at >= $1)
         AND (CAST($2 AS DOUBLE PRECISION) IS NULL OR c.started_at < $2)
         AND (CAST($3 AS TEXT) IS NULL OR c.flow = $3) AND (c.source = 'test') = $4
         """,
         [SQLValue(since?.timeIntervalSince1970), SQLValue(until?.timeIntervalSince1970), SQLValue(flow), .bool(tests)])
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

    /// The report over the calls `filter` selects (aggregated in the database: 100,000 calls take well under 2 s).
    public func report(_ filter: ReportFilter = .init()) throws(RecordStoreError) -> IVRReport {
        let (condition, arguments) = filter.condition
        return try read { db in
            let totals = try db.query("""
                SELECT count(*) AS calls, count(*) FILTER (WHERE contained) AS contained,
                       count(*) FILTER (WHERE outcome = 'abandoned') AS abandoned,
                       count(*) FILTER (WHERE outcome = 'abandoned' AND end_kind = 'menu') AS in_menus,
                       count(*) FILTER (WHERE outcome = 'abandoned' AND end_kind = 'transfer') AS in_queue,
                       coalesce(avg(duration), 0) AS handling
                FROM calls c WHERE \(condition)
                """, arguments)[0]
            let calls = totals.int("calls")
            let share = { (count: Int) in calls == 0 ? 0 : Double(count) / Double(calls) }
            let contained = totals.int("contained"), abandoned = totals.int("abandoned")
            let inMenus = totals.int("in_menus"), inQueue = totals.int("in_queue")

            let outcomes = try db.query("""
                SELECT outcome, count(*) AS n FROM calls c WHERE \(condition) GROUP BY outcome ORDER BY n DESC, outcome
                """, arguments).map { row in
                IVRReport.OutcomeCount(outcome: row.string("outcome"), calls: row.int("n"), share: share(row.int("n")))
            }
            let abandonment = try db.query("""
                SELECT end_node, max(coalesce(end_kind, '')) AS kind, count(*) AS n FROM calls c
                WHERE \(condition) AND outcome = 'abandoned' GROUP BY end_node ORDER BY n DESC, end_node
                """, arguments).map { row in
                IVRReport.NodeCount(node: row.string("end_node"), kind: row.string("kind"), calls: row.int("n"), share: share(row.int("n")))
            }
            let transfers = try db.query("""
                SELECT queue, priority, count(*) AS n FROM calls c WHERE \(condition) AND outcome = 'transferred'
                GROUP BY queue, priority ORDER BY queue, priority
                """, arguments).map { row in
                IVRReport.TransferCount(queue: row.string("queue"), priority: row.int("priority"), calls: row.int("n"))
            }
            let menus = try db.query("""
                SELECT v.node, count(*) AS entries, sum(v.no_inputs) AS no_inputs, sum(v.no_matches) AS no_matches,
                       sum(v.key_choices) AS keys, sum(v.speech_choices) AS speech, avg(v.seconds) AS seconds,
                       sum(v.confidence_sum) AS confidence_sum, sum(v.confidence_count) AS confidence_count,
                       count(*) FILTER (WHERE v.hung_up) AS hang_ups
                FROM visits v JOIN calls c ON c.id = v.call_id
                WHERE \(condition) AND v.kind = 'menu' GROUP BY v.node ORDER BY entries DESC, v.node
                """, arguments).map { row in
                let noInputs = row.int("no_inputs"), noMatches = row.int("no_matches")
                let keys = row.int("keys"), speech = row.int("speech")
                let turns = noInputs + noMatches + keys + speech
                let rate = { (count: Int) in turns == 0 ? 0 : Double(count) / Double(turns) }
                let confidenceCount = row.int("confidence_count")
                let confidenceSum = row.double("confidence_sum")
                return IVRReport.MenuFigures(
                    node: row.string("node"), entries: row.int("entries"), turns: turns, noInputs: noInputs, noMatches: noMatches,
                    noInputRate: rate(noInputs), noMatchRate: rate(noMatches), averageSeconds: row.double("seconds"),
                    keyChoices: keys, speechChoices: speech, intentsHeard: confidenceCount,
                    meanConfidence: confidenceCount == 0 ? nil : confidenceSum / Double(confidenceCount), hangUps: row.int("hang_ups"))
            }
            let funnel = try db.query("""
                SELECT v.node, max(v.kind) AS kind, count(DISTINCT v.call_id) AS n FROM visits v JOIN calls c ON c.id = v.call_id
                WHERE \(condition) GROUP BY v.node ORDER BY n DESC, v.node
                """, arguments).map { row in
                IVRReport.NodeCount(node: row.string("node"), kind: row.string("kind"), calls: row.int("n"), share: share(row.int("n")))
            }
            let paths = try db.query("""
                SELECT path, count(*) AS n, avg(duration) AS mean, min(duration) AS low, max(duration) AS high
                FROM calls c WHERE \(condition) GROUP BY path ORDER BY n DESC, path LIMIT \(Self.reportPathLimit)
                """, arguments).map { row in
                IVRReport.PathFigures(path: row.string("path"), calls: row.int("n"), share: share(row.int("n")),
                                      averageSeconds: row.double("mean"), minSeconds: row.double("low"), maxSeconds: row.double("high"))
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
                abandonedElsewhere: abandoned - inMenus - inQueue, averageHandlingSeconds: totals.double("handling"),
                outcomes: outcomes, abandonment: abandonment, transfers: transfers, menus: menus, funnel: funnel,
                paths: paths, recognition: recognition)
        }
    }
}
