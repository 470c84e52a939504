import Foundation
import Yams

/// Reads a flow file (YAML, see `docs/flow-format.md`) into a ``Flow`` and checks it: unknown
/// keys, wrong values, dangling targets, unreachable nodes, duplicate keys, options with neither
/// key nor phrase, missing prompt and table files, invalid hours. Every problem carries its line.
public enum FlowLoader {
    /// Where the calibrated thresholds of a flow go: beside it, `.thresholds.yaml` for `.yaml`.
    public static func thresholdsPath(forFlow path: String) -> String {
        (path as NSString).deletingPathExtension + ".thresholds.yaml"
    }

    /// The flow, or every problem found in it. `stockFolder`: the stock prompt set (the
    /// project's `prompts/` unless given).
    public static func load(path: String, stockFolder: String? = StockPrompts.projectFolder) throws(FlowErrors) -> Flow {
        let (flow, problems) = check(path: path, stockFolder: stockFolder)
        guard let flow, problems.isEmpty else { throw FlowErrors(problems: problems) }
        return flow
    }

    /// The flow (when it could be built at all) and all problems found.
    public static func check(path: String, stockFolder: String? = StockPrompts.projectFolder) -> (Flow?, [FlowProblem]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            return (nil, [FlowProblem(file: path, line: 0, message: "no such file, or not readable")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return (nil, [FlowProblem(file: path, line: 0, message: "not UTF-8 text")])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            return (nil, [FlowProblem(file: path, line: yamlErrorLine(error), message: "not valid YAML: \(yamlErrorSummary(error))")])
        } catch {
            return (nil, [FlowProblem(file: path, line: 0, message: "not valid YAML: \(error)")])
        }
        guard let root else { return (nil, [FlowProblem(file: path, line: 0, message: "empty flow file")]) }
        var parser = FlowParser(path: path, stockFolder: stockFolder)
        let flow = parser.parse(root)
        var problems = parser.reader.problems
        if let flow {
            problems += FlowGraphCheck(flow: flow, references: parser.references).problems()
            problems += LanguageCheck(flow: flow).problems()
        }
        return (flow, problems.sorted { ($0.line, $0.message) < ($1.line, $1.message) })
    }

    private static func yamlErrorLine(_ error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: 0
        }
    }

    private static func yamlErrorSummary(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        default: "\(error)"
        }
    }
}

/// Builds a ``Flow`` from the YAML tree, noting problems as it goes.
struct FlowParser {
    let path: String
    let stockFolder: String?
    var reader: YAMLReader
    /// Every name the file uses for something defined elsewhere, checked once all is read.
    var references: [FlowReference] = []
    /// The stock prompt set with the flow's overrides, read before the nodes.
    var stock = StockPrompts()

    init(path: String, stockFolder: String?) {
        self.path = path
        self.stockFolder = stockFolder
        reader = YAMLReader(file: path)
    }

    var folder: String { (path as NSString).deletingLastPathComponent }

    static let topKeys: Set<String> = ["name", "start", "languages", "settings", "hours", "queues", "callers", "tables", "prompts", "intents", "webhooks", "nodes"]

