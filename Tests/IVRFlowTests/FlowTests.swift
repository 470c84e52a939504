import Foundation
import Testing
@testable import IVRFlow

@Suite("Flow files: loading and lint")
struct LintTests {
    @Test("the example help desk has no problems")
    func example() throws {
        let flow = try helpDeskFlow()
        #expect(flow.nodes.count == 20)
        #expect(flow.languages.map(\.code) == ["en", "es", "fr", "de"])
        #expect(flow.language("es")?.speech == false)
    }

    static let base = """
    start: main
    nodes:
      main:
        type: menu
        prompt: "Hello."
        options:
          - { key: "1", go: bye }
      bye: { type: hangup }
    """

    /// Each broken flow, the line of its problem and a piece of the message.
    static let broken: [(String, String, Int, String)] = [
        ("unknown key", base.replacingOccurrences(of: "    prompt: \"Hello.\"", with: "    promt: \"Hello.\""),
         5, "unknown key 'promt' in node 'main' (menu) (did you mean 'prompt'?)"),
        ("dangling target", base.replacingOccurrences(of: "go: bye", with: "go: by"), 7, "no node named 'by' (did you mean 'bye'?)"),
        ("unreachable node", base + "\n  lonely: { type: hangup }", 9, "node 'lonely' is unreachable"),
        ("duplicate key", base.replacingOccurrences(of: "      - { key: \"1\", go: bye }", with: "      - { key: \"1\", go: bye }\n      - { key: \"1\", go: main }"),
         8, "key 1 is already used by the option on line 7"),
        ("option with neither key nor phrase", base.replacingOccurrences(of: "{ key: \"1\", go: bye }", with: "{ go: bye }"),
         7, "has neither a key, a phrase to say nor an intent"),
        ("bad key", base.replacingOccurrences(of: "key: \"1\"", with: "key: \"12\""), 7, "must be one keypad key"),
        ("missing prompt file", base.replacingOccurrences(of: "prompt: \"Hello.\"", with: "prompt: { file: hello.wav }"),
         5, "recorded prompt"),
        ("unknown node type", base.replacingOccurrences(of: "type: hangup", with: "type: hangpu"), 8, "unknown type 'hangpu' (did you mean 'hangup'?)"),
        ("unknown start", base.replacingOccurrences(of: "start: main", with: "start: mian"), 1, "no node named 'mian'"),
        ("not YAML", "start: main\nnodes: [\n", 3, "not valid YAML"),
        ("unknown queue", base.replacingOccurrences(of: "bye: { type: hangup }", with: "bye: { type: transfer, queue: sales }"),
         8, "no queue named 'sales'"),
        ("unknown language", base.replacingOccurrences(of: "{ key: \"1\", go: bye }", with: "{ key: \"1\", go: bye, language: fr }"),
         7, "no language (not in 'languages') named 'fr'"),
    ]

