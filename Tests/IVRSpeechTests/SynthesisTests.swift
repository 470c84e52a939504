import Foundation
import IVRAudio
import Testing
@testable import IVRSpeech
import IVRTestSupport

/// Decodes 16 kHz audio against a small grammar: the round trip that tells whether a
/// synthesized prompt says what it should.
func recognize(_ samples: [Int16], choices: [String]) throws -> String {
    let recognizer = try SpeechRecognizer()
    try recognizer.addGrammar("g", jsgf: "#JSGF V1.0;\ngrammar g;\npublic <g> = \(choices.joined(separator: " | "));\n")
    try recognizer.use("g")
    return try recognizer.recognize(samples, sampleRate: 16000).text
}

func rms(_ samples: [Int16]) -> Double {
    (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(samples.count, 1))).squareRoot()
}

@Suite("Speech synthesis with eSpeak NG")
struct SynthesisTests {
    @Test("audio at the pipeline rate, of a plausible length and level", arguments: [8000, 16000])
    func audio(rate: Int) throws {
        let samples = try SpeechSynthesizer(sampleRate: rate).synthesize("For billing, press one.")
        let seconds = Double(samples.count) / Double(rate)
        #expect(seconds > 1.0 && seconds < 3.5, "\(seconds) s")
        #expect(rms(samples) > 1000)
        let slow = try SpeechSynthesizer(sampleRate: rate).synthesize("For billing, press one.", settings: VoiceSettings(rate: 100))
        #expect(Double(slow.count) > 1.3 * Double(samples.count))
    }

    @Test("synthesized words are recognized back", arguments: ["billing", "sales", "operator", "yes", "no"])
    func roundTrip(word: String) throws {
        let samples = try SpeechSynthesizer(sampleRate: 16000).synthesize(word, settings: VoiceSettings(voice: "en-us", rate: 140))
        let heard = try recognize(samples, choices: ["billing", "sales", "operator", "yes", "no", "hours"])
        #expect(heard == word)
    }

    @Test("a phrase is recognized back in order")
    func phraseRoundTrip() throws {
        let samples = try SpeechSynthesizer(sampleRate: 16000).synthesize("I want to pay my bill", settings: VoiceSettings(rate: 140))
        let heard = try recognize(samples, choices: ["i want to pay my bill", "i want to talk to sales", "opening hours"])
        #expect(heard == "i want to pay my bill", "\(samples.count) samples, RMS \(rms(samples))")
    }

    @Test("other languages, SSML pauses, strange characters")
    func variety() throws {
        let synthesizer = SpeechSynthesizer(sampleRate: 8000)
        #expect(try synthesizer.synthesize("Para facturación, marque uno.", settings: VoiceSettings(voice: "es")).count > 8000)
        let plain = try synthesizer.synthesize("<speak>hello world</speak>")
        let paused = try synthesizer.synthesize("<speak>hello <break time=\"1s\"/> world</speak>")
        #expect(paused.count > plain.count + 6000)
        let odd = try synthesizer.synthesize("\u{7}Beep \u{1B}[31m ☃ 💥 \u{E000} ok")
        #expect(odd.count > 0)
        #expect(try synthesizer.synthesize("   \n").isEmpty)
    }

    @Test("an unknown voice names the available ones")
    func unknownVoice() throws {
        do {
            _ = try SpeechSynthesizer(sampleRate: 8000).synthesize("hello", settings: VoiceSettings(voice: "xx-nowhere"))
            Issue.record("no error")
        } catch let error as SpeechError {
            guard case .unknownVoice(let voice, let available) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(voice == "xx-nowhere")
            #expect(available.contains("en-us") && available.contains("es"), "\(available)")
        }
        do {
            _ = try SpeechSynthesizer(sampleRate: 8000).synthesize("hola", settings: VoiceSettings(voice: "es-zz"))
            Issue.record("no error")
        } catch SpeechError.unknownVoice(_, let available) {
            #expect(available.allSatisfy { $0.hasPrefix("es") }, "\(available)")
        }
    }
}

@Suite("Prompt cache and recorded prompts")
struct PromptTests {
    static func folder() throws -> String {
        ScratchFolder.make("prompts").path
    }

    @Test("the second request hits the cache, in memory and on disk")
    func cache() throws {
        let folder = try Self.folder()
        let synthesizer = SpeechSynthesizer(sampleRate: 8000)
        let cache = PromptCache(synthesizer: synthesizer, folder: folder)
        let first = try cache.audio(for: "Thank you for calling.", settings: .init())
        let second = try cache.audio(for: "Thank you for calling.", settings: .init())
        #expect(first.source == .synthesized && second.source == .memory)
        #expect(first.samples == second.samples)
        let other = try cache.audio(for: "Thank you for calling.", settings: VoiceSettings(rate: 200))
        #expect(other.source == .synthesized)
        let reopened = try PromptCache(synthesizer: synthesizer, folder: folder).audio(for: "Thank you for calling.", settings: .init())
        #expect(reopened.source == .disk)
        #expect(reopened.samples == first.samples)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files.count == 2 && files.allSatisfy { $0.hasSuffix(".wav") && !$0.contains("tmp") })
    }

