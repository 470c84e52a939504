import Foundation

/// Digits outside menus: extension dialing, collecting an entry (by key or by voice),
/// verifying an account and its PIN.
extension CallSession {
    // MARK: Digits outside menus

    func digit(_ key: Character) -> [CallCommand] {
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
                return waitForMoreDigits()
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
    func choice(_ key: Character) -> [CallCommand] {
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

    func timeout() -> [CallCommand] {
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
    func restartEntry() -> [CallCommand]? {
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

    func extensionStep(_ step: DigitEntry.Step, of entry: DigitEntry, target: String) -> [CallCommand] {
        switch step {
        case .more:
            return waitForMoreDigits()
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

    /// An entry not yet complete: the next digit is awaited until the inter-digit timeout.
    func waitForMoreDigits() -> [CallCommand] {
        deadline = now + flow.settings.interDigitTimeout
        return []
    }

    /// Notes an entry that ended at its full length, so that a `#` right after it is not
    /// taken as the next input.
    func noteComplete(_ step: DigitEntry.Step) {
        if case .complete = step { ignoreTerminatorUntil = now + flow.settings.interDigitTimeout }
    }

    func collectStep(_ step: DigitEntry.Step) -> [CallCommand] {
        guard case .collect(let collect)? = flow.nodes[node] else { return [] }
        switch step {
        case .more:
            return waitForMoreDigits()
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

    func invalidity(of value: String, _ validation: DigitValidation) -> String? {
        if validation.luhn && !DigitCheck.luhn(value) { return "check digit" }
        if let pattern = validation.pattern, !DigitCheck.matches(value, pattern: pattern) { return "pattern" }
        if let table = validation.table, flow.tables[table]?.row(value) == nil { return "not in \(table)" }
        return nil
    }

    func accept(_ value: String) -> [CallCommand] {
        guard case .collect(let collect)? = flow.nodes[node] else { return [] }
        data[collect.field] = value
        if collect.secret { secretFields.insert(collect.field) }
        record("collected", ["field": collect.field, "value": collect.secret ? DigitCheck.masked(value) : value])
        return enter(collect.next)
    }

    /// Digits said where they are entered: the whole entry at once, judged as if typed.
    func spokenEntry(_ digits: String?, confidence: Double) -> [CallCommand] {
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

    func verifyStep(_ step: DigitEntry.Step) -> [CallCommand] {
        guard case .verify(let verify)? = flow.nodes[node] else { return [] }
        switch step {
        case .more:
            return waitForMoreDigits()
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

    func verificationFailed(_ verify: Verify, reason: String) -> [CallCommand] {
        tries += 1
        record("verify_failed", ["reason": reason, "attempt": String(tries)])
        guard tries < verify.maxAttempts else {
            record("lockout", ["attempts": String(tries)])
            return enter(verify.lockout)
        }
        state = .verifyingAccount(DigitEntry(lengths: verify.accountDigits, terminator: "#"))
        return [play(verify.failurePrompt), play(verify.accountPrompt), listenForDigits()]
    }
}
