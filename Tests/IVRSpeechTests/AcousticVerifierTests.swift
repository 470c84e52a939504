import Foundation
import CGaussianKernel
import IVRAudio
import IVRDSP
import Testing
@testable import IVRSpeech

@Suite("The acoustic check of a hypothesis")
struct AcousticVerifierTests {
    static let modelFolder = RecognitionModel.debian.acousticModel

    @Test("the model's files are read as PocketSphinx reads them")
    func modelFiles() throws {
        let model = try AcousticModel(directory: Self.modelFolder)
        #expect(model.phoneNames.count == 42 && model.phoneNames.contains("SIL") && model.phoneNames.first == "+NSN+")
        #expect((model.streams, model.densities, model.coefficients, model.codebooks) == (3, 128, 13, 42))
        #expect(model.senones == 5126)
        // The base phones' own senones come first, three each (pocketsphinx_mdef_convert -text).
        let aa = try #require(model.phone(named: "AA")), ae = try #require(model.phone(named: "AE"))
        #expect([model.ciSenones[3 * aa], model.ciSenones[3 * aa + 1], model.ciSenones[3 * aa + 2]] == [6, 7, 8])
        // "AA AA AE s n/a 2 158 165 210": AA between AA and AE, a word of one phone.
        let triphone = model.senones(of: aa, left: aa, right: ae, position: .single)
        #expect([triphone.0, triphone.1, triphone.2] == [158, 165, 210])
        // A transition matrix row sums to one.
        let row = model.transitions[aa][0..<4].map { exp(Double($0)) }.reduce(0, +)
        #expect(abs(row - 1) < 1e-4)
        #expect(throws: RecognitionError.self) { _ = try AcousticModel(directory: "/nonexistent") }
    }

    @Test("the fast logarithm is within 1e-5 of the true one")
    func fastLogarithm() {
        for value: Float in [1e-20, 3.3e-7, 0.001, 0.5, 0.999, 1, 1.5, 7, 1e6] {
            #expect(abs(SenoneScorer.fastLog(value) - log(value)) < 1e-5 * max(1, abs(log(value))), "\(value)")
        }
    }

    @Test("the best senone of a frame is the best of all of them, and each senone's cost for the decoder is its distance below it")
    func bestSenone() throws {
        guard let speech = try fliteSpeech("seven", voice: "slt", rate: 16000) else { return }
        let model = try AcousticModel(directory: Self.modelFolder)
        let scorer = SenoneScorer(model: model)
        let recognizer = try SpeechRecognizer()
        let features = try recognizer.featureFrames(speech)
        let frames = scorer.frames(features)
        #expect(frames.costs.count == frames.count * model.senones)
        for frame in stride(from: 0, to: frames.count, by: 7) {
            let all = (0..<model.senones).map { scorer.score(Int32($0), in: frames, at: frame) }
            #expect(abs(all.max()! - frames.best[frame]) < 1e-3, "frame \(frame)")
            for senone in stride(from: 0, to: model.senones, by: 13) {
                let expected = min(SenoneScorer.maximumCost, (frames.best[frame] - all[senone]) / SenoneScorer.costUnit)
                #expect(abs(Float(frames.costs[frame * model.senones + senone]) - expected) <= 0.51, "frame \(frame), senone \(senone)")
            }
        }
    }

