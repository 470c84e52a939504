/// The built-in slot types of the intent language: the words a caller says for them, and the
/// value those words stand for.
enum SlotType {
    static let builtIn: Set<String> = ["digits", "number", "yesno", "ordinal"]

    static let digitWords = ["zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                             "six": 6, "seven": 7, "eight": 8, "nine": 9]
    static let teens = ["ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
                        "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19]
    static let tens = ["twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
                       "eighty": 80, "ninety": 90]
    static let yes = ["yes", "yeah", "yep", "correct", "right"]
    static let no = ["no", "nope", "wrong"]
    static let ordinals = ["first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
                           "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10]

    /// JSGF rules for the built-in types (all of them; unused ones cost nothing).
    static let jsgfRules = """
    <digit> = zero | oh | one | two | three | four | five | six | seven | eight | nine;
    <slot_digits> = <digit>+;
    <units> = one | two | three | four | five | six | seven | eight | nine;
    <teens> = ten | eleven | twelve | thirteen | fourteen | fifteen | sixteen | seventeen | eighteen | nineteen;
    <tens> = twenty | thirty | forty | fifty | sixty | seventy | eighty | ninety;
    <below100> = <units> | <teens> | <tens> [<units>];
    <below1000> = <below100> | <units> hundred [[and] <below100>];
    <slot_number> = zero | <below1000> | <units> thousand [[and] <below1000>];
    <slot_yesno> = \(yes.joined(separator: " | ")) | \(no.joined(separator: " | "));
    <slot_ordinal> = \(ordinals.keys.sorted().joined(separator: " | "));
    """

    /// Whether `type` is built in: one of ``builtIn``, or digits of a given count.
    static func isBuiltIn(_ type: String) -> Bool { builtIn.contains(type) || digitCount(type) != nil }

    /// How many digits a type `digits_MIN_MAX` takes (`digits_8_8`: exactly eight), nil for
    /// another type. An entry whose length is known gets such a grammar: a decoder that may
    /// choose how many digits it hears inserts words at a string's onset ("two eight one …";
    /// flite's strings of 4–8 digits: 37 of 48 right with any count, 47 with the count known;
    /// BENCHMARKS.md).
    static func digitCount(_ type: String) -> ClosedRange<Int>? {
        let parts = type.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "digits", let least = Int(parts[1]), let most = Int(parts[2]),
              least >= 1, least <= most, most <= 30 else { return nil }
        return least...most
    }

    /// The JSGF rule of a counted digits type: the least count, then each further digit optional.
    static func jsgfRule(counted type: String) -> String? {
        guard let count = digitCount(type) else { return nil }
        let required = Array(repeating: "<digit>", count: count.lowerBound).joined(separator: " ")
        let optional = String(repeating: " [<digit>", count: count.count - 1) + String(repeating: "]", count: count.count - 1)
        return "<slot_\(type)> = \(required)\(optional);"
    }

    /// The words a built-in type can say.
    static func words(of type: String) -> [String] {
        if digitCount(type) != nil { return words(of: "digits") }
        return switch type {
        case "digits": Array(digitWords.keys)
        case "number": Array(digitWords.keys) + Array(teens.keys) + Array(tens.keys) + ["hundred", "thousand", "and"]
        case "yesno": yes + no
        case "ordinal": Array(ordinals.keys)
        default: []
        }
    }

    /// A regular expression over space-terminated words for a built-in type.
    static func pattern(_ type: String) -> String {
        if let count = digitCount(type) {
            return "(?:(?:\(digitWords.keys.sorted().joined(separator: "|"))) ){\(count.lowerBound),\(count.upperBound)}"
        }
        switch type {
        case "digits": return "(?:(?:\(digitWords.keys.sorted().joined(separator: "|"))) )+"
        case "number":
            let words = Array(digitWords.keys) + Array(teens.keys) + Array(tens.keys) + ["hundred", "thousand", "and"]
            return "(?:(?:\(words.sorted().joined(separator: "|"))) )+"
        case "yesno": return "(?:(?:\((yes + no).joined(separator: "|"))) )"
        default: return "(?:(?:\(ordinals.keys.sorted().joined(separator: "|"))) )"
        }
    }

    /// The value the words of a built-in type stand for.
    static func value(_ words: [String], type: String) -> String {
        if digitCount(type) != nil { return value(words, type: "digits") }
        switch type {
        case "digits": return words.compactMap { digitWords[$0].map(String.init) }.joined()
        case "number": return number(words).map(String.init) ?? words.joined(separator: " ")
        case "yesno": return yes.contains(words.first ?? "") ? "yes" : "no"
        default: return ordinals[words.first ?? ""].map(String.init) ?? ""
        }
    }

    /// `two hundred and forty two` → 242; nil when the words are not a number.
    static func number(_ words: [String]) -> Int? {
        var total = 0, current = 0
        var any = false
        for word in words where word != "and" {
            if let value = digitWords[word] ?? teens[word] ?? tens[word] {
                current += value
            } else if word == "hundred" {
                current = max(current, 1) * 100
            } else if word == "thousand" {
                total += max(current, 1) * 1000
                current = 0
            } else {
                return nil
            }
            any = true
        }
        return any ? total + current : nil
    }
}
