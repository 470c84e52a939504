import Foundation
import Testing
@testable import IVRSpeech

@Suite("The voice's spectral scale from its pitch (vocal tract length normalization)")
struct VoiceFitTests {
    @Test("the factor follows the pitch: 1 near the reference, stretched for a lower voice, compressed for a higher; 1 before any voicing")
    func factorFromPitch() {
        #expect(VoiceFit().bestFactor == 1 && VoiceFit().pitch == nil && !VoiceFit().isSettled)
        #expect(VoiceFit(pitches: [200, 205, 195, 200, 210]).bestFactor == 1)
        #expect(VoiceFit(pitches: Array(repeating: 110, count: 50)).bestFactor == 1.12, "a man's voice")
        #expect(VoiceFit(pitches: Array(repeating: 340, count: 50)).bestFactor == 0.88, "a child's voice")
        #expect(VoiceFit(pitches: [170, 170]).bestFactor == 1, "too little voicing to say much")
        let pitch = VoiceFit(pitches: [100, 400, 50, 800]).pitch ?? 0
        #expect(abs(pitch - 200) < 1e-9, "the geometric mean, drawn towards the reference")
        let drawn = VoiceFit(pitches: Array(repeating: 100, count: VoiceFit.priorVoicedFrames)).pitch ?? 0
        #expect(abs(drawn - (100 * 200.0).squareRoot()) < 1e-9, "as many voiced frames as the prior's: half-way in the logarithm")
        #expect(VoiceFit.rate(for: 0.94) == 7520 && VoiceFit.rate(for: 1) == 8000)
    }

    @Test("a call's voice adds up its utterances' voicing, the longer with the greater say, until it is known")
    func callLineLearnsTheVoice() {
        var line = CallLine()
        var low = CepstralObservation(mean: [1, 2, 3], frames: 80)
        low.voice = VoiceFit(pitches: Array(repeating: 115, count: 60))
        var high = low
        high.voice = VoiceFit(pitches: Array(repeating: 210, count: 20))
        line.hear(low)
        line.hear(high)
        #expect(line.voice.bestFactor == 1.12 && line.voice.voicedFrames == 80 && !line.voice.isSettled)
        line.hear(low)
        #expect(line.voice.isSettled)
    }

    @Test("a voice raised or lowered (pitch and formants 12 % up or down) is heard at a smaller or larger factor than as it was; a known voice is not measured again")
    func factorFollowsTheVoice() throws {
        guard let sentence = try fliteSpeech("I would like to hear about seven of your plans please", voice: "slt", rate: 8000) else { return }
        let recognizer = try SpeechRecognizer()
        let grammar = try IntentGrammar(intents: [("seven", ["seven"]), ("eight", ["eight"])])
        try recognizer.addIntents("numbers", grammar: grammar)
        func factor(voiceTimes scale: Double) throws -> Double {
            // Played faster or slower: every frequency times `scale`.
            let voice = try SpeechRecognizer.resampled(sentence, from: Int(8000 * scale), to: 8000)
            let heard = try recognizer.understand(voice, sampleRate: 8000, intents: "numbers", grammar: grammar)
            let shown = try #require(heard.heard.line)
            #expect(shown.voice.voicedFrames > 20, "the utterance's voiced frames")
            return shown.voice.bestFactor
        }
        let raised = try factor(voiceTimes: 1.12), plain = try factor(voiceTimes: 1), lowered = try factor(voiceTimes: 1 / 1.12)
        #expect(raised <= plain && plain <= lowered && raised < lowered, "\(raised), \(plain), \(lowered)")
        // A call whose voice is known: its pitch is not measured again.
        var line = CallLine()
        var known = CepstralObservation(mean: CepstralMeanPrior.telephone.mean, frames: 400)
        known.voice = VoiceFit(pitches: Array(repeating: 120, count: VoiceFit.settledFrames))
        line.hear(known)
        let later = try recognizer.understand(sentence, sampleRate: 8000, intents: "numbers", grammar: grammar, line: line)
        #expect(try #require(later.heard.line).voice.voicedFrames == 0)
    }
}