    mutating func parse(_ root: Node) -> Flow? {
        let top = reader.mapping(root, allowed: Self.topKeys, where: "the flow")
        guard !top.isEmpty else { return nil }
        let name = reader.string(top["name"], "name") ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let promptFolder = reader.string(top["prompts"], "prompts").map(resolve) ?? resolve("prompts")
        let (stock, stockProblems) = StockPrompts.load(folder: stockFolder, overrides: promptFolder)
        self.stock = stock
        reader.append(stockProblems)
        var languages = [FlowLanguage(code: "en", voice: stock.languages["en"]?.voice ?? "en-us", speech: true)]
        if let node = top["languages"] { languages = parseLanguages(node) }
        let defaultLanguage = languages.first?.code ?? "en"
        var flow = Flow(
            name: name, file: path, start: "", languages: languages,
            settings: FlowSettings(),
            hours: [:], queues: [:], callerRules: [], tables: [:], nodes: [:], promptFolder: promptFolder)
        flow.stock = stock
        if let node = top["settings"] { flow.settings = parseSettings(node) }
        if let start = top["start"] {
            flow.start = reference(start, "start") ?? ""
        } else {
            reader.problem(root, "the flow has no 'start' (the node calls begin in)")
        }
        if let node = top["hours"] { flow.hours = parseHours(node) }
        if let node = top["queues"] { flow.queues = parseQueues(node) }
        if let node = top["callers"] { flow.callerRules = parseCallerRules(node) }
        if let node = top["tables"] { flow.tables = parseTables(node) }
        if let node = top["webhooks"] { flow.webhooks = parseWebhooks(node) }
        if let node = top["intents"] {
            let items = node.array().isEmpty ? [node] : node.array()
            for item in items {
                guard let file = reader.string(item, "intents") else { continue }
                let path = resolve(file)
                if !FileManager.default.fileExists(atPath: path) { reader.problem(item, "intent file '\(file)' does not exist") }
                flow.intentFiles.append(IntentFileReference(path: path, line: item.mark?.line ?? 0))
            }
        }
        flow.intentThresholds = readThresholds()
        if let node = top["nodes"] {
            for entry in reader.namedEntries(node, where: "nodes") {
                if let parsed = parseNode(entry.name, entry.node, line: entry.line, defaultLanguage: defaultLanguage) {
                    flow.nodes[entry.name] = parsed
                }
            }
        } else {
            reader.problem(root, "the flow has no 'nodes'")
        }
        return flow
    }

    /// The thresholds file beside the flow (`FLOW.thresholds.yaml`, written by `ivr grammar
    /// calibrate FLOW.yaml`): its `thresholds` mapping of intent to confidence, none without it.
    mutating func readThresholds() -> [String: Double] {
        let thresholdsPath = FlowLoader.thresholdsPath(forFlow: path)
        guard let text = try? String(contentsOfFile: thresholdsPath, encoding: .utf8) else { return [:] }
        guard let root = try? Yams.compose(yaml: text), case .mapping(let entries)? = root["thresholds"] else {
            reader.problem(in: thresholdsPath, "not a thresholds file; run 'ivr grammar calibrate' again")
            return [:]
        }
        var result: [String: Double] = [:]
        for (intent, value) in entries {
            if let name = intent.string, let threshold = value.float ?? value.int.map(Double.init) { result[name] = threshold }
        }
        return result
    }

    private func resolve(_ relative: String) -> String {
        relative.hasPrefix("/") ? relative : (folder as NSString).appendingPathComponent(relative)
    }

    // MARK: Top-level sections

    mutating func parseLanguages(_ node: Node) -> [FlowLanguage] {
        reader.namedEntries(node, where: "languages").compactMap { entry in
            let fields = reader.mapping(entry.node, allowed: ["voice", "speech", "rate", "pitch", "volume"], where: "language '\(entry.name)'")
            var language = FlowLanguage(
                code: entry.name, voice: reader.string(fields["voice"], "voice") ?? stock.languages[entry.name]?.voice ?? entry.name,
                speech: reader.bool(fields["speech"], "speech") ?? FlowLanguage.recognizable(entry.name), line: entry.line)
            if let rate = reader.integer(fields["rate"], "rate", in: 80...450) { language.rate = rate }
            if let pitch = reader.integer(fields["pitch"], "pitch", in: 0...100) { language.pitch = pitch }
            if let volume = reader.integer(fields["volume"], "volume", in: 0...200) { language.volume = volume }
            return language
        }
    }

    mutating func parseSettings(_ node: Node) -> FlowSettings {
        let fields = reader.mapping(
            node, allowed: ["no_input_timeout", "inter_digit_timeout", "max_tries", "min_confidence", "confirm_from", "operator",
                            "repeat_key", "back_key", "fallback", "keys_by_voice"], where: "settings")
        var settings = FlowSettings()
        if let value = reader.number(fields["no_input_timeout"], "no_input_timeout", in: 0.5...60) { settings.noInputTimeout = value }
        if let value = reader.number(fields["inter_digit_timeout"], "inter_digit_timeout", in: 0.5...30) { settings.interDigitTimeout = value }
        if let value = reader.integer(fields["max_tries"], "max_tries", in: 1...10) { settings.maxTries = value }
        if let value = reader.number(fields["min_confidence"], "min_confidence", in: 0...1) { settings.minimumConfidence = value }
        if let value = reader.number(fields["confirm_from"], "confirm_from", in: 0...1) {
            if value < settings.minimumConfidence { settings.confirmFrom = value } else {
                reader.problem(fields["confirm_from"], "confirm_from \(value) must be below min_confidence (\(settings.minimumConfidence)): answers from it on are taken without asking")
            }
        }
        settings.operatorNode = reference(fields["operator"], "operator")
        settings.fallback = reference(fields["fallback"], "fallback")
        if fields["repeat_key"] != nil { settings.repeatKey = key(fields["repeat_key"], "repeat_key") }
        if fields["back_key"] != nil { settings.backKey = key(fields["back_key"], "back_key") }
        if let value = reader.bool(fields["keys_by_voice"], "keys_by_voice") { settings.keysByVoice = value }
        return settings
    }