    @Test("the Gaussian kernel finds the four best densities as a plain computation does, with AVX2 or without")
    func gaussianKernel() {
        var generator = NoiseGenerator(seed: 11)
        let (dimensions, densities) = (13, 128)
        let linear = generator.white(count: dimensions * densities, rms: 1).map(Float.init)
        let quadratic = generator.white(count: dimensions * densities, rms: 1).map { -abs(Float($0)) - 0.1 }
        let constant = generator.white(count: densities, rms: 3).map(Float.init)
        let x = generator.white(count: dimensions, rms: 1).map(Float.init)
        let plain = (0..<densities).map { g in
            constant[g] + (0..<dimensions).reduce(Float(0)) { $0 + (linear[$1 * densities + g] + quadratic[$1 * densities + g] * x[$1]) * x[$1] }
        }
        let expected = plain.indices.sorted { plain[$0] > plain[$1] }.prefix(4).map(Int32.init)
        for kernel in [ivr_gaussian_top4, ivr_gaussian_top4_portable] {
            var offset: Float = 0
            var indices = [Int32](repeating: -1, count: 4), scales = [Float](repeating: 0, count: 4)
            kernel(x, Int32(dimensions), linear, quadratic, constant, Int32(densities), &offset, &indices, &scales)
            #expect(indices == expected)
            #expect(abs(offset - plain[Int(expected[0])]) < 1e-3)
            #expect(zip(indices, scales).allSatisfy { abs($1 - exp(plain[Int($0)] - offset)) < 1e-4 })
        }
    }

    @Test("the decoder's search on the check's senone scores hears what PocketSphinx's own scoring hears")
    func sharedScoring() throws {
        let grammar = "#JSGF V1.0;\ngrammar d;\npublic <d> = (zero | one | two | three | four | five | six | seven | eight | nine)+;\n"
        let shared = try SpeechRecognizer(), own = try SpeechRecognizer(scoring: .pocketSphinx)
        for recognizer in [shared, own] { try recognizer.addGrammar("digits", jsgf: grammar); try recognizer.use("digits") }
        for (text, voice, rate) in [("four one seven", "slt", 16000), ("nine two", "rms", 8000), ("six eight three", "slt", 8000)] {
            guard let speech = try fliteSpeech(text, voice: voice, rate: rate) else { return }
            let heard = try shared.recognize(speech, sampleRate: rate), plain = try own.recognize(speech, sampleRate: rate, checked: false)
            #expect(heard.text == text && plain.text == text, "\(voice): \(heard.text) / \(plain.text)")
            // PocketSphinx's own scoring checked too: the same confidence, the check's scores are the same.
            let checked = try own.recognize(speech, sampleRate: rate)
            #expect(abs(checked.confidence - heard.confidence) < 0.05, "\(voice): \(checked.confidence) against \(heard.confidence)")
        }
    }

    @Test("the verifier's frames are the decoder's frames")
    func sameFrames() throws {
        guard let speech = try fliteSpeech("three five one", voice: "awb", rate: 16000) else { return }
        let recognizer = try SpeechRecognizer()
        try recognizer.addGrammar("digits", jsgf: "#JSGF V1.0;\ngrammar d;\npublic <d> = (one | three | five)+;\n")
        let decoded = try recognizer.decodedFrames(speech, search: "digits"), scored = recognizer.featureFrames(speech).count
        #expect(decoded == scored, "\(decoded) decoded, \(scored) scored")
    }

    @Test("scored once with the spotting pause, a long utterance keeps exactly its own frames")
    func onePassFrames() throws {
        let recognizer = try SpeechRecognizer()
        var generator = NoiseGenerator(seed: 5)
        let pause = SpeechRecognizer.spottingPauseSamples
        for length in [24_000, 24_001, 24_159, 25_037, 40_080] {
            let samples = generator.white(count: length, rms: 3000).map { Int16(clamping: Int($0)) }
            let alone = recognizer.featureFrames(samples).count, paused = recognizer.featureFrames(samples + pause).count
            #expect(paused - alone == pause.count / SpeechRecognizer.samplesPerFrame, "\(length) samples: \(alone) frames alone, \(paused) with the pause")
        }
    }

