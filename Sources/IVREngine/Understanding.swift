import Foundation
import IVRFlow
import IVRSpeech

/// What the recognizer made of an utterance: what was heard, the intent matched, its confidence.
public typealias Understanding = (heard: Recognition, match: IntentMatch?, confidence: Double)

/// An utterance being understood: filled once, from whichever thread decoded it.
public final class PendingAnswer: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<Understanding, any Error>?
    /// When the utterance was handed over, and how long it waited for a decoder.
    public let submitted = DispatchTime.now()
    public private(set) var queueWait: Double = 0

    public init() {}

    /// The answer, once there is one.
    public var result: Result<Understanding, any Error>? { lock.withLock { value } }

    func fulfil(_ result: Result<Understanding, any Error>, waited: Double = 0) {
        lock.withLock {
            value = result
            queueWait = waited
        }
    }
}

/// Where a call's utterances are understood against the intents its menu listens for.
public protocol UtteranceUnderstanding: AnyObject, Sendable {
    /// Starts understanding `audio` (at `sampleRate`) against `request`'s intents in `flow`, on
    /// the call's `line` as its earlier utterances showed it.
    func understand(_ audio: [Int16], sampleRate: Int, request: ListenRequest, flow: Flow, line: CallLine) -> PendingAnswer
    /// A new call begins (a decoder forgets what it learnt of the last call's line).
    func startCall()
}

/// One recognizer with the grammars it has been given, each menu's intents compiled once.
/// Used by one thread at a time.
final class IntentDecoder: @unchecked Sendable {
    let recognizer: SpeechRecognizer
    private var grammars: [String: IntentGrammar] = [:]
    /// Each flow's intent files, read at the first utterance that needs them (by the files' paths).
    private var intentFiles: [String: [IntentGrammar]] = [:]

    init(recognizer: SpeechRecognizer) { self.recognizer = recognizer }

    /// The utterance decoded against the menu's intents (their grammar added once).
    func understand(_ audio: [Int16], sampleRate: Int, request: ListenRequest, flow: Flow, line: CallLine) throws -> Understanding {
        let filesKey = flow.intentFiles.map(\.path).joined(separator: "|")
        let key = filesKey + "#" + request.intents.map { "\($0.name)\($0.fromIntentFiles ? "+files" : ""):\($0.phrases.joined(separator: "|"))" }.joined(separator: ";")
        let name = "menu-\(String(UInt(bitPattern: key.hashValue), radix: 36))"
        let grammar: IntentGrammar
        if let known = grammars[name] {
            grammar = known
        } else {
            let files = try intentFiles[filesKey] ?? flow.intentFiles.map { try IntentGrammar.load(path: $0.path, knows: recognizer.knows) }
            intentFiles[filesKey] = files
            grammar = try IntentGrammar.combining(files, selection: request.intents.map { ($0.name, $0.phrases, $0.fromIntentFiles) })
            try recognizer.addIntents(name, grammar: grammar)
            grammars[name] = grammar
        }
        return try recognizer.understand(audio, sampleRate: sampleRate, intents: name, grammar: grammar, line: line)
    }
}

/// Understands each utterance at once on the caller's thread: a call from a file, a sound card
/// or a pipe, which runs on the audio clock rather than the wall clock.
public final class InlineUnderstanding: UtteranceUnderstanding, @unchecked Sendable {
    private let decoder: IntentDecoder

    public init(recognizer: SpeechRecognizer) { decoder = IntentDecoder(recognizer: recognizer) }

    public func understand(_ audio: [Int16], sampleRate: Int, request: ListenRequest, flow: Flow, line: CallLine) -> PendingAnswer {
        let answer = PendingAnswer()
        answer.fulfil(Result { try decoder.understand(audio, sampleRate: sampleRate, request: request, flow: flow, line: line) })
        return answer
    }

    public func startCall() { decoder.recognizer.startCall() }
}

/// Decoders on threads of their own (one per core by default), shared by every call of a
/// server: an utterance waits for the first free decoder, and the call goes on meanwhile.
public final class DecoderPool: UtteranceUnderstanding, @unchecked Sendable {
    private struct Job {
        var audio: [Int16]
        var sampleRate: Int
        var request: ListenRequest
        var flow: Flow
        var line: CallLine
        var answer: PendingAnswer
    }

    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var stopping = false
    private var threads: [Thread] = []

    /// Loads `size` recognizers with `makeRecognizer` (each loads the model) and starts their threads.
    public init(size: Int, makeRecognizer: () throws -> SpeechRecognizer) throws {
        for index in 0..<size {
            let decoder = IntentDecoder(recognizer: try makeRecognizer())
            let thread = Thread { [unowned self] in self.work(with: decoder) }
            thread.name = "decoder-\(index)"
            threads.append(thread)
        }
        threads.forEach { $0.start() }
    }

    public func understand(_ audio: [Int16], sampleRate: Int, request: ListenRequest, flow: Flow, line: CallLine) -> PendingAnswer {
        let answer = PendingAnswer()
        condition.withLock {
            jobs.append(Job(audio: audio, sampleRate: sampleRate, request: request, flow: flow, line: line, answer: answer))
            condition.signal()
        }
        return answer
    }

    /// Each utterance stands alone here (decoders pass from call to call), so nothing to do.
    public func startCall() {}

    /// Lets the threads end once the utterances queued are decoded.
    public func stop() {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
    }

    /// The kernel's id of the calling thread (Linux: `/proc/thread-self` links to `<pid>/task/<tid>`).
    private static var currentThreadID: id_t? {
        guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self") else { return nil }
        return link.split(separator: "/").last.flatMap { id_t($0) }
    }

    private func work(with decoder: IntentDecoder) {
        // Below the calls' audio: a decoder that keeps the cores busy must not make frames late.
        if let thread = Self.currentThreadID { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), thread, 5) }
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            guard !jobs.isEmpty else {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            let waited = Double(DispatchTime.now().uptimeNanoseconds - job.answer.submitted.uptimeNanoseconds) / 1e9
            decoder.recognizer.startCall()
            job.answer.fulfil(Result {
                try decoder.understand(job.audio, sampleRate: job.sampleRate, request: job.request, flow: job.flow, line: job.line)
            }, waited: waited)
        }
    }
}
