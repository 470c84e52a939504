import Foundation
import Testing
@testable import IVRFlow
import IVRTestSupport

@Suite("Menus: keys and speech take the same paths")
struct MenuTests {
    @Test("keypad and speech reach the same transfer", arguments: [false, true])
    func billing(bySpeech: Bool) throws {
        let call = CallDriver(try helpDeskFlow(), caller: CallerInfo(number: "+15550001111"))
        call.answer()
        if bySpeech { call.say("english"); call.say("billing") } else { call.press("1"); call.press("1") }
        call.listen()
        #expect(call.outcome == .transferred(queue: "billing", priority: 5))
        #expect(call.path == ["language", "main", "billing"])
        guard case .transfer(let request)? = call.commands.last else {
            Issue.record("no transfer: \(call.commands)")
            return
        }
        #expect(request.context.path == ["language", "main", "billing"])
        #expect(request.context.callerNumber == "+15550001111")
        #expect(request.context.intent == "billing")
        #expect(call.spoken.last == "Connecting you to billing.")
    }

    @Test("the menu listens for its keys and, in English, its phrases")
    func listening() throws {
        let call = try inHelpDeskMainMenu()
        let listen = try #require(call.lastListen)
        #expect(listen.keys.isSuperset(of: ["1", "2", "3", "4", "5", "6", "0", "*", "#"]))
        #expect(listen.intents.map(\.name).starts(with: ["billing", "hours", "balance", "password", "sales", "text-help"]))
        #expect(listen.intents.first?.phrases == ["billing", "(pay | settle) [my] (bill | invoice)"])
    }

