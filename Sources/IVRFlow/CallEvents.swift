/// What happens on a call, as the engine tells the flow core.
public enum CallEvent: Sendable, Equatable {
    /// The call was answered: the flow starts.
    case answered
    /// A keypad key was pressed (confirmed by the DTMF detector).
    case digit(Character)
    /// The caller started speaking (the endpointer's start).
    case speechStarted
    /// The recognizer understood an intent.
    case intent(String, slots: [String: String] = [:], confidence: Double, words: String = "")
    /// The caller spoke, but nothing in the grammar.
    case noMatch(words: String = "")
    /// Everything the flow asked to play has been played.
    case promptFinished
    /// A voicemail recording ended (silence, length limit or `#`).
    case recordingFinished(seconds: Double)
    /// The time given by ``CallSession/deadline`` has come.
    case timer
    /// The recognizer cannot go on: the call continues keypad-only.
    case recognizerFailed(String)
    /// A lookup asked for by ``CallCommand/lookup(_:)`` came back.
    case lookupFinished(LookupResult)
    /// The caller hung up.
    case hangup
}

/// A prompt to play, rendered for the call's language and data.
public struct PromptPlayback: Sendable, Equatable {
    /// The prompt's name (`node.field`), which a recorded override may take.
    public var id: String
    /// Text with placeholders filled, for synthesis.
    public var text: String
    /// A recorded file to play instead of the text, if the flow names one.
    public var file: String?
    /// The stock phrase it stands for, whose recordings may replace it (``Prompt/stockID``).
    public var stockID: String?
    public var language: String
    public var voice: String
    public var interruptible: Bool
}

/// Phrases a caller may say for one intent.
public struct SpokenIntent: Sendable, Equatable {
    public var name: String
    /// Its phrases of its own (intent templates).
    public var phrases: [String]
    /// The flow's intent files' phrases for it come too (a menu option chooses by this intent
    /// of the files, possibly beside another option giving it phrases of its own).
    public var fromIntentFiles: Bool
    /// For digits by voice of a known count (``entry(lengths:)``), the counts the entry takes.
    public var entryLengths: ClosedRange<Int>?

    public init(name: String, phrases: [String], fromIntentFiles: Bool = false) {
        self.name = name
        self.phrases = phrases
        self.fromIntentFiles = fromIntentFiles
    }

    /// What a caller says to enter digits by voice ("four seven one one"): the digits in the
    /// slot ``entrySlot``.
    public static let entry = SpokenIntent(name: entryName, phrases: ["{entry:digits}"])
    public static let entryName = "entry"
    public static let entrySlot = "entry"

    /// The answers to "Did you say …?" (a menu answer heard without enough confidence).
    public static let yes = SpokenIntent(name: "yes", phrases: ["yes [please]", "yeah", "correct", "that's right", "right"])
    public static let no = SpokenIntent(name: "no", phrases: ["no", "nope", "wrong", "no that's wrong"])

    /// Digits by voice where the entry takes `lengths` digits: the recognizer hears exactly
    /// that many (the intent language's built-in type `digits_MIN_MAX`).
    public static func entry(lengths: ClosedRange<Int>) -> SpokenIntent {
        var entry = SpokenIntent(name: entryName, phrases: ["{\(entrySlot):digits_\(lengths.lowerBound)_\(lengths.upperBound)}"])
        entry.entryLengths = lengths
        return entry
    }

    /// The word a caller says for each key that has one.
    static let keyWords: [Character: String] = ["0": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five",
                                                "6": "six", "7": "seven", "8": "eight", "9": "nine", "*": "star", "#": "pound"]
    private static let spokenKeyPrefix = "said key "

    /// A key said instead of pressed, as callers do when a prompt says "press 2": "two",
    /// "press two", "option two", "number two". One intent per key of `keys` that has a word
    /// (``spokenKey(_:)`` gives its key back), but none for a key whose word alone is already
    /// one of `taken` (a menu's own phrases).
    public static func spokenKeys(_ keys: Set<Character>, except taken: [String] = []) -> [SpokenIntent] {
        let own = Set(taken.map { $0.lowercased().trimmingCharacters(in: .whitespaces) })
        return keys.sorted().compactMap { key in
            guard let word = keyWords[key], !own.contains(word) else { return nil }
            return SpokenIntent(name: spokenKeyPrefix + word, phrases: ["[press | option | number] \(word)"])
        }
    }

    /// The key an intent of ``spokenKeys(_:except:)`` stands for; nil for any other intent.
    public static func spokenKey(_ intent: String) -> Character? {
        guard intent.hasPrefix(spokenKeyPrefix) else { return nil }
        let word = intent.dropFirst(spokenKeyPrefix.count)
        return keyWords.first { $0.value == word }?.key
    }
}

