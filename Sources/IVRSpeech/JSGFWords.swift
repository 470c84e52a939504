extension SpeechRecognizer {
    /// The words a JSGF grammar's rules say, with their lines (1-based): the text of each rule
    /// after its `=`, less comments, rule references, tags, weights and operators; a quoted
    /// token is one word, as PocketSphinx looks it up.
    static func words(ofJSGF jsgf: String) -> [(word: String, line: Int)] {
        var found: [(word: String, line: Int)] = []
        var inRule = false, inBlockComment = false
        for (index, rawLine) in jsgf.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var text = Substring(rawLine)
            var kept = ""
            while !text.isEmpty {
                if inBlockComment {
                    guard let end = text.range(of: "*/") else { text = ""; break }
                    text = text[end.upperBound...]
                    inBlockComment = false
                } else if text.hasPrefix("/*") {
                    inBlockComment = true
                    text = text.dropFirst(2)
                } else if text.hasPrefix("//") {
                    text = ""
                } else {
                    kept.append(text.removeFirst())
                }
            }
            var body = Substring(kept)
            if !inRule {
                guard let equals = body.firstIndex(of: "="), body[..<equals].contains("<") else { continue }
                body = body[body.index(after: equals)...]
                inRule = true
            }
            if let end = body.firstIndex(of: ";") {
                body = body[..<end]
                inRule = false
            }
            for match in body.matches(of: /"[^"]*"|<[^>]*>|\{[^}]*\}|\/[^\/]*\/|[^\s()\[\]|*+"<{\/]+/) {
                let token = match.output
                if token.hasPrefix("\"") {
                    found.append((String(token.dropFirst().dropLast()), index + 1))  // one word, spaces and all
                } else if !"<{/".contains(token.first!) {
                    found.append((String(token), index + 1))
                }
            }
        }
        return found
    }
}