    mutating func parseHours(_ node: Node) -> [String: BusinessHours] {
        var result: [String: BusinessHours] = [:]
        for entry in reader.namedEntries(node, where: "hours") {
            let place = "hours '\(entry.name)'"
            let fields = reader.mapping(entry.node, allowed: ["timezone", "weekly", "holidays"], where: place)
            var zone = TimeZone(identifier: "UTC")!
            if let text = reader.string(fields["timezone"], "timezone") {
                if let parsed = BusinessHours.zone(text) { zone = parsed } else {
                    reader.problem(fields["timezone"], "\(place): unknown time zone '\(text)' (a name like Europe/Berlin or an offset like +01:00)")
                }
            } else {
                reader.problem(entry.node, "\(place) has no 'timezone'")
            }
            var weekly: [Int: [Range<Int>]] = [:]
            if let node = fields["weekly"] {
                for day in reader.namedEntries(node, where: "\(place) weekly") {
                    guard let days = BusinessHours.days(day.name) else {
                        reader.problem(day.node, "\(place): '\(day.name)' is not a day or range of days (mon-fri, sat, sun)")
                        continue
                    }
                    let texts = reader.strings(day.node, "\(place) \(day.name)")
                    for text in texts where text.lowercased() != "closed" {
                        if let interval = BusinessHours.interval(text) {
                            for weekday in days { weekly[weekday, default: []].append(interval) }
                        } else {
                            reader.problem(day.node, "\(place): '\(text)' is not a time range like 08:00-18:00")
                        }
                    }
                }
            } else {
                reader.problem(entry.node, "\(place) has no 'weekly' schedule")
            }
            var holidays: Set<String> = []
            for text in reader.strings(fields["holidays"], "holidays") {
                if text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil {
                    holidays.insert(text)
                } else {
                    reader.problem(fields["holidays"], "\(place): holiday '\(text)' is not a date like 2026-12-25")
                }
            }
            result[entry.name] = BusinessHours(timeZone: zone, weekly: weekly, holidays: holidays)
        }
        return result
    }

    mutating func parseQueues(_ node: Node) -> [String: QueueDefinition] {
        var result: [String: QueueDefinition] = [:]
        for entry in reader.namedEntries(node, where: "queues") {
            let place = "queue '\(entry.name)'"
            var fields: [String: Node] = [:]
            if case .mapping = entry.node {
                fields = reader.mapping(entry.node, allowed: ["hours", "after_hours", "overflow", "sip"], where: place)
            } else if entry.node.null == nil && entry.node.string != "" {
                reader.problem(entry.node, "\(place) must be a mapping (or empty)")
            }
            var queue = QueueDefinition(name: entry.name, line: entry.line)
            queue.hours = reader.string(fields["hours"], "hours")
            if let hours = queue.hours { note(.hours, hours, fields["hours"], place) }
            queue.afterHours = reference(fields["after_hours"], "\(place) after_hours")
            if let node = fields["sip"], let target = reader.string(node, "sip") {
                if target.hasPrefix("sip:") || target.hasPrefix("sips:") || target.hasPrefix("tel:") {
                    queue.sip = target
                } else {
                    reader.problem(node, "\(place) sip must be a SIP URI like sip:billing@pbx.example (got '\(target)')")
                }
            }
            if let node = fields["overflow"] {
                let overflow = reader.mapping(node, allowed: ["max_wait", "max_waiting", "to"], where: "\(place) overflow")
                if let target = reference(overflow["to"], "\(place) overflow") {
                    queue.overflow = Overflow(
                        maxWait: reader.number(overflow["max_wait"], "max_wait", in: 0...86400),
                        maxWaiting: reader.integer(overflow["max_waiting"], "max_waiting", in: 0...100_000), target: target)
                } else {
                    reader.problem(node, "\(place) overflow has no 'to' (the node overflowing calls go to)")
                }
            }
            result[entry.name] = queue
        }
        return result
    }

