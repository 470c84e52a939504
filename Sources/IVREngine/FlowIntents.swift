import IVRFlow
import IVRSpeech

/// The problems of a flow's spoken intents, with file and line: an intent file that does not
/// load, a menu option naming an intent no file defines, a `when` slot the intent does not
/// fill or a value its slot list does not give. `knows` checks words against the recognizer's
/// dictionary when given. (`ivr lint` adds these to the flow's own problems.)
public func intentProblems(of flow: Flow, knows: ((String) -> Bool)? = nil) -> [FlowProblem] {
    var problems: [FlowProblem] = []
    var files: [IntentGrammar] = []
    var allLoaded = true
    for reference in flow.intentFiles {
        do {
            files.append(try IntentGrammar.load(path: reference.path, knows: knows))
        } catch {
            allLoaded = false
            problems += error.problems.map { FlowProblem(file: $0.file, line: $0.line, message: $0.message) }
        }
    }
    for case .menu(let menu) in flow.nodes.values.sorted(by: { $0.line < $1.line }) {
        for option in menu.options where option.usesIntentFiles {
            let at = { (message: String) in FlowProblem(file: flow.file, line: option.line, message: "menu '\(menu.name)': \(message)") }
            guard let file = files.first(where: { $0.slotNames(of: option.intent) != nil }) else {
                if allLoaded {
                    problems.append(at(flow.intentFiles.isEmpty
                        ? "intent '\(option.intent)' has no phrases to say and the flow names no intent files ('intents: [file.yaml]')"
                        : "no intent file defines intent '\(option.intent)'"))
                }
                continue
            }
            let slots = file.slotNames(of: option.intent) ?? []
            for (slot, value) in option.conditions.sorted(by: { $0.key < $1.key }) {
                guard slots.contains(slot) else {
                    problems.append(at("intent '\(option.intent)' has no slot '\(slot)' (it has: \(slots.sorted().joined(separator: ", ")))"))
                    continue
                }
                if let type = file.slotType(slot, of: option.intent), let values = file.slotValues(ofList: type), !values.contains(value) {
                    problems.append(at("slot '\(slot)' of intent '\(option.intent)' is never '\(value)' (its values: \(values.sorted().joined(separator: ", ")))"))
                }
            }
        }
    }
    return problems
}
