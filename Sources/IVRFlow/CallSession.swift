import Foundation

/// Who is calling.
public struct CallerInfo: Sendable, Equatable {
    /// The caller's number (caller ID), if known.
    public var number: String?
    /// Tags from the caller data, e.g. `vip`.
    public var tags: Set<String>

    public init(number: String? = nil, tags: Set<String> = []) {
        self.number = number
        self.tags = tags
    }
}

/// The state machine of one call: takes ``CallEvent``s, returns ``CallCommand``s.
///
/// It knows no audio and reads no clock: every event comes with the call's time in seconds
/// since answer, and the wall-clock time of the answer is given once (for business hours).
/// When it wants to hear about a timeout it sets ``deadline``; the engine sends
/// ``CallEvent/timer`` once its clock reaches it. Keypad and speech take the same paths: a key
/// and a spoken phrase choose the same option. Every decision is logged in ``log``.
public final class CallSession {
    public let flow: Flow
    public let caller: CallerInfo
    /// Everything that happened, in order; secrets masked.
    public private(set) var log: [CallLogEntry] = []
    /// Set when the call has ended (in the IVR or by transfer).
    public private(set) var outcome: CallOutcome?
    /// Call time at which the engine should send ``CallEvent/timer``.
    public private(set) var deadline: Double?
    /// The language the call is held in.
    public private(set) var language: String
    /// The node the call is in.
    public private(set) var node: String
    /// Whether speech is understood now (false for keypad-only languages, or after the
    /// recognizer failed).
    public var acceptsSpeech: Bool { speechWorks && (flow.language(language)?.speech ?? false) }

    private let answeredAt: Date
    private let queueStatus: any QueueStatusProvider
    private var now = 0.0
    private var speechWorks = true
    /// Interruptibility of each prompt still playing, in order.
    private var pendingPrompts: [Bool] = []
    private var state: State = .idle
    private var tries = 0
    private var visited: Set<String> = []
    private var menuStack: [String] = []
    private var path: [String] = []
    private var data: [String: String] = [:]
    private var secretFields: Set<String> = []
    private var verifiedAccount: String?
    private var lastIntent: String?
    private var extensionNumber: String?
    private var tags: Set<String>
    private var priority = 5
    private var queueMap: [String: String] = [:]
    /// `queue_wait` (minutes) and `queue_position` of the last queue asked about.
    private var queueValues: [String: String] = [:]
    /// A `#` typed after an entry that ended at its full length is ignored until then.
    private var ignoreTerminatorUntil = -1.0
    /// What the IVR has served so far (a recorded answer, a request); the outcome if the call
    /// ends in the IVR.
    private var served: CallOutcome?

    private enum State: Equatable {
        case idle
        case menu
        case extensionEntry(DigitEntry, target: String)
        case collecting(DigitEntry)
        case confirming(String)
        /// A spoken answer heard without enough confidence, asked back ("Did you say …?").
        case confirmingChoice(UnsureChoice)
        case verifyingAccount(DigitEntry)
        case verifyingPIN(account: String, DigitEntry)
        case contactChoice
        case contactNumber(DigitEntry)
        case recording
        /// Waiting for a lookup asked at `started`; whether the wait prompt has been played.
        case lookingUp(started: Double, waitPromptPlayed: Bool)
        case after(Continuation)
        case ended
    }

    /// A menu answer heard below its threshold but from ``FlowSettings/confirmFrom`` on: the
    /// intent, its slots and what the log says of it.
    private struct UnsureChoice: Equatable {
        var intent: String
        var slots: [String: String]
        var detail: [String: String]
    }

    /// What to do once the prompts under way have played.
    private enum Continuation: Equatable {
        case go(String)
        case transfer(TransferRequest)
        case record(box: String, maxSeconds: Double, silenceSeconds: Double)
        case hangUp(reason: String)
    }

    /// A session for one call to `flow`, answered at `answeredAt` (wall clock, for hours).
    public init(flow: Flow, caller: CallerInfo = .init(), answeredAt: Date,
                queueStatus: any QueueStatusProvider = FixedQueueStatus()) {
        self.flow = flow
        self.caller = caller
        self.answeredAt = answeredAt
        self.queueStatus = queueStatus
        language = flow.languages.first?.code ?? "en"
        node = flow.start
        tags = caller.tags
    }

    /// What the call carries to an agent or a record now.
    public var context: CallContext {
        CallContext(
            callerNumber: caller.number, language: language, tags: tags.sorted(), path: path,
            data: data.reduce(into: [:]) { $0[$1.key] = secretFields.contains($1.key) ? DigitCheck.masked($1.value) : $1.value },
            intent: lastIntent, verifiedAccount: verifiedAccount.map(DigitCheck.masked), extensionNumber: extensionNumber)
    }