    @Test("a digit said instead of pressed chooses its option; the repeat and back keys are not listened for so")
    func keysSaid() throws {
        let call = try inHelpDeskMainMenu()
        let listen = try #require(call.lastListen)
        let said = listen.intents.compactMap { SpokenIntent.spokenKey($0.name) }
        #expect(Set(said) == Set("0123456789"))
        #expect(listen.intents.first { SpokenIntent.spokenKey($0.name) == "5" }?.phrases == ["[press | option | number] five"])
        call.say(try #require(listen.intents.first { SpokenIntent.spokenKey($0.name) == "5" }).name)
        call.listen()
        #expect(call.outcome == .transferred(queue: "sales", priority: 5))
        #expect(call.events("choice").last?.detail["via"] == "speech")
        #expect(call.events("intent").last?.detail["key"] == "5")

        // A digit that chooses nothing is a no-match, as pressed.
        let nothing = try inHelpDeskMainMenu()
        nothing.say("said key nine")
        #expect(nothing.session.node == "main" && nothing.events("no_match").first?.detail["key"] == "9")

        // Said for the operator (0), as pressed.
        let operatorCall = try inHelpDeskMainMenu()
        operatorCall.say("said key zero")
        #expect(operatorCall.events("operator").first?.detail["by"] == "speech")

        // Not where digits dial an extension, nor a word a menu's own option says.
        let extensionsFlow = try loadFlow("""
        start: main
        queues: { desk: {} }
        nodes:
          main:
            type: menu
            prompt: "Dial an extension, or press 1 for sales."
            extensions: { length: 3, to: desk }
            options: [{ key: "1", go: desk }]
          desk: { type: transfer, queue: desk }
        """)
        let dialling = CallDriver(extensionsFlow)
        dialling.answer()
        #expect(try #require(dialling.lastListen).intents.allSatisfy { SpokenIntent.spokenKey($0.name) == nil })
        #expect(SpokenIntent.spokenKeys(["1", "2"], except: ["One"]).map(\.name) == ["said key two"])
        let wordsOnly = CallDriver(try loadFlow(Self.confirmingFlow.replacingOccurrences(of: "key: \"1\", ", with: "").replacingOccurrences(of: "key: \"2\", ", with: "")))
        wordsOnly.answer()
        #expect(try #require(wordsOnly.lastListen).intents.allSatisfy { SpokenIntent.spokenKey($0.name) == nil })
        let keysOff = CallDriver(try loadFlow(Self.confirmingFlow.replacingOccurrences(of: "max_tries: 2,", with: "max_tries: 2, keys_by_voice: false,")))
        keysOff.answer()
        #expect(try #require(keysOff.lastListen).intents.map(\.name) == ["billing", "sales", "repeat", "operator"])
    }

    @Test("long prompt on first entry, short prompt on return")
    func shortPrompt() throws {
        let call = CallDriver(try helpDeskFlow())
        call.answer()
        call.press("1")
        call.press("2")          // hours (a recorded answer), then anything-else
        call.press("1")          // back to main
        let mainPrompts = call.plays.filter { $0.id.hasPrefix("main.") }.map(\.id)
        #expect(mainPrompts == ["main.prompt", "main.short_prompt"])
    }

    @Test("* repeats, # goes back, 0 reaches the operator")
    func navigationKeys() throws {
        let call = CallDriver(try helpDeskFlow())
        call.answer()
        call.press("1")
        call.press("*")
        #expect(call.plays.filter { $0.id == "main.prompt" }.count == 2)
        call.press("4")          // password menu
        call.press("#")          // back to main
        #expect(call.path == ["language", "main", "password", "main"])
        call.press("0")
        call.listen()
        #expect(call.outcome == .transferred(queue: "reception", priority: 5))
    }

    @Test("a key during a prompt stops it and counts (barge-in, type-ahead)")
    func bargeIn() throws {
        let call = CallDriver(try helpDeskFlow())
        call.answer()
        call.press("1", bargeIn: true)
        #expect(call.commands.contains(.stopPrompt))
        #expect(call.session.node == "main")
        call.press("5", bargeIn: true)
        call.listen()
        #expect(call.outcome == .transferred(queue: "sales", priority: 5))
        #expect(call.events("barge_in").count == 2)
    }

    @Test("speech during a prompt stops it")
    func speechBargeIn() throws {
        let call = CallDriver(try helpDeskFlow())
        call.answer()
        call.say("english", bargeIn: true)
        #expect(call.commands.contains(.stopPrompt))
        #expect(call.session.node == "main")
    }

    static let confirmingFlow = """
    start: main
    settings: { min_confidence: 0.5, confirm_from: 0.2, max_tries: 2, operator: desk }
    nodes:
      main:
        type: menu
        prompt: "Say billing or sales."
        options:
          - { key: "1", say: [billing], go: billing }
          - { key: "2", say: [sales], go: sales }
      billing: { type: hangup, prompt: "Billing." }
      sales: { type: hangup, prompt: "Sales." }
      desk: { type: hangup, prompt: "Desk." }
    """

    @Test("an answer heard without enough confidence is asked back; yes or 1 takes it, no or 2 asks the menu again")
    func unsureAnswerConfirmed() throws {
        let flow = try loadFlow(Self.confirmingFlow)
        let byVoice = CallDriver(flow)
        byVoice.answer()
        byVoice.say("billing", confidence: 0.3)
        #expect(byVoice.session.node == "main" && byVoice.events("confirm_choice").count == 1)
        let asked = byVoice.commands.compactMap { if case .play(let prompt) = $0 { prompt } else { nil } }.last
        #expect(asked?.text == "Did you say billing? If so, say yes or press 1. If not, say no or press 2.")
        #expect(byVoice.commands.last == .listen(ListenRequest(keys: ["1", "2"], intents: [.yes, .no] + SpokenIntent.spokenKeys(["1", "2"]),
                                                               collectingDigits: false)))
        byVoice.say("yes")
        #expect(byVoice.path == ["main", "billing"])
        #expect(byVoice.events("intent").first?.detail["confirmed"] == "yes")

        let byKey = CallDriver(flow)
        byKey.answer()
        byKey.say("sales", confidence: 0.25)
        byKey.press("1")
        #expect(byKey.path == ["main", "sales"])

        // 1 or 2 said, as pressed.
        for (said, takes) in [("said key one", true), ("said key two", false)] {
            let byKeySaid = CallDriver(flow)
            byKeySaid.answer()
            byKeySaid.say("sales", confidence: 0.25)
            byKeySaid.say(said)
            #expect(takes ? byKeySaid.path == ["main", "sales"] : byKeySaid.events("no_match").first?.detail["reason"] == "not confirmed")
        }

        // A key said without enough confidence is asked back like any answer.
        let unsureKey = CallDriver(flow)
        unsureKey.answer()
        unsureKey.say("said key two", confidence: 0.3)
        #expect(unsureKey.events("confirm_choice").first?.detail["key"] == "2")
        unsureKey.say("yes")
        #expect(unsureKey.path == ["main", "sales"])

        let refused = CallDriver(flow)
        refused.answer()
        refused.say("sales", confidence: 0.4)
        refused.say("no")
        #expect(refused.session.node == "main" && refused.events("no_match").first?.detail["reason"] == "not confirmed")
        refused.say("billing", confidence: 0.35)
        refused.press("2")
        #expect(refused.events("no_match").count == 2 && refused.path == ["main", "desk"])  // out of tries: the operator

        // Below confirm_from, or without it, an unsure answer is a no-match as before.
        let tooUnsure = CallDriver(flow)
        tooUnsure.answer()
        tooUnsure.say("billing", confidence: 0.1)
        #expect(tooUnsure.events("confirm_choice").isEmpty && tooUnsure.events("no_match").first?.detail["reason"] == "low confidence")
        let notAsked = CallDriver(try loadFlow(Self.confirmingFlow.replacingOccurrences(of: "confirm_from: 0.2, ", with: "")))
        notAsked.answer()
        notAsked.say("billing", confidence: 0.3)
        #expect(notAsked.events("confirm_choice").isEmpty && notAsked.events("no_match").count == 1)

        let (_, problems) = try checkFlow(Self.confirmingFlow.replacingOccurrences(of: "confirm_from: 0.2", with: "confirm_from: 0.6"))
        #expect(problems.count == 1 && problems.first?.description.hasSuffix(
            "flow.yaml:2: confirm_from 0.6 must be below min_confidence (0.5): answers from it on are taken without asking") == true)

        // Silence after the question is a no-input of the menu.
        let silent = CallDriver(flow)
        silent.answer()
        silent.say("billing", confidence: 0.3)
        silent.silence(6)
        #expect(silent.events("no_input").first?.detail["reason"] == "not confirmed" && silent.session.node == "main")
    }

    @Test("a prompt marked not interruptible ignores keys until it ends")
    func notInterruptible() throws {
        let flow = try loadFlow("""
        start: notice
        nodes:
          notice:
            type: menu
            prompt: { text: "This call may be recorded.", interruptible: false }
            options:
              - { key: "1", go: bye }
          bye: { type: hangup, prompt: "Goodbye." }
        """)
        let call = CallDriver(flow)
        call.answer()
        call.press("1", bargeIn: true)
        #expect(!call.commands.contains(.stopPrompt))
        #expect(call.session.node == "notice")
        #expect(call.events("ignored").count == 1)
        call.press("1")
        call.listen()
        #expect(call.session.node == "bye")
        #expect(call.commands.last == .hangUp)
    }

    @Test("a low-confidence intent is a no-match, not a guess")
    func lowConfidence() throws {
        let call = CallDriver(try helpDeskFlow())
        call.answer()
        call.press("1")
        call.say("sales", confidence: 0.3)
        #expect(call.session.node == "main")
        #expect(call.events("no_match").count == 1)
        #expect(call.events("no_match").first?.detail["reason"] == "low confidence")
    }

    @Test("a flow's min_confidence below the recognizer's default lets a weaker intent through")
    func lowerThreshold() throws {
        var flow = try helpDeskFlow()
        flow.settings.minimumConfidence = 0.25
        let call = CallDriver(flow)
        call.answer()
        call.press("1")
        call.say("sales", confidence: 0.3)
        #expect(call.events("no_match").isEmpty)
        #expect(call.events("intent").first?.detail["intent"] == "sales")
    }

    @Test("the caller hanging up in a menu is abandonment there")
    func abandoned() throws {
        let call = CallDriver(try helpDeskFlow())
        call.answer()
        call.press("1")
        call.hangUp()
        #expect(call.outcome == .abandoned(node: "main"))
        #expect(call.session.handle(.digit("1"), at: 99).isEmpty)
    }

    @Test("direct extension dialling transfers with the number")
    func extensions() throws {
        let flow = try loadFlow("""
        start: main
        queues: { staff: {} }
        nodes:
          main:
            type: menu
            prompt: "For sales press 1, or dial an extension."
            options: [{ key: "1", go: sales }]
            extensions: { length: 3, to: staff-line }
          sales: { type: transfer, queue: staff }
          staff-line: { type: transfer, queue: staff }
        """)
        let call = CallDriver(flow)
        call.answer()
        call.press("204")
        call.listen()
        #expect(call.outcome == .transferred(queue: "staff", priority: 5))
        #expect(call.session.context.extensionNumber == "204")
    }
}

