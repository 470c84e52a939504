import Foundation
import IVRAudio
import IVRDSP
import IVREngine
import IVRFlow
import IVRSpeech
import Testing
import IVRTestSupport

/// A caller's audio, in memory, at 8 kHz: what a test call plays into the IVR.
final class MemorySource: AudioSource {
    let sampleRate = 8000
    let frameLength = 80
    private var samples: [Int16]
    private var position = 0
    private var clock: Int64 = 0

    init(_ samples: [Int16]) { self.samples = samples }

    func read(into frame: inout AudioFrame) throws -> Bool {
        guard position < samples.count else { return false }
        let end = min(position + frameLength, samples.count)
        var chunk = Array(samples[position..<end])
        chunk += [Int16](repeating: 0, count: frameLength - chunk.count)
        frame = AudioFrame(samples: chunk, sampleRate: sampleRate, timestamp: clock)
        position = end
        clock += Int64(frameLength)
        return true
    }
}

/// A line that carries the IVR's own prompt back into the caller's side at −6 dB, 10 ms late.
final class EchoLine: AudioSource, CallAudioTap {
    let sampleRate = 8000
    let frameLength = 80
    private var echo = [Int16](repeating: 0, count: 80)
    private var framesLeft: Int
    private var clock: Int64 = 0

    init(seconds: Double) { framesLeft = Int(seconds * 100) }

    func read(into frame: inout AudioFrame) throws -> Bool {
        guard framesLeft > 0 else { return false }
        framesLeft -= 1
        frame = AudioFrame(samples: echo, sampleRate: sampleRate, timestamp: clock)
        clock += 80
        return true
    }

    func write(caller: [Int16], ivr: [Int16]) throws { echo = ivr.map { $0 / 2 } }
}

@Suite("Whole calls on the audio clock")
struct CallEngineTests {
    static let flowPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/help-desk.yaml").path

    func call(_ caller: [Int16], at date: String = "2026-11-24T10:00:00-05:00", speech: Bool = false) throws -> CallResult {
        let flow = try FlowLoader.load(path: Self.flowPath)
        let settings = CallSettings(answeredAt: ISO8601DateFormatter().date(from: date)!, secondsAfterInput: 10)
        let library = PromptLibrary(folder: flow.promptFolder, cache: PromptCache(synthesizer: SpeechSynthesizer(sampleRate: 8000)))
        return try CallEngine(flow: flow, settings: settings, prompts: library, recognizer: speech ? SpeechRecognizer() : nil)
            .run(caller: MemorySource(caller))
    }

    /// A phrase spoken by flite (a voice other than the IVR's), at 8 kHz; nil without flite.
    func spoken(_ text: String) throws -> [Int16]? {
        let path = ScratchFolder.file("call.wav")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["flite", "-voice", "slt", "-t", text, "-o", path]
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        return process.terminationStatus == 0 ? try AudioFileSource(path: path, sampleRate: 8000).readAll() : nil
    }

