import Foundation
import Testing

@Suite("ivr recognize and ivr grammar check")
struct RecognizeCommandTests {
    static let intents = "\(IVRProcess.examples)/intents.yaml"

    /// A phrase spoken by flite's slt voice into a WAV file at 16 kHz (nil without flite).
    func speech(_ text: String, name: String) throws -> String? {
        let path = IVRProcess.temporaryFolder().appendingPathComponent(name).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["flite", "-voice", "slt", "-t", text, "-o", path]
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        return process.terminationStatus == 0 ? path : nil
    }

    @Test("--intents prints the intent, --json adds words, confidence and slots")
    func intents() throws {
        guard let path = try speech("my account number is four seven one one", name: "account.wav") else { return }
        let plain = try IVRProcess.run(["recognize", path, "--intents", Self.intents])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout == "account\n")
        let json = try IVRProcess.run(["recognize", path, "--intents", Self.intents, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["intent"] as? String == "account")
        #expect((object?["slots"] as? [String: String])?["account"] == "4711")
        #expect((object?["confidence"] as? Double ?? 0) >= 0.5)
        guard let other = try speech("the weather is nice today", name: "weather.wav") else { return }
        #expect(try IVRProcess.run(["recognize", other, "--intents", Self.intents]).stdout == "\n")
    }

    @Test("an ivr that cannot find the narrowband transform says so, and still recognizes")
    func missingNarrowbandTransform() throws {
        guard let path = try speech("billing", name: "billing.wav") else { return }
        let found = try IVRProcess.run(["recognize", path, "--intents", Self.intents])
        #expect(found.status == 0 && !found.stderr.contains("narrowband"), "\(found.stderr)")
        let elsewhere = IVRProcess.temporaryFolder().path
        let missing = try IVRProcess.run(["recognize", path, "--intents", Self.intents], environment: ["IVR_HOME": elsewhere])
        #expect(missing.status == 0, "\(missing.stderr)")
        #expect(missing.stderr.contains("models/en-us-narrowband.mllr was not found") && missing.stderr.contains("IVR_HOME"))
        #expect(missing.stdout == found.stdout)
    }