    mutating func parseCallerRules(_ node: Node) -> [CallerRule] {
        guard case .sequence(let rules) = node else {
            reader.problem(node, "callers must be a list of rules")
            return []
        }
        return rules.map { rule in
            let fields = reader.mapping(
                rule, allowed: ["numbers", "area_codes", "tags", "add_tags", "priority", "queues"], where: "caller rule")
            var queueMap: [String: String] = [:]
            if let node = fields["queues"] {
                for entry in reader.namedEntries(node, where: "caller rule queues") {
                    if let target = reader.string(entry.node, "queue") {
                        queueMap[entry.name] = target
                        note(.queue, entry.name, entry.node, "caller rule")
                        note(.queue, target, entry.node, "caller rule")
                    }
                }
            }
            let result = CallerRule(
                line: rule.mark?.line ?? 0, numbers: Set(reader.strings(fields["numbers"], "numbers")),
                prefixes: reader.strings(fields["area_codes"], "area_codes"),
                requiredTags: Set(reader.strings(fields["tags"], "tags")), addTags: reader.strings(fields["add_tags"], "add_tags"),
                priority: reader.integer(fields["priority"], "priority", in: 1...10), queueMap: queueMap)
            if result.numbers.isEmpty && result.prefixes.isEmpty && result.requiredTags.isEmpty {
                reader.problem(rule, "caller rule matches nobody: give numbers, area_codes or tags")
            }
            return result
        }
    }

    mutating func parseTables(_ node: Node) -> [String: LookupTable] {
        var result: [String: LookupTable] = [:]
        for entry in reader.namedEntries(node, where: "tables") {
            let fields = reader.mapping(entry.node, allowed: ["file", "key", "http", "sql", "database", "timeout"],
                                        where: "table '\(entry.name)'")
            let sources = ["file", "http", "sql"].filter { fields[$0] != nil }
            if sources.count > 1 { reader.problem(entry.node, "table '\(entry.name)': give one of 'file', 'http' or 'sql'") }
            if fields["http"] != nil || fields["sql"] != nil {
                result[entry.name] = parseRemoteTable(entry.name, fields)
                continue
            }
            guard let file = reader.string(fields["file"], "file") else {
                reader.problem(entry.node, "table '\(entry.name)' has no 'file' (or 'http', 'sql')")
                continue
            }
            let key = reader.string(fields["key"], "key") ?? "account"
            do {
                result[entry.name] = try LookupTable.load(name: entry.name, path: resolve(file), keyColumn: key)
            } catch {
                reader.problem(fields["file"], "table '\(entry.name)': \(error)")
            }
        }
        return result
    }

    // MARK: Nodes

    static let nodeKeys: [String: Set<String>] = [
        "menu": ["prompt", "short_prompt", "options", "no_input_prompts", "no_match_prompts", "fallback", "max_tries",
                 "no_input_timeout", "extensions"],
        "message": ["prompt", "next", "outcome"],
        "collect": ["prompt", "field", "digits", "terminator", "luhn", "pattern", "table", "secret", "confirm",
                    "invalid_prompt", "confirm_prompt", "max_tries", "next", "failure"],
        "verify": ["table", "account_prompt", "pin_prompt", "failure_prompt", "account_digits", "pin_digits", "account_field",
                   "max_attempts", "next", "lockout"],
        "transfer": ["queue", "prompt", "after_hours", "overflow"],
        "voicemail": ["box", "prompt", "thanks_prompt", "max_seconds", "silence_seconds"],
        "callback": ["topic", "prompt", "confirm_prompt", "number_prompt", "done_prompt", "next"],
        "text": ["topic", "prompt", "confirm_prompt", "number_prompt", "done_prompt", "next"],
        "hangup": ["prompt", "outcome"],
        "lookup": ["table", "key", "next", "not_found", "failure", "wait_prompt", "wait_after"],
    ]