    @Test("spotted speech lies on a quiet line: hiss at a fixed depth under the speech, the same every time, and a pause of it after")
    func quietLineFloor() throws {
        var generator = NoiseGenerator(seed: 3)
        for speechLevel in [-20.0, -40.0] {
            let speech = generator.white(count: 16_000, rms: pow(10, speechLevel / 20) * 32768).map { Int16(clamping: Int($0.rounded())) }
            let onLine = SpeechRecognizer.onQuietLine(speech)
            #expect(onLine.count == speech.count + SpeechRecognizer.spottingPauseSamples.count)
            #expect(onLine == SpeechRecognizer.onQuietLine(speech))
            func decibels(_ power: Double) -> Double { 10 * log10(power / (32768.0 * 32768.0)) }
            let pause = decibels(onLine[speech.count...].meanPower)
            let hiss = decibels(zip(speech, onLine).map { Double($1) - Double($0) }.reduce(0) { $0 + $1 * $1 } / Double(speech.count))
            let expected = speechLevel - SpeechRecognizer.quietLineBelowSpeech
            #expect(abs(pause - expected) < 1.5 && abs(hiss - expected) < 1.5, "speech at \(speechLevel) dBFS: hiss \(hiss), pause \(pause)")
        }
    }

    @Test("the words said explain their audio better than other words forced onto it")
    func rightWordsScoreHigher() throws {
        let recognizer = try SpeechRecognizer()
        try recognizer.addGrammar("seven", jsgf: "#JSGF V1.0;\ngrammar s;\npublic <s> = seven;\n")
        try recognizer.addGrammar("three", jsgf: "#JSGF V1.0;\ngrammar t;\npublic <t> = three;\n")
        for (voice, rate) in [("slt", 16000), ("rms", 8000)] {
            guard let speech = try fliteSpeech("seven", voice: voice, rate: rate) else { return }
            let (right, wrong) = try (recognizer.recognize(speech, sampleRate: rate, withEach: ["seven"])[0],
                                      recognizer.recognize(speech, sampleRate: rate, withEach: ["three"])[0])
            #expect(right.text == "seven" && wrong.text == "three")
            #expect(right.utterance.perFrame > wrong.utterance.perFrame + 1, "\(voice): \(right.utterance.perFrame) against \(wrong.utterance.perFrame)")
            #expect(right.confidence >= IntentThresholds.defaultThreshold && wrong.confidence < IntentThresholds.defaultThreshold,
                    "\(voice): \(right.confidence), \(wrong.confidence)")
        }
    }

    @Test("an optional word not said is no part of the utterance: the same evidence as a grammar without it")
    func optionalWordNotSaid() throws {
        let recognizer = try SpeechRecognizer()
        try recognizer.addGrammar("plain", jsgf: "#JSGF V1.0;\ngrammar p;\npublic <p> = billing;\n")
        try recognizer.addGrammar("optional", jsgf: "#JSGF V1.0;\ngrammar o;\npublic <o> = [please] billing [please];\n")
        guard let speech = try fliteSpeech("billing", voice: "rms", rate: 8000) else { return }
        let heard = try recognizer.recognize(speech, sampleRate: 8000, withEach: ["plain", "optional"])
        #expect(heard.map(\.text) == ["billing", "billing"])
        // PocketSphinx reports an optional part not taken as a "(NULL)" segment; aligned as silence, it took frames from the word.
        #expect(heard[1].utterance == heard[0].utterance, "\(heard[1].utterance) against \(heard[0].utterance)")
    }

    @Test("a breath before an utterance does not raise its evidence: the silence around the words counts for at most 20 frames")
    func breathBeforeSpeech() throws {
        let recognizer = try SpeechRecognizer()
        try recognizer.addGrammar("seven", jsgf: "#JSGF V1.0;\ngrammar s;\npublic <s> = seven;\n")
        try recognizer.use("seven")
        guard let said = try fliteSpeech("seven", voice: "rms", rate: 8000),
              let other = try fliteSpeech("please hold the line", voice: "rms", rate: 8000) else { return }
        // A breath into the handset: 0.3 s of noise 40 dB under full scale, then 0.3 s of quiet.
        var noise = NoiseGenerator(seed: 5)
        let breath = noise.white(count: 2400, rms: 0.01 * 32768).map { Int16($0.rounded()) } + [Int16](repeating: 0, count: 2400)
        let plain = try recognizer.recognize(said, sampleRate: 8000), breathed = try recognizer.recognize(breath + said, sampleRate: 8000)
        #expect(plain.text == "seven" && breathed.text == "seven")
        let wordFrames = breathed.evidence.reduce(0) { $0 + $1.frames }
        #expect(breathed.utterance.frames <= wordFrames + SpeechRecognizer.silenceFramesCounted)
        #expect(breathed.utterance.perFrame < plain.utterance.perFrame + 0.3, "\(breathed.utterance.perFrame) against \(plain.utterance.perFrame)")
        let forced = try recognizer.recognize(breath + other, sampleRate: 8000)
        #expect(forced.confidence < IntentThresholds.defaultThreshold, "\(forced.text): \(forced.confidence)")
    }

    @Test("an 8 kHz utterance down to 12 dB SNR is judged at the narrowband even odds, a 16 kHz or noisier one at the general point; a denoised one higher")
    func evenOddsByLine() throws {
        let recognizer = try SpeechRecognizer()
        try recognizer.addGrammar("seven", jsgf: "#JSGF V1.0;\ngrammar s;\npublic <s> = seven;\n")
        guard let narrow = try fliteSpeech("seven", voice: "rms", rate: 8000),
              let wide = try fliteSpeech("seven", voice: "rms", rate: 16000) else { return }
        var noise = NoiseGenerator(seed: 3)
        let noisy = noise.addingWhite(to: narrow, snr: 10), fairlyNoisy = noise.addingWhite(to: narrow, snr: 20)
        try recognizer.use("seven")
        let heard = try [(narrow, 8000), (wide, 16000), (noisy, 8000), (fairlyNoisy, 8000)].map { try recognizer.recognize($0.0, sampleRate: $0.1) }
        #expect(heard.map(\.text) == ["seven", "seven", "seven", "seven"])
        let raise = AcousticEvidence.denoisedCenterRaise
        #expect(heard.map(\.utterance.center) == [AcousticEvidence.narrowbandCenter, AcousticEvidence.wholeUtteranceCenter,
                                                   AcousticEvidence.wholeUtteranceCenter + raise, AcousticEvidence.narrowbandCenter + raise])
        #expect(heard[0].evidence.allSatisfy { $0.center == AcousticEvidence.narrowbandCenter })
    }

    @Test("noise, a keypad tone and ringback alone are heard as nothing; a word said is heard")
    func soundsThatAreNotSpeech() throws {
        let recognizer = try SpeechRecognizer()
        let menu = try IntentGrammar(intents: [("confirm", ["yes", "no"]), ("operator", ["operator"]), ("billing", ["billing"])])
        try recognizer.addIntents("menu", grammar: menu)
        let tones = ToneGenerator(sampleRate: 8000)
        var generator = NoiseGenerator(seed: 11)
        let hiss = generator.white(count: 8000, rms: 1000).map { Int16(clamping: Int($0.rounded())) }
        let loudHiss = generator.white(count: 8000, rms: 8000).map { Int16(clamping: Int($0.rounded())) }
        for (name, sound) in [("hiss", hiss), ("loud hiss", loudHiss), ("key 5", tones.key(.five, seconds: 1)),
                              ("ringback", tones.callProgress(.ringback, seconds: 1))] {
            let heard = try recognizer.understand(sound, sampleRate: 8000, intents: "menu", grammar: menu)
            #expect(heard.heard.words.isEmpty && heard.match == nil, "\(name): \(heard.heard.text) \(heard.confidence)")
        }
        guard let no = try fliteSpeech("no", voice: "slt", rate: 8000) else { return }
        let heard = try recognizer.understand(no, sampleRate: 8000, intents: "menu", grammar: menu)
        #expect(heard.heard.words == ["no"] && heard.match?.intent == "confirm" && heard.confidence >= IntentThresholds.defaultThreshold)
    }

    /// Each of three flite words at 8 kHz against a six-word menu, as said and as `line` changes
    /// it (samples and rate): what was heard as said, and as changed.
    private func heardThrough(_ line: ([Int16]) throws -> ([Int16], Int)) throws -> [(word: String, voice: String, plain: Double,
                                                                                    changed: (heard: Recognition, match: IntentMatch?, confidence: Double))] {
        let recognizer = try SpeechRecognizer()
        let menu = try IntentGrammar(intents: ["seven", "three", "eleven", "billing", "sales", "operator"].map { ($0, [$0]) })
        try recognizer.addIntents("menu", grammar: menu)
        return try [("billing", "rms"), ("operator", "awb"), ("seven", "slt")].compactMap { word, voice in
            guard let speech = try fliteSpeech(word, voice: voice, rate: 8000) else { return nil }
            let (changed, rate) = try line(speech)
            return (word, voice, try recognizer.understand(speech, sampleRate: 8000, intents: "menu", grammar: menu).confidence,
                    try recognizer.understand(changed, sampleRate: rate, intents: "menu", grammar: menu))
        }
    }

    @Test("a caller too loud for the line (tops cut flat 6 dB deep) is heard and judged as one who is not")
    func clippedCaller() throws {
        let heard = try heardThrough { speech in
            let peak = Double(speech.map { abs(Int($0)) }.max()!)
            let level = 32767 / 2.0, gain = 2 * level / peak  // peaks 6 dB over the level where they are cut
            return (speech.map { Int16(max(-level, min(level, Double($0) * gain))) }, 8000)
        }
        for (word, voice, plain, loud) in heard {
            #expect(loud.match?.intent == word && loud.confidence >= IntentThresholds.defaultThreshold, "\(voice): \(loud.heard.text) \(loud.confidence)")
            #expect(abs(loud.confidence - plain) < 0.25, "\(voice): \(loud.confidence) against \(plain)")
        }
    }

    @Test("a line 10 % of full scale off zero (a constant offset) is heard as one that is not")
    func offsetLine() throws {
        let quiet = [Int16](repeating: 0, count: 2400)
        let plain = try heardThrough { (quiet + $0 + quiet, 8000) }, shifted = try heardThrough { ((quiet + $0 + quiet).map { $0 &+ 3277 }, 8000) }
        for (before, after) in zip(plain, shifted) {
            #expect(after.changed.match?.intent == after.word && abs(after.changed.confidence - before.changed.confidence) < 0.05,
                    "\(after.voice): \(after.changed.heard.text) \(after.changed.confidence) against \(before.changed.confidence)")
        }
    }

    @Test("telephone speech carried at 16 kHz is heard as the 8 kHz telephone speech it is, and judged alike")
    func telephoneSpeechAtWideRate() throws {
        for (word, voice, plain, carried) in try heardThrough({ (try SpeechRecognizer.resampled($0, from: 8000, to: 16000), 16000) }) {
            #expect(carried.match?.intent == word && carried.heard.utterance.center == AcousticEvidence.narrowbandCenter, "\(voice): \(carried.heard.text)")
            #expect(abs(carried.confidence - plain) < 0.1, "\(voice): \(carried.confidence) against \(plain)")
        }
    }

    @Test("a menu's answer is compared with its other answers: the one said leads, a guess between two loses confidence")
    func rivals() throws {
        let recognizer = try SpeechRecognizer()
        let menu = try IntentGrammar(intents: ["seven", "three", "eleven", "billing"].map { ($0, [$0]) })
        try recognizer.addIntents("menu", grammar: menu)
        guard let speech = try fliteSpeech("seven", voice: "awb", rate: 8000) else { return }
        let result = try recognizer.understand(speech, sampleRate: 8000, intents: "menu", grammar: menu)
        #expect(result.match?.intent == "seven")
        let lead = try #require(result.heard.rivalLead)
        #expect(lead > 0.05, "lead \(lead)")
        // The rivals of an answer are the menu's phrases that mean something else.
        #expect(menu.rivals(of: ["seven"], limit: 60) == [["three"], ["eleven"], ["billing"]])
        // Of a grammar spelling out more than the limit, a one-word answer is compared with the
        // other one-word phrases (file order), a longer one with none.
        #expect(menu.rivals(of: ["seven"], limit: 3) == [["three"], ["eleven"]])
        #expect(menu.rivals(of: ["billing"], limit: 3) == nil)
        #expect(menu.rivals(of: ["nine"], limit: 60) == nil)
        let requests = try IntentGrammar(intents: [("sales", ["sales"]), ("balance", ["[account] balance"]),
                                                   ("transfer", ["[i want to] (talk | speak) to (sales | billing | support)"])])
        #expect(requests.rivals(of: ["sales"], limit: 3) == [["balance"]])
        #expect(requests.rivals(of: ["account", "balance"], limit: 3) == nil, "a longer phrase of a large grammar is not compared")
        #expect(requests.rivals(of: ["talk", "to", "sales"], limit: 60) == [["sales"], ["balance"], ["account", "balance"]])
        var guess = result.heard
        guess.rivalLead = -0.1
        #expect(guess.confidence < 0.01 * result.heard.utterance.confidence)
        guess.rivalLead = 0.1
        #expect(guess.confidence > 0.99 * result.heard.utterance.confidence)
    }

    @Test("a real caller's letters are heard between their silences, not as letters whose stop swallows them")
    func answerBetweenSilences() throws {
        // Two of the development list's recordings (asterisk-core-sounds-en, installed with the tests).
        let folder = "/usr/share/asterisk/sounds/en/letters"
        guard FileManager.default.fileExists(atPath: folder + "/v.wav") else { return }
        let recognizer = try SpeechRecognizer()
        let letters = (UInt8(ascii: "a")...UInt8(ascii: "z")).map { String(UnicodeScalar($0)) }
        let menu = try IntentGrammar(intents: letters.map { ($0, [$0]) })
        try recognizer.addIntents("letters", grammar: menu)
        for letter in ["v", "z"] {
            let speech = try AudioFileSource(path: "\(folder)/\(letter).wav", sampleRate: 8000).readAll()
            let result = try recognizer.understand(speech, sampleRate: 8000, intents: "letters", grammar: menu)
            // With silence as dear as PocketSphinx makes it by default (-silprob 0.005), "b" and
            // "p" were heard: their closure took the silence before the letter.
            #expect(result.heard.words == [letter], "\(letter): \(result.heard.text) \(result.confidence)")
        }
    }

    @Test("a spotted word is checked as it was said: in the best of its pronunciations, and at the end of speech without the last phone the search cut short")
    func spottedInItsPronunciation() throws {
        // The development list's sentences: five that say "message(s)", two that do not.
        let folder = "/usr/share/asterisk/sounds/en"
        guard FileManager.default.fileExists(atPath: folder + "/vm-nomore.wav") else { return }
        let recognizer = try SpeechRecognizer()
        try recognizer.addKeywords("keywords", phrases: [("message", nil), ("messages", nil), ("mailbox", nil)])
        try recognizer.use("keywords")
        func messagesFound(in file: String) throws -> Bool {
            let speech = try AudioFileSource(path: "\(folder)/\(file).wav", sampleRate: 8000).readAll()
            return try recognizer.recognize(speech, sampleRate: 8000).confirmedPhrases().contains { $0.hasPrefix("message") }
        }
        // Checked in the keyword search's pronunciation (M EH S AH JH) none of the first four was
        // found; the fifth, at the sentence's end, was rejected for its last phone ("JH", three
        // frames at −16 nats per frame).
        for file in ["vm-nomore", "vm-undeleted", "vm-nobox", "vm-whichbox", "vm-review-nonurgent"] {
            #expect(try messagesFound(in: file), "\(file)")
        }
        for file in ["conf-full", "agent-pass"] { #expect(try !messagesFound(in: file), "\(file)") }
    }
}
