import Foundation
import IVRProjectFiles
import Yams

/// A phrase the engine says on its own, in every language of the stock prompt set
/// (`prompts/<language>.yaml`): the default of a node's prompt field the flow leaves out.
public enum StockPhrase: String, CaseIterable, Sendable {
    case noInput = "no_input", noMatch = "no_match"
    case invalidEntry = "invalid_entry", confirmEntry = "confirm_entry"
    case accountNumber = "account_number", pin, verifyFailed = "verify_failed"
    case voicemail, voicemailThanks = "voicemail_thanks"
    case callbackOffer = "callback_offer", callbackConfirm = "callback_confirm", textConfirm = "text_confirm"
    case phoneNumber = "phone_number", callbackDone = "callback_done", textDone = "text_done"
    case pleaseHold = "please_hold", goodbye, confirmChoice = "confirm_choice"
}

/// Where a stock text was given: the project's set or a flow's own, with its line.
public struct StockSource: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var description: String { "\(file):\(line)" }
}

/// One language of the stock prompt set: its phrases, how it reads values, its voice.
public struct StockLanguage: Sendable {
    public var code: String
    /// The eSpeak NG voice a flow language uses unless it names one.
    public var voice: String?
    /// Phrase id → text (with `{placeholders}`) and where it was given.
    public var phrases: [String: (text: String, source: StockSource)] = [:]
    public var reading = ReadingRules()
    /// The files read, the project's first.
    public var files: [String] = []
}

/// The stock prompt set: the project's `prompts/<language>.yaml` files, each overridden id by
/// id by a flow's own `<prompt folder>/<language>.yaml`.
public struct StockPrompts: Sendable {
    public var languages: [String: StockLanguage] = [:]
    /// The project's folder the set was read from (recordings `<language>/<id>.wav` are found
    /// there too), nil when none was found.
    public var folder: String?

    /// The project's stock folder (`prompts/`, found as ``ProjectFiles`` finds the models).
    public static var projectFolder: String? { ProjectFiles.locate("prompts/en.yaml").map { ($0 as NSString).deletingLastPathComponent } }

    public init() {}

    /// The text of `phrase` in each language that has it.
    public func texts(of phrase: StockPhrase) -> [String: String] {
        languages.compactMapValues { $0.phrases[phrase.rawValue]?.text }
    }

    /// `phrase` as the prompt `id` (`node.field`) of a node that gives none, in every language.
    public func prompt(_ phrase: StockPhrase, id: String) -> Prompt {
        Prompt(id: id, texts: texts(of: phrase), stockID: phrase.rawValue)
    }

    /// Reads every `<language>.yaml` in `folder` (the project's), then those in `overrides` (a
    /// flow's prompt folder) over them. Problems carry file and line.
    public static func load(folder: String?, overrides: String?) -> (StockPrompts, [FlowProblem]) {
        var set = StockPrompts()
        set.folder = folder
        var problems: [FlowProblem] = []
        for base in [folder, overrides].compactMap({ $0 }) {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [])
                .filter { $0.hasSuffix(".yaml") && isLanguageCode(($0 as NSString).deletingPathExtension) }.sorted()
            for name in files {
                let code = (name as NSString).deletingPathExtension
                let path = (base as NSString).appendingPathComponent(name)
                var reader = YAMLReader(file: path)
                var language = set.languages[code] ?? StockLanguage(code: code)
                read(path, into: &language, reader: &reader)
                language.files.append(path)
                set.languages[code] = language
                problems += reader.problems
            }
        }
        return (set, problems)
    }

    /// What is missing in the set for `code`: every phrase id without a text.
    public func missingPhrases(in code: String) -> [StockPhrase] {
        guard let language = languages[code] else { return StockPhrase.allCases }
        return StockPhrase.allCases.filter { language.phrases[$0.rawValue] == nil }
    }

    static func isLanguageCode(_ name: String) -> Bool {
        (2...3).contains(name.count) && name.allSatisfy { $0.isLowercase && $0.isASCII }
    }

    private static func read(_ path: String, into language: inout StockLanguage, reader: inout YAMLReader) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            reader.problem(in: path, "not readable UTF-8 text")
            return
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            reader.problem(in: path, "not valid YAML: \(error)")
            return
        }
        guard let root else { return }
        let top = reader.mapping(root, allowed: ["voice", "phrases", "reading"], where: "a prompt set")
        if let voice = reader.string(top["voice"], "voice") { language.voice = voice }
        if let phrases = top["phrases"] {
            let known = Set(StockPhrase.allCases.map(\.rawValue))
            for entry in reader.namedEntries(phrases, where: "phrases") {
                guard known.contains(entry.name) else {
                    let hint = closest(to: entry.name, in: known).map { " (did you mean '\($0)'?)" } ?? ""
                    reader.problem(entry.node, "unknown phrase id '\(entry.name)'\(hint)")
                    continue
                }
                if let text = reader.string(entry.node, entry.name) {
                    language.phrases[entry.name] = (text, StockSource(file: path, line: entry.line))
                }
            }
        }
        if let reading = top["reading"] { language.reading.read(reading, reader: &reader) }
    }
}

