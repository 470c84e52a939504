import Foundation

/// A whole IVR as its flow file describes it: nodes (menus and the steps they lead to),
/// languages, business hours, queues, caller rules and lookup tables. Load one with
/// ``FlowLoader``; the file format is described in `docs/flow-format.md`.
public struct Flow: Sendable {
    public var name: String
    /// The file it was loaded from (for messages and relative paths).
    public var file: String
    /// The node a call starts in.
    public var start: String
    /// Languages offered; the first is the default.
    public var languages: [FlowLanguage]
    public var settings: FlowSettings
    public var hours: [String: BusinessHours]
    public var queues: [String: QueueDefinition]
    public var callerRules: [CallerRule]
    public var tables: [String: LookupTable]
    public var nodes: [String: FlowNode]
    /// Folder of recorded prompts (`prompts/` beside the flow file unless set).
    public var promptFolder: String
    /// Intent files the flow's menus may choose by (`intents: [intents.yaml]`), resolved from
    /// the flow's folder, with their lines in the flow file.
    public var intentFiles: [IntentFileReference] = []
    /// Confidence thresholds per intent from `ivr grammar calibrate FLOW.yaml`
    /// (`FLOW.thresholds.yaml` beside the flow); `settings.minimumConfidence` for the others.
    public var intentThresholds: [String: Double] = [:]
    /// Endpoints told about the flow's calls (`webhooks:`).
    public var webhooks: [WebhookEndpoint] = []
    /// The stock prompt set with the flow's own overrides: the phrases its prompts fall back
    /// on, and how each language reads values.
    public var stock = StockPrompts()

    /// How `language` reads `{value:money}`, `:time`, `:date` (nil: values as they are).
    public func reading(for language: String) -> ReadingRules? { stock.languages[language]?.reading }

    /// The confidence an intent needs in this flow.
    public func threshold(for intent: String) -> Double { intentThresholds[intent] ?? settings.minimumConfidence }

    public func language(_ code: String) -> FlowLanguage? { languages.first { $0.code == code } }

    /// Fields whose values are masked in logs and records: account numbers of `verify` nodes,
    /// `collect` fields marked secret, and PINs.
    public var secretFields: Set<String> {
        var fields: Set<String> = ["pin", "account"]
        for node in nodes.values {
            switch node {
            case .verify(let verify): fields.insert(verify.accountField)
            case .collect(let collect) where collect.secret: fields.insert(collect.field)
            default: break
            }
        }
        return fields
    }
}

/// An intent file a flow names.
public struct IntentFileReference: Sendable, Equatable {
    public var path: String
    public var line: Int
}

/// A language a call can be held in.
public struct FlowLanguage: Sendable, Equatable {
    /// Code such as `en` or `es` (the key in prompt texts).
    public var code: String
    /// eSpeak NG voice for its prompts.
    public var voice: String
    /// Whether callers may speak (the recognizer's model is English only): else keypad only.
    /// By default, for English only.
    public var speech: Bool
    /// Speaking rate in words per minute.
    public var rate = 160
    /// Pitch, 0–100 (50 normal).
    public var pitch = 50
    /// Volume, 0–200 (100 normal).
    public var volume = 100
    /// Its line in the flow file (0 for the default English).
    public var line = 0

    /// Whether the recognizer's model (Debian's US English) understands callers of `code`.
    public static func recognizable(_ code: String) -> Bool { code == "en" || code.hasPrefix("en-") }

    public init(code: String, voice: String, speech: Bool, line: Int = 0) {
        self.code = code
        self.voice = voice
        self.speech = speech
        self.line = line
    }
}

