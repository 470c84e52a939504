import Foundation
import Yams

/// Something wrong in an intent file, with its line.
public struct IntentProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let message: String

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// What the caller meant: an intent with its slots.
public struct IntentMatch: Sendable, Equatable {
    public var intent: String
    public var slots: [String: String]
    /// The words that said it (others around them were the caller's own words).
    public var range: Range<Int>

    public init(intent: String, slots: [String: String], range: Range<Int>) {
        self.intent = intent
        self.slots = slots
        self.range = range
    }
}

/// The phrases callers may say, by intent, compiled for PocketSphinx (one JSGF grammar) and
/// for reading the words back into an intent and its slots.
///
/// An intent file (YAML):
/// ```yaml
/// rules:                     # reusable pieces
///   bill: (bill | invoice)
/// slots:                     # value lists: value → phrases (or a plain list)
///   department:
///     sales: [sales, buying something]
///     billing: [billing, accounts]
/// intents:
///   pay_bill: ["(pay | settle) [my] <bill>"]
///   transfer: ["(talk | speak) to {department}", "{department} please"]
///   account: ["my account number is {account:digits}"]
/// ```
public struct IntentGrammar {
    /// Intents in file order, each with its templates.
    let intents: [(name: String, templates: [IntentTemplate])]
    /// Intents whose phrases are also looked for inside longer speech: those of intent files,
    /// which say how callers ask in their own words. A menu's own phrases are answers, said
    /// alone (``SpeechRecognizer/understand(_:sampleRate:intents:grammar:)``).
    let spottedIntents: Set<String>
    let rules: [String: IntentTemplate]
    /// Custom slot lists: phrase (lower case) → value.
    let slotLists: [String: [(phrase: String, value: String)]]
    private let matchers: [(intent: String, expression: NSRegularExpression, slots: [(group: String, name: String, type: String)])]
    /// The phrases that hold no built-in slot, spelled out, each once, fewest words first (in file
    /// order among equals), with what each means: what a phrase heard is compared with
    /// (``rivals(of:limit:)``).
    private var comparable: [(words: [String], meaning: IntentMatch)] = []

    public var intentNames: [String] { intents.map(\.name) }

    /// Builds a grammar from intents given in code (name → templates), e.g. a flow menu's options.
    public init(intents: [(name: String, phrases: [String])]) throws {
        try self.init(intents: intents.map { ($0.name, try $0.phrases.map(IntentTemplate.parse)) }, rules: [:], slotLists: [:])
    }

    init(intents: [(name: String, templates: [IntentTemplate])], rules: [String: IntentTemplate],
         slotLists: [String: [(phrase: String, value: String)]], spotted: Set<String> = []) throws {
        self.intents = intents
        spottedIntents = spotted
        self.rules = rules
        self.slotLists = slotLists
        var matchers: [(String, NSRegularExpression, [(String, String, String)])] = []
        for (name, templates) in intents {
            var slots: [(String, String, String)] = []
            let alternatives = templates.map { Self.pattern($0, rules: rules, slotLists: slotLists, slots: &slots, depth: 0) }
            let expression = try NSRegularExpression(pattern: "^(?:\(alternatives.joined(separator: "|")))$")
            matchers.append((name, expression, slots))
        }
        self.matchers = matchers
        var seen: Set<[String]> = []
        let spelled = intents.flatMap(\.templates).filter { !usesBuiltInSlot($0, depth: 0) }
            .flatMap { samples($0, depth: 0, listValues: .max) }.filter { !$0.isEmpty && seen.insert($0).inserted }
        comparable = spelled.enumerated().sorted { ($0.element.count, $0.offset) < ($1.element.count, $1.offset) }
            .compactMap { phrase in match(phrase.element).map { (phrase.element, $0) } }
    }

