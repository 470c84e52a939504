/// Fills `{placeholders}` in prompt texts, in the words people use for each kind of value.
public enum PromptText {
    /// `text` with each `{name}` or `{name:format}` replaced by `values[name]` spoken in
    /// `language`; unknown names are left out (a prompt never reads a placeholder's name).
    /// Formats: `digits` (one by one, for account and phone numbers), `number` (the default),
    /// `money` (`120.50` → "120 dollars and 50 cents"), `time` (`18:30`), `date` (`2026-11-23`).
    public static func fill(_ text: String, with values: [String: String], language: String = "en") -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            let parts = rest[rest.index(after: open)..<close].split(separator: ":", maxSplits: 1)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if let name = parts.first, let value = values[name] {
                result += SpokenText.say(value, as: parts.count > 1 ? parts[1] : nil, language: language)
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

/// Values as a synthesizer should read them, in English or Spanish (other languages get the
/// value itself, which eSpeak NG reads in its own way).
public enum SpokenText {
    public static func say(_ value: String, as format: String?, language: String) -> String {
        let spanish = language.hasPrefix("es")
        switch format {
        case "digits"?:
            return digits(value)
        case "money"?:
            return money(value, spanish: spanish, english: language.hasPrefix("en")) ?? value
        case "time"?:
            return time(value, english: language.hasPrefix("en")) ?? value
        case "date"?:
            return date(value, spanish: spanish, english: language.hasPrefix("en")) ?? value
        default:
            return value
        }
    }

    /// `1234` → `1 2 3 4`.
    public static func digits(_ value: String) -> String {
        value.filter { $0.isNumber || $0.isLetter }.map(String.init).joined(separator: " ")
    }

    static func money(_ value: String, spanish: Bool, english: Bool) -> String? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard let whole = Int(parts[0]), parts.count <= 2 else { return nil }
        var cents = 0
        if parts.count == 2 {
            let fraction = String(parts[1].prefix(2)).padding(toLength: 2, withPad: "0", startingAt: 0)
            guard let value = Int(fraction) else { return nil }
            cents = value
        }
        if spanish {
            let main = "\(whole) \(whole == 1 ? "dólar" : "dólares")"
            return cents == 0 ? main : "\(main) con \(cents) \(cents == 1 ? "céntimo" : "céntimos")"
        }
        guard english else { return value }
        let main = "\(whole) \(whole == 1 ? "dollar" : "dollars")"
        return cents == 0 ? main : "\(main) and \(cents) \(cents == 1 ? "cent" : "cents")"
    }

    static func time(_ value: String, english: Bool) -> String? {
        let parts = value.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]) else { return nil }
        guard english else { return value }
        let hour = parts[0] % 12 == 0 ? 12 : parts[0] % 12
        let minutes = parts[1] == 0 ? "" : parts[1] < 10 ? " oh \(parts[1])" : " \(parts[1])"
        return "\(hour)\(minutes) \(parts[0] < 12 ? "AM" : "PM")"
    }

    static let englishMonths = ["January", "February", "March", "April", "May", "June", "July", "August",
                                "September", "October", "November", "December"]
    static let spanishMonths = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                                "septiembre", "octubre", "noviembre", "diciembre"]

    static func date(_ value: String, spanish: Bool, english: Bool) -> String? {
        let parts = value.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        if spanish { return "\(parts[2]) de \(spanishMonths[parts[1] - 1]) de \(parts[0])" }
        guard english else { return value }
        return "\(englishMonths[parts[1] - 1]) \(parts[2]), \(parts[0])"
    }
}