    mutating func parseNode(_ name: String, _ node: Node, line: Int, defaultLanguage: String) -> FlowNode? {
        guard case .mapping(let mapping) = node else {
            reader.problem(node, "node '\(name)' must be a mapping")
            return nil
        }
        guard let typeNode = mapping["type"], let type = typeNode.string else {
            reader.problem(node, "node '\(name)' has no 'type' (one of \(Self.nodeKeys.keys.sorted().joined(separator: ", ")))")
            return nil
        }
        guard let allowed = Self.nodeKeys[type] else {
            let hint = closest(to: type, in: Self.nodeKeys.keys).map { " (did you mean '\($0)'?)" } ?? ""
            reader.problem(typeNode, "node '\(name)': unknown type '\(type)'\(hint)")
            return nil
        }
        let f = reader.mapping(node, allowed: allowed.union(["type"]), where: "node '\(name)' (\(type))")
        func prompt(_ field: String) -> Prompt? {
            f[field].map { parsePrompt($0, id: "\(name).\(field)") }
        }
        /// The flow's prompt, else the stock phrase in every language.
        func prompt(_ field: String, stock phrase: StockPhrase) -> Prompt {
            prompt(field) ?? stock.prompt(phrase, id: "\(name).\(field)")
        }
        func reprompts(_ field: String, stock phrase: StockPhrase) -> [Prompt] {
            let list = promptList(f[field], id: "\(name).\(field)")
            return list.isEmpty ? [stock.prompt(phrase, id: "\(name).\(phrase.rawValue)")] : list
        }
        func required(_ field: String) -> Prompt {
            if let value = prompt(field) { return value }
            reader.problem(node, "node '\(name)' has no '\(field)'")
            return Prompt(id: "\(name).\(field)", texts: [:])
        }
        func next(_ field: String, default value: String? = "hangup") -> String {
            if let target = reference(f[field], field) { return target }
            if let value { return value }
            reader.problem(node, "node '\(name)' has no '\(field)'")
            return "hangup"
        }
        switch type {
        case "menu":
            var options: [MenuOption] = []
            if let list = f["options"] {
                if case .sequence(let items) = list {
                    options = items.enumerated().compactMap { parseOption($1, menu: name, index: $0) }
                } else {
                    reader.problem(list, "node '\(name)': options must be a list")
                }
            } else {
                reader.problem(node, "menu '\(name)' has no 'options'")
            }
            var extensions: ExtensionDialing?
            if let node = f["extensions"] {
                let e = reader.mapping(node, allowed: ["length", "to"], where: "menu '\(name)' extensions")
                if let length = reader.integer(e["length"], "length", in: 2...8), let target = reference(e["to"], "to") {
                    extensions = ExtensionDialing(length: length, target: target)
                } else {
                    reader.problem(node, "menu '\(name)' extensions need 'length' (2–8) and 'to' (a transfer node)")
                }
            }
            return .menu(Menu(
                name: name, line: line, prompt: required("prompt"), shortPrompt: prompt("short_prompt"), options: options,
                noInputPrompts: reprompts("no_input_prompts", stock: .noInput),
                noMatchPrompts: reprompts("no_match_prompts", stock: .noMatch),
                fallback: reference(f["fallback"], "fallback"),
                maxTries: reader.integer(f["max_tries"], "max_tries", in: 1...10),
                noInputTimeout: reader.number(f["no_input_timeout"], "no_input_timeout", in: 0.5...60), extensions: extensions))
        case "message":
            return .message(Message(name: name, line: line, prompt: required("prompt"), next: next("next"),
                                    outcome: reader.string(f["outcome"], "outcome")))
        case "collect":
            let digits = digitRange(f["digits"], "digits") ?? 1...20
            var terminator: Character? = "#"
            if f["terminator"] != nil { terminator = key(f["terminator"], "terminator") }
            let table = reader.string(f["table"], "table")
            if let table { note(.fileTable, table, f["table"], "node '\(name)'") }
            let pattern = reader.string(f["pattern"], "pattern")
            if let pattern, (try? NSRegularExpression(pattern: pattern)) == nil {
                reader.problem(f["pattern"], "node '\(name)': pattern '\(pattern)' is not a valid regular expression")
            }
            let confirm = reader.bool(f["confirm"], "confirm") ?? false
            return .collect(Collect(
                name: name, line: line, prompt: required("prompt"), field: reader.string(f["field"], "field") ?? name,
                minDigits: digits.lowerBound, maxDigits: digits.upperBound, terminator: terminator,
                validation: DigitValidation(luhn: reader.bool(f["luhn"], "luhn") ?? false, pattern: pattern, table: table),
                secret: reader.bool(f["secret"], "secret") ?? false, confirm: confirm,
                invalidPrompt: prompt("invalid_prompt", stock: .invalidEntry),
                confirmPrompt: confirm ? prompt("confirm_prompt", stock: .confirmEntry) : nil,
                maxTries: reader.integer(f["max_tries"], "max_tries", in: 1...10), next: next("next", default: nil),
                failure: next("failure", default: nil)))
        case "verify":
            guard let table = reader.string(f["table"], "table") else {
                reader.problem(node, "verify node '\(name)' has no 'table'")
                return nil
            }
            note(.fileTable, table, f["table"], "node '\(name)'")
            return .verify(Verify(
                name: name, line: line, table: table,
                accountPrompt: prompt("account_prompt", stock: .accountNumber),
                pinPrompt: prompt("pin_prompt", stock: .pin),
                failurePrompt: prompt("failure_prompt", stock: .verifyFailed),
                accountDigits: digitRange(f["account_digits"], "account_digits") ?? 4...16,
                pinDigits: digitRange(f["pin_digits"], "pin_digits") ?? 4...8,
                accountField: reader.string(f["account_field"], "account_field") ?? "account",
                maxAttempts: reader.integer(f["max_attempts"], "max_attempts", in: 1...10) ?? 3,
                next: next("next", default: nil), lockout: next("lockout", default: nil)))
        case "lookup":
            guard let table = reader.string(f["table"], "table"), let key = reader.string(f["key"], "key") else {
                reader.problem(node, "lookup node '\(name)' needs 'table' and 'key' (the field whose value is looked up)")
                return nil
            }
            note(.table, table, f["table"], "node '\(name)'")
            return .lookup(Lookup(
                name: name, line: line, table: table, key: key, next: next("next", default: nil),
                notFound: reference(f["not_found"], "not_found"), failure: next("failure", default: nil),
                waitPrompt: prompt("wait_prompt"),
                waitAfter: f["wait_after"] == nil ? 1 : reader.number(f["wait_after"], "wait_after", in: 0...30) ?? 1))
        case "transfer":
            guard let queue = reader.string(f["queue"], "queue") else {
                reader.problem(node, "transfer node '\(name)' has no 'queue'")
                return nil
            }
            note(.queue, queue, f["queue"], "node '\(name)'")
            return .transfer(Transfer(name: name, line: line, queue: queue, prompt: prompt("prompt", stock: .pleaseHold),
                                      afterHours: reference(f["after_hours"], "after_hours"),
                                      overflow: reference(f["overflow"], "overflow")))
        case "voicemail":
            return .voicemail(Voicemail(
                name: name, line: line, box: reader.string(f["box"], "box") ?? name,
                prompt: prompt("prompt", stock: .voicemail),
                thanksPrompt: prompt("thanks_prompt", stock: .voicemailThanks),
                maxSeconds: reader.number(f["max_seconds"], "max_seconds", in: 5...600) ?? 120,
                silenceSeconds: reader.number(f["silence_seconds"], "silence_seconds", in: 1...30) ?? 4))
        case "callback", "text":
            let callback = type == "callback"
            let request = ContactRequest(
                name: name, line: line, topic: reader.string(f["topic"], "topic") ?? name,
                prompt: callback ? prompt("prompt", stock: .callbackOffer) : required("prompt"),
                confirmPrompt: prompt("confirm_prompt", stock: callback ? .callbackConfirm : .textConfirm),
                numberPrompt: prompt("number_prompt", stock: .phoneNumber),
                donePrompt: prompt("done_prompt", stock: callback ? .callbackDone : .textDone),
                next: next("next"))
            return callback ? .callback(request) : .text(request)
        default:
            return .hangup(Hangup(name: name, line: line, prompt: prompt("prompt", stock: .goodbye), outcome: reader.string(f["outcome"], "outcome")))
        }
    }

