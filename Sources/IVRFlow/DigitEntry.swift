import Foundation

/// Digits being typed: fixed or variable length, ended by a terminator key or a pause.
struct DigitEntry: Sendable, Equatable {
    enum Step: Equatable {
        /// Wait for more (within the inter-digit timeout).
        case more
        /// The entry is complete.
        case complete(String)
        /// Ended before the minimum length.
        case tooShort
        /// Nothing was typed.
        case nothing
    }

    var digits = ""
    let lengths: ClosedRange<Int>
    let terminator: Character?

    init(lengths: ClosedRange<Int>, terminator: Character?, first: String = "") {
        self.lengths = lengths
        self.terminator = terminator
        digits = first
    }

    mutating func add(_ key: Character) -> Step {
        if key == terminator {
            if digits.isEmpty { return .nothing }
            return digits.count >= lengths.lowerBound ? .complete(digits) : .tooShort
        }
        digits.append(key)
        return digits.count >= lengths.upperBound ? .complete(digits) : .more
    }

    /// The same entry with nothing typed.
    var cleared: DigitEntry { DigitEntry(lengths: lengths, terminator: terminator) }

    /// The step when the caller stops typing.
    func timedOut() -> Step {
        if digits.isEmpty { return .nothing }
        return digits.count >= lengths.lowerBound ? .complete(digits) : .tooShort
    }
}

/// Checks for collected digits.
enum DigitCheck {
    /// Whether `digits` pass the Luhn (mod 10) check of card and account numbers.
    static func luhn(_ digits: String) -> Bool {
        let values = digits.compactMap(\.wholeNumberValue)
        guard values.count == digits.count, values.count >= 2 else { return false }
        let sum = values.reversed().enumerated().reduce(0) { total, pair in
            let (index, value) = pair
            guard index % 2 == 1 else { return total + value }
            let doubled = value * 2
            return total + (doubled > 9 ? doubled - 9 : doubled)
        }
        return sum % 10 == 0
    }

    /// Whether the whole of `digits` matches `pattern`.
    static func matches(_ digits: String, pattern: String) -> Bool {
        guard let expression = try? NSRegularExpression(pattern: "^(?:\(pattern))$") else { return false }
        return expression.firstMatch(in: digits, range: NSRange(digits.startIndex..., in: digits)) != nil
    }

    /// A value for logs: all but the last two characters replaced (all of it when short).
    static func masked(_ value: String) -> String {
        guard value.count > 4 else { return String(repeating: "*", count: value.count) }
        return String(repeating: "*", count: value.count - 2) + value.suffix(2)
    }
}
