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
    public internal(set) var log: [CallLogEntry] = []
    /// Set when the call has ended (in the IVR or by transfer).
    public internal(set) var outcome: CallOutcome?
    /// Call time at which the engine should send ``CallEvent/timer``.
    public internal(set) var deadline: Double?
    /// The language the call is held in.
    public internal(set) var language: String
    /// The node the call is in.
    public internal(set) var node: String
    /// Whether speech is understood now (false for keypad-only languages, or after the
    /// recognizer failed).
    public var acceptsSpeech: Bool { speechWorks && (flow.language(language)?.speech ?? false) }

    let answeredAt: Date
    let queueStatus: any QueueStatusProvider
    var now = 0.0
    var speechWorks = true
    /// Interruptibility of each prompt still playing, in order.
    var pendingPrompts: [Bool] = []
    var state: State = .idle
    var tries = 0
    var visited: Set<String> = []
    var menuStack: [String] = []
    var path: [String] = []
    var data: [String: String] = [:]
    var secretFields: Set<String> = []
    var verifiedAccount: String?
    var lastIntent: String?
    var extensionNumber: String?
    var tags: Set<String>
    var priority = 5
    var queueMap: [String: String] = [:]
    /// `queue_wait` (minutes) and `queue_position` of the last queue asked about.
    var queueValues: [String: String] = [:]
    /// A `#` typed after an entry that ended at its full length is ignored until then.
    var ignoreTerminatorUntil = -1.0
    /// What the IVR has served so far (a recorded answer, a request); the outcome if the call
    /// ends in the IVR.
    var served: CallOutcome?

    enum State: Equatable {
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
    struct UnsureChoice: Equatable {
        var intent: String
        var slots: [String: String]
        var detail: [String: String]
    }

    /// What to do once the prompts under way have played.
    enum Continuation: Equatable {
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
    var listensForSpeech: Bool {
        guard acceptsSpeech else { return false }
        switch state {
        case .menu, .collecting, .verifyingAccount, .verifyingPIN, .contactNumber, .confirmingChoice, .confirming, .contactChoice: return true
        default: return false
        }
    }

    // MARK: Moving between nodes

    func enter(_ name: String) -> [CallCommand] {
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
    func startLookup(_ lookup: Lookup) -> [CallCommand] {
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
    func lookupTimer(started: Double, waitPromptPlayed: Bool) -> [CallCommand] {
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

    func lookupFinished(_ lookup: Lookup, _ result: LookupResult, seconds: Double) -> [CallCommand] {
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

    func promptsDone() -> [CallCommand] {
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

    var noInputTimeout: Double {
        if case .menu(let menu)? = flow.nodes[node], let timeout = menu.noInputTimeout { return timeout }
        return flow.settings.noInputTimeout
    }

    var maxTries: Int {
        switch flow.nodes[node] {
        case .menu(let menu)?: menu.maxTries ?? flow.settings.maxTries
        case .collect(let collect)?: collect.maxTries ?? flow.settings.maxTries
        case .verify(let verify)?: verify.maxAttempts
        default: flow.settings.maxTries
        }
    }

    // MARK: Routing, requests, the end

    func applyCallerRules() {
        for rule in flow.callerRules where rule.matches(number: caller.number, tags: tags) {
            tags.formUnion(rule.addTags)
            if let value = rule.priority { priority = value }
            queueMap.merge(rule.queueMap) { $1 }
            record("caller_rule", ["line": String(rule.line), "tags": tags.sorted().joined(separator: ","), "priority": String(priority)])
        }
    }

    func route(_ transfer: Transfer) -> [CallCommand] {
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

    func complete(_ request: TransferRequest) -> [CallCommand] {
        record("transfer", ["queue": request.queue, "priority": String(request.priority)])
        finish(.transferred(queue: request.queue, priority: request.priority))
        return [.transfer(request)]
    }

    var contactRequest: ContactRequest? {
        switch flow.nodes[node] {
        case .callback(let request)?, .text(let request)?: request
        default: nil
        }
    }

    func completeContact(_ request: ContactRequest, number: String) -> [CallCommand] {
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

    var currentVoicemailBox: String {
        if case .voicemail(let voicemail)? = flow.nodes[node] { return voicemail.box }
        return node
    }

    func hangUp(reason: String) -> [CallCommand] {
        record("hangup_by_ivr", ["reason": reason])
        finish(served ?? .disconnected(node: node, reason: reason))
        return [.hangUp]
    }

    func finish(_ result: CallOutcome) {
        outcome = result
        state = .ended
        deadline = nil
        pendingPrompts.removeAll()
        record("outcome", ["outcome": result.description])
    }

    // MARK: Prompts and the log

    func play(_ prompt: Prompt, values: [String: String] = [:]) -> CallCommand {
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
    var placeholderValues: [String: String] {
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

    var isCollectingSecret: Bool {
        switch state {
        case .verifyingAccount, .verifyingPIN: return true
        case .collecting:
            if case .collect(let collect)? = flow.nodes[node] { return collect.secret }
            return false
        default: return false
        }
    }

    func loggable(_ key: Character) -> String { isCollectingSecret ? "*" : String(key) }

    func record(_ event: String, _ detail: [String: String]) {
        log.append(CallLogEntry(time: now, node: node, event: event, detail: detail))
    }
}
