import Foundation

/// One parsed template of the intent language: `(pay | settle) [my] <bill> {amount:number}`.
///
/// Words, alternatives in parentheses separated by `|`, optional parts in brackets, references
/// to reusable rules in angle brackets, and slots in braces (`{name}` for a custom value list of
/// that name, `{name:type}` for a built-in type: digits, number, yesno, ordinal).
indirect enum IntentTemplate: Equatable, Sendable {
    case word(String)
    case sequence([IntentTemplate])
    case alternatives([IntentTemplate])
    case optional(IntentTemplate)
    case rule(String)
    case slot(name: String, type: String)

    /// Parses `text`; the error names the column.
    static func parse(_ text: String) throws -> IntentTemplate {
        var parser = TemplateParser(characters: Array(text))
        let result = try parser.alternatives()
        guard parser.position == parser.characters.count else {
            throw TemplateError(column: parser.position + 1, message: "unexpected '\(parser.characters[parser.position])'")
        }
        return result
    }

    /// Every word it contains (not those of rules and slots it names).
    var words: [String] {
        switch self {
        case .word(let word): [word]
        case .sequence(let items), .alternatives(let items): items.flatMap(\.words)
        case .optional(let item): item.words
        case .rule, .slot: []
        }
    }

    var ruleNames: [String] {
        switch self {
        case .rule(let name): [name]
        case .sequence(let items), .alternatives(let items): items.flatMap(\.ruleNames)
        case .optional(let item): item.ruleNames
        case .word, .slot: []
        }
    }

    var slots: [(name: String, type: String)] {
        switch self {
        case .slot(let name, let type): [(name, type)]
        case .sequence(let items), .alternatives(let items): items.flatMap(\.slots)
        case .optional(let item): item.slots
        case .word, .rule: []
        }
    }
}

struct TemplateError: Error, Equatable {
    let column: Int
    let message: String
}

private struct TemplateParser {
    let characters: [Character]
    var position = 0

    init(characters: [Character]) { self.characters = characters }

    mutating func skipSpaces() {
        while position < characters.count, characters[position].isWhitespace { position += 1 }
    }

    mutating func alternatives() throws -> IntentTemplate {
        var choices = [try sequence()]
        skipSpaces()
        while position < characters.count, characters[position] == "|" {
            position += 1
            choices.append(try sequence())
            skipSpaces()
        }
        return choices.count == 1 ? choices[0] : .alternatives(choices)
    }

    mutating func sequence() throws -> IntentTemplate {
        var items: [IntentTemplate] = []
        while true {
            skipSpaces()
            guard position < characters.count else { break }
            let character = characters[position]
            if character == "|" || character == ")" || character == "]" { break }
            items.append(try item())
        }
        guard !items.isEmpty else { throw TemplateError(column: position + 1, message: "empty alternative") }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    mutating func item() throws -> IntentTemplate {
        let start = position
        switch characters[position] {
        case "(":
            position += 1
            let inner = try alternatives()
            try expect(")", openedAt: start)
            return inner
        case "[":
            position += 1
            let inner = try alternatives()
            try expect("]", openedAt: start)
            return .optional(inner)
        case "<":
            let name = try enclosed(until: ">", openedAt: start)
            return .rule(name)
        case "{":
            let inner = try enclosed(until: "}", openedAt: start)
            let parts = inner.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            return .slot(name: parts[0], type: parts.count > 1 ? parts[1] : parts[0])
        default:
            var word = ""
            while position < characters.count, !"()[]<>{}|".contains(characters[position]), !characters[position].isWhitespace {
                word.append(characters[position])
                position += 1
            }
            guard !word.isEmpty else { throw TemplateError(column: position + 1, message: "unexpected '\(characters[position])'") }
            return .word(word.lowercased())
        }
    }

    mutating func expect(_ closing: Character, openedAt start: Int) throws {
        skipSpaces()
        guard position < characters.count, characters[position] == closing else {
            throw TemplateError(column: start + 1, message: "'\(characters[start])' is not closed by '\(closing)'")
        }
        position += 1
    }

    mutating func enclosed(until closing: Character, openedAt start: Int) throws -> String {
        position += 1
        var name = ""
        while position < characters.count, characters[position] != closing {
            name.append(characters[position])
            position += 1
        }
        guard position < characters.count else {
            throw TemplateError(column: start + 1, message: "'\(characters[start])' is not closed by '\(closing)'")
        }
        position += 1
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ":" }) else {
            throw TemplateError(column: start + 1, message: "'\(name)' is not a name")
        }
        return trimmed
    }
}