@Suite("No input and no match: reprompts, then the fallback")
struct RepromptTests {
    @Test("silence escalates through the reprompts to the fallback")
    func noInput() throws {
        let call = CallDriver(try helpDeskFlow())
        call.answer()
        call.press("1")
        call.silence(60)
        #expect(call.events("no_input").count == 3)
        #expect(call.spoken.contains("Sorry, I did not hear you."))
        #expect(call.spoken.contains("You can press a key at any time, or say billing, hours or sales."))
        #expect(call.events("fallback").first?.detail["to"] == "operator")
        #expect(call.outcome == .transferred(queue: "reception", priority: 5))
    }

    @Test("the no-input timer starts when the prompt ends, not when it starts")
    func timerFromPromptEnd() throws {
        let call = CallDriver(try helpDeskFlow())
        call.answer()
        call.press("1")
        call.listen()
        let promptEnd = call.time
        #expect(call.session.deadline == promptEnd + 5)
    }

    @Test("wrong keys count as tries; success resets the count")
    func noMatchResets() throws {
        let call = CallDriver(try helpDeskFlow())
        call.answer()
        call.press("1")
        call.press("9")
        call.press("8")
        #expect(call.events("no_match").count == 2)
        call.press("4")          // password menu: a fresh count
        call.press("9")
        call.press("9")
        #expect(call.session.node == "password")
        call.press("9")          // third wrong key there: fallback to support
        call.listen()
        #expect(call.outcome == .transferred(queue: "support", priority: 5))
    }