/// Defaults that menus and collections may override.
public struct FlowSettings: Sendable, Equatable {
    /// Seconds to wait for a key or speech after a prompt.
    public var noInputTimeout = 5.0
    /// Seconds allowed between two digits of an entry.
    public var interDigitTimeout = 3.0
    /// Tries (no input or no match) before a menu's fallback.
    public var maxTries = 3
    /// Recognition confidence below which an intent counts as no match (by default the
    /// recognizer's own, `IntentThresholds.defaultThreshold`).
    public var minimumConfidence = 0.5
    /// Confidence from which a spoken answer below its threshold is confirmed ("Did you say
    /// billing?") rather than taken for a no-match; nil: never (`confirm_from`).
    public var confirmFrom: Double?
    /// Node that key 0 leads to from any menu (none when nil).
    public var operatorNode: String?
    /// Key that repeats a menu.
    public var repeatKey: Character? = "*"
    /// Key that goes back to the previous menu.
    public var backKey: Character? = "#"
    /// Node taken when a menu runs out of tries and names no fallback of its own.
    public var fallback: String?
    /// Whether a menu that listens for speech takes a digit said as pressed ("two", "press
    /// two"; `keys_by_voice`).
    public var keysByVoice = true

    /// The defaults.
    public init() {}
}

/// A prompt: text per language (with `{placeholders}` filled from the call), or a recorded
/// file under the prompt folder.
public struct Prompt: Sendable, Equatable {
    /// Stable name: `node.field`, also the base name of a recorded override.
    public var id: String
    /// Text by language code; a single text applies to every language.
    public var texts: [String: String]
    /// A recorded file named explicitly in the flow (relative to the prompt folder).
    public var file: String?
    /// False for prompts the caller may not interrupt (legal notices).
    public var interruptible = true
    /// The stock phrase it stands for (`no_input`, `voicemail`, …) when the flow gives no text:
    /// its recordings are found under this id too.
    public var stockID: String?
    /// Its line in the flow file (0 for a stock phrase the flow does not mention).
    public var line = 0

    public init(id: String, texts: [String: String], file: String? = nil, stockID: String? = nil, line: Int = 0) {
        self.id = id
        self.texts = texts
        self.file = file
        self.stockID = stockID
        self.line = line
    }

    /// The text for `language`, else the text for every language, else (a fallback the caller
    /// may not understand) the flow's default language's or any.
    public func text(for language: String, default defaultLanguage: String) -> String {
        resolvedText(for: language, default: defaultLanguage).text
    }

    /// The text for `language` and, when it had none, the language the text is in instead.
    public func resolvedText(for language: String, default defaultLanguage: String) -> (text: String, fallback: String?) {
        if let text = texts[language] ?? texts["*"] { return (text, nil) }
        if let text = texts[defaultLanguage] { return (text, defaultLanguage) }
        guard let (code, text) = texts.sorted(by: { $0.key < $1.key }).first else { return ("", nil) }
        return (text, code)
    }
}

/// One choice of a menu: a key, spoken phrases, an intent of the flow's intent files, or
/// several of these.
public struct MenuOption: Sendable, Equatable {
    public var key: Character?
    /// Phrases in the template language of the intent files (`pay [my] bill`); none when the
    /// option is chosen by an intent of the flow's intent files.
    public var phrases: [String]
    /// Node it leads to (or `hangup`).
    public var target: String
    /// Language the call switches to when the option is chosen.
    public var language: String?
    /// Name of the intent that chooses it: its phrases', or one of the intent files'.
    public var intent: String
    /// Slot values the intent must carry to choose it (`when: { department: sales }`).
    public var conditions: [String: String] = [:]
    public var line: Int

    /// Whether the flow's intent files say how it is spoken: no phrases of its own, and no
    /// key or a `when` (an option with a key alone is keypad-only).
    public var usesIntentFiles: Bool { phrases.isEmpty && (key == nil || !conditions.isEmpty) }

    /// Whether `intent` said with `slots` chooses this option.
    public func isChosen(by intent: String, slots: [String: String]) -> Bool {
        intent == self.intent && conditions.allSatisfy { slots[$0.key] == $0.value }
    }
}

/// A node of the flow, the unit a call moves between.
public enum FlowNode: Sendable, Equatable {
    case menu(Menu)
    case message(Message)
    case collect(Collect)
    case verify(Verify)
    case transfer(Transfer)
    case voicemail(Voicemail)
    case callback(ContactRequest)
    case text(ContactRequest)
    case hangup(Hangup)
    case lookup(Lookup)

    /// The node's name.
    public var name: String {
        switch self {
        case .menu(let n): n.name
        case .message(let n): n.name
        case .collect(let n): n.name
        case .verify(let n): n.name
        case .transfer(let n): n.name
        case .voicemail(let n): n.name
        case .callback(let n), .text(let n): n.name
        case .hangup(let n): n.name
        case .lookup(let n): n.name
        }
    }

