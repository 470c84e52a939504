import Foundation

/// A name used in a flow file for something defined elsewhere in it.
struct FlowReference: Sendable {
    enum Kind: String, Sendable {
        case node, queue, table, hours, language, promptFile
        /// A table checked within the call's step (collect, verify): rows from a file.
        case fileTable
    }

    let kind: Kind
    let name: String
    let line: Int
    /// Where it was used, for messages.
    let place: String
}

/// The checks that need the whole flow: every reference resolves, every node is reachable from
/// the start, no menu uses a key or phrase twice, recorded prompt files exist.
struct FlowGraphCheck {
    let flow: Flow
    let references: [FlowReference]

    func problems() -> [FlowProblem] {
        resolution() + reachability() + menuConflicts()
    }

    private func problem(_ line: Int, _ message: String) -> FlowProblem {
        FlowProblem(file: flow.file, line: line, message: message)
    }

    private func resolution() -> [FlowProblem] {
        references.compactMap { reference in
            let known: [String]
            switch reference.kind {
            case .node: known = Array(flow.nodes.keys) + ["hangup"]
            case .queue: known = Array(flow.queues.keys)
            case .table: known = Array(flow.tables.keys)
            case .fileTable:
                if flow.tables[reference.name]?.remote != nil {
                    return problem(reference.line, "\(reference.place): table '\(reference.name)' comes from a live system; "
                                   + "collect and verify check a file's table (a lookup node asks a live one)")
                }
                known = Array(flow.tables.keys)
            case .hours: known = Array(flow.hours.keys)
            case .language: known = flow.languages.map(\.code)
            case .promptFile:
                let path = (flow.promptFolder as NSString).appendingPathComponent(reference.name)
                return FileManager.default.fileExists(atPath: path) ? nil : FlowProblem(
                    file: flow.file, line: reference.line, message: "\(reference.place): recorded prompt '\(path)' does not exist",
                    isMissingRecording: true)
            }
            guard !known.contains(reference.name) else { return nil }
            let hint = closest(to: reference.name, in: known).map { " (did you mean '\($0)'?)" } ?? ""
            let what = switch reference.kind {
            case .language: "language (not in 'languages')"
            case .fileTable: "table"
            default: reference.kind.rawValue
            }
            return problem(reference.line, "\(reference.place): no \(what) named '\(reference.name)'\(hint)")
        }
    }

    /// Nodes no call can reach: not the start, not named by any reachable node, by the settings,
    /// or by a queue that a reachable transfer uses.
    private func reachability() -> [FlowProblem] {
        var reached: Set<String> = []
        var pending = [flow.start] + [flow.settings.operatorNode, flow.settings.fallback].compactMap { $0 }
        while let name = pending.popLast() {
            guard reached.insert(name).inserted, let node = flow.nodes[name] else { continue }
            pending += node.targets.map(\.name)
            if case .transfer(let transfer) = node {
                let queues = [transfer.queue] + flow.callerRules.compactMap { $0.queueMap[transfer.queue] }
                for queue in queues.compactMap({ flow.queues[$0] }) {
                    pending += [queue.afterHours, queue.overflow?.target].compactMap { $0 }
                }
            }
        }
        return flow.nodes.values.filter { !reached.contains($0.name) }.map {
            problem($0.line, "node '\($0.name)' is unreachable: no option, fallback or queue leads to it")
        }
    }

    private func menuConflicts() -> [FlowProblem] {
        var problems: [FlowProblem] = []
        for case .menu(let menu) in flow.nodes.values {
            var keys: [Character: Int] = [:]
            var phrases: [String: Int] = [:]
            for option in menu.options {
                if let key = option.key {
                    if let first = keys[key] {
                        problems.append(problem(option.line, "menu '\(menu.name)': key \(key) is already used by the option on line \(first)"))
                    } else {
                        keys[key] = option.line
                    }
                }
                for phrase in option.phrases {
                    let normalized = phrase.lowercased().split(separator: " ").joined(separator: " ")
                    if let first = phrases[normalized], first != option.line {
                        problems.append(problem(option.line, "menu '\(menu.name)': phrase '\(phrase)' is already used by the option on line \(first)"))
                    } else {
                        phrases[normalized] = option.line
                    }
                }
            }
            if let extensions = menu.extensions {
                if case .transfer = flow.nodes[extensions.target] {} else if flow.nodes[extensions.target] != nil {
                    problems.append(problem(menu.line, "menu '\(menu.name)': extensions must lead to a transfer node"))
                }
            }
        }
        return problems
    }
}