/// How a language reads values in prompts: `{amount:money}`, `{at:time}`, `{on:date}`, from
/// the `reading` part of its stock prompt file. A rule left out reads the value as it is.
public struct ReadingRules: Sendable, Equatable {
    /// A text with a singular and a plural form, chosen by a count.
    public struct Counted: Sendable, Equatable {
        public var one: String
        public var other: String
    }

    /// Counts that take the singular form (`[1]`; French `[0, 1]`).
    public var singular: Set<Int> = [1]
    public var money: Counted?
    public var cents: Counted?
    public var moneyAndCents: String?
    /// 12 (with `am`/`pm` as `{period}`) or 24.
    public var clock = 24
    public var am = "AM"
    public var pm = "PM"
    public var time: Counted?
    public var timeOnTheHour: Counted?
    /// How minutes 1–9 are read (`oh {minute}`); the number alone when not given.
    public var minuteBelowTen: String?
    public var date: String?
    public var months: [String] = []

    public init() {}

    mutating func read(_ node: Node, reader: inout YAMLReader) {
        let f = reader.mapping(node, allowed: ["singular", "money", "cents", "money_and_cents", "clock", "am", "pm", "time",
                                               "time_on_the_hour", "minute_below_ten", "date", "months"], where: "reading")
        if let list = f["singular"] { singular = Set(reader.strings(list, "singular").compactMap { Int($0) }) }
        func counted(_ field: String) -> Counted? {
            guard let node = f[field] else { return nil }
            let forms = reader.strings(node, field)
            guard (1...2).contains(forms.count) else {
                reader.problem(node, "\(field) must be a text or [singular, plural]")
                return nil
            }
            return Counted(one: forms[0], other: forms[forms.count - 1])
        }
        if let value = counted("money") { money = value }
        if let value = counted("cents") { cents = value }
        if let value = reader.string(f["money_and_cents"], "money_and_cents") { moneyAndCents = value }
        if let value = f["clock"] {
            if let hours = value.int, hours == 12 || hours == 24 { clock = hours } else { reader.problem(value, "clock must be 12 or 24") }
        }
        if let value = reader.string(f["am"], "am") { am = value }
        if let value = reader.string(f["pm"], "pm") { pm = value }
        if let value = counted("time") { time = value }
        if let value = counted("time_on_the_hour") { timeOnTheHour = value }
        if let value = reader.string(f["minute_below_ten"], "minute_below_ten") { minuteBelowTen = value }
        if let value = reader.string(f["date"], "date") { date = value }
        if let node = f["months"] {
            let names = reader.strings(node, "months")
            if names.count == 12 { months = names } else { reader.problem(node, "months must name the 12 months, January first") }
        }
    }

    private func pick(_ text: Counted, _ count: Int) -> String { singular.contains(count) ? text.one : text.other }

    private func fill(_ template: String, _ values: [String: String]) -> String {
        PromptText.fill(template, with: values, reading: nil)
    }

    /// `120.50` → "120 dollars and 50 cents" (nil when not an amount).
    public func readMoney(_ value: String) -> String? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard let whole = Int(parts[0]), parts.count <= 2 else { return nil }
        var cents = 0
        if parts.count == 2 {
            let fraction = String(parts[1].prefix(2)).padding(toLength: 2, withPad: "0", startingAt: 0)
            guard let value = Int(fraction) else { return nil }
            cents = value
        }
        guard let money else { return value }
        let main = fill(pick(money, whole), ["n": String(whole)])
        guard cents > 0, let centsText = self.cents else { return main }
        let small = fill(pick(centsText, cents), ["n": String(cents)])
        return fill(moneyAndCents ?? "{money} {cents}", ["money": main, "cents": small])
    }

    /// `18:30` → "6 30 PM" (nil when not a time of day).
    public func readTime(_ value: String) -> String? {
        let parts = value.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]) else { return nil }
        let hour = clock == 12 ? (parts[0] % 12 == 0 ? 12 : parts[0] % 12) : parts[0]
        let minute = parts[1] < 10 && parts[1] > 0 ? minuteBelowTen.map { fill($0, ["minute": String(parts[1])]) } ?? String(parts[1])
                                                   : String(parts[1])
        let values = ["hour": String(hour), "minute": minute, "period": clock == 12 ? (parts[0] < 12 ? am : pm) : ""]
        guard let template = parts[1] == 0 ? timeOnTheHour ?? time : time else { return value }
        return fill(pick(template, hour), values).split(separator: " ").joined(separator: " ")
    }

    /// `2026-11-23` → "November 23, 2026" (nil when not a date).
    public func readDate(_ value: String) -> String? {
        let parts = value.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        guard let date, months.count == 12 else { return value }
        return fill(date, ["day": String(parts[2]), "month": months[parts[1] - 1], "year": String(parts[0])])
    }
}
