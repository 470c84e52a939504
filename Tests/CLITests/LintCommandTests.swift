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
}
