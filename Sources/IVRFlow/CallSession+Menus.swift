import Foundation

/// A call's menus: listening, a key or a spoken answer choosing an option, a doubtful answer
/// asked back, tries and the fallback.
extension CallSession {
    func listenForMenu() -> CallCommand {
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
    func listenForChoice() -> CallCommand {
        .listen(ListenRequest(keys: ["1", "2"], intents: acceptsSpeech ? [.yes, .no] + SpokenIntent.spokenKeys(["1", "2"]) : [],
                              collectingDigits: false))
    }

    /// Whether an intent heard where 1 or 2 answers means yes (1, said as yes or as the key),
    /// no (2), or neither (nil).
    func saysYes(_ intent: String) -> Bool? {
        switch SpokenIntent.spokenKey(intent) ?? (intent == SpokenIntent.yes.name ? "1" : intent == SpokenIntent.no.name ? "2" : nil) {
        case "1": true
        case "2": false
        default: nil
        }
    }

    /// A spoken yes or no where a read-back or the number to call back asks 1 or 2: the same as
    /// the key (logged as said); nil elsewhere.
    func yesOrNo(_ intent: String) -> [CallCommand]? {
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
    func listenForDigits() -> CallCommand {
        let spoken: SpokenIntent = switch state {
        case .collecting(let entry), .verifyingAccount(let entry), .verifyingPIN(_, let entry), .contactNumber(let entry),
             .extensionEntry(let entry, _):
            .entry(lengths: entry.lengths)
        default: .entry
        }
        return .listen(ListenRequest(keys: Set("0123456789*#"), intents: listensForSpeech ? [spoken] : [], collectingDigits: true))
    }

    func menuDigit(_ key: Character, _ menu: Menu) -> [CallCommand] {
        // A key that also starts an extension waits for the next digit, as a dial plan matches.
        if let extensions = menu.extensions, key.isNumber, extensions.length > 1 || !answers(key, menu) {
            record("digit", ["key": String(key), "as": answers(key, menu) ? "option or extension" : "extension"])
            return startExtension(key, extensions)
        }
        record("digit", ["key": String(key)])
        return menuKey(key, menu)
    }

    /// Whether `key` has a meaning of its own in `menu` (an option, the operator).
    func answers(_ key: Character, _ menu: Menu) -> Bool {
        menu.options.contains { $0.key == key } || (key == "0" && flow.settings.operatorNode != nil)
    }

    func startExtension(_ key: Character, _ extensions: ExtensionDialing) -> [CallCommand] {
        state = .extensionEntry(DigitEntry(lengths: extensions.length...extensions.length, terminator: "#", first: String(key)),
                                target: extensions.target)
        deadline = now + flow.settings.interDigitTimeout
        return []
    }

    /// What a key does in a menu, pressed or said (`via`), its digit or intent already logged.
    func menuKey(_ key: Character, _ menu: Menu, via channel: String = "key") -> [CallCommand] {
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

    func intent(_ name: String, slots: [String: String], confidence: Double, words: String) -> [CallCommand] {
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
    func chooses(_ name: String, slots: [String: String], in menu: Menu) -> Bool {
        if let key = SpokenIntent.spokenKey(name) { return answers(key, menu) }
        if name == "operator" { return flow.settings.operatorNode != nil }
        return menu.options.contains { $0.isChosen(by: name, slots: slots) }
    }

    /// Asks the caller whether `choice` (heard as `words`) is what they said.
    func confirm(_ choice: UnsureChoice, words: String) -> [CallCommand] {
        record("confirm_choice", choice.detail)
        state = .confirmingChoice(choice)
        return [play(flow.stock.prompt(.confirmChoice, id: "settings.confirm_choice"), values: ["choice": words]), listenForChoice()]
    }

    /// The caller's answer to ``confirm(_:words:)``: the choice taken, or a no-match of the menu
    /// (`silent`: a no-input).
    func confirmation(_ confirmed: Bool, of choice: UnsureChoice, silent: Bool = false) -> [CallCommand] {
        state = .menu
        guard case .menu(let menu)? = flow.nodes[node] else { return [] }
        guard confirmed else {
            return failedTry(silent ? "no_input" : "no_match", choice.detail.merging(["reason": "not confirmed"]) { $1 })
        }
        return take(choice.intent, slots: choice.slots, detail: choice.detail.merging(["confirmed": "yes"]) { $1 }, menu: menu)
    }

    /// Takes an intent heard in `menu`: its slots become the call's data, and its option is chosen.
    func take(_ name: String, slots: [String: String], detail: [String: String], menu: Menu) -> [CallCommand] {
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

    func choose(_ option: MenuOption, via channel: String) -> [CallCommand] {
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
    func failedTry(_ kind: String, _ detail: [String: String]) -> [CallCommand] {
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

    func fallback(after kind: String) -> [CallCommand] {
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
}
