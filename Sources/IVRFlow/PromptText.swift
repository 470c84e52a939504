/// Fills `{placeholders}` in prompt texts, in the words people use for each kind of value.
public enum PromptText {
    /// `text` with each `{name}` or `{name:format}` replaced by `values[name]` read by a
    /// language's `reading` rules; unknown names are left out (a prompt never reads a
    /// placeholder's name). Formats: `digits` (one by one, for account and phone numbers),
    /// `number` (the default), `money` (`120.50` → "120 dollars and 50 cents"), `time`
    /// (`18:30`), `date` (`2026-11-23`).
    public static func fill(_ text: String, with values: [String: String], reading: ReadingRules?) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            let parts = rest[rest.index(after: open)..<close].split(separator: ":", maxSplits: 1)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if let name = parts.first, let value = values[name] {
                result += SpokenText.say(value, as: parts.count > 1 ? parts[1] : nil, reading: reading)
            }
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// The placeholder names used in `text` (without formats).
    public static func placeholders(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            let inner = rest[rest.index(after: open)..<close]
            names.append((inner.split(separator: ":").first.map(String.init) ?? "").trimmingCharacters(in: .whitespaces))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}

/// Values as a synthesizer should read them, by the language's ``ReadingRules`` (a value
/// without rules is left as it is, which eSpeak NG reads in its own way).
public enum SpokenText {
    public static func say(_ value: String, as format: String?, reading: ReadingRules?) -> String {
        switch format {
        case "digits"?: return digits(value)
        case "money"?: return reading?.readMoney(value) ?? value
        case "time"?: return reading?.readTime(value) ?? value
        case "date"?: return reading?.readDate(value) ?? value
        default: return value
        }
    }

    /// `1234` → `1 2 3 4`.
    public static func digits(_ value: String) -> String {
        value.filter { $0.isNumber || $0.isLetter }.map(String.init).joined(separator: " ")
    }
}