    @Test("a spoken call: the caller says a language and a department, as with keys")
    func spokenCall() throws {
        guard let english = try spoken("english"), let billing = try spoken("billing") else { return }
        let tones = ToneGenerator(sampleRate: 8000)
        let caller = tones.silence(seconds: 8) + english + tones.silence(seconds: 15) + billing + tones.silence(seconds: 5)
        let result = try call(caller, speech: true)
        #expect(result.outcome == .transferred(queue: "billing", priority: 5), "\(result.transcript.map(\.description))")
        // The language was chosen by speech (the words heard may carry the caller's own around it).
        #expect(result.log.contains { $0.event == "choice" && $0.detail["option"] == "english" && $0.detail["via"] == "speech" },
                "\(result.transcript.map(\.description))")
        let said = try #require(result.transcript.first { $0.text.hasPrefix("caller said \"billing\"") })
        let answer = try #require(result.transcript.first { $0.text == "IVR: Connecting you to billing." })
        #expect(answer.time - said.time < 0.3)
    }

    @Test("a call learns its line: each utterance is understood on what the caller's earlier ones showed of it")
    func callLearnsItsLine() throws {
        guard let english = try spoken("english"), let billing = try spoken("billing") else { return }
        let tones = ToneGenerator(sampleRate: 8000)
        let caller = tones.silence(seconds: 8) + english + tones.silence(seconds: 15) + billing + tones.silence(seconds: 5)
        let flow = try FlowLoader.load(path: Self.flowPath)
        let settings = CallSettings(answeredAt: ISO8601DateFormatter().date(from: "2026-11-24T10:00:00-05:00")!, secondsAfterInput: 10)
        let library = PromptLibrary(folder: flow.promptFolder, cache: PromptCache(synthesizer: SpeechSynthesizer(sampleRate: 8000)))
        let understanding = LineWatcher(InlineUnderstanding(recognizer: try SpeechRecognizer()))
        let call = CallProcessor(flow: flow, settings: settings, prompts: library, understanding: understanding)
        try call.start()
        for start in stride(from: 0, to: caller.count, by: 80) where !call.isFinished {
            _ = try call.process(Array(caller[start..<min(caller.count, start + 80)]))
        }
        #expect(call.finish(inputEnded: true).outcome == .transferred(queue: "billing", priority: 5))
        // The first utterance on nothing learnt; "billing" (understood early, then whole, or
        // once) on what "english" showed, and the same line each time.
        let lines = understanding.lines
        #expect(lines.count >= 2 && lines[0] == CallLine(), "\(lines)")
        #expect(lines.dropFirst().allSatisfy { $0.frames > 20 && $0 == lines.last }, "\(lines)")
    }

    @Test("a pause inside an utterance: what was understood early, during the pause, is dropped for the whole")
    func pauseInsideUtterance() throws {
        guard let english = try spoken("english"), let start = try spoken("i want"), let billing = try spoken("billing") else { return }
        let tones = ToneGenerator(sampleRate: 8000)
        // flite leaves about 150 ms of silence after a phrase and 220 ms before one: with 0.1 s
        // more, the pause is longer than the early understanding's 0.3 s, shorter than the end's 0.7 s.
        let caller = tones.silence(seconds: 8) + english + tones.silence(seconds: 15) + start + tones.silence(seconds: 0.1)
            + billing + tones.silence(seconds: 5)
        let result = try call(caller, speech: true)
        #expect(result.outcome == .transferred(queue: "billing", priority: 5), "\(result.transcript.map(\.description))")
        // One utterance, heard whole: words for what came before the pause too (which of the
        // billing phrases the decoder makes of "i want ... billing" is the recognizer's matter).
        let heard = result.transcript.filter { $0.text.hasPrefix("caller said") }.dropFirst()
            .map { $0.text.split(separator: "\"").dropFirst().first.map { $0.split(separator: " ") } ?? [] }
        #expect(heard.count == 1 && heard[0].count >= 2, "\(result.transcript.map(\.description))")
    }

    @Test("keys during the prompts barge in and route the call")
    func keypad() throws {
        let tones = ToneGenerator(sampleRate: 8000)
        let caller = tones.silence(seconds: 2) + tones.key(DTMFKey("1")!, seconds: 0.1) + tones.silence(seconds: 2)
            + tones.key(DTMFKey("1")!, seconds: 0.1) + tones.silence(seconds: 4)
        let result = try call(caller)
        #expect(result.outcome == .transferred(queue: "billing", priority: 5))
        let lines = result.transcript.map(\.description)
        #expect(lines.contains { $0.hasPrefix("00:02.0") && $0.hasSuffix("caller pressed 1") }, "\(lines)")
        #expect(lines.filter { $0.hasSuffix("(prompt stopped)") }.count == 2)
        // The IVR answers within 300 ms of audio time after the key.
        let press = try #require(result.transcript.first { $0.text == "caller pressed 1" })
        let answer = try #require(result.transcript.first { $0.text.hasPrefix("IVR: For billing") })
        #expect(answer.time - press.time < 0.3)
    }

    @Test("the echo of the IVR's own prompt barges in unless the echo gate is on", arguments: [false, true])
    func echo(gated: Bool) throws {
        let flow = try FlowLoader.load(path: Self.flowPath)
        var settings = CallSettings(answeredAt: ISO8601DateFormatter().date(from: "2026-11-24T10:00:00-05:00")!, secondsAfterInput: 1)
        settings.echoGate = gated
        let library = PromptLibrary(folder: flow.promptFolder, cache: PromptCache(synthesizer: SpeechSynthesizer(sampleRate: 8000)))
        let line = EchoLine(seconds: 5)
        let result = try CallEngine(flow: flow, settings: settings, prompts: library, recognizer: SpeechRecognizer())
            .run(caller: line, taps: [line])
        let texts = result.transcript.filter { $0.time < 5 }.map(\.text)
        if gated {
            #expect(!texts.contains("(prompt stopped)"), "\(texts)")
            #expect(texts.contains("(speech start ignored: as loud as the prompt's echo)"))
        } else {
            #expect(texts.contains("(prompt stopped)"), "the echo should have barged in: \(texts)")
        }
    }

    @Test("silence runs the no-input reprompts on the clock; the caller's hang-up is abandonment")
    func silence() throws {
        let result = try call(ToneGenerator(sampleRate: 8000).silence(seconds: 30))
        #expect(result.log.filter { $0.event == "no_input" }.count >= 2)
        #expect(result.transcript.contains { $0.text == "IVR: Sorry, I did not hear you." })
        guard case .abandoned? = Optional(result.outcome) else {
            Issue.record("\(result.outcome)")
            return
        }
        #expect(result.duration >= 40 && result.duration < 41)
    }

    @Test("prompts are spoken at the language's rate, pitch and volume (the entries prompts render ahead)")
    func languageVoiceSettings() throws {
        let path = ScratchFolder.file("rate.yaml")
        try """
        start: bye
        languages:
          en: { voice: en-us, rate: 120, pitch: 40, volume: 90 }
        nodes:
          bye: { type: hangup, prompt: "Goodbye." }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let flow = try FlowLoader.load(path: path)
        let cache = PromptCache(synthesizer: SpeechSynthesizer(sampleRate: 8000))
        let settings = CallSettings(answeredAt: Date(), secondsAfterInput: 1)
        _ = try CallEngine(flow: flow, settings: settings, prompts: PromptLibrary(folder: flow.promptFolder, cache: cache), recognizer: nil)
            .run(caller: MemorySource(ToneGenerator(sampleRate: 8000).silence(seconds: 3)))
        let language = try #require(flow.language("en"))
        #expect(try cache.audio(for: "Goodbye.", settings: VoiceSettings(language)).source == .memory)
        #expect(try cache.audio(for: "Goodbye.", settings: VoiceSettings(voice: "en-us")).source == .synthesized)
    }

    @Test("a scenario file's caller speaks with its caller_voice, else flite's slt (eSpeak NG's en-us+m3 without flite); without 'at' a call is now")
    func callerVoice() throws {
        let path = ScratchFolder.file("voices.yaml")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let scenarios = "scenarios:\n  - name: keys\n    steps: [press: \"1\"]\n"
        try "flow: \(Self.flowPath)\n\(scenarios)".write(toFile: path, atomically: true, encoding: .utf8)
        let file = try ScenarioFile.load(path: path)
        #expect(file.callerVoice == (TestVoice.fliteVoices.isEmpty ? "en-us+m3" : "flite:slt"))
        #expect(abs(file.scenarios[0].at.timeIntervalSinceNow) < 60, "without an 'at' the call happens now")
        try "flow: \(Self.flowPath)\ncaller_voice: en-gb+f3\n\(scenarios)".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try ScenarioFile.load(path: path).callerVoice == "en-gb+f3")
    }

    @Test("a flow's default confidence threshold is the recognizer's")
    func confidenceDefaults() {
        #expect(FlowSettings().minimumConfidence == IntentThresholds.defaultThreshold)
    }

    @Test("after hours the caller reaches voicemail, and the message ends on silence")
    func voicemail() throws {
        let tones = ToneGenerator(sampleRate: 8000)
        let caller = tones.silence(seconds: 1) + tones.key(DTMFKey("1")!, seconds: 0.1) + tones.silence(seconds: 1)
            + tones.key(DTMFKey("1")!, seconds: 0.1) + tones.silence(seconds: 20)
        let result = try call(caller, at: "2026-11-22T10:00:00-05:00")
        #expect(result.outcome == .voicemail(box: "billing"))
        #expect(result.transcript.contains { $0.text == "(beep; recording voicemail for billing)" })
    }

    @Test("a scripted caller's confirm step answers \"Did you say …?\" when the IVR asks it, and says nothing when it does not")
    func scriptedConfirmation() throws {
        guard !TestVoice.fliteVoices.isEmpty else { return }
        let folder = ScratchFolder.make("confirm")
        // Every answer is below min_confidence 1 and above confirm_from: each is asked back.
        let flowText = """
        start: main
        settings: { min_confidence: 1, confirm_from: 0.01, max_tries: 1 }
        nodes:
          main:
            type: menu
            prompt: "Say billing or sales."
            options:
              - { say: [billing], go: billing }
              - { say: [sales], go: sales }
          billing: { type: hangup, prompt: "Billing.", outcome: billing }
          sales: { type: hangup, prompt: "Sales.", outcome: sales }
        """
        try flowText.write(to: folder.appendingPathComponent("asks.yaml"), atomically: true, encoding: .utf8)
        try flowText.replacingOccurrences(of: "min_confidence: 1, confirm_from: 0.01, ", with: "")
            .write(to: folder.appendingPathComponent("takes.yaml"), atomically: true, encoding: .utf8)
        func run(_ flowFile: String, _ steps: String) throws -> CallResult {
            let scenarios = folder.appendingPathComponent("scenarios.yaml").path
            try """
            flow: \(flowFile)
            at: "2026-11-24T10:00:00-05:00"
            scenarios:
              - name: billing
                voice: flite:slt
                steps: [\(steps)]
            """.write(toFile: scenarios, atomically: true, encoding: .utf8)
            return try Self.runFirstScenario(of: scenarios).call
        }
        let said = "wait_prompt, say: billing, wait_prompt"
        let confirmed = try run("asks.yaml", said + ", confirm: \"yes\", wait_prompt")
        #expect(confirmed.outcome.description.hasPrefix("contained (billing)"), "\(confirmed.transcript.map(\.description))")
        #expect(confirmed.log.contains { $0.event == "confirm_choice" && $0.detail["intent"] == "billing" })
        #expect(confirmed.transcript.contains { $0.text.hasPrefix("IVR: Did you say billing?") })
        let unanswered = try run("asks.yaml", said)
        #expect(!unanswered.outcome.description.contains("billing"))
        #expect(unanswered.log.contains { $0.event == "no_input" && $0.detail["reason"] == "not confirmed" })
        let notAsked = try run("takes.yaml", said + ", confirm: \"yes\", wait_prompt")
        #expect(notAsked.outcome.description.hasPrefix("contained (billing)"))
        #expect(notAsked.transcript.filter { $0.text.hasPrefix("caller said") }.count == 1, "\(notAsked.transcript.map(\.description))")
    }

    @Test("a key's tone on a noisy line is a key, not speech: no utterance is heard in it")
    func keyToneIsNotSpeech() throws {
        let folder = ScratchFolder.make("key-tone")
        try """
        start: main
        settings: { max_tries: 1 }
        nodes:
          main:
            type: menu
            prompt: "Press 1 or 2."
            options:
              - { key: "1", go: list }
              - { key: "2", go: list }
          list:
            type: menu
            prompt: "Say a word."
            options:
              - { say: [alpha], go: bye }
              - { say: [charlie], go: bye }
          bye: { type: hangup, prompt: "Bye.", outcome: word }
        """.write(to: folder.appendingPathComponent("flow.yaml"), atomically: true, encoding: .utf8)
        let scenarios = folder.appendingPathComponent("scenarios.yaml").path
        try """
        flow: flow.yaml
        at: "2026-11-24T10:00:00-05:00"
        scenarios:
          - name: keys in noise
            snr: 10
            steps: [wait_prompt, press: "1", wait_prompt, silence: 7]
        """.write(toFile: scenarios, atomically: true, encoding: .utf8)
        let call = try Self.runFirstScenario(of: scenarios).call
        let transcript = call.transcript.map(\.description).joined(separator: "\n")
        #expect(call.log.contains { $0.event == "enter" && $0.node == "list" }, "\(transcript)")
        #expect(!call.log.contains { $0.event == "no_match" }, "\(transcript)")
        #expect(!transcript.contains("caller said"), "\(transcript)")
    }

    @Test("an account number and a PIN said aloud: verified, and the digits heard stay out of the transcript and the log")
    func secretsByVoice() throws {
        guard let (call, transcript) = try Self.helpDeskCall("""
          - name: account and PIN by voice
            voice: flite:awb
            steps: [wait_prompt, say: "english", wait_prompt, press: "3", wait_prompt, say: "one two three four five six seven eight",
                    wait_prompt, say: "four three two one", wait_prompt]
            expect: { visits: [main, balance, balance-info] }
        """) else { return }
        #expect(call.log.filter { $0.event == "entry" && $0.detail["by"] == "speech" }.count == 2, "\(transcript)")
        #expect(transcript.contains("caller said \"(masked)\"") && !transcript.contains("one two three") && !transcript.contains("four three two"),
                "\(transcript)")
        let log = call.log.map { "\($0.detail)" }.joined()
        #expect(!log.contains("12345678") && !log.contains("4321"))
    }

    @Test("an account number said in two groups with a pause between is one entry")
    func digitsInGroups() throws {
        guard let (call, transcript) = try Self.helpDeskCall("""
          - name: account number in two groups
            voice: flite:kal16
            steps: [wait_prompt, press: "1", wait_prompt, press: "3", wait_prompt, say: "one two three four", silence: 0.9,
                    say: "five six seven eight", wait_prompt, press: "4321", wait_prompt]
            expect: { visits: [main, balance, balance-info] }
        """) else { return }
        #expect(call.log.filter { $0.event == "entry" && $0.detail["by"] == "speech" }.count == 1, "\(transcript)")
    }

    @Test("a caller without caller ID says the number a text goes to, in three groups")
    func phoneNumberByVoice() throws {
        guard let (call, transcript) = try Self.helpDeskCall("""
          - name: number for a text by voice
            voice: flite:kal16
            steps: [wait_prompt, press: "1", wait_prompt, press: "6", wait_prompt, say: "five five five", silence: 0.6,
                    say: "one two three", silence: 0.6, say: "four five six seven", wait_prompt]
            expect: { outcome: text message requested (help) }
        """) else { return }
        #expect(call.log.contains { $0.event == "text" && $0.detail["number"] == "5551234567" }, "\(transcript)")
    }

    @Test("yes said where the number for a text is asked back: sent to the caller's number")
    func yesByVoice() throws {
        guard let (call, transcript) = try Self.helpDeskCall("""
          - name: yes to the caller's number
            voice: flite:slt
            caller_id: "+15551234567"
            steps: [wait_prompt, press: "1", wait_prompt, press: "6", wait_prompt, say: "yes", wait_prompt]
            expect: { outcome: text message requested (help) }
        """) else { return }
        #expect(call.log.contains { $0.event == "answer" && $0.detail["said"] == "yes" }, "\(transcript)")
    }

    @Test("an entry of four to eight digits said in groups waits for the rest after the first four")
    func rangeInGroups() throws {
        guard !TestVoice.fliteVoices.isEmpty else { return }
        let folder = ScratchFolder.make("range-groups")
        defer { try? FileManager.default.removeItem(at: folder) }
        try """
        name: range
        start: ask
        languages:
          en: { voice: en-us, speech: true }
        nodes:
          ask:
            type: collect
            prompt: "Please say your member number."
            field: member
            digits: "4-8"
            next: thanks
            failure: thanks
          thanks:
            type: hangup
            prompt: "Thank you."
            outcome: collected
        """.write(to: folder.appendingPathComponent("range.yaml"), atomically: true, encoding: .utf8)
        try """
        flow: range.yaml
        at: "2026-11-24T10:00:00-05:00"
        scenarios:
          - name: member number in two groups
            voice: flite:slt
            steps: [wait_prompt, say: "one two three four", silence: 0.9, say: "five six", wait_prompt]
            expect: { collected: { member: "123456" } }
        """.write(to: folder.appendingPathComponent("calls.yaml"), atomically: true, encoding: .utf8)
        let result = try Self.runFirstScenario(of: folder.appendingPathComponent("calls.yaml").path)
        #expect(result.passed, "\(result.failures) \(result.call.transcript.map(\.description).joined(separator: "\n"))")
    }

    /// One scenario (its YAML, from `- name:`) against examples/help-desk.yaml on a Tuesday
    /// morning, and its transcript.
    /// `scenario` run through the help desk flow, its expectations checked; nil without flite.
    private static func helpDeskCall(_ scenario: String, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> (call: CallResult, transcript: String)? {
        guard !TestVoice.fliteVoices.isEmpty else { return nil }
        let scenarios = ScratchFolder.file("scenario.yaml")
        defer { try? FileManager.default.removeItem(atPath: scenarios) }
        try "flow: \(flowPath)\nat: \"2026-11-24T10:00:00-05:00\"\nscenarios:\n\(scenario)".write(toFile: scenarios, atomically: true, encoding: .utf8)
        let result = try runFirstScenario(of: scenarios)
        let transcript = result.call.transcript.map(\.description).joined(separator: "\n")
        #expect(result.passed, "\(result.failures) \(transcript)", sourceLocation: sourceLocation)
        return (result.call, transcript)
    }

    /// The first scenario of the scenario file at `path`, run against its flow with the real
    /// recognizer and synthesized prompts.
    private static func runFirstScenario(of path: String) throws -> ScenarioResult {
        let file = try ScenarioFile.load(path: path)
        let flow = try FlowLoader.load(path: file.flowPath)
        let library = PromptLibrary(folder: flow.promptFolder, cache: PromptCache(synthesizer: SpeechSynthesizer(sampleRate: 8000)))
        return try ScenarioRunner.run(file.scenarios[0], flow: flow, voice: file.callerVoice, prompts: library, recognizer: SpeechRecognizer())
    }

}

/// An understanding that notes the line each utterance is understood on.
final class LineWatcher: UtteranceUnderstanding, @unchecked Sendable {
    private let inner: UtteranceUnderstanding
    private(set) var lines: [CallLine] = []

    init(_ inner: UtteranceUnderstanding) { self.inner = inner }

    func understand(_ audio: [Int16], sampleRate: Int, request: ListenRequest, flow: Flow, line: CallLine) -> PendingAnswer {
        lines.append(line)
        return inner.understand(audio, sampleRate: sampleRate, request: request, flow: flow, line: line)
    }

    func startCall() { inner.startCall() }
}