    @Test("without any fallback the IVR ends the call after the last try")
    func noFallback() throws {
        let flow = try loadFlow("""
        start: main
        settings: { max_tries: 2 }
        nodes:
          main:
            type: menu
            prompt: "Press 1."
            options: [{ key: "1", go: hangup }]
        """)
        let call = CallDriver(flow)
        call.answer()
        call.silence(30)
        #expect(call.outcome == .disconnected(node: "main", reason: "too many tries"))
        #expect(call.commands.last == .hangUp)
    }
}

@Suite("Collecting digits and verifying callers")
struct CollectTests {
    static let flowText = """
    start: card
    tables:
      accounts: { file: accounts.csv, key: account }
    nodes:
      card:
        type: collect
        prompt: "Enter your card number, then press pound."
        field: card
        digits: 8-16
        luhn: true
        secret: true
        confirm: true
        next: order
        failure: bye
      order:
        type: collect
        prompt: "Enter your four digit order number."
        digits: 4
        terminator: "#"
        pattern: "[1-9][0-9]{3}"
        next: account
        failure: bye
      account:
        type: collect
        prompt: "Enter your account number."
        digits: 2-6
        table: accounts
        next: bye
        failure: bye
      bye: { type: hangup, prompt: "Goodbye {order:digits}.", outcome: collected }
    """
    static let files = ["accounts.csv": "account,pin\n4242,1234\n"]

    @Test("entries are validated, read back, confirmed, stored and masked")
    func collect() throws {
        let call = CallDriver(try loadFlow(Self.flowText, files: Self.files))
        call.answer()
        call.press("4111111111111112#")      // fails the Luhn check
        #expect(call.events("invalid").first?.detail["reason"] == "check digit")
        call.press("4111111111111111#")
        #expect(call.spoken.last == "You entered 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1. If that is correct, press 1. To enter it again, press 2.")
        call.press("1")
        call.press("0123")                    // fixed length ends without #, but fails the pattern
        #expect(call.events("invalid").last?.detail["reason"] == "pattern")
        call.press("5678")
        call.press("99")                      // variable length: ends after the inter-digit pause
        call.silence(4)
        #expect(call.events("invalid").last?.detail["reason"] == "not in accounts")
        call.press("4242#")
        call.listen()
        #expect(call.outcome == .contained("collected"))
        #expect(call.spoken.last == "Goodbye 5 6 7 8.")
        let context = call.session.context
        #expect(context.data["order"] == "5678" && context.data["account"] == "4242")
        #expect(context.data["card"] == "**************11")
        #expect(!call.logText.contains("4111111111111111"))
        #expect(!call.logText.contains("411111111111"))
    }