    /// Handles one event at `time` (seconds since answer); returns what the engine should do.
    public func handle(_ event: CallEvent, at time: Double) -> [CallCommand] {
        now = max(now, time)
        guard outcome == nil else { return [] }
        switch event {
        case .answered:
            record("answered", ["caller": caller.number ?? "unknown"])
            applyCallerRules()
            return enter(flow.start)
        case .hangup:
            record("hangup", [:])
            if state == .recording { served = .voicemail(box: currentVoicemailBox) }
            finish(served ?? .abandoned(node: node))
            return []
        case .promptFinished:
            if !pendingPrompts.isEmpty { pendingPrompts.removeFirst() }
            return pendingPrompts.isEmpty ? promptsDone() : []
        case .digit(let key):
            if key == "#", now <= ignoreTerminatorUntil {
                record("ignored", ["digit": "#", "reason": "entry already complete"])
                return []
            }
            var commands: [CallCommand] = []
            if let interruptible = pendingPrompts.first {
                guard interruptible else {
                    record("ignored", ["digit": loggable(key), "reason": "prompt not interruptible"])
                    return []
                }
                pendingPrompts.removeAll()
                record("barge_in", ["by": "key"])
                commands.append(.stopPrompt)
            }
            return commands + digit(key)
        case .speechStarted:
            guard listensForSpeech else { return [] }
            deadline = nil
            guard let interruptible = pendingPrompts.first, interruptible else { return [] }
            pendingPrompts.removeAll()
            record("barge_in", ["by": "speech"])
            return [.stopPrompt]
        case .intent(let name, let slots, let confidence, let words):
            guard listensForSpeech else { return [] }
            pendingPrompts.removeAll()
            if case .confirmingChoice(let choice) = state { return confirmation(saysYes(name) == true, of: choice) }
            if let answer = yesOrNo(name) { return answer }
            guard state == .menu else { return spokenEntry(slots[SpokenIntent.entrySlot], confidence: confidence) }
            return intent(name, slots: slots, confidence: confidence, words: words)
        case .noMatch(let words):
            guard listensForSpeech else { return [] }
            pendingPrompts.removeAll()
            if case .confirmingChoice(let choice) = state { return confirmation(false, of: choice) }
            return failedTry("no_match", state == .menu ? ["words": words] : [:])
        case .recordingFinished(let seconds):
            guard state == .recording else { return [] }
            served = .voicemail(box: currentVoicemailBox)
            record("voicemail", ["box": currentVoicemailBox, "seconds": String(format: "%.1f", seconds)])
            guard case .voicemail(let voicemail)? = flow.nodes[node] else { return hangUp(reason: "voicemail") }
            state = .after(.hangUp(reason: "voicemail"))
            return [play(voicemail.thanksPrompt)]
        case .timer:
            guard let due = deadline, now >= due - 1e-9 else { return [] }
            deadline = nil
            return timeout()
        case .lookupFinished(let result):
            guard case .lookingUp(let started, _) = state, case .lookup(let lookup)? = flow.nodes[node] else { return [] }
            deadline = nil
            var commands: [CallCommand] = []
            if !pendingPrompts.isEmpty {
                pendingPrompts.removeAll()
                commands.append(.stopPrompt)
            }
            return commands + lookupFinished(lookup, result, seconds: now - started)
        case .recognizerFailed(let reason):
            guard speechWorks else { return [] }
            speechWorks = false
            record("recognizer_failed", ["reason": reason, "now": "keypad only"])
            return state == .menu ? [listenForMenu()] : []
        }
    }

    /// Whether the caller is being asked whether an unsure answer is what they said.
    public var isConfirmingChoice: Bool {
        if case .confirmingChoice = state { true } else { false }
    }

    /// Whether speech means something now: in a menu, while digits of a `collect` node, a
    /// `verify` node's account number and PIN, or the number a callback or text goes to are
    /// entered (by voice as well as by key), and where 1 or 2 answers a question (yes or no).
    private var listensForSpeech: Bool {
        guard acceptsSpeech else { return false }
        switch state {
        case .menu, .collecting, .verifyingAccount, .verifyingPIN, .contactNumber, .confirmingChoice, .confirming, .contactChoice: return true
        default: return false
        }
    }

    // MARK: Moving between nodes

    private func enter(_ name: String) -> [CallCommand] {
        if name == "hangup" { return hangUp(reason: "hangup option") }
        guard let target = flow.nodes[name] else { return hangUp(reason: "no node \(name)") }
        let firstVisit = visited.insert(name).inserted
        node = name
        path.append(name)
        tries = 0
        deadline = nil
        record("enter", [:])
        switch target {
        case .menu(let menu):
            if menuStack.last != name { menuStack.append(name) }
            state = .menu
            let prompt = firstVisit ? menu.prompt : (menu.shortPrompt ?? menu.prompt)
            return [play(prompt), listenForMenu()]
        case .message(let message):
            if let outcome = message.outcome { served = .contained(outcome) }
            state = .after(.go(message.next))
            return [play(message.prompt)]
        case .collect(let collect):
            state = .collecting(DigitEntry(lengths: collect.minDigits...collect.maxDigits, terminator: collect.terminator))
            return [play(collect.prompt), listenForDigits()]
        case .verify(let verify):
            if let account = data[verify.accountField], verify.accountDigits.contains(account.count), account.allSatisfy(\.isNumber) {
                record("account", ["from": verify.accountField, "account": DigitCheck.masked(account)])
                state = .verifyingPIN(account: account, DigitEntry(lengths: verify.pinDigits, terminator: "#"))
                return [play(verify.pinPrompt), listenForDigits()]
            }
            state = .verifyingAccount(DigitEntry(lengths: verify.accountDigits, terminator: "#"))
            return [play(verify.accountPrompt), listenForDigits()]
        case .transfer(let transfer):
            return route(transfer)
        case .voicemail(let voicemail):
            state = .after(.record(box: voicemail.box, maxSeconds: voicemail.maxSeconds, silenceSeconds: voicemail.silenceSeconds))
            return [play(voicemail.prompt)]
        case .callback(let request), .text(let request):
            guard caller.number != nil else {
                state = .contactNumber(DigitEntry(lengths: 5...15, terminator: "#"))
                return [play(request.prompt), play(request.numberPrompt), listenForDigits()]
            }
            state = .contactChoice
            return [play(request.prompt), play(request.confirmPrompt), listenForChoice()]
        case .hangup(let hangup):
            if let outcome = hangup.outcome { served = served ?? .contained(outcome) }
            state = .after(.hangUp(reason: "goodbye"))
            return [play(hangup.prompt)]
        case .lookup(let lookup):
            return startLookup(lookup)
        }
    }

