/// Fills `{placeholders}` in prompt texts.
public enum PromptText {
    /// `text` with each `{name}` replaced by `values[name]`; unknown names are left out (a
    /// prompt never reads a placeholder's name to a caller).
    public static func fill(_ text: String, with values: [String: String]) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            result += rest[..<open]
            let name = rest[rest.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
            result += values[name] ?? ""
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// The placeholder names used in `text`.
    public static func placeholders(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(rest[rest.index(after: open)..<close].trimmingCharacters(in: .whitespaces))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