    mutating func parseOption(_ node: Node, menu: String, index: Int) -> MenuOption? {
        let f = reader.mapping(node, allowed: ["key", "say", "go", "language", "intent", "when"], where: "menu '\(menu)' option \(index + 1)")
        let line = node.mark?.line ?? 0
        guard let target = reference(f["go"], "go") else {
            reader.problem(node, "menu '\(menu)' option \(index + 1) has no 'go' (the node it leads to)")
            return nil
        }
        let optionKey = f["key"] == nil ? nil : key(f["key"], "key")
        let phrases = reader.strings(f["say"], "say")
        let intent = reader.string(f["intent"], "intent")
        if optionKey == nil && phrases.isEmpty && intent == nil {
            reader.problem(node, "menu '\(menu)' option \(index + 1) has neither a key, a phrase to say nor an intent")
        }
        var conditions: [String: String] = [:]
        if let when = f["when"] {
            if case .mapping(let entries) = when {
                for (slot, value) in entries {
                    if let slot = slot.string, let value = reader.string(value, "when") { conditions[slot] = value }
                }
            } else {
                reader.problem(when, "menu '\(menu)' option \(index + 1): 'when' must be a mapping of slot to value")
            }
            if intent == nil { reader.problem(when, "menu '\(menu)' option \(index + 1): 'when' needs an 'intent'") }
        }
        let language = reader.string(f["language"], "language")
        if let language { note(.language, language, f["language"], "menu '\(menu)'") }
        return MenuOption(key: optionKey, phrases: phrases, target: target, language: language,
                          intent: intent ?? target, conditions: conditions, line: line)
    }