    /// The node's type as flow files write it (`menu`, `collect`, `transfer`, …).
    public var kind: String {
        switch self {
        case .menu: "menu"
        case .message: "message"
        case .collect: "collect"
        case .verify: "verify"
        case .transfer: "transfer"
        case .voicemail: "voicemail"
        case .callback: "callback"
        case .text: "text"
        case .hangup: "hangup"
        case .lookup: "lookup"
        }
    }

    /// Line of its definition.
    public var line: Int {
        switch self {
        case .menu(let n): n.line
        case .message(let n): n.line
        case .collect(let n): n.line
        case .verify(let n): n.line
        case .transfer(let n): n.line
        case .voicemail(let n): n.line
        case .callback(let n), .text(let n): n.line
        case .hangup(let n): n.line
        case .lookup(let n): n.line
        }
    }

    /// Every node name it can lead to, with the line that names it.
    public var targets: [(name: String, line: Int)] {
        switch self {
        case .menu(let n):
            n.options.map { ($0.target, $0.line) } + [n.fallback, n.extensions?.target].compactMap { $0.map { ($0, n.line) } }
        case .message(let n): [(n.next, n.line)]
        case .collect(let n): [(n.next, n.line), (n.failure, n.line)]
        case .verify(let n): [(n.next, n.line), (n.lockout, n.line)]
        case .transfer(let n): [n.afterHours, n.overflow].compactMap { $0.map { ($0, n.line) } }
        case .voicemail, .hangup: []
        case .callback(let n), .text(let n): [(n.next, n.line)]
        case .lookup(let n): [(n.next, n.line), (n.failure, n.line)] + (n.notFound.map { [($0, n.line)] } ?? [])
        }
    }

    /// Every prompt it may play.
    public var prompts: [Prompt] {
        switch self {
        case .menu(let n): [n.prompt, n.shortPrompt].compactMap { $0 } + n.noInputPrompts + n.noMatchPrompts
        case .message(let n): [n.prompt]
        case .collect(let n): [n.prompt, n.invalidPrompt, n.confirmPrompt].compactMap { $0 }
        case .verify(let n): [n.accountPrompt, n.pinPrompt, n.failurePrompt]
        case .transfer(let n): [n.prompt]
        case .voicemail(let n): [n.prompt, n.thanksPrompt]
        case .callback(let n), .text(let n): [n.prompt, n.confirmPrompt, n.numberPrompt, n.donePrompt]
        case .hangup(let n): [n.prompt]
        case .lookup(let n): [n.waitPrompt].compactMap { $0 }
        }
    }
}

/// A menu: a prompt and options by key and phrase.
public struct Menu: Sendable, Equatable {
    public var name: String
    public var line: Int
    /// Played on first entry.
    public var prompt: Prompt
    /// Played on return (the full prompt when nil).
    public var shortPrompt: Prompt?
    public var options: [MenuOption]
    /// Reprompts after silence, one per try (the last repeats).
    public var noInputPrompts: [Prompt]
    /// Reprompts after an unknown key or phrase, one per try.
    public var noMatchPrompts: [Prompt]
    /// Where the call goes after the last try.
    public var fallback: String?
    public var maxTries: Int?
    public var noInputTimeout: Double?
    /// Direct extension dialling: a key that is not an option starts an extension number; one
    /// that is (or 0 for the operator) waits for a next digit before it counts as itself.
    public var extensions: ExtensionDialing?
}

extension Menu {
    /// What a caller can say in this menu, one entry per intent (its options' phrases, and the
    /// flow's intent files' when an option chooses by the files), in the options' order.
    public var spokenIntents: [SpokenIntent] {
        SpokenIntent.merged(options.filter { !$0.phrases.isEmpty || $0.usesIntentFiles }.map {
            SpokenIntent(name: $0.intent, phrases: $0.phrases, fromIntentFiles: $0.usesIntentFiles)
        })
    }
}