    // MARK: Lookups

    /// Looks the row up: at once in a file's table, else by asking the engine (the answer comes
    /// as ``CallEvent/lookupFinished(_:)``, or the table's timeout fails it).
    private func startLookup(_ lookup: Lookup) -> [CallCommand] {
        guard let key = data[lookup.key], !key.isEmpty else {
            return lookupFinished(lookup, .failed("no value for '\(lookup.key)'"), seconds: 0)
        }
        guard let table = flow.tables[lookup.table] else { return lookupFinished(lookup, .failed("no table"), seconds: 0) }
        guard let remote = table.remote else {
            return lookupFinished(lookup, table.row(key).map(LookupResult.found) ?? .notFound, seconds: 0)
        }
        state = .lookingUp(started: now, waitPromptPlayed: false)
        record("lookup", ["table": lookup.table, "timeout": remote.timeout.formatted()])
        deadline = now + (lookup.waitPrompt == nil ? remote.timeout : min(lookup.waitAfter, remote.timeout))
        return [.lookup(LookupRequest(table: lookup.table, remote: remote, key: key))]
    }

    /// The timer during a lookup: the wait prompt once, then the lookup fails at its timeout.
    private func lookupTimer(started: Double, waitPromptPlayed: Bool) -> [CallCommand] {
        guard case .lookup(let lookup)? = flow.nodes[node], let timeout = flow.tables[lookup.table]?.remote?.timeout else { return [] }
        if !waitPromptPlayed, let waitPrompt = lookup.waitPrompt, now < started + timeout - 1e-9 {
            state = .lookingUp(started: started, waitPromptPlayed: true)
            let command = play(waitPrompt)
            deadline = started + timeout
            return [command]
        }
        state = .idle
        return lookupFinished(lookup, .failed("no answer within \(timeout.formatted()) s"), seconds: now - started)
    }

    private func lookupFinished(_ lookup: Lookup, _ result: LookupResult, seconds: Double) -> [CallCommand] {
        state = .idle
        let took = String(format: "%.2f", seconds)
        switch result {
        case .found(let row):
            let secret = flow.secretFields
            for (column, value) in row where column != lookup.key {
                data[column] = value
                if secret.contains(column) { secretFields.insert(column) }
            }
            record("lookup_result", ["table": lookup.table, "result": "found", "seconds": took])
            return enter(lookup.next)
        case .notFound:
            record("lookup_result", ["table": lookup.table, "result": "not found", "seconds": took])
            return enter(lookup.notFound ?? lookup.failure)
        case .failed(let reason):
            record("lookup_failed", ["table": lookup.table, "reason": reason, "seconds": took])
            return enter(lookup.failure)
        }
    }

    private func promptsDone() -> [CallCommand] {
        switch state {
        case .after(let continuation):
            switch continuation {
            case .go(let target): return enter(target)
            case .transfer(let request): return complete(request)
            case .record(let box, let maxSeconds, let silenceSeconds):
                state = .recording
                record("record", ["box": box])
                return [.record(box: box, maxSeconds: maxSeconds, silenceSeconds: silenceSeconds)]
            case .hangUp(let reason): return hangUp(reason: reason)
            }
        case .menu, .contactChoice, .confirming, .confirmingChoice:
            deadline = now + noInputTimeout
        case .collecting(let entry), .verifyingAccount(let entry), .verifyingPIN(_, let entry),
             .contactNumber(let entry), .extensionEntry(let entry, _):
            deadline = now + (entry.digits.isEmpty ? noInputTimeout : flow.settings.interDigitTimeout)
        case .idle, .recording, .lookingUp, .ended:
            break
        }
        return []
    }

    private var noInputTimeout: Double {
        if case .menu(let menu)? = flow.nodes[node], let timeout = menu.noInputTimeout { return timeout }
        return flow.settings.noInputTimeout
    }

    private var maxTries: Int {
        switch flow.nodes[node] {
        case .menu(let menu)?: menu.maxTries ?? flow.settings.maxTries
        case .collect(let collect)?: collect.maxTries ?? flow.settings.maxTries
        case .verify(let verify)?: verify.maxAttempts
        default: flow.settings.maxTries
        }
    }

    // MARK: Menus