    @Test("too many invalid entries lead to the failure node")
    func failure() throws {
        let call = CallDriver(try loadFlow(Self.flowText, files: Self.files))
        call.answer()
        for _ in 0..<3 { call.press("1234567812345678#") }
        call.listen()
        #expect(call.path == ["card", "bye"])
    }

    @Test("account and PIN verified against the table; the identity goes with the call")
    func verify() throws {
        let call = CallDriver(try helpDeskFlow())
        call.answer()
        call.press("1")
        call.press("3")
        call.press("12345678")
        call.press("4321")
        call.listen()
        #expect(call.spoken.contains("Thank you, Ada Lovelace. Your balance is 120 dollars and 50 cents."))
        #expect(call.session.context.verifiedAccount == "******78")
        #expect(!call.logText.contains("12345678") && !call.logText.contains("4321"))
        call.press("1")
        call.press("5")
        call.listen()
        guard case .transfer(let request)? = call.commands.last else {
            Issue.record("no transfer")
            return
        }
        #expect(request.context.verifiedAccount == "******78")
        #expect(request.context.data["name"] == "Ada Lovelace")
        #expect(request.context.data["account"] == "******78")
    }

    @Test("three wrong PINs lock the caller out")
    func lockout() throws {
        let call = CallDriver(try helpDeskFlow())
        call.answer()
        call.press("1")
        call.press("3")
        for _ in 0..<3 {
            call.press("12345678")
            call.press("0000")
        }
        call.listen()
        #expect(call.events("verify_failed").count == 3)
        #expect(call.events("lockout").count == 1)
        #expect(call.path.last == "locked")
        #expect(call.outcome == .disconnected(node: "locked", reason: "goodbye"))
    }
}

@Suite("Routing: hours, caller rules, overflow, channels, language")
struct RoutingTests {
    @Test("after hours and on holidays, billing goes to its voicemail", arguments: [CallDriver.sundayMorning, CallDriver.christmasMorning])
    func afterHours(at date: Date) throws {
        let call = CallDriver(try helpDeskFlow(), at: date)
        call.answer()
        call.press("1")
        call.press("1")
        call.listen()
        #expect(call.events("after_hours").first?.detail["to"] == "voicemail-billing")
        #expect(call.commands.last == .record(box: "billing", maxSeconds: 120, silenceSeconds: 4))
        call.send(.recordingFinished(seconds: 12))
        call.listen()
        #expect(call.outcome == .voicemail(box: "billing"))
        #expect(call.commands.last == .hangUp)
    }

    @Test("# ends a voicemail; hanging up during it keeps the message")
    func voicemailEnd() throws {
        let call = CallDriver(try helpDeskFlow(), at: CallDriver.sundayMorning)
        call.answer()
        call.press("1")
        call.press("5")
        call.listen()
        call.press("#")
        #expect(call.commands.last == .stopRecording)
        call.hangUp()
        #expect(call.outcome == .voicemail(box: "sales"))
    }

    @Test("a VIP caller gets priority and the VIP queue", arguments: [
        CallerInfo(number: "+12125550100"), CallerInfo(number: "+15550000000", tags: ["vip"]),
    ])
    func vip(caller: CallerInfo) throws {
        let call = CallDriver(try helpDeskFlow(), caller: caller)
        call.answer()
        call.press("1")
        call.press("5")
        call.listen()
        #expect(call.outcome == .transferred(queue: "sales-vip", priority: 1))
        #expect(call.session.context.tags.contains("vip"))
    }

    @Test("a long wait offers a callback, for the caller's number or another")
    func overflowCallback() throws {
        let busy = ["billing": QueueStatus(waiting: 12, agentsFree: 0, estimatedWait: 900)]
        let call = CallDriver(try helpDeskFlow(), caller: CallerInfo(number: "+15551234567"), queues: busy)
        call.answer()
        call.press("1")
        call.press("1")
        #expect(call.events("overflow").first?.detail["to"] == "long-wait")
        call.listen()
        #expect(call.spoken.contains { $0.hasPrefix("All our agents are busy. The wait is about 15 minutes.") })
        call.press("1")
        #expect(call.spoken.last == "To be called back at 1 5 5 5 1 2 3 4 5 6 7, press 1. To enter another number, press 2.")
        call.press("2")
        call.press("5559876#")
        call.listen()
        let request = call.commands.compactMap { if case .requestCallback(let r) = $0 { r } else { nil } }.first
        #expect(request?.number == "5559876" && request?.topic == "long wait")
        #expect(call.outcome == .callback(topic: "long wait"))
    }