    /// The intents named in `selection`: each with its own phrases, and, `fromFiles`, the
    /// phrases the first of `files` that defines it gives (with the rules and slot lists of the
    /// files; those are spotted in longer speech). Throws when an intent from the files is in
    /// none of them.
    public static func combining(_ files: [IntentGrammar], selection: [(name: String, phrases: [String], fromFiles: Bool)]) throws -> IntentGrammar {
        var intents: [(name: String, templates: [IntentTemplate])] = []
        var spotted: Set<String> = []
        for (name, phrases, fromFiles) in selection {
            var templates = try phrases.map(IntentTemplate.parse)
            if fromFiles {
                guard let defined = files.lazy.compactMap({ $0.intents.first { $0.name == name } }).first else {
                    throw IntentErrors(problems: [IntentProblem(file: "intent files", line: 0, message: "no intent named '\(name)'")])
                }
                templates += defined.templates
                spotted.insert(name)
            }
            intents.append((name, templates))
        }
        var rules: [String: IntentTemplate] = [:], slotLists: [String: [(phrase: String, value: String)]] = [:]
        for file in files {
            rules.merge(file.rules) { first, _ in first }
            slotLists.merge(file.slotLists) { first, _ in first }
        }
        return try IntentGrammar(intents: intents, rules: rules, slotLists: slotLists, spotted: spotted)
    }

    /// The slots an intent can fill (nil: no such intent).
    public func slotNames(of intent: String) -> Set<String>? {
        guard let templates = intents.first(where: { $0.name == intent })?.templates else { return nil }
        func slots(_ template: IntentTemplate, depth: Int) -> [String] {
            template.slots.map(\.name) + (depth < 20 ? template.ruleNames.flatMap { rules[$0].map { slots($0, depth: depth + 1) } ?? [] } : [])
        }
        return Set(templates.flatMap { slots($0, depth: 0) })
    }

    /// The values a slot list gives (nil for a built-in type or an unknown list).
    public func slotValues(ofList name: String) -> Set<String>? { slotLists[name].map { Set($0.map(\.value)) } }

    /// The type (slot list or built-in) of a slot an intent fills.
    public func slotType(_ slot: String, of intent: String) -> String? {
        guard let templates = intents.first(where: { $0.name == intent })?.templates else { return nil }
        func find(_ template: IntentTemplate, depth: Int) -> String? {
            template.slots.first { $0.name == slot }?.type
                ?? (depth < 20 ? template.ruleNames.lazy.compactMap { self.rules[$0].flatMap { find($0, depth: depth + 1) } }.first : nil)
        }
        return templates.lazy.compactMap { find($0, depth: 0) }.first
    }