    private func listenForMenu() -> CallCommand {
        guard case .menu(let menu)? = flow.nodes[node] else { return listenForDigits() }
        var keys = Set(menu.options.compactMap(\.key))
        if let key = flow.settings.repeatKey { keys.insert(key) }
        if let key = flow.settings.backKey, menuStack.count > 1 { keys.insert(key) }
        if flow.settings.operatorNode != nil { keys.insert("0") }
        if menu.extensions != nil { keys.formUnion("0123456789") }
        var intents: [SpokenIntent] = []
        if acceptsSpeech {
            intents = menu.spokenIntents
            intents.append(SpokenIntent(name: "repeat", phrases: ["repeat", "say that again"]))
            if flow.settings.operatorNode != nil {
                intents.append(SpokenIntent(name: "operator", phrases: ["operator", "agent", "representative"]))
            }
            // Keys said ("two", "press two") where options have digit keys, unless digits said
            // there dial an extension: every digit, so that one that chooses nothing is heard as
            // itself (a no-match, as pressed) rather than as a digit that does ("press five" taken
            // as "press four" at 0.80 where only 1 to 4 answered), and a star or pound only where
            // it chooses an option (in noise a "pound" was heard where a caller said a word, and
            // sent the call back). A menu of words alone gets none: there the digits took noisy
            // words and real "kilo" and "zulu" (BENCHMARKS.md).
            if flow.settings.keysByVoice, menu.extensions == nil, menu.options.contains(where: { $0.key?.isNumber == true }) {
                let said = Set("0123456789").union(keys.filter { answers($0, menu) })
                intents += SpokenIntent.spokenKeys(said, except: intents.flatMap(\.phrases))
            }
        }
        return .listen(ListenRequest(keys: keys, intents: intents, collectingDigits: false))
    }

    /// Waits for 1 (yes) or 2 (no, or another), said as yes or no too, or as the key ("one").
    private func listenForChoice() -> CallCommand {
        .listen(ListenRequest(keys: ["1", "2"], intents: acceptsSpeech ? [.yes, .no] + SpokenIntent.spokenKeys(["1", "2"]) : [],
                              collectingDigits: false))
    }

    /// Whether an intent heard where 1 or 2 answers means yes (1, said as yes or as the key),
    /// no (2), or neither (nil).
    private func saysYes(_ intent: String) -> Bool? {
        switch SpokenIntent.spokenKey(intent) ?? (intent == SpokenIntent.yes.name ? "1" : intent == SpokenIntent.no.name ? "2" : nil) {
        case "1": true
        case "2": false
        default: nil
        }
    }

    /// A spoken yes or no where a read-back or the number to call back asks 1 or 2: the same as
    /// the key (logged as said); nil elsewhere.
    private func yesOrNo(_ intent: String) -> [CallCommand]? {
        switch state {
        case .confirming, .contactChoice:
            guard let yes = saysYes(intent) else { return nil }
            record("answer", ["by": "speech", "said": SpokenIntent.spokenKey(intent).map(String.init) ?? intent])
            return choice(yes ? "1" : "2")
        default:
            return nil
        }
    }

    /// Waits for digits: keys, and in a `collect` node or for a `verify` node's account number
    /// and PIN, the digits spoken too (as many as the entry takes).
    private func listenForDigits() -> CallCommand {
        let spoken: SpokenIntent = switch state {
        case .collecting(let entry), .verifyingAccount(let entry), .verifyingPIN(_, let entry), .contactNumber(let entry),
             .extensionEntry(let entry, _):
            .entry(lengths: entry.lengths)
        default: .entry
        }
        return .listen(ListenRequest(keys: Set("0123456789*#"), intents: listensForSpeech ? [spoken] : [], collectingDigits: true))
    }

    private func menuDigit(_ key: Character, _ menu: Menu) -> [CallCommand] {
        // A key that also starts an extension waits for the next digit, as a dial plan matches.
        if let extensions = menu.extensions, key.isNumber, extensions.length > 1 || !answers(key, menu) {
            record("digit", ["key": String(key), "as": answers(key, menu) ? "option or extension" : "extension"])
            return startExtension(key, extensions)
        }
        record("digit", ["key": String(key)])
        return menuKey(key, menu)
    }

    /// Whether `key` has a meaning of its own in `menu` (an option, the operator).
    private func answers(_ key: Character, _ menu: Menu) -> Bool {
        menu.options.contains { $0.key == key } || (key == "0" && flow.settings.operatorNode != nil)
    }

    private func startExtension(_ key: Character, _ extensions: ExtensionDialing) -> [CallCommand] {
        state = .extensionEntry(DigitEntry(lengths: extensions.length...extensions.length, terminator: "#", first: String(key)),
                                target: extensions.target)
        deadline = now + flow.settings.interDigitTimeout
        return []
    }

    /// What a key does in a menu, pressed or said (`via`), its digit or intent already logged.
    private func menuKey(_ key: Character, _ menu: Menu, via channel: String = "key") -> [CallCommand] {
        if let option = menu.options.first(where: { $0.key == key }) {
            return choose(option, via: channel)
        }
        if key == flow.settings.repeatKey {
            record("repeat", ["by": channel])
            return [play(menu.prompt), listenForMenu()]
        }
        if key == flow.settings.backKey, menuStack.count > 1 {
            menuStack.removeLast()
            let previous = menuStack.removeLast()
            record("back", ["to": previous])
            return enter(previous)
        }
        if key == "0", let operatorNode = flow.settings.operatorNode {
            record("operator", ["by": channel])
            return enter(operatorNode)
        }
        return failedTry("no_match", ["key": String(key)])
    }

