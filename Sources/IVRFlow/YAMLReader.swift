import Yams

/// Reads a YAML mapping key by key, noting unknown keys and wrong types as ``FlowProblem``s
/// with their line, so that one pass over a flow file reports everything wrong with it.
struct YAMLReader {
    let file: String
    private(set) var problems: [FlowProblem] = []

    init(file: String) { self.file = file }

    mutating func problem(_ node: Node?, _ message: String) {
        problems.append(FlowProblem(file: file, line: node?.mark?.line ?? 0, message: message))
    }

    /// A problem in another file the flow depends on.
    mutating func problem(in file: String, _ message: String) {
        problems.append(FlowProblem(file: file, line: 0, message: message))
    }

    /// Problems found in another file the flow reads.
    mutating func append(_ found: [FlowProblem]) { problems += found }

    /// The pairs of a mapping, each key checked against `allowed` (where: a name for messages).
    mutating func mapping(_ node: Node, allowed: Set<String>, where place: String) -> [String: Node] {
        guard case .mapping(let mapping) = node else {
            problem(node, "\(place) must be a mapping")
            return [:]
        }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else {
                problem(key, "\(place): keys must be names")
                continue
            }
            if !allowed.isEmpty && !allowed.contains(name) {
                let suggestion = closest(to: name, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                problem(key, "unknown key '\(name)' in \(place)\(suggestion)")
                continue
            }
            if result[name] != nil { problem(key, "'\(name)' given twice in \(place)") }
            result[name] = value
        }
        return result
    }

    /// Any mapping of names to nodes, in file order (for maps whose keys are the user's names).
    mutating func namedEntries(_ node: Node, where place: String) -> [(name: String, node: Node, line: Int)] {
        guard case .mapping(let mapping) = node else {
            problem(node, "\(place) must be a mapping")
            return []
        }
        var seen: Set<String> = []
        var result: [(String, Node, Int)] = []
        for (key, value) in mapping {
            guard let name = key.string, !name.isEmpty else {
                problem(key, "\(place): keys must be names")
                continue
            }
            if !seen.insert(name).inserted { problem(key, "'\(name)' defined twice in \(place)") }
            result.append((name, value, key.mark?.line ?? 0))
        }
        return result
    }

    mutating func string(_ node: Node?, _ field: String) -> String? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node else {
            problem(node, "\(field) must be text")
            return nil
        }
        return scalar.string
    }

    mutating func strings(_ node: Node?, _ field: String) -> [String] {
        guard let node else { return [] }
        if case .scalar = node { return string(node, field).map { [$0] } ?? [] }
        guard case .sequence(let sequence) = node else {
            problem(node, "\(field) must be a list of texts")
            return []
        }
        return sequence.compactMap { string($0, field) }
    }

    mutating func number(_ node: Node?, _ field: String, in range: ClosedRange<Double>) -> Double? {
        guard let node else { return nil }
        guard let value = node.float ?? node.int.map(Double.init) else {
            problem(node, "\(field) must be a number")
            return nil
        }
        guard range.contains(value) else {
            problem(node, "\(field) must be between \(format(range.lowerBound)) and \(format(range.upperBound))")
            return nil
        }
        return value
    }

    mutating func integer(_ node: Node?, _ field: String, in range: ClosedRange<Int>) -> Int? {
        guard let node else { return nil }
        guard let value = node.int else {
            problem(node, "\(field) must be a whole number")
            return nil
        }
        guard range.contains(value) else {
            problem(node, "\(field) must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node?, _ field: String) -> Bool? {
        guard let node else { return nil }
        guard let value = node.bool else {
            problem(node, "\(field) must be true or false")
            return nil
        }
        return value
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// The allowed name nearest to `name` (edit distance at most 2), for "did you mean" hints.
func closest(to name: String, in candidates: some Collection<String>) -> String? {
    var best: (name: String, distance: Int)?
    for candidate in candidates.sorted() {
        let distance = editDistance(name, candidate)
        if distance <= 2, distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
    }
    return best?.name
}

func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
}