    /// Loads and checks an intent file; every problem has its line. Words are checked against
    /// `knows` (the recognizer's dictionary) when given.
    public static func load(path: String, knows: ((String) -> Bool)? = nil) throws(IntentErrors) -> IntentGrammar {
        var problems: [IntentProblem] = []
        func problem(_ node: Node?, _ message: String) {
            problems.append(IntentProblem(file: path, line: node?.mark?.line ?? 0, message: message))
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw IntentErrors(problems: [IntentProblem(file: path, line: 0, message: "no such file, or not readable")])
        }
        let root: Node
        do {
            guard let parsed = try Yams.compose(yaml: text) else {
                throw IntentErrors(problems: [IntentProblem(file: path, line: 0, message: "empty intent file")])
            }
            root = parsed
        } catch let errors as IntentErrors {
            throw errors
        } catch {
            throw IntentErrors(problems: [IntentProblem(file: path, line: 0, message: "not valid YAML: \(error)")])
        }
        guard case .mapping(let top) = root else {
            throw IntentErrors(problems: [IntentProblem(file: path, line: 1, message: "an intent file is a mapping with 'intents' (and 'rules', 'slots')")])
        }
        var rules: [String: IntentTemplate] = [:]
        var ruleLines: [String: Node] = [:]
        var slotLists: [String: [(String, String)]] = [:]
        var intents: [(String, [IntentTemplate])] = []
        var templateNodes: [(IntentTemplate, Node)] = []

        func parse(_ node: Node, _ place: String) -> IntentTemplate? {
            guard let text = node.string else {
                problem(node, "\(place): a template must be text (quote templates that start with [ or {)")
                return nil
            }
            do {
                let template = try IntentTemplate.parse(text)
                templateNodes.append((template, node))
                return template
            } catch let error as TemplateError {
                problem(node, "\(place): column \(error.column): \(error.message) in '\(text)'")
            } catch {
                problem(node, "\(place): \(error)")
            }
            return nil
        }

        for (key, value) in top {
            switch key.string {
            case "rules":
                guard case .mapping(let entries) = value else { problem(value, "rules must be a mapping"); continue }
                for (name, template) in entries {
                    guard let ruleName = name.string else { continue }
                    if let parsed = parse(template, "rule '\(ruleName)'") {
                        rules[ruleName] = parsed
                        ruleLines[ruleName] = template
                    }
                }
            case "slots":
                guard case .mapping(let entries) = value else { problem(value, "slots must be a mapping"); continue }
                for (name, list) in entries {
                    guard let slotName = name.string else { continue }
                    var phrases: [(String, String)] = []
                    switch list {
                    case .sequence(let items):
                        for item in items { if let phrase = item.string { phrases.append((phrase.lowercased(), phrase)) } }
                    case .mapping(let values):
                        for (valueNode, synonyms) in values {
                            guard let value = valueNode.string else { continue }
                            let words = synonyms.array().compactMap(\.string) + (synonyms.string.map { [$0] } ?? [])
                            for phrase in words { phrases.append((phrase.lowercased(), value)) }
                        }
                    default:
                        problem(list, "slot '\(slotName)' must be a list of phrases or a mapping of value to phrases")
                    }
                    if SlotType.isBuiltIn(slotName) { problem(name, "slot '\(slotName)' is a built-in type") }
                    slotLists[slotName] = phrases
                    for (phrase, _) in phrases {
                        templateNodes.append((.sequence(phrase.split(separator: " ").map { .word(String($0)) }), list))
                    }
                }
            case "intents":
                guard case .mapping(let entries) = value else { problem(value, "intents must be a mapping"); continue }
                for (name, templates) in entries {
                    guard let intentName = name.string else { continue }
                    if case .sequence(let list) = templates, list.isEmpty {
                        problem(name, "intent '\(intentName)' has no phrase")
                        continue
                    }
                    // Each phrase that cannot be read is named where it is.
                    let items = templates.array().isEmpty ? [templates] : templates.array()
                    intents.append((intentName, items.compactMap { parse($0, "intent '\(intentName)'") }))
                }
            default:
                problem(key, "unknown key '\(key.string ?? "?")' (an intent file has rules, slots and intents)")
            }
        }
        if intents.isEmpty { problem(root, "no intents") }
        for (template, node) in templateNodes {
            for name in template.ruleNames where rules[name] == nil { problem(node, "no rule named '\(name)'") }
            for slot in template.slots where !SlotType.isBuiltIn(slot.type) && slotLists[slot.type] == nil {
                problem(node, "slot {\(slot.name)}: no slot list or built-in type named '\(slot.type)' (built-in: digits, digits_MIN_MAX, number, yesno, ordinal)")
            }
            if let knows {
                for word in template.words where !knows(word) {
                    problem(node, "'\(word)' is not in the recognizer's dictionary")
                }
            }
        }
        for (name, template) in rules where Self.isRecursive(name, template, rules: rules, seen: []) {
            problem(ruleLines[name], "rule '\(name)' refers to itself")
        }
        guard problems.isEmpty else { throw IntentErrors(problems: problems.sorted { $0.line < $1.line }) }
        do {
            return try IntentGrammar(intents: intents, rules: rules, slotLists: slotLists, spotted: Set(intents.map(\.0)))
        } catch {
            throw IntentErrors(problems: [IntentProblem(file: path, line: 0, message: "cannot compile: \(error)")])
        }
    }

    private static func isRecursive(_ name: String, _ template: IntentTemplate, rules: [String: IntentTemplate], seen: Set<String>) -> Bool {
        for reference in template.ruleNames {
            if reference == name || seen.contains(reference) { return true }
            if let inner = rules[reference], isRecursive(name, inner, rules: rules, seen: seen.union([reference])) { return true }
        }
        return false
    }

    // MARK: JSGF

