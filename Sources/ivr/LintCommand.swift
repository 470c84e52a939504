import ArgumentParser
import Foundation
import IVRFlow
import IVREngine

struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check a flow file.",
        discussion: """
        Reports every problem with its file and line: unknown keys, wrong values, targets that \
        name no node, unreachable nodes, keys or phrases used twice in a menu, options with \
        neither key nor phrase, missing recorded prompts and tables, invalid hours, intents \
        and slots (`when`) that the flow's intent files do not define, languages without the \
        whole stock prompt set (prompts/<language>.yaml), and in a flow of several languages \
        prompts without a text in each. Exit status 1 if there is any. \
        Notes on standard error (no failure) say what callers will meet that an author may not \
        expect, such as menu keys that also begin extensions (answered after the inter-digit \
        pause). The format of flow files: docs/flow-format.md.

        Examples:
          ivr lint examples/help-desk.yaml
          ivr lint --json my-flow.yaml
        """)

    @Argument(help: "The flow file (YAML).")
    var file: String

    @Flag(help: "One JSON object per problem: {\"file\":…,\"line\":…,\"message\":…}.")
    var json = false

    func run() throws {
        let (flow, flowProblems) = FlowLoader.check(path: file)
        // Intents the menus choose by, against the flow's intent files.
        let problems = flowProblems + (flow.map { intentProblems(of: $0) } ?? [])
        for problem in problems {
            if json {
                let object: [String: Any] = ["file": problem.file, "line": problem.line, "message": problem.message]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(problem.description)
            }
        }
        guard problems.isEmpty, let flow else {
            throw InputFailure(message: "\(file): \(problems.count) problem\(problems.count == 1 ? "" : "s")")
        }
        // What callers will experience that the author may not expect: said, not failed.
        for note in flow.notes { printError(note.description) }
        if !json {
            let menus = flow.nodes.values.filter { if case .menu = $0 { true } else { false } }.count
            printError("\(file): ok (\(flow.nodes.count) nodes, \(menus) menus, \(flow.queues.count) queues)")
        }
    }
}