    @Test("live queue figures come from a JSON file the contact centre keeps current")
    func queueStatusFile() throws {
        let path = ScratchFolder.file("queues.json")
        let file = QueueStatusFile(path: path)
        #expect(file.status(of: "billing") == nil)
        try #"{"billing": {"waiting": 4, "agents_free": 0, "estimated_wait": 420}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(file.status(of: "billing") == QueueStatus(waiting: 4, agentsFree: 0, estimatedWait: 420))
        let flow = try helpDeskFlow()
        let session = CallSession(flow: flow, answeredAt: CallDriver.weekdayMorning, queueStatus: file)
        _ = session.handle(.answered, at: 0)
        _ = session.handle(.digit("1"), at: 1)
        _ = session.handle(.digit("1"), at: 2)
        #expect(session.node == "long-wait")
        try "not json".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(file.status(of: "billing") == nil)
    }

    @Test("a queue that is not busy is not overflowed")
    func noOverflow() throws {
        let calm = ["billing": QueueStatus(waiting: 1, agentsFree: 2, estimatedWait: 60)]
        let call = CallDriver(try helpDeskFlow(), queues: calm)
        call.answer()
        call.press("11")
        call.listen()
        #expect(call.outcome == .transferred(queue: "billing", priority: 5))
        #expect(call.spoken.last == "Connecting you to billing.")
    }

    @Test("text-message request for the caller's number")
    func textMessage() throws {
        let call = CallDriver(try helpDeskFlow(), caller: CallerInfo(number: "+15551234567"))
        call.answer()
        call.press("1")
        call.press("6")
        call.press("1")
        call.listen()
        let text = call.commands.compactMap { if case .sendText(let r) = $0 { r } else { nil } }.first
        #expect(text?.number == "+15551234567" && text?.topic == "help")
        call.press("2")
        call.listen()
        #expect(call.outcome == .text(topic: "help"))
    }

    @Test("a recorded answer (found by its id, prompts/en/hours.prompt.wav) returns to a menu and counts as contained")
    func faq() throws {
        let call = CallDriver(try helpDeskFlow())
        call.answer()
        call.press("1")
        call.press("2")
        let answer = try #require(call.plays.first { $0.id == "hours.prompt" })
        #expect(answer.file == nil && answer.language == "en")
        call.listen()
        #expect(call.session.node == "anything-else")
        call.press("2")
        call.listen()
        #expect(call.outcome == .contained("faq hours"))
        #expect(call.outcome?.isContained == true)
    }

    @Test("Spanish switches prompts and voice, and the call is keypad-only")
    func language() throws {
        let call = CallDriver(try helpDeskFlow())
        call.answer()
        call.press("2")
        #expect(call.commands.contains(.setLanguage("es", voice: "es")))
        #expect(call.plays.last?.text.hasPrefix("En español, este servicio funciona solo con el teclado. Para facturación, marque 1.") == true)
        #expect(call.plays.last?.voice == "es")
        #expect(call.lastListen?.intents.isEmpty == true)
        call.say("billing")
        #expect(call.session.node == "main")
        call.press("1")
        call.listen()
        #expect(call.spoken.last == "Le paso con facturación.")
    }

    @Test("when the recognizer fails the call goes on keypad-only")
    func recognizerFailure() throws {
        let call = CallDriver(try helpDeskFlow())
        call.answer()
        call.press("1")
        call.send(.recognizerFailed("decoder error"))
        #expect(call.lastListen?.intents.isEmpty == true)
        #expect(!call.session.acceptsSpeech)
        call.press("5")
        call.listen()
        #expect(call.outcome == .transferred(queue: "sales", priority: 5))
    }

    @Test("every decision is in the log, with times on the call's clock")
    func log() throws {
        let call = CallDriver(try helpDeskFlow())
        call.answer()
        call.press("1")
        call.press("1")
        call.listen()
        let events = call.session.log.map(\.event)
        for expected in ["answered", "enter", "prompt", "digit", "choice", "transfer", "outcome"] {
            #expect(events.contains(expected), "no \(expected) in \(events)")
        }
        let times = call.session.log.map(\.time)
        #expect(times == times.sorted())
        #expect(call.session.log.last?.detail["outcome"] == "transferred to billing (priority 5)")
    }
}