    private func intent(_ name: String, slots: [String: String], confidence: Double, words: String) -> [CallCommand] {
        guard case .menu(let menu)? = flow.nodes[node] else { return [] }
        // A slot that holds an account number or another secret is masked, and so are the words.
        let secrets = Set(slots.keys).intersection(flow.secretFields)
        var detail = ["intent": name, "confidence": String(format: "%.2f", confidence), "words": secrets.isEmpty ? words : "(masked)"]
        for (slot, value) in slots { detail["slot." + slot] = secrets.contains(slot) ? DigitCheck.masked(value) : value }
        if let key = SpokenIntent.spokenKey(name) { detail["key"] = String(key) }
        guard confidence >= flow.threshold(for: name) else {
            if let from = flow.settings.confirmFrom, confidence >= from, secrets.isEmpty, name != "repeat", chooses(name, slots: slots, in: menu) {
                return confirm(UnsureChoice(intent: name, slots: slots, detail: detail), words: words)
            }
            return failedTry("no_match", detail.merging(["reason": "low confidence"]) { $1 })
        }
        return take(name, slots: slots, detail: detail, menu: menu)
    }

    /// Whether intent `name` (with `slots`) picks an option of `menu`, the operator, or a key's.
    private func chooses(_ name: String, slots: [String: String], in menu: Menu) -> Bool {
        if let key = SpokenIntent.spokenKey(name) { return answers(key, menu) }
        if name == "operator" { return flow.settings.operatorNode != nil }
        return menu.options.contains { $0.isChosen(by: name, slots: slots) }
    }

    /// Asks the caller whether `choice` (heard as `words`) is what they said.
    private func confirm(_ choice: UnsureChoice, words: String) -> [CallCommand] {
        record("confirm_choice", choice.detail)
        state = .confirmingChoice(choice)
        return [play(flow.stock.prompt(.confirmChoice, id: "settings.confirm_choice"), values: ["choice": words]), listenForChoice()]
    }

    /// The caller's answer to ``confirm(_:words:)``: the choice taken, or a no-match of the menu
    /// (`silent`: a no-input).
    private func confirmation(_ confirmed: Bool, of choice: UnsureChoice, silent: Bool = false) -> [CallCommand] {
        state = .menu
        guard case .menu(let menu)? = flow.nodes[node] else { return [] }
        guard confirmed else {
            return failedTry(silent ? "no_input" : "no_match", choice.detail.merging(["reason": "not confirmed"]) { $1 })
        }
        return take(choice.intent, slots: choice.slots, detail: choice.detail.merging(["confirmed": "yes"]) { $1 }, menu: menu)
    }

    /// Takes an intent heard in `menu`: its slots become the call's data, and its option is chosen.
    private func take(_ name: String, slots: [String: String], detail: [String: String], menu: Menu) -> [CallCommand] {
        let secrets = Set(slots.keys).intersection(flow.secretFields)
        record("intent", detail)
        for (slot, value) in slots { data[slot] = value }
        secretFields.formUnion(secrets)
        if let key = SpokenIntent.spokenKey(name) { return menuKey(key, menu, via: "speech") }
        if name == "repeat" { return [play(menu.prompt), listenForMenu()] }
        if name == "operator", let operatorNode = flow.settings.operatorNode { return enter(operatorNode) }
        guard let option = menu.options.first(where: { $0.isChosen(by: name, slots: slots) }) else {
            return failedTry("no_match", detail)
        }
        return choose(option, via: "speech")
    }

    private func choose(_ option: MenuOption, via channel: String) -> [CallCommand] {
        lastIntent = option.intent
        record("choice", ["option": option.intent, "via": channel, "to": option.target])
        var commands: [CallCommand] = []
        if let code = option.language, code != language, let chosen = flow.language(code) {
            language = code
            record("language", ["language": code, "speech": chosen.speech ? "yes" : "keypad only"])
            commands.append(.setLanguage(code, voice: chosen.voice))
        }
        return commands + enter(option.target)
    }

    /// A no-input or no-match: reprompt, or after the last try, the fallback.
    private func failedTry(_ kind: String, _ detail: [String: String]) -> [CallCommand] {
        tries += 1
        record(kind, detail.merging(["try": String(tries)]) { $1 })
        guard tries < maxTries else { return fallback(after: kind) }
        switch flow.nodes[node] {
        case .menu(let menu)?:
            let list = kind == "no_input" ? menu.noInputPrompts : menu.noMatchPrompts
            let reprompt = list[min(tries - 1, list.count - 1)]
            record("reprompt", ["try": String(tries)])
            return [play(reprompt), play(menu.prompt), listenForMenu()]
        case .collect(let collect)?:
            state = .collecting(DigitEntry(lengths: collect.minDigits...collect.maxDigits, terminator: collect.terminator))
            return (kind == "invalid" ? [play(collect.invalidPrompt)] : []) + [play(collect.prompt), listenForDigits()]
        case .verify(let verify)?:
            if case .verifyingPIN(let account, _) = state {
                state = .verifyingPIN(account: account, DigitEntry(lengths: verify.pinDigits, terminator: "#"))
                return [play(verify.pinPrompt), listenForDigits()]
            }
            state = .verifyingAccount(DigitEntry(lengths: verify.accountDigits, terminator: "#"))
            return [play(verify.accountPrompt), listenForDigits()]
        case .callback(let request)?, .text(let request)?:
            if case .contactNumber = state {
                state = .contactNumber(DigitEntry(lengths: 5...15, terminator: "#"))
                return [play(request.numberPrompt), listenForDigits()]
            }
            return [play(request.confirmPrompt), listenForChoice()]
        default:
            return []
        }
    }

