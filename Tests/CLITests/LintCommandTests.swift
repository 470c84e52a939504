import Foundation
import Testing

@Suite("ivr lint")
struct LintCommandTests {
    static let example = "\(IVRProcess.examples)/help-desk.yaml"

    @Test("the example flow passes")
    func example() throws {
        let result = try IVRProcess.run(["lint", Self.example])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("ok (20 nodes"))
    }

    @Test("menu keys that also begin extensions are noted with the wait, without failing")
    func extensionNote() throws {
        let result = try IVRProcess.run(["lint", "\(IVRProcess.examples)/pharmacy.yaml"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("pharmacy.yaml:32: note: menu 'main': keys 0, 1, 2 also begin 3-digit extensions"), "\(result.stderr)")
        #expect(result.stderr.contains("answered after the 3 s inter-digit pause"))
        let helpDesk = try IVRProcess.run(["lint", Self.example])
        #expect(!helpDesk.stderr.contains("note:"), "\(helpDesk.stderr)")
    }

    @Test("a broken flow gets file:line problems and exit 1, also as JSON")
    func broken() throws {
        let path = IVRProcess.temporaryFolder().appendingPathComponent("broken.yaml").path
        try """
        start: main
        nodes:
          main:
            type: menu
            prompt: "Hello."
            options:
              - { key: "1", go: biling }
          billing: { type: hangup }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try IVRProcess.run(["lint", path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("\(path):7: go: no node named 'biling' (did you mean 'billing'?)"), "\(result.stdout)")
        #expect(result.stdout.contains("\(path):8: node 'billing' is unreachable"), "\(result.stdout)")
        let json = try IVRProcess.run(["lint", "--json", path])
        let objects = json.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.count == 2 && objects.allSatisfy { $0["line"] is Int && $0["message"] is String })
        #expect(try IVRProcess.run(["lint", "/nonexistent.yaml"]).status == 1)
    }

    @Test("intents and slots a menu chooses by are checked against the flow's intent files")
    func intents() throws {
        let folder = IVRProcess.temporaryFolder()
        try "intents:\n  transfer: ['talk to {department}']\nslots:\n  department: { sales: [sales], support: [support] }\n"
            .write(to: folder.appendingPathComponent("intents.yaml"), atomically: true, encoding: .utf8)
        let path = folder.appendingPathComponent("flow.yaml").path
        try """
        start: main
        intents: [intents.yaml]
        nodes:
          main:
            type: menu
            prompt: "Hello."
            options:
              - { intent: transfer, when: { department: sales }, go: bye }
              - { intent: transfer, when: { department: legal }, go: bye }
              - { intent: transfer, when: { team: support }, go: bye }
              - { intent: refund, go: bye }
          bye: { type: hangup }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try IVRProcess.run(["lint", path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("\(path):9: menu 'main': slot 'department' of intent 'transfer' is never 'legal' (its values: sales, support)"), "\(result.stdout)")
        #expect(result.stdout.contains("\(path):10: menu 'main': intent 'transfer' has no slot 'team'"), "\(result.stdout)")
        #expect(result.stdout.contains("\(path):11: menu 'main': no intent file defines intent 'refund'"), "\(result.stdout)")
        #expect(!result.stdout.contains(":8:"), "the sales option is fine: \(result.stdout)")
        try "start: main\nintents: [missing.yaml]\nnodes:\n  main: { type: hangup }\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try IVRProcess.run(["lint", path]).stdout.contains("\(path):2: intent file 'missing.yaml' does not exist"))
    }
}