    @Test("a recording named after the prompt replaces the synthetic one")
    func recordedOverride() throws {
        let folder = try Self.folder()
        let tone = (0..<8000).map { Int16(8000 * sin(Double($0) * 2 * .pi * 440 / 8000)) }
        let writer = try SoundFileWriter(path: "\(folder)/main.prompt.es.flac", sampleRate: 8000)
        try writer.write(samples: tone)
        try writer.close()
        let library = PromptLibrary(folder: folder, cache: PromptCache(synthesizer: SpeechSynthesizer(sampleRate: 8000)))
        let spanish = try library.audio(id: "main.prompt", text: "Hola", language: "es", settings: VoiceSettings(voice: "es"))
        #expect(spanish.source == .recorded(path: "\(folder)/main.prompt.es.flac"))
        #expect(spanish.samples.count == 8000)
        let english = try library.audio(id: "main.prompt", text: "Hello", language: "en", settings: .init())
        #expect(english.source == .synthesized(.synthesized))
    }

    @Test("a recorded stock phrase: the flow's own under the prompt's id or the stock id, else the project's stock recording")
    func recordedStockPhrase() throws {
        let (flowFolder, stockFolder) = (try Self.folder(), try Self.folder())
        let tone = (0..<4000).map { Int16(8000 * sin(Double($0) * 2 * .pi * 440 / 8000)) }
        for path in ["\(stockFolder)/es/no_input.wav", "\(flowFolder)/en/no_input.wav", "\(flowFolder)/es/main.no_input.wav"] {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let writer = try SoundFileWriter(path: path, sampleRate: 8000)
            try writer.write(samples: tone)
            try writer.close()
        }
        let library = PromptLibrary(folder: flowFolder, stockFolder: stockFolder,
                                    cache: PromptCache(synthesizer: SpeechSynthesizer(sampleRate: 8000)))
        func source(_ id: String, _ language: String) throws -> PromptLibrary.Source {
            try library.audio(id: id, text: "Perdone.", language: language, settings: VoiceSettings(voice: "es"), stockID: "no_input").source
        }
        #expect(try source("main.no_input", "es") == .recorded(path: "\(flowFolder)/es/main.no_input.wav"))
        #expect(try source("help.no_input", "es") == .recorded(path: "\(stockFolder)/es/no_input.wav"))
        #expect(try source("help.no_input", "en") == .recorded(path: "\(flowFolder)/en/no_input.wav"))
        #expect(try source("help.no_input", "fr") == .synthesized(.synthesized))
    }

    @Test("the beep before a voicemail: a 1 kHz tone, or the recording <language>/beep.wav")
    func beep() throws {
        let folder = try Self.folder()
        let library = PromptLibrary(folder: folder, cache: PromptCache(synthesizer: SpeechSynthesizer(sampleRate: 8000)))
        let tone = library.beep(language: "fr")
        #expect(tone.count == 3200)
        // One cycle of 1 kHz at 8 kHz is 8 samples: the tone repeats itself 8 samples later.
        let mid = Array(tone[1000..<1100]), later = Array(tone[1008..<1108])
        #expect(zip(mid, later).allSatisfy { abs(Int($0) - Int($1)) < 200 } && mid.map { abs(Int($0)) }.max()! > 5000)
        try FileManager.default.createDirectory(atPath: "\(folder)/fr", withIntermediateDirectories: true)
        let writer = try SoundFileWriter(path: "\(folder)/fr/beep.wav", sampleRate: 8000)
        try writer.write(samples: [Int16](repeating: 1000, count: 800))
        try writer.close()
        #expect(library.beep(language: "fr").count == 800)
        #expect(library.beep(language: "de").count == 3200)
    }

    @Test("a recording that cannot be read is reported and the text is spoken")
    func unreadableRecording() throws {
        let folder = try Self.folder()
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: "\(folder)/hours.prompt.wav"))
        let library = PromptLibrary(folder: folder, cache: PromptCache(synthesizer: SpeechSynthesizer(sampleRate: 8000)))
        let audio = try library.audio(id: "hours.prompt", text: "We are open from nine to five.", language: "en", settings: .init())
        #expect(audio.source == .synthesized(.synthesized))
        #expect(audio.samples.count > 8000)
        #expect(library.problems.count == 1 && library.problems[0].contains("\(folder)/hours.prompt.wav"))
    }
}
