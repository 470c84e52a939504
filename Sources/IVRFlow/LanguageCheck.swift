import Foundation

/// The checks that keep every caller in their own language: each language of the flow has the
/// whole stock prompt set, and in a flow of several languages each of its own prompts has a
/// text in each of them (a recording named in the flow plays to all, so it is reported too).
struct LanguageCheck {
    let flow: Flow

    func problems() -> [FlowProblem] {
        stockCoverage() + promptCoverage()
    }

    private func stockCoverage() -> [FlowProblem] {
        flow.languages.compactMap { language in
            let code = language.code
            guard let stock = flow.stock.languages[code] else {
                let place = flow.stock.folder.map { ($0 as NSString).appendingPathComponent("\(code).yaml") }
                    ?? "prompts/\(code).yaml (the project's prompts/ folder was not found: set IVR_HOME)"
                return FlowProblem(file: flow.file, line: language.line,
                                   message: "language '\(code)' has no stock prompts: add \(place), a translation of en.yaml (docs/flow-format.md, \"Stock prompts\")")
            }
            let missing = flow.stock.missingPhrases(in: code)
            guard !missing.isEmpty else { return nil }
            return FlowProblem(file: flow.file, line: language.line,
                               message: "language '\(code)': stock prompts missing in \(stock.files.joined(separator: ", ")): "
                                   + missing.map(\.rawValue).joined(separator: ", "))
        }
    }

    private func promptCoverage() -> [FlowProblem] {
        let codes = flow.languages.map(\.code)
        guard codes.count > 1 else { return [] }
        var problems: [FlowProblem] = []
        for node in flow.nodes.values.sorted(by: { $0.name < $1.name }) {
            for prompt in node.prompts where prompt.stockID == nil {
                if let file = prompt.file {
                    problems.append(FlowProblem(file: flow.file, line: prompt.line, message:
                        "\(prompt.id): the recording '\(file)' would play to callers of every language; "
                        + "name recordings by language instead (\(prompt.id).<language>.wav in the prompt folder)"))
                }
                let missing = codes.filter { prompt.texts[$0] == nil }
                guard !missing.isEmpty else { continue }
                let list = missing.map { "'\($0)'" }.joined(separator: ", ")
                problems.append(FlowProblem(file: flow.file, line: prompt.line, message: prompt.texts["*"] != nil
                    ? "\(prompt.id): one text for every language would be spoken to \(list) callers; give a text per language"
                    : "\(prompt.id): no \(list) text (those callers would hear another language)"))
            }
        }
        return problems
    }
}