    private func fallback(after kind: String) -> [CallCommand] {
        let target: String?
        switch flow.nodes[node] {
        case .menu(let menu)?: target = menu.fallback ?? flow.settings.fallback ?? flow.settings.operatorNode
        case .collect(let collect)?: target = collect.failure
        case .verify(let verify)?: target = verify.lockout
        default: target = flow.settings.fallback ?? flow.settings.operatorNode
        }
        record("fallback", ["after": kind, "to": target ?? "hangup"])
        guard let target, target != node else { return hangUp(reason: "too many tries") }
        return enter(target)
    }

    // MARK: Digits outside menus

    private func digit(_ key: Character) -> [CallCommand] {
        if key == "*", let commands = restartEntry() { return commands }
        switch state {
        case .menu:
            guard case .menu(let menu)? = flow.nodes[node] else { return [] }
            return menuDigit(key, menu)
        case .extensionEntry(var entry, let target):
            record("digit", ["key": String(key), "as": "extension"])
            let step = entry.add(key)
            state = .extensionEntry(entry, target: target)
            return extensionStep(step, of: entry, target: target)
        case .collecting(var entry):
            record("digit", ["key": loggable(key)])
            let step = entry.add(key)
            state = .collecting(entry)
            if key != "#" { noteComplete(step) }
            return collectStep(step)
        case .confirming:
            record("digit", ["key": String(key)])
            return choice(key)
        case .confirmingChoice(let choice):
            record("digit", ["key": String(key)])
            return confirmation(key == "1", of: choice)
        case .verifyingAccount(var entry):
            record("digit", ["key": "*"])
            let step = entry.add(key)
            state = .verifyingAccount(entry)
            if key != "#" { noteComplete(step) }
            return verifyStep(step)
        case .verifyingPIN(let account, var entry):
            record("digit", ["key": "*"])
            let step = entry.add(key)
            state = .verifyingPIN(account: account, entry)
            if key != "#" { noteComplete(step) }
            return verifyStep(step)
        case .contactChoice:
            record("digit", ["key": String(key)])
            return choice(key)
        case .contactNumber(var entry):
            record("digit", ["key": loggable(key)])
            let step = entry.add(key)
            state = .contactNumber(entry)
            switch step {
            case .more:
                deadline = now + flow.settings.interDigitTimeout
                return []
            case .complete(let number):
                guard let request = contactRequest else { return [] }
                return completeContact(request, number: number)
            case .tooShort, .nothing:
                return failedTry("invalid", [:])
            }
        case .recording:
            guard key == "#" else { return [] }
            record("digit", ["key": "#", "as": "end of message"])
            return [.stopRecording]
        case .idle, .after, .lookingUp, .ended:
            record("ignored", ["digit": loggable(key)])
            return []
        }
    }

    /// 1 or 2 (keyed, or yes or no said) where a read-back or the number to call back asks it.
    private func choice(_ key: Character) -> [CallCommand] {
        switch state {
        case .confirming(let value):
            if key == "1" { return accept(value) }
            if key == "2", case .collect(let collect)? = flow.nodes[node] {
                record("reenter", [:])
                state = .collecting(DigitEntry(lengths: collect.minDigits...collect.maxDigits, terminator: collect.terminator))
                return [play(collect.prompt), listenForDigits()]
            }
        case .contactChoice:
            guard let request = contactRequest else { return [] }
            if key == "1", let number = caller.number { return completeContact(request, number: number) }
            if key == "2" {
                state = .contactNumber(DigitEntry(lengths: 5...15, terminator: "#"))
                return [play(request.numberPrompt), listenForDigits()]
            }
        default:
            return []
        }
        return failedTry("no_match", ["key": String(key)])
    }

    private func timeout() -> [CallCommand] {
        switch state {
        case .menu, .contactChoice:
            return failedTry("no_input", [:])
        case .confirming:
            return failedTry("no_input", [:])
        case .confirmingChoice(let choice):
            return confirmation(false, of: choice, silent: true)
        case .extensionEntry(let entry, let target):
            return extensionStep(entry.timedOut(), of: entry, target: target)
        case .collecting(let entry):
            return collectStep(entry.timedOut())
        case .verifyingAccount(let entry), .verifyingPIN(_, let entry):
            return verifyStep(entry.timedOut())
        case .contactNumber(let entry):
            if case .complete(let number) = entry.timedOut(), let request = contactRequest {
                return completeContact(request, number: number)
            }
            return failedTry(entry.digits.isEmpty ? "no_input" : "invalid", [:])
        case .lookingUp(let started, let waitPromptPlayed):
            return lookupTimer(started: started, waitPromptPlayed: waitPromptPlayed)
        case .idle, .recording, .after, .ended:
            return []
        }
    }

    /// `*` during an entry (unless it ends the entry) clears what was typed: the caller starts
    /// over without hearing the prompt again. Nil when no entry is under way.
    private func restartEntry() -> [CallCommand]? {
        switch state {
        case .collecting(let entry) where entry.terminator != "*": state = .collecting(entry.cleared)
        case .verifyingAccount(let entry): state = .verifyingAccount(entry.cleared)
        case .verifyingPIN(let account, let entry): state = .verifyingPIN(account: account, entry.cleared)
        case .contactNumber(let entry): state = .contactNumber(entry.cleared)
        default: return nil
        }
        record("restart", ["by": "*"])
        deadline = now + noInputTimeout
        return []
    }

