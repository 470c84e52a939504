import Testing
@testable import IVRFlow

/// Habits of real callers at the keypad: keys typed ahead, a pound after a full entry,
/// extensions that begin with a menu's key.
@Suite("Keypad habits")
struct KeypadHabitTests {
    static let pharmacy = """
    start: main
    queues: { pharmacist: {}, staff: {} }
    nodes:
      main:
        type: menu
        prompt: "To renew a prescription press 1. For a pharmacist press 2. Or dial an extension."
        options:
          - { key: "1", go: rx }
          - { key: "2", go: pharmacist }
        extensions: { length: 3, to: staff-line }
      rx:
        type: collect
        prompt: "Enter your six digit prescription number, then press pound."
        digits: "6"
        confirm: true
        next: done
        failure: pharmacist
      done: { type: hangup, prompt: "Prescription {rx:digits} will be ready tomorrow.", outcome: renewal }
      pharmacist: { type: transfer, queue: pharmacist }
      staff-line: { type: transfer, queue: staff }
    """

    /// A call that chose option 1 (after the pause: 1 could begin an extension) and is asked
    /// for the prescription number.
    static func atPrescriptionEntry() throws -> CallDriver {
        let call = CallDriver(try loadFlow(pharmacy))
        call.answer()
        call.press("1")
        call.silence(3.1)
        return call
    }

    @Test("a pound right after a complete fixed-length entry belongs to it; the read-back is heard out")
    func poundAfterFullEntry() throws {
        let call = try Self.atPrescriptionEntry()
        call.press("123456#")
        #expect(call.events("ignored").last?.detail["digit"] == "#")
        #expect(call.spoken.last?.hasPrefix("You entered 1 2 3 4 5 6.") == true)
        call.timePasses(3.5)                 // the read-back is still playing: no timeout runs
        #expect(call.events("no_input").isEmpty)
        call.press("1")
        call.listen()
        #expect(call.outcome == .contained("renewal"))
        #expect(call.session.context.data["rx"] == "123456")
    }

    @Test("a pound typed during the read-back after a full entry is not its answer")
    func poundDuringReadBack() throws {
        let call = try Self.atPrescriptionEntry()
        call.press("123456")
        call.press("#", bargeIn: true)
        call.press("1")
        call.listen()
        #expect(call.outcome == .contained("renewal"))
    }

    @Test("an extension that begins with an option's key reaches the extension")
    func extensionSharingAKey() throws {
        let call = CallDriver(try loadFlow(Self.pharmacy))
        call.answer()
        call.press("205")
        call.listen()
        #expect(call.outcome == .transferred(queue: "staff", priority: 5))
        #expect(call.session.context.extensionNumber == "205")
    }

    @Test("that option's key alone is chosen after the inter-digit timeout, not at once")
    func optionAfterTheWait() throws {
        let call = CallDriver(try loadFlow(Self.pharmacy))
        call.answer()
        call.press("2")
        #expect(call.outcome == nil)
        #expect(call.events("choice").isEmpty)
        call.silence(3.1)
        #expect(call.events("choice").last?.detail["to"] == "pharmacist")
        call.listen()
        #expect(call.outcome == .transferred(queue: "pharmacist", priority: 5))
    }

    @Test("a menu without extensions answers its key at once")
    func noExtensionsNoWait() throws {
        let call = CallDriver(try helpDeskFlow())
        call.answer()
        call.press("1")
        #expect(call.events("choice").last?.detail["to"] == "main")
    }

    @Test("star during an entry starts it over")
    func starStartsOver() throws {
        let call = try Self.atPrescriptionEntry()
        call.press("12*654321")
        #expect(call.events("restart").count == 1)
        #expect(call.spoken.last?.hasPrefix("You entered 6 5 4 3 2 1.") == true)
        call.press("1")
        call.listen()
        #expect(call.session.context.data["rx"] == "654321")
    }
}
