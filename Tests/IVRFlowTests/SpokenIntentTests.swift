import Foundation
import Testing
@testable import IVRFlow

@Suite("Menus that choose by intent and slot; digits by voice")
struct SpokenIntentTests {
    /// A menu whose options are chosen by an intent file's intent and its slot value.
    static let flowText = """
    start: main
    intents: [intents.yaml]
    tables:
      accounts: { file: accounts.csv, key: account }
    nodes:
      main:
        type: menu
        prompt: "How can I help?"
        options:
          - { key: "1", say: ["billing"], go: billing }
          - { intent: transfer, when: { department: sales }, go: sales }
          - { intent: transfer, when: { department: support }, go: support }
          - { intent: account, go: balance }
          - { key: "2", go: order }
      billing: { type: transfer, queue: billing }
      sales: { type: transfer, queue: sales }
      support: { type: transfer, queue: support }
      balance:
        type: verify
        table: accounts
        account_digits: "4"
        pin_digits: "4"
        next: order
        lockout: bye
      order:
        type: collect
        prompt: "Your order number?"
        digits: "6"
        next: bye
        failure: bye
      bye: { type: hangup, outcome: done }
    queues: { billing: {}, sales: {}, support: {} }
    """
    static let files = ["accounts.csv": "account,pin\n4242,1234\n", "intents.yaml": "intents:\n  transfer: ['talk to {department}']\n"]

    @Test("the option whose intent and slot values match is chosen")
    func whenSlots() throws {
        let flow = try loadFlow(Self.flowText, files: Self.files)
        #expect(flow.intentFiles.count == 1 && flow.intentFiles[0].path.hasSuffix("intents.yaml") && flow.intentFiles[0].line == 2)
        guard case .menu(let menu)? = flow.nodes["main"] else { Issue.record("no menu"); return }
        // One spoken intent per name: the option's phrases, or the intent files' for an intent of theirs.
        #expect(menu.spokenIntents == [SpokenIntent(name: "billing", phrases: ["billing"]),
                                       SpokenIntent(name: "transfer", phrases: [], fromIntentFiles: true),
                                       SpokenIntent(name: "account", phrases: [], fromIntentFiles: true)])
        for (department, target) in [("support", "support"), ("sales", "sales")] {
            let call = CallDriver(flow)
            call.answer()
            call.listen()
            call.send(.speechStarted)
            call.send(.intent("transfer", slots: ["department": department], confidence: 0.9, words: "talk to \(department)"))
            #expect(call.path == ["main", target])
        }
        // A slot value no option wants is a no-match.
        let call = CallDriver(flow)
        call.answer()
        call.listen()
        call.send(.intent("transfer", slots: ["department": "legal"], confidence: 0.9))
        #expect(call.path == ["main"] && call.events("no_match").count == 1)
    }

    @Test("an intent given phrases by one option and chosen by the intent files in another keeps both")
    func phrasesBesideIntentFiles() throws {
        let text = Self.flowText.replacingOccurrences(of: "- { key: \"2\", go: order }", with: "- { key: \"2\", say: [\"sales\"], intent: transfer, go: order }")
        let flow = try loadFlow(text, files: Self.files)
        guard case .menu(let menu)? = flow.nodes["main"] else { Issue.record("no menu"); return }
        #expect(menu.spokenIntents.first { $0.name == "transfer" } == SpokenIntent(name: "transfer", phrases: ["sales"], fromIntentFiles: true))
        #expect(menu.spokenIntents.count == 3)
    }

    @Test("an account number said in a menu goes to verify, which asks only for the PIN; it is masked")
    func accountFromSpeech() throws {
        let call = CallDriver(try loadFlow(Self.flowText, files: Self.files))
        call.answer()
        call.listen()
        call.send(.intent("account", slots: ["account": "4242"], confidence: 0.9, words: "my account number is four two four two"))
        #expect(call.path == ["main", "balance"])
        #expect(call.events("account").first?.detail["from"] == "account")
        call.press("1234")
        #expect(call.path.last == "order")
        #expect(call.session.context.verifiedAccount == "****")
        #expect(!call.logText.contains("4242") && !call.logText.contains("four two four two"))
    }

    @Test("digits are entered by voice where they are entered by key, checked the same")
    func digitsByVoice() throws {
        let entry = CallDriver(try loadFlow(Self.flowText, files: Self.files))
        entry.answer()
        entry.press("2")
        entry.listen()
        guard case .listen(let request)? = entry.commands.last else { Issue.record("not listening"); return }
        // The recognizer is told how many digits the entry takes.
        #expect(request.collectingDigits && request.intents == [.entry(lengths: 6...6)])
        #expect(request.intents.first?.phrases == ["{entry:digits_6_6}"])
        entry.send(.speechStarted)
        entry.send(.intent(SpokenIntent.entryName, slots: [SpokenIntent.entrySlot: "12345"], confidence: 0.9))
        #expect(entry.events("invalid").last?.detail["reason"] == "too short")
        entry.listen()
        entry.send(.intent(SpokenIntent.entryName, slots: [SpokenIntent.entrySlot: "123456"], confidence: 0.2))
        #expect(entry.events("no_match").last?.detail["reason"] == "low confidence")
        entry.listen()
        entry.send(.intent(SpokenIntent.entryName, slots: [SpokenIntent.entrySlot: "123456"], confidence: 0.9))
        #expect(entry.session.context.data["order"] == "123456")
        #expect(entry.path == ["main", "order", "bye"])
    }

    @Test("per-intent thresholds beside the flow replace min_confidence for those intents")
    func calibratedThresholds() throws {
        let files = Self.files.merging(["flow.thresholds.yaml": "target_false_alarm_rate: 0.05\nthresholds:\n  transfer: 0.8\n"]) { $1 }
        let flow = try loadFlow(Self.flowText, files: files)
        #expect(flow.threshold(for: "transfer") == 0.8 && flow.threshold(for: "billing") == flow.settings.minimumConfidence)
        let call = CallDriver(flow)
        call.answer()
        call.listen()
        call.send(.intent("transfer", slots: ["department": "sales"], confidence: 0.7))
        #expect(call.path == ["main"] && call.events("no_match").last?.detail["reason"] == "low confidence")
    }
}
