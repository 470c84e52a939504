import Foundation
import Testing

@Suite("ivr say and ivr prompts render")
struct SpeechCommandTests {
    @Test("ivr say writes speech at the asked rate; ivr info reads it back")
    func say() throws {
        let path = IVRProcess.temporaryFolder().appendingPathComponent("say.wav").path
        let result = try IVRProcess.run(["say", "For billing, press one.", "-o", path, "--sample-rate", "8000"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let info = try IVRProcess.run(["info", "--json", path])
        let object = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any]
        #expect(object?["sample_rate"] as? Int == 8000, "\(info.stdout)")
        let voices = try IVRProcess.run(["say", "--list-voices"])
        #expect(voices.stdout.split(separator: "\n").contains { $0.hasPrefix("en-us\t") }, "\(voices.stdout)")
    }

    @Test("an unknown voice is bad input, named with the available ones")
    func unknownVoice() throws {
        let path = IVRProcess.temporaryFolder().appendingPathComponent("nope.wav").path
        let result = try IVRProcess.run(["say", "hello", "--voice", "en-zz", "-o", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("unknown eSpeak NG voice 'en-zz'") && result.stderr.contains("en-us"), "\(result.stderr)")
        #expect(try IVRProcess.run(["say", "hello"]).status == 2)
    }

    @Test("ivr prompts render fills the cache, then finds everything in it")
    func render() throws {
        let folder = IVRProcess.temporaryFolder()
        let flow = folder.appendingPathComponent("flow.yaml").path
        try FileManager.default.createDirectory(atPath: folder.appendingPathComponent("prompts").path, withIntermediateDirectories: true)
        try """
        start: main
        nodes:
          main:
            type: menu
            prompt: "For sales, press 1."
            options: [{ key: "1", go: bye }]
          bye: { type: hangup, prompt: { file: bye.wav, text: "Goodbye." } }
        """.write(toFile: flow, atomically: true, encoding: .utf8)
        let cache = folder.appendingPathComponent("cache").path
        // The flow names a recording that is missing: lint says so.
        #expect(try IVRProcess.run(["lint", flow]).status == 1)
        let first = try IVRProcess.run(["prompts", "render", flow, "--cache", cache])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("bye.prompt [en] missing recording"), "\(first.stdout)")
        #expect(first.stdout.contains("1 missing recordings"))
        try FileManager.default.removeItem(atPath: cache)
        _ = try IVRProcess.run(["say", "Goodbye.", "-o", folder.appendingPathComponent("prompts/bye.wav").path])
        let rendered = try IVRProcess.run(["prompts", "render", flow, "--cache", cache])
        #expect(rendered.status == 0, "\(rendered.stderr)")
        #expect(rendered.stdout.contains("main.prompt [en] synthesized"))
        #expect(rendered.stdout.contains("bye.prompt [en] recorded"))
        // The menu's reprompts are the stock phrases (the flow gives none).
        #expect(rendered.stdout.contains("main.no_input [en] synthesized"))
        #expect(rendered.stdout.contains("4 prompts: 1 recorded, 3 synthesized, 0 already cached"), "\(rendered.stdout)")
        let again = try IVRProcess.run(["prompts", "render", flow, "--cache", cache])
        #expect(again.stdout.contains("main.prompt [en] cached"))
    }

    @Test("ivr prompts list: each id's source and text, for a flow or the stock set, one language or JSON")
    func list() throws {
        let spanish = try IVRProcess.run(["prompts", "list", "--language", "es", "\(IVRProcess.examples)/help-desk.yaml"])
        #expect(spanish.status == 0, "\(spanish.stderr)")
        let lines = spanish.stdout.split(separator: "\n").map(String.init)
        #expect(lines.allSatisfy { $0.contains(" [es] ") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("main.prompt [es] flow ") && $0.contains("help-desk.yaml:") })
        #expect(lines.contains { $0.hasPrefix("password.no_input [es] stock ") && $0.contains("prompts/es.yaml:")
                                 && $0.hasSuffix(": Perdone, no le he oído.") })
        let english = try IVRProcess.run(["prompts", "list", "--language", "en", "\(IVRProcess.examples)/help-desk.yaml"])
        #expect(english.stdout.contains("hours.prompt [en] recording \(IVRProcess.examples)/prompts/en/hours.prompt.wav: We are open"),
                "\(english.stdout)")
        let stock = try IVRProcess.run(["prompts", "list", "--json", "--language", "fr"])
        let objects = try stock.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: String]
        }
        #expect(objects.count == 18)
        #expect(objects.first { $0["id"] == "confirm_choice" }?["text"]?.hasPrefix("Avez-vous dit {choice} ?") == true)
        #expect(objects.first { $0["id"] == "goodbye" }?["text"] == "Merci de votre appel. Au revoir.")
        let unknown = try IVRProcess.run(["prompts", "list", "--language", "it"])
        #expect(unknown.status == 1 && unknown.stderr.contains("no prompts in language 'it'"), "\(unknown.stderr)")
    }
}