    /// The word a caller may add after any phrase ("sales, please"): the grammar takes it, the
    /// intent is the phrase's. Without it such an answer was rejected, or, spotted, taken for
    /// another ("hours please" as "billing" at 0.80; BENCHMARKS.md).
    static let courtesyWord = "please"

    /// The grammar as JSGF, as the recognizer decodes with it: one public rule over all the
    /// intents' phrases, each perhaps followed by ``courtesyWord``.
    public var jsgf: String {
        var lines = ["#JSGF V1.0;", "grammar intents;"]
        lines.append("public <intents> = (" + intents.map { "<intent_\(Self.ruleName($0.name))>" }.joined(separator: " | ") + ") [\(Self.courtesyWord)];")
        for (name, templates) in intents {
            lines.append("<intent_\(Self.ruleName(name))> = " + templates.map { "(\(Self.jsgf($0)))" }.joined(separator: " | ") + ";")
        }
        for (name, template) in rules.sorted(by: { $0.key < $1.key }) {
            lines.append("<rule_\(Self.ruleName(name))> = \(Self.jsgf(template));")
        }
        for (name, phrases) in slotLists.sorted(by: { $0.key < $1.key }) {
            lines.append("<slot_\(Self.ruleName(name))> = " + phrases.map(\.phrase).joined(separator: " | ") + ";")
        }
        lines.append(SlotType.jsgfRules)
        let slotTypes = Set((intents.flatMap(\.templates) + rules.values).flatMap(\.slots).map(\.type))
        lines += slotTypes.sorted().compactMap(SlotType.jsgfRule(counted:))
        return lines.joined(separator: "\n") + "\n"
    }

    static func ruleName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    static func jsgf(_ template: IntentTemplate) -> String {
        switch template {
        case .word(let word): word
        case .sequence(let items): items.map(jsgf).joined(separator: " ")
        case .alternatives(let items): "(" + items.map(jsgf).joined(separator: " | ") + ")"
        case .optional(let item): "[" + jsgf(item) + "]"
        case .rule(let name): "<rule_\(ruleName(name))>"
        case .slot(_, let type): "<slot_\(ruleName(type))>"
        }
    }

    // MARK: Reading words back

    /// A regular expression over words each followed by one space; slots become named groups.
    static func pattern(_ template: IntentTemplate, rules: [String: IntentTemplate], slotLists: [String: [(phrase: String, value: String)]],
                        slots: inout [(String, String, String)], depth: Int) -> String {
        switch template {
        case .word(let word):
            return NSRegularExpression.escapedPattern(for: word) + " "
        case .sequence(let items):
            return items.map { pattern($0, rules: rules, slotLists: slotLists, slots: &slots, depth: depth) }.joined()
        case .alternatives(let items):
            return "(?:" + items.map { pattern($0, rules: rules, slotLists: slotLists, slots: &slots, depth: depth) }.joined(separator: "|") + ")"
        case .optional(let item):
            return "(?:" + pattern(item, rules: rules, slotLists: slotLists, slots: &slots, depth: depth) + ")?"
        case .rule(let name):
            guard depth < 20, let rule = rules[name] else { return "(?!)" }
            return pattern(rule, rules: rules, slotLists: slotLists, slots: &slots, depth: depth + 1)
        case .slot(let name, let type):
            let group = "s\(slots.count)"
            slots.append((group, name, type))
            let inner: String
            if let list = slotLists[type] {
                inner = "(?:" + list.map { $0.phrase.split(separator: " ").map { NSRegularExpression.escapedPattern(for: String($0)) + " " }.joined() }
                    .joined(separator: "|") + ")"
            } else {
                inner = SlotType.pattern(type)
            }
            return "(?<\(group)>\(inner))"
        }
    }

    /// Phrases that more than one intent accepts, with those intents: the first of them wins,
    /// so the others can never be recognized from that phrase. Checks up to 200 phrases per
    /// template (slots filled with a sample value).
    public func conflicts() -> [(phrase: String, intents: [String])] {
        var result: [(String, [String])] = []
        var reported: Set<String> = []
        for (name, templates) in intents {
            for template in templates {
                for sample in samples(template, depth: 0).prefix(200) {
                    let text = sample.joined(separator: " ")
                    let takers = matchers.filter { matcher in
                        let line = sample.map { $0 + " " }.joined()
                        return matcher.expression.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil
                    }.map(\.intent)
                    if takers.count > 1, takers.contains(name), reported.insert(text).inserted {
                        result.append((text, takers))
                    }
                }
            }
        }
        return result
    }