extension SpokenIntent {
    /// One entry per name, in the order the names first come: each name's phrases (without
    /// repeats), from the intent files if any of its entries is.
    public static func merged(_ intents: [SpokenIntent]) -> [SpokenIntent] {
        var result: [SpokenIntent] = []
        for intent in intents {
            guard let index = result.firstIndex(where: { $0.name == intent.name }) else {
                result.append(intent)
                continue
            }
            result[index].phrases += intent.phrases.filter { !result[index].phrases.contains($0) }
            result[index].fromIntentFiles = result[index].fromIntentFiles || intent.fromIntentFiles
        }
        return result
    }
}

/// Extensions of fixed length dialled from a menu, transferred by the `target` node with the number.
public struct ExtensionDialing: Sendable, Equatable {
    public var length: Int
    /// Transfer node that receives the call, with the extension in the call data.
    public var target: String
}

/// A recorded answer: plays, then goes on.
public struct Message: Sendable, Equatable {
    public var name: String
    public var line: Int
    public var prompt: Prompt
    /// Node after the message (`hangup` to end the call).
    public var next: String
    /// What containment counts it as, e.g. `faq hours`.
    public var outcome: String?
}

/// Collects digits, validates them, optionally reads them back for confirmation.
public struct Collect: Sendable, Equatable {
    public var name: String
    public var line: Int
    public var prompt: Prompt
    /// Call data field the digits are stored in.
    public var field: String
    public var minDigits: Int
    public var maxDigits: Int
    /// Key that ends a variable-length entry.
    public var terminator: Character?
    public var validation: DigitValidation
    /// Masked in logs and records.
    public var secret: Bool
    /// Read the entry back and ask for 1 (correct) or 2 (again).
    public var confirm: Bool
    public var invalidPrompt: Prompt
    public var confirmPrompt: Prompt?
    public var maxTries: Int?
    public var next: String
    public var failure: String
}

/// Checks on collected digits.
public struct DigitValidation: Sendable, Equatable {
    public var luhn = false
    /// A regular expression the whole entry must match.
    public var pattern: String?
    /// A table whose key column must contain the entry.
    public var table: String?

    public init(luhn: Bool = false, pattern: String? = nil, table: String? = nil) {
        self.luhn = luhn
        self.pattern = pattern
        self.table = table
    }
}

/// Account number and PIN checked against a table, with a lockout.
public struct Verify: Sendable, Equatable {
    public var name: String
    public var line: Int
    public var table: String
    public var accountPrompt: Prompt
    public var pinPrompt: Prompt
    public var failurePrompt: Prompt
    public var accountDigits: ClosedRange<Int>
    public var pinDigits: ClosedRange<Int>
    /// A collected field (from a spoken slot or a `collect` node) that, when the call already
    /// holds it, is the account number: only the PIN is asked.
    public var accountField: String
    public var maxAttempts: Int
    public var next: String
    public var lockout: String
}

/// Hands the call to a queue, after hours and overflow checks.
public struct Transfer: Sendable, Equatable {
    public var name: String
    public var line: Int
    public var queue: String
    /// Said before the transfer (the stock "please hold" unless the flow gives one).
    public var prompt: Prompt
    /// Node when the queue is closed (the queue's own when nil).
    public var afterHours: String?
    /// Node when the queue is too long (the queue's own when nil).
    public var overflow: String?
}

/// Records a voicemail.
public struct Voicemail: Sendable, Equatable {
    public var name: String
    public var line: Int
    public var box: String
    public var prompt: Prompt
    public var thanksPrompt: Prompt
    public var maxSeconds: Double
    /// Silence that ends the message.
    public var silenceSeconds: Double
}

/// Takes a callback or text-message request, for the caller's number or one they enter.
public struct ContactRequest: Sendable, Equatable {
    public var name: String
    public var line: Int
    public var topic: String
    public var prompt: Prompt
    /// Asks for 1 (the caller's number) or 2 (enter another).
    public var confirmPrompt: Prompt
    /// Asks for the number when the caller's is unknown or they want another.
    public var numberPrompt: Prompt
    public var donePrompt: Prompt
    public var next: String
}

/// Says goodbye and ends the call.
public struct Hangup: Sendable, Equatable {
    public var name: String
    public var line: Int
    /// Said before hanging up (the stock "goodbye" unless the flow gives one).
    public var prompt: Prompt
    public var outcome: String?
}