    private func extensionStep(_ step: DigitEntry.Step, of entry: DigitEntry, target: String) -> [CallCommand] {
        switch step {
        case .more:
            deadline = now + flow.settings.interDigitTimeout
            return []
        case .complete(let number):
            extensionNumber = number
            data["extension"] = number
            record("extension", ["number": number])
            return enter(target)
        case .tooShort, .nothing:
            state = .menu
            // A menu's key alone, then a pause (or #): the key's own meaning.
            if entry.digits.count == 1, let key = entry.digits.first, case .menu(let menu)? = flow.nodes[node], answers(key, menu) {
                return menuKey(key, menu)
            }
            return failedTry("no_match", ["reason": "incomplete extension"])
        }
    }

    // MARK: Collecting and verifying

    /// Notes an entry that ended at its full length, so that a `#` right after it is not
    /// taken as the next input.
    private func noteComplete(_ step: DigitEntry.Step) {
        if case .complete = step { ignoreTerminatorUntil = now + flow.settings.interDigitTimeout }
    }

    private func collectStep(_ step: DigitEntry.Step) -> [CallCommand] {
        guard case .collect(let collect)? = flow.nodes[node] else { return [] }
        switch step {
        case .more:
            deadline = now + flow.settings.interDigitTimeout
            return []
        case .nothing:
            return failedTry("no_input", [:])
        case .tooShort:
            return failedTry("invalid", ["reason": "too short"])
        case .complete(let value):
            if let reason = invalidity(of: value, collect.validation) {
                return failedTry("invalid", ["reason": reason, "value": collect.secret ? DigitCheck.masked(value) : value])
            }
            guard collect.confirm, let confirmPrompt = collect.confirmPrompt else { return accept(value) }
            state = .confirming(value)
            return [play(confirmPrompt, values: ["digits": value]),
                    listenForChoice()]
        }
    }

    private func invalidity(of value: String, _ validation: DigitValidation) -> String? {
        if validation.luhn && !DigitCheck.luhn(value) { return "check digit" }
        if let pattern = validation.pattern, !DigitCheck.matches(value, pattern: pattern) { return "pattern" }
        if let table = validation.table, flow.tables[table]?.row(value) == nil { return "not in \(table)" }
        return nil
    }

    private func accept(_ value: String) -> [CallCommand] {
        guard case .collect(let collect)? = flow.nodes[node] else { return [] }
        data[collect.field] = value
        if collect.secret { secretFields.insert(collect.field) }
        record("collected", ["field": collect.field, "value": collect.secret ? DigitCheck.masked(value) : value])
        return enter(collect.next)
    }

    /// Digits said where they are entered: the whole entry at once, judged as if typed.
    private func spokenEntry(_ digits: String?, confidence: Double) -> [CallCommand] {
        guard let digits, !digits.isEmpty, confidence >= flow.threshold(for: SpokenIntent.entryName) else {
            return failedTry("no_match", ["reason": digits == nil ? "no digits" : "low confidence",
                                          "confidence": String(format: "%.2f", confidence)])
        }
        record("entry", ["by": "speech", "digits": String(digits.count), "confidence": String(format: "%.2f", confidence)])
        switch state {
        case .collecting(let entry):
            guard entry.lengths.contains(digits.count) else { return collectStep(.tooShort) }
            return collectStep(.complete(digits))
        case .verifyingAccount(let entry), .verifyingPIN(_, let entry):
            guard entry.lengths.contains(digits.count) else { return verifyStep(.tooShort) }
            return verifyStep(.complete(digits))
        case .contactNumber(let entry):
            guard entry.lengths.contains(digits.count), let request = contactRequest else { return failedTry("invalid", [:]) }
            return completeContact(request, number: digits)
        default:
            return []
        }
    }

    private func verifyStep(_ step: DigitEntry.Step) -> [CallCommand] {
        guard case .verify(let verify)? = flow.nodes[node] else { return [] }
        switch step {
        case .more:
            deadline = now + flow.settings.interDigitTimeout
            return []
        case .nothing:
            return failedTry("no_input", [:])
        case .tooShort:
            return verificationFailed(verify, reason: "too short")
        case .complete(let value):
            switch state {
            case .verifyingAccount:
                state = .verifyingPIN(account: value, DigitEntry(lengths: verify.pinDigits, terminator: "#"))
                return [play(verify.pinPrompt), listenForDigits()]
            case .verifyingPIN(let account, _):
                guard let row = flow.tables[verify.table]?.row(account), row["pin"] == value else {
                    return verificationFailed(verify, reason: "wrong account or PIN")
                }
                verifiedAccount = account
                data["account"] = account
                secretFields.insert("account")
                for (column, value) in row where column != "pin" && column != "account" { data[column] = value }
                record("verified", ["account": DigitCheck.masked(account)])
                return enter(verify.next)
            default:
                return []
            }
        }
    }

    private func verificationFailed(_ verify: Verify, reason: String) -> [CallCommand] {
        tries += 1
        record("verify_failed", ["reason": reason, "attempt": String(tries)])
        guard tries < verify.maxAttempts else {
            record("lockout", ["attempts": String(tries)])
            return enter(verify.lockout)
        }
        state = .verifyingAccount(DigitEntry(lengths: verify.accountDigits, terminator: "#"))
        return [play(verify.failurePrompt), play(verify.accountPrompt), listenForDigits()]
    }

    // MARK: Routing, requests, the end