/// What the engine should listen for after the prompts.
public struct ListenRequest: Sendable, Equatable {
    /// Keys that mean something now (any other key is a no-match).
    public var keys: Set<Character>
    /// Intents the recognizer should know; empty when the call is keypad-only here.
    public var intents: [SpokenIntent]
    /// Digits are being collected (by key, or by voice with ``SpokenIntent/entry``).
    public var collectingDigits: Bool
}

/// Where a transferred call goes, and what the agent learns about it.
public struct TransferRequest: Sendable, Equatable {
    public var queue: String
    /// 1 is served first.
    public var priority: Int
    public var context: CallContext
}

/// What the call carries to an agent or a record. Secret values are already masked.
public struct CallContext: Sendable, Equatable, Codable {
    public var callerNumber: String?
    public var language: String
    public var tags: [String]
    /// Nodes visited, in order.
    public var path: [String]
    /// Collected values by field (secrets masked).
    public var data: [String: String]
    /// The last intent understood.
    public var intent: String?
    /// The account verified by PIN, masked, if any.
    public var verifiedAccount: String?
    /// Extension dialled, if any.
    public var extensionNumber: String?

    public init(callerNumber: String?, language: String, tags: [String] = [], path: [String] = [], data: [String: String] = [:],
                intent: String? = nil, verifiedAccount: String? = nil, extensionNumber: String? = nil) {
        self.callerNumber = callerNumber
        self.language = language
        self.tags = tags
        self.path = path
        self.data = data
        self.intent = intent
        self.verifiedAccount = verifiedAccount
        self.extensionNumber = extensionNumber
    }
}

/// A request the flow hands to the staff: call back, or send a text message.
public struct ContactRequestRecord: Sendable, Equatable {
    public var topic: String
    public var number: String
    public var context: CallContext
}

/// What the flow core asks the engine to do.
public enum CallCommand: Sendable, Equatable {
    case play(PromptPlayback)
    /// Stop the prompt now (barge-in) and drop what is queued.
    case stopPrompt
    case listen(ListenRequest)
    case setLanguage(String, voice: String)
    case transfer(TransferRequest)
    /// Record a voicemail into `box`.
    case record(box: String, maxSeconds: Double, silenceSeconds: Double)
    /// End a recording under way (the caller pressed `#`).
    case stopRecording
    case requestCallback(ContactRequestRecord)
    case sendText(ContactRequestRecord)
    /// Look a row up in a live system; answer with ``CallEvent/lookupFinished(_:)``.
    case lookup(LookupRequest)
    case hangUp
}

/// How a call ended, for the transcript, the records and the report.
public enum CallOutcome: Sendable, Equatable {
    case transferred(queue: String, priority: Int)
    /// Served by the IVR itself (a recorded answer, a self-service step).
    case contained(String)
    case voicemail(box: String)
    case callback(topic: String)
    case text(topic: String)
    /// The caller hung up before being served, in this node.
    case abandoned(node: String)
    /// The IVR ended the call without serving it (tries exhausted, lockout).
    case disconnected(node: String, reason: String)

    /// Whether the IVR served the caller itself.
    public var isContained: Bool {
        switch self {
        case .contained, .voicemail, .callback, .text: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .transferred(let queue, let priority): "transferred to \(queue) (priority \(priority))"
        case .contained(let reason): "contained (\(reason))"
        case .voicemail(let box): "voicemail (\(box))"
        case .callback(let topic): "callback requested (\(topic))"
        case .text(let topic): "text message requested (\(topic))"
        case .abandoned(let node): "abandoned in \(node)"
        case .disconnected(let node, let reason): "disconnected in \(node) (\(reason))"
        }
    }
}

/// One decision or observation of a call, on the call's clock (seconds since answer).
public struct CallLogEntry: Sendable, Equatable, Codable {
    public var time: Double
    /// Node the call was in.
    public var node: String
    /// What happened: `enter`, `prompt`, `digit`, `intent`, `no_match`, `no_input`, `reprompt`,
    /// `fallback`, `barge_in`, `collected`, `invalid`, `verified`, `verify_failed`, `lockout`,
    /// `language`, `after_hours`, `overflow`, `transfer`, `voicemail`, `callback`, `text`,
    /// `hangup`, `outcome`, …
    public var event: String
    /// Details; secrets are masked.
    public var detail: [String: String]

    public init(time: Double, node: String, event: String, detail: [String: String] = [:]) {
        self.time = time
        self.node = node
        self.event = event
        self.detail = detail
    }
}