    mutating func parsePrompt(_ node: Node, id: String) -> Prompt {
        let line = node.mark?.line ?? 0
        if case .scalar = node { return Prompt(id: id, texts: ["*": reader.string(node, id) ?? ""], line: line) }
        guard case .mapping(let mapping) = node else {
            reader.problem(node, "\(id) must be a text or a mapping of language to text")
            return Prompt(id: id, texts: [:])
        }
        var prompt = Prompt(id: id, texts: [:], line: line)
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            switch name {
            case "file":
                prompt.file = reader.string(value, "file")
                if let file = prompt.file { note(.promptFile, file, value, id) }
            case "interruptible": prompt.interruptible = reader.bool(value, "interruptible") ?? true
            case "text": prompt.texts["*"] = reader.string(value, "text")
            default:
                if name.count >= 2 && name.count <= 3 && name.allSatisfy(\.isLowercase) {
                    prompt.texts[name] = reader.string(value, name)
                    note(.language, name, key, id)
                } else {
                    reader.problem(key, "\(id): unknown key '\(name)' (a language code, text, file or interruptible)")
                }
            }
        }
        if prompt.texts.isEmpty && prompt.file == nil { reader.problem(node, "\(id) has neither text nor file") }
        return prompt
    }

    mutating func promptList(_ node: Node?, id: String) -> [Prompt] {
        guard let node else { return [] }
        if case .sequence(let items) = node {
            return items.enumerated().map { parsePrompt($1, id: "\(id).\($0 + 1)") }
        }
        return [parsePrompt(node, id: "\(id).1")]
    }

    /// A node name that must exist (checked after parsing).
    mutating func reference(_ node: Node?, _ field: String) -> String? {
        guard let node, let name = reader.string(node, field), !name.isEmpty else { return nil }
        note(.node, name, node, field)
        return name
    }

    mutating func note(_ kind: FlowReference.Kind, _ name: String, _ node: Node?, _ place: String) {
        references.append(FlowReference(kind: kind, name: name, line: node?.mark?.line ?? 0, place: place))
    }

    mutating func key(_ node: Node?, _ field: String) -> Character? {
        guard let node else { return nil }
        let text = node.int.map(String.init) ?? node.string ?? ""
        guard text.count == 1, let character = text.first, "0123456789*#ABCD".contains(character) else {
            reader.problem(node, "\(field) must be one keypad key (0–9, *, #, A–D), not '\(text)'")
            return nil
        }
        return character
    }

    /// `4` or `4-8`.
    mutating func digitRange(_ node: Node?, _ field: String) -> ClosedRange<Int>? {
        guard let node else { return nil }
        if let count = node.int ?? node.string.flatMap({ Int($0) }), (1...32).contains(count) { return count...count }
        let parts = (node.string ?? "").split(separator: "-").compactMap { Int($0) }
        if parts.count == 2, parts[0] >= 1, parts[0] <= parts[1], parts[1] <= 32 { return parts[0]...parts[1] }
        reader.problem(node, "\(field) must be a count like 4 or a range like 4-8")
        return nil
    }
}