    /// Example phrases for each intent, up to `perIntent` spread over what its templates accept
    /// (slots filled with sample values), for calibration and tests.
    public func examplePhrases(perIntent: Int) -> [(intent: String, phrase: String)] {
        intents.flatMap { name, templates -> [(intent: String, phrase: String)] in
            var seen: Set<String> = []
            let all = templates.flatMap { samples($0, depth: 0) }.map { $0.joined(separator: " ") }.filter { !$0.isEmpty && seen.insert($0).inserted }
            let step = max(1, all.count / max(perIntent, 1))
            return stride(from: 0, to: all.count, by: step).prefix(perIntent).map { (name, all[$0]) }
        }
    }

    /// The phrases of the spotted intents (``spottedIntents``) that hold no built-in slot
    /// (digits, numbers …), every alternative spelled out, up to `perIntent` of each intent,
    /// shortest first: what keyword spotting looks for inside longer speech.
    public func spottablePhrases(perIntent: Int) -> [String] {
        spelledOut(perIntent: perIntent) { usesBuiltInSlot($0, depth: 0) ? nil : $0 }
    }

    /// The words that lead up to a built-in slot in the spotted intents' templates ("my account
    /// number is" of "my account number is {account:digits}"), every alternative spelled out, up
    /// to `perIntent` of each intent: found inside longer speech, they mark where a request with
    /// a value may begin ("okay, so, my account number is 4 7 1 1").
    public func anchorPhrases(perIntent: Int) -> [String] {
        spelledOut(perIntent: perIntent, anchor)
    }

    /// What `part` keeps of the spotted intents' templates, every alternative spelled out, up to
    /// `perIntent` of each intent, shortest first, each once.
    private func spelledOut(perIntent: Int, _ part: (IntentTemplate) -> IntentTemplate?) -> [String] {
        var seen: Set<String> = []
        return intents.filter { spottedIntents.contains($0.name) }.flatMap { _, templates in
            templates.compactMap(part).flatMap { samples($0, depth: 0, listValues: .max) }
                .filter { !$0.isEmpty }.sorted { $0.count < $1.count }.map { $0.joined(separator: " ") }
                .filter { seen.insert($0).inserted }.prefix(perIntent)
        }
    }

    /// The part of a sequence before its first built-in slot; nil when it starts with one or
    /// holds none.
    private func anchor(_ template: IntentTemplate) -> IntentTemplate? {
        guard case .sequence(let items) = template,
              let slot = items.firstIndex(where: { usesBuiltInSlot($0, depth: 0) }), slot > 0 else { return nil }
        return .sequence(Array(items[..<slot]))
    }

    /// The phrases of the grammar that mean something else than `words` (another intent, or
    /// other slot values), spelled out; nil when `words` are not one of them (a built-in slot such
    /// as digits). A grammar that spells out more than `limit` (a flow's menu with its intent
    /// files) compares a one-word answer with its other one-word phrases only, up to `limit` of
    /// them, and nothing else: a long request has few rivals that short, and comparing every
    /// phrase costs too much.
    func rivals(of words: [String], limit: Int) -> [[String]]? {
        // A phrase and the courtesy word after it: the rivals say it too.
        if words.count > 1, words.last == Self.courtesyWord, let rivals = rivals(of: Array(words.dropLast()), limit: limit) {
            return rivals.map { $0 + [Self.courtesyWord] }
        }
        let compared = comparable.count <= limit ? comparable[...] : words.count == 1 ? comparable.prefix { $0.words.count == 1 }.prefix(limit) : []
        guard let meaning = compared.first(where: { $0.words == words })?.meaning else { return nil }
        return compared.filter { $0.meaning.intent != meaning.intent || $0.meaning.slots != meaning.slots }.map(\.words)
    }