    @Test("grammar calibrate writes per-intent thresholds that recognize then applies")
    func calibrate() throws {
        guard let hours = try speech("what are your opening hours", name: "hours.wav") else { return }
        let folder = IVRProcess.temporaryFolder()
        let intents = folder.appendingPathComponent("menu.yaml").path
        try """
        intents:
          hours: ["[what are your] opening hours", when are you open]
          billing: [billing please, pay my bill]
        """.write(toFile: intents, atomically: true, encoding: .utf8)
        let run = try IVRProcess.run(["grammar", "calibrate", intents, "--voices", "flite:slt", "--rates", "16000", "--per-intent", "2"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("4 phrases, 24 outside sentences, 1 voice, 16 kHz: 28 utterances"), "\(run.stdout)")
        #expect(run.stdout.contains("after: F1 ") && run.stdout.contains("wrote \(folder.path)/menu.thresholds.yaml"))
        let file = folder.appendingPathComponent("menu.thresholds.yaml").path
        let written = try String(contentsOfFile: file, encoding: .utf8)
        #expect(written.contains("target_false_alarm_rate: 0.05") && written.contains("hours: ") && written.contains("billing: "))
        #expect(try IVRProcess.run(["recognize", hours, "--intents", intents]).stdout == "hours\n")
        // A threshold no confidence reaches turns the intent into a no-match, unless overridden.
        try "target_false_alarm_rate: 0.05\nthresholds:\n  hours: 1.01\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try IVRProcess.run(["recognize", hours, "--intents", intents]).stdout == "\n")
        #expect(try IVRProcess.run(["recognize", hours, "--intents", intents, "--min-confidence", "0.5"]).stdout == "hours\n")
        let bad = try IVRProcess.run(["grammar", "calibrate", intents, "--rates", "44100"])
        #expect(bad.status == 2 && bad.stderr.contains("--rates takes 8000 and/or 16000"))
    }

    @Test("grammar calibrate FLOW.yaml tunes the menus' spoken intents and writes them beside the flow")
    func calibrateFlow() throws {
        guard try speech("hello", name: "probe.wav") != nil else { return }
        let folder = IVRProcess.temporaryFolder()
        try "intents:\n  hours: ['[what are your] opening hours']\n".write(to: folder.appendingPathComponent("intents.yaml"), atomically: true, encoding: .utf8)
        let flow = folder.appendingPathComponent("desk.yaml").path
        try """
        start: main
        intents: [intents.yaml]
        nodes:
          main:
            type: menu
            prompt: "Hello."
            options:
              - { key: "1", say: ["billing please"], go: bye }
              - { intent: hours, go: bye }
          bye: { type: hangup }
        """.write(toFile: flow, atomically: true, encoding: .utf8)
        let run = try IVRProcess.run(["grammar", "calibrate", flow, "--voices", "flite:slt", "--rates", "16000", "--per-intent", "1"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let written = try String(contentsOfFile: folder.appendingPathComponent("desk.thresholds.yaml").path, encoding: .utf8)
        #expect(written.contains("bye: ") && written.contains("hours: "), "\(written)")
        #expect(try IVRProcess.run(["lint", flow]).status == 0)
    }

    @Test("grammar calibrate --keywords writes the list with a threshold per phrase, which recognize takes")
    func calibrateKeywords() throws {
        guard let path = try speech("hello I need technical support please", name: "support.wav") else { return }
        let folder = IVRProcess.temporaryFolder()
        let list = folder.appendingPathComponent("keywords.txt").path
        try "technical support\nbilling /1e-30/\n".write(toFile: list, atomically: true, encoding: .utf8)
        let run = try IVRProcess.run(["grammar", "calibrate", list, "--keywords", "--voices", "flite:slt", "--rates", "16000"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("2 phrases, 24 outside sentences, 1 voice, 16 kHz: 28 utterances"), "\(run.stdout)")
        let written = try String(contentsOfFile: folder.appendingPathComponent("keywords.calibrated.txt").path, encoding: .utf8)
        let thresholds = written.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(thresholds.count == 2 && thresholds[0].hasPrefix("technical support /") && thresholds[1].hasPrefix("billing /"), "\(written)")
        let recognized = try IVRProcess.run(["recognize", path, "--keywords", folder.appendingPathComponent("keywords.calibrated.txt").path])
        #expect(recognized.status == 0 && recognized.stdout == "technical support\n", "\(recognized.stdout)\(recognized.stderr)")
        let json = try IVRProcess.run(["grammar", "calibrate", list, "--keywords", "--voices", "flite:slt", "--rates", "8000", "--dry-run", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["thresholds"] as? [String: Double])?.keys.sorted() == ["billing", "technical support"])
        #expect((object?["trials"] as? [Any])?.count == 28)
    }

    @Test("--grammar prints the words on one line; --keywords the phrases found")
    func grammarAndKeywords() throws {
        guard let path = try speech("go forward ten meters", name: "forward.wav") else { return }
        let grammar = IVRProcess.temporaryFolder().appendingPathComponent("move.gram").path
        try "#JSGF V1.0;\ngrammar move;\npublic <move> = go (forward | backward) (one | five | ten) meters;\n"
            .write(toFile: grammar, atomically: true, encoding: .utf8)
        #expect(try IVRProcess.run(["recognize", path, "--grammar", grammar]).stdout == "go forward ten meters\n")
        let keywords = IVRProcess.temporaryFolder().appendingPathComponent("keywords.txt").path
        try "forward /1e-10/\nmeters\n".write(toFile: keywords, atomically: true, encoding: .utf8)
        #expect(try IVRProcess.run(["recognize", path, "--keywords", keywords]).stdout == "forward meters\n")
        try "forward /oops/\n".write(toFile: keywords, atomically: true, encoding: .utf8)
        let bad = try IVRProcess.run(["recognize", path, "--keywords", keywords])
        #expect(bad.status == 1 && bad.stderr.contains("keywords.txt:1: expected 'phrase /threshold/'"), "\(bad.stderr)")
        #expect(try IVRProcess.run(["recognize", path]).status == 2)
    }

    @Test("grammar check: ok for the example, file:line problems otherwise")
    func check() throws {
        let ok = try IVRProcess.run(["grammar", "check", Self.intents])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stderr.contains("ok (6 intents"))
        let path = IVRProcess.temporaryFolder().appendingPathComponent("bad-intents.yaml").path
        try "intents:\n  pay: [\"pay my blorp\"]\n".write(toFile: path, atomically: true, encoding: .utf8)
        let bad = try IVRProcess.run(["grammar", "check", path])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("\(path):2: 'blorp' is not in the recognizer's dictionary"), "\(bad.stdout)")
        // A word the model lacks is known once a project dictionary gives its phones.
        try "intents:\n  desk: [\"the helpdesk please\"]\n".write(toFile: path, atomically: true, encoding: .utf8)
        let dictionary = IVRProcess.temporaryFolder().appendingPathComponent("extra.dict").path
        try "# extra words\nhelpdesk HH EH L P D EH S K\n".write(toFile: dictionary, atomically: true, encoding: .utf8)
        #expect(try IVRProcess.run(["grammar", "check", path, "--dictionary", dictionary]).status == 0)
        try "helpdesk ZZ TOP\n".write(toFile: dictionary, atomically: true, encoding: .utf8)
        let badPhones = try IVRProcess.run(["grammar", "check", path, "--dictionary", dictionary])
        #expect(badPhones.status == 1 && badPhones.stderr.contains("extra.dict:1:"), "\(badPhones.stderr)")
        try "intents:\n  sales: [\"[talk to] sales\"]\n  agent: [\"talk to (sales | an agent)\"]\n".write(toFile: path, atomically: true, encoding: .utf8)
        let conflict = try IVRProcess.run(["grammar", "check", path])
        #expect(conflict.status == 1)
        #expect(conflict.stdout.contains("conflict: 'talk to sales' is accepted by sales and agent"), "\(conflict.stdout)")
    }
}