    @Test("each broken flow is reported at its line", arguments: broken.indices)
    func brokenFlow(index: Int) throws {
        let (name, yaml, line, message) = Self.broken[index]
        let (_, problems) = try checkFlow(yaml)
        #expect(problems.contains { $0.line == line && $0.message.contains(message) },
                "\(name): \(problems.map(\.description))")
    }

    @Test("webhooks: endpoints with their events and secret; a wrong event, address or secret name is reported at its line")
    func webhooks() throws {
        let good = Self.base + """

        webhooks:
          - { url: "https://helpdesk.example/ivr", events: [voicemail, callback], secret_env: IVR_WEBHOOK_SECRET, timeout: 3 }
          - { url: "http://127.0.0.1:8080/all" }
        """
        let (flow, problems) = try checkFlow(good)
        #expect(problems.isEmpty, "\(problems)")
        #expect(flow?.webhooks.map(\.url) == ["https://helpdesk.example/ivr", "http://127.0.0.1:8080/all"])
        #expect(flow?.webhooks.first?.events == [.voicemail, .callback] && flow?.webhooks.first?.timeout == 3)
        #expect(flow?.webhooks.first?.secretEnv == "IVR_WEBHOOK_SECRET" && flow?.webhooks.first?.line == 10)
        #expect(flow?.webhooks.last?.events == Set(WebhookEventKind.allCases))
        // Notes, not problems: a secret not set here, an endpoint without one.
        #expect(flow?.notes.contains { $0.line == 10 && $0.message.contains("IVR_WEBHOOK_SECRET is not set") } == true)
        #expect(flow?.notes.contains { $0.line == 11 && $0.message.contains("unsigned") } == true)

        let bad = Self.base + """

        webhooks:
          - { url: "https://helpdesk.example/ivr", events: [voicemial] }
          - { url: "helpdesk.example/ivr" }
          - { url: "https://helpdesk.example/ivr", secret_env: "my secret" }
        """
        let messages = try checkFlow(bad).1.map { "\($0.line): \($0.message)" }
        #expect(messages.contains { $0.hasPrefix("10:") && $0.contains("unknown webhook event 'voicemial' (did you mean 'voicemail'?)") },
                "\(messages)")
        #expect(messages.contains { $0.hasPrefix("11:") && $0.contains("is not an http:// or https:// address") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("12:") && $0.contains("secret_env names an environment variable") }, "\(messages)")
    }

    @Test("invalid hours are reported: zone, day, range, holiday")
    func invalidHours() throws {
        let yaml = """
        start: main
        hours:
          office:
            timezone: Mars/Olympus
            weekly:
              mon-fry: "08:00-18:00"
              sat: "18:00-08:00"
            holidays: [25.12.2026]
        queues:
          sales: { hours: office }
        nodes:
          main: { type: transfer, queue: sales }
        """
        let (_, problems) = try checkFlow(yaml)
        let messages = problems.map { "\($0.line): \($0.message)" }
        #expect(messages.contains { $0.hasPrefix("4:") && $0.contains("unknown time zone 'Mars/Olympus'") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("6:") && $0.contains("'mon-fry' is not a day") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("7:") && $0.contains("'18:00-08:00' is not a time range") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("8:") && $0.contains("holiday '25.12.2026'") }, "\(messages)")
    }

    @Test("a table that is missing or malformed is reported")
    func tables() throws {
        let yaml = Self.base + "\ntables:\n  accounts: { file: accounts.csv }\n"
        let missing = try checkFlow(yaml).1
        #expect(missing.contains { $0.line == 10 && $0.message.contains("accounts.csv: cannot be read") }, "\(missing)")
        let malformed = try checkFlow(yaml, files: ["accounts.csv": "account,pin\n1234\n"]).1
        #expect(malformed.contains { $0.message.contains("line 2 has 1 fields, the header 2") }, "\(malformed)")
    }

    @Test("problems are collected in one pass, sorted by line")
    func manyProblems() throws {
        let yaml = Self.base.replacingOccurrences(of: "go: bye", with: "go: nowhere")
            .replacingOccurrences(of: "    prompt: \"Hello.\"", with: "    prompt: \"Hello.\"\n    colour: blue")
        let (_, problems) = try checkFlow(yaml)
        #expect(problems.count >= 3, "\(problems)")
        #expect(problems.map(\.line) == problems.map(\.line).sorted())
        #expect(problems.allSatisfy { $0.description.contains("flow.yaml:") })
    }
}

@Suite("Business hours, checks and prompt text")
struct RoutingPartsTests {
    @Test("open within the weekly hours in the schedule's zone, closed otherwise and on holidays")
    func hours() throws {
        let hours = BusinessHours(
            timeZone: try #require(BusinessHours.zone("America/New_York")),
            weekly: [2: [480..<1080], 7: [540..<780]], holidays: ["2026-12-28"])
        #expect(hours.isOpen(at: CallDriver.date("2026-11-23T08:00:00-05:00")))     // Monday 8:00
        #expect(!hours.isOpen(at: CallDriver.date("2026-11-23T07:59:00-05:00")))
        #expect(!hours.isOpen(at: CallDriver.date("2026-11-23T18:00:00-05:00")))
        #expect(hours.isOpen(at: CallDriver.date("2026-11-23T14:30:00+01:00")))     // 08:30 in New York
        #expect(hours.isOpen(at: CallDriver.date("2026-11-28T12:59:00-05:00")))     // Saturday
        #expect(!hours.isOpen(at: CallDriver.date("2026-11-29T10:00:00-05:00")))    // Sunday
        #expect(!hours.isOpen(at: CallDriver.date("2026-12-28T10:00:00-05:00")))    // holiday Monday
        #expect(BusinessHours.days("fri-mon") == [6, 7, 1, 2])
        #expect(BusinessHours.zone("+05:30")?.secondsFromGMT() == 19800)
    }

    @Test("Luhn, patterns, masking, digits read one by one")
    func checks() {
        #expect(DigitCheck.luhn("4111111111111111"))
        #expect(!DigitCheck.luhn("4111111111111112"))
        #expect(DigitCheck.luhn("79927398713"))
        #expect(DigitCheck.matches("5678", pattern: "[1-9][0-9]{3}"))
        #expect(!DigitCheck.matches("56789", pattern: "[1-9][0-9]{3}"))
        #expect(DigitCheck.masked("12345678") == "******78")
        #expect(DigitCheck.masked("1234") == "****")
    }

    @Test("digit entry: terminator, fixed length, pause")
    func digitEntry() {
        var fixed = DigitEntry(lengths: 4...4, terminator: "#")
        #expect(fixed.add("1") == .more)
        _ = fixed.add("2"); _ = fixed.add("3")
        #expect(fixed.add("4") == .complete("1234"))
        var variable = DigitEntry(lengths: 2...6, terminator: "#")
        #expect(variable.add("#") == .nothing)
        _ = variable.add("7")
        #expect(variable.add("#") == .tooShort)
        _ = variable.add("8")
        #expect(variable.timedOut() == .complete("78"))
    }
}