    private func applyCallerRules() {
        for rule in flow.callerRules where rule.matches(number: caller.number, tags: tags) {
            tags.formUnion(rule.addTags)
            if let value = rule.priority { priority = value }
            queueMap.merge(rule.queueMap) { $1 }
            record("caller_rule", ["line": String(rule.line), "tags": tags.sorted().joined(separator: ","), "priority": String(priority)])
        }
    }

    private func route(_ transfer: Transfer) -> [CallCommand] {
        let queueName = queueMap[transfer.queue] ?? transfer.queue
        let queue = flow.queues[queueName]
        if let hoursName = queue?.hours, let hours = flow.hours[hoursName],
           !hours.isOpen(at: answeredAt.addingTimeInterval(now)) {
            let target = transfer.afterHours ?? queue?.afterHours
            record("after_hours", ["queue": queueName, "to": target ?? "hangup"])
            return target.map(enter) ?? hangUp(reason: "closed")
        }
        let status = queueStatus.status(of: queueName)
        if let status {
            queueValues = ["queue_wait": String(max(1, Int((status.estimatedWait / 60).rounded(.up)))),
                           "queue_position": String(status.waiting + 1)]
        }
        if let overflow = queue?.overflow, let status,
           (overflow.maxWait.map { status.estimatedWait > $0 } ?? false) || (overflow.maxWaiting.map { status.waiting >= $0 } ?? false) {
            let target = transfer.overflow ?? overflow.target
            record("overflow", ["queue": queueName, "waiting": String(status.waiting),
                                "estimated_wait": String(Int(status.estimatedWait)), "to": target])
            return enter(target)
        }
        let request = TransferRequest(queue: queueName, priority: priority, context: context)
        state = .after(.transfer(request))
        return [play(transfer.prompt)]
    }

    private func complete(_ request: TransferRequest) -> [CallCommand] {
        record("transfer", ["queue": request.queue, "priority": String(request.priority)])
        finish(.transferred(queue: request.queue, priority: request.priority))
        return [.transfer(request)]
    }

    private var contactRequest: ContactRequest? {
        switch flow.nodes[node] {
        case .callback(let request)?, .text(let request)?: request
        default: nil
        }
    }

    private func completeContact(_ request: ContactRequest, number: String) -> [CallCommand] {
        let record = ContactRequestRecord(topic: request.topic, number: number, context: context)
        let command: CallCommand
        if case .callback? = flow.nodes[node] {
            served = .callback(topic: request.topic)
            self.record("callback", ["topic": request.topic, "number": number])
            command = .requestCallback(record)
        } else {
            served = .text(topic: request.topic)
            self.record("text", ["topic": request.topic, "number": number])
            command = .sendText(record)
        }
        state = .after(.go(request.next))
        return [command, play(request.donePrompt, values: ["contact_number": number.filter(\.isNumber)])]
    }

    private var currentVoicemailBox: String {
        if case .voicemail(let voicemail)? = flow.nodes[node] { return voicemail.box }
        return node
    }

    private func hangUp(reason: String) -> [CallCommand] {
        record("hangup_by_ivr", ["reason": reason])
        finish(served ?? .disconnected(node: node, reason: reason))
        return [.hangUp]
    }

    private func finish(_ result: CallOutcome) {
        outcome = result
        state = .ended
        deadline = nil
        pendingPrompts.removeAll()
        record("outcome", ["outcome": result.description])
    }

    // MARK: Prompts and the log

    private func play(_ prompt: Prompt, values: [String: String] = [:]) -> CallCommand {
        // No timer runs while the caller listens: the prompts' end starts the next one.
        deadline = nil
        pendingPrompts.append(prompt.interruptible)
        let (template, fallback) = prompt.resolvedText(for: language, default: flow.languages.first?.code ?? "en")
        record("prompt", ["id": prompt.id])
        if let fallback {
            // The flow lint reports this; a caller still hears something rather than nothing.
            record("prompt_fallback", ["id": prompt.id, "language": language, "spoken_in": fallback])
        }
        let spoken = fallback ?? language
        let text = PromptText.fill(template, with: placeholderValues.merging(values) { $1 }, reading: flow.reading(for: spoken))
        return .play(PromptPlayback(
            id: prompt.id, text: text, file: prompt.file.map { (flow.promptFolder as NSString).appendingPathComponent($0) },
            stockID: prompt.stockID, language: spoken, voice: flow.language(spoken)?.voice ?? "en-us",
            interruptible: prompt.interruptible))
    }

    /// Call data a prompt may name (secrets never).
    private var placeholderValues: [String: String] {
        var values = queueValues
        for (field, value) in data where !secretFields.contains(field) { values[field] = value }
        if let number = caller.number { values["caller_number"] = number.filter(\.isNumber) }
        return values
    }

    /// Whether the words a caller says now must not be written down (in a transcript): a secret
    /// is being entered, or the slots heard in them hold one (an account number said in a menu).
    public func keepsWordsSecret(slots: [String: String] = [:]) -> Bool {
        isCollectingSecret || !Set(slots.keys).isDisjoint(with: flow.secretFields)
    }

    private var isCollectingSecret: Bool {
        switch state {
        case .verifyingAccount, .verifyingPIN: return true
        case .collecting:
            if case .collect(let collect)? = flow.nodes[node] { return collect.secret }
            return false
        default: return false
        }
    }

    private func loggable(_ key: Character) -> String { isCollectingSecret ? "*" : String(key) }

    private func record(_ event: String, _ detail: [String: String]) {
        log.append(CallLogEntry(time: now, node: node, event: event, detail: detail))
    }
}