    private func usesBuiltInSlot(_ template: IntentTemplate, depth: Int) -> Bool {
        template.slots.contains { SlotType.isBuiltIn($0.type) }
            || (depth < 20 && template.ruleNames.contains { rules[$0].map { usesBuiltInSlot($0, depth: depth + 1) } ?? false })
    }

    /// Word sequences a template accepts (a bounded sample; `listValues` of each slot list).
    private func samples(_ template: IntentTemplate, depth: Int, listValues: Int = 3) -> [[String]] {
        switch template {
        case .word(let word): return [[word]]
        case .sequence(let items):
            return items.reduce([[]]) { partial, item in
                let tails = samples(item, depth: depth, listValues: listValues)
                return Array(partial.flatMap { head in tails.map { head + $0 } }.prefix(400))
            }
        case .alternatives(let items): return items.flatMap { samples($0, depth: depth, listValues: listValues) }
        case .optional(let item): return [[]] + samples(item, depth: depth, listValues: listValues)
        case .rule(let name):
            guard depth < 20, let rule = rules[name] else { return [[]] }
            return samples(rule, depth: depth + 1, listValues: listValues)
        case .slot(_, let type):
            if let list = slotLists[type] { return list.prefix(listValues).map { $0.phrase.split(separator: " ").map(String.init) } }
            if let count = SlotType.digitCount(type) {
                let digits = ["four", "seven", "one", "one", "two", "zero", "nine", "five", "three", "eight"]
                return Set([count.lowerBound, count.upperBound]).sorted().map { length in (0..<length).map { digits[$0 % digits.count] } }
            }
            switch type {
            case "digits": return [["four", "seven", "one", "one"], ["two", "zero", "nine", "five", "three"]]
            case "number": return [["forty", "two"], ["three", "hundred", "and", "five"]]
            case "yesno": return [["yes"], ["no"]]
            default: return [["first"]]
            }
        }
    }

    /// The intent (and slots) that `words` say, or nil when none does: all the words, else the
    /// longest run of them (the earliest of equal runs) that an intent takes whole, so that the
    /// caller's own words around a phrase do not hide it.
    public func match(_ words: [String]) -> IntentMatch? { longestMatches(words).first }

    /// The sentences in which no intent is found word for word ("sorry wrong number" says
    /// "wrong"): the ones truly outside the grammar.
    public func outside(_ sentences: [String]) -> [String] {
        sentences.filter { match($0.split(separator: " ").map(String.init)) == nil }
    }

    /// Every run of `words` of the greatest length that an intent takes whole, earliest first.
    private func longestMatches(_ words: [String]) -> [IntentMatch] {
        for length in stride(from: words.count, through: 1, by: -1) {
            let found = (0...(words.count - length)).compactMap { start in
                matchWhole(Array(words[start..<start + length])).map {
                    IntentMatch(intent: $0.intent, slots: $0.slots, range: start..<start + length)
                }
            }
            if !found.isEmpty { return found }
        }
        return []
    }

    private func matchWhole(_ words: [String]) -> (intent: String, slots: [String: String])? {
        let text = words.map { $0.lowercased() + " " }.joined()
        let range = NSRange(text.startIndex..., in: text)
        for matcher in matchers {
            guard let result = matcher.expression.firstMatch(in: text, range: range) else { continue }
            var slots: [String: String] = [:]
            for slot in matcher.slots {
                let captured = result.range(withName: slot.group)
                guard captured.location != NSNotFound, let swiftRange = Range(captured, in: text) else { continue }
                let phrase = text[swiftRange].trimmingCharacters(in: .whitespaces)
                if let list = slotLists[slot.type] {
                    slots[slot.name] = list.first { $0.phrase == phrase }?.value ?? phrase
                } else {
                    slots[slot.name] = SlotType.value(phrase.split(separator: " ").map(String.init), type: slot.type)
                }
            }
            return (matcher.intent, slots)
        }
        return nil
    }
}

/// All the problems of an intent file.
public struct IntentErrors: Error, Sendable, CustomStringConvertible {
    public let problems: [IntentProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
