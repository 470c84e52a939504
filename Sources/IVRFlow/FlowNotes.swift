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
}
