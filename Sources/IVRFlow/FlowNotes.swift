import Foundation

/// Remarks on a flow that are not problems: what its callers will experience that its author
/// may not expect. `ivr lint` prints them without failing.
extension Flow {
    public var notes: [FlowProblem] {
        var notes: [FlowProblem] = []
        for language in languages where language.speech && !FlowLanguage.recognizable(language.code) {
            notes.append(FlowProblem(file: file, line: language.line, message: """
                note: language '\(language.code)' takes speech, but the recognizer's model is English: \
                its callers' words will be heard as English ones (speech: false makes it keypad only)
                """))
        }
        for webhook in webhooks {
            if let name = webhook.secretEnv, (ProcessInfo.processInfo.environment[name] ?? "").isEmpty {
                notes.append(FlowProblem(file: file, line: webhook.line, message: """
                    note: webhook \(webhook.url): \(name) is not set here, so its events wait in the outbox \
                    (unsigned events are never sent) until an ivr with \(name) set delivers them
                    """))
            }
            if webhook.secretEnv == nil {
                notes.append(FlowProblem(file: file, line: webhook.line, message: """
                    note: webhook \(webhook.url) has no secret_env: its events are sent unsigned, and the receiver \
                    cannot tell them from anyone else's
                    """))
            }
        }
        notes += lookupKeyNotes
        for case .menu(let menu) in nodes.values.sorted(by: { $0.line < $1.line }) {
            guard let extensions = menu.extensions, extensions.length > 1 else { continue }
            var keys = menu.options.compactMap(\.key).filter(\.isNumber)
            if settings.operatorNode != nil, !keys.contains("0") { keys.append("0") }
            guard !keys.isEmpty else { continue }
            let list = keys.sorted().map(String.init).joined(separator: ", ")
            let pause = settings.interDigitTimeout.formatted()
            notes.append(FlowProblem(file: file, line: menu.line, message: """
                note: menu '\(menu.name)': key\(keys.count == 1 ? "" : "s") \(list) also begin\(keys.count == 1 ? "s" : "") \
                \(extensions.length)-digit extensions: pressed alone, \(keys.count == 1 ? "it is" : "they are") answered after \
                the \(pause) s inter-digit pause (or at once with #)
                """))
        }
        return notes
    }

    /// A lookup whose key no step of the flow collects (a typo, most likely): it would always
    /// take its failure path. Spoken slots fill fields too, so this is a note, not a problem.
    private var lookupKeyNotes: [FlowProblem] {
        var collected: Set<String> = ["account"]
        for node in nodes.values {
            switch node {
            case .collect(let collect): collected.insert(collect.field)
            case .verify(let verify): collected.insert(verify.accountField)
            default: break
            }
        }
        for columns in tables.values.compactMap(\.rows.values.first?.keys) { collected.formUnion(columns) }
        return nodes.values.sorted { $0.line < $1.line }.compactMap { node -> FlowProblem? in
            guard case .lookup(let lookup) = node, !collected.contains(lookup.key) else { return nil }
            let hint = closest(to: lookup.key, in: collected).map { " (did you mean '\($0)'?)" } ?? ""
            return FlowProblem(file: file, line: lookup.line, message: """
                note: lookup '\(lookup.name)': no step collects '\(lookup.key)'\(hint); unless a spoken slot fills it, \
                the lookup always takes its failure path
                """)
        }
    }
}
