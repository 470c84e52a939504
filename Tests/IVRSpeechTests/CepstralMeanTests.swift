import Foundation
import Testing
import IVRDSP
@testable import IVRSpeech

@Suite("The cepstral mean and its prior")
struct CepstralMeanTests {
    @Test("the blend: the level is the utterance's own, the rest drawn towards the prior the more, the shorter the utterance")
    func blend() {
        let prior = CepstralMeanPrior(mean: [50, 10, -10], weight: 100)
        let own: [Float] = [30, 0, 0]
        #expect(prior.blended(with: own, frames: 100) == [30, 5, -5])
        let short = prior.blended(with: own, frames: 10), long = prior.blended(with: own, frames: 10_000)
        #expect(short[0] == 30 && long[0] == 30)
        #expect(abs(short[1] - 10 * 100 / 110) < 1e-4 && abs(long[1] - 10 * 100 / 10_100) < 1e-4)
        #expect(prior.blended(with: [1, 2], frames: 50) == [1, 2], "a mean of another length is left as it is")
    }

    @Test("the mean leaves out frames without energy, as sphinxbase's batch normalization does")
    func meanSkipsSilentFrames() {
        let cepstra: [Float] = [2, 4, /* silent */ -1, 100, 4, 8]
        let mean = cepstra.withUnsafeBufferPointer { CepstralMeanPrior.mean(of: $0, frames: 3, width: 2) }
        #expect(mean.mean == [3, 6] && mean.frames == 2)
        let silent: [Float] = [-2, 1, -4, 3]
        let all = silent.withUnsafeBufferPointer { CepstralMeanPrior.mean(of: $0, frames: 2, width: 2) }
        #expect(all.mean == [-3, 2] && all.frames == 2, "all frames when none has energy")
    }

    @Test("features with a prior: the static cepstra move by the prior's share, the level and the deltas do not")
    func featuresWithPrior() throws {
        guard let word = try fliteSpeech("seven", voice: "slt", rate: 16000) else { return }
        let recognizer = try SpeechRecognizer()
        let plain = recognizer.featureFrames(word)
        let offset: Float = 2
        let ownMean = recognizer.featureMean(word)
        #expect(ownMean.count == 13)
        let prior = CepstralMeanPrior(mean: ownMean.enumerated().map { $0.offset == 0 ? $0.element + 50 : $0.element + offset }, weight: 100)
        #expect(recognizer.featureFrames(word, meanPrior: CepstralMeanPrior(mean: ownMean, weight: 100)).elementsEqual(plain) { zip($0, $1).allSatisfy { abs($0 - $1) < 1e-3 } },
                "a prior equal to the utterance's own mean changes nothing")
        let moved = recognizer.featureFrames(word, meanPrior: prior)
        #expect(moved.count == plain.count && plain.count > 20)
        // The prior's share of the mean: weight / (frames + weight), frames at most the utterance's.
        let shift = plain[plain.count / 2][1] - moved[plain.count / 2][1]
        #expect(shift > offset * 100 / Float(plain.count + 100 + 4) && shift < offset)
        for (before, after) in zip(plain, moved) {
            #expect(abs(before[0] - after[0]) < 1e-3, "the level (c0) is the utterance's own")
            for coefficient in 1..<13 { #expect(abs((before[coefficient] - after[coefficient]) - shift) < 1e-3) }
            for delta in 13..<before.count { #expect(abs(before[delta] - after[delta]) < 1e-3) }
        }
        // The word ten times over: ten times the frames that count, so the prior's share is
        // weight / (10 n + weight), n the frames of the word alone that count.
        let counted = 100 * offset / shift - 100
        let long = Array(repeating: word, count: 10).flatMap { $0 }
        let longShift = recognizer.featureFrames(long)[40][1] - recognizer.featureFrames(long, meanPrior: prior)[40][1]
        let expected = offset * 100 / (10 * counted + 100)
        #expect(abs(longShift - expected) < 0.1 * expected && longShift < shift / 2, "\(longShift) against \(expected)")
    }

    @Test("a call's line: the prior moves towards what the call's utterances showed, the more the more was heard")
    func callLine() {
        let general = CepstralMeanPrior(mean: [50, 10, -10], weight: 100)
        var line = CallLine()
        #expect(line.prior(from: general) == general, "nothing heard: the general prior")
        line.hear(CepstralObservation(mean: [1, 2], frames: 300))
        #expect(line.prior(from: general) == general, "a mean of another length than the prior's is not used")
        var word = CallLine(), sentence = CallLine()
        word.hear(CepstralObservation(mean: [40, 30, -10], frames: 50))
        sentence.hear(CepstralObservation(mean: [40, 30, -10], frames: 400))
        let afterWord = word.prior(from: general), afterSentence = sentence.prior(from: general)
        #expect(afterWord.weight == 100 && afterSentence.weight == 100)
        // The general prior counts as 100 frames of the call's speech.
        let expectedAfterWord: Float = (100 * 10 + 50 * 30) / 150
        let expectedAfterSentence: Float = (100 * 10 + 400 * 30) / 500
        #expect(abs(afterWord.mean[1] - expectedAfterWord) < 1e-3)
        #expect(abs(afterSentence.mean[1] - expectedAfterSentence) < 1e-3)
        #expect(afterWord.mean[2] == -10, "where the line agrees with the prior, nothing moves")
        // A long call: the line's own mean.
        for _ in 0..<200 { sentence.hear(CepstralObservation(mean: [40, 30, -10], frames: 400)) }
        #expect(abs(sentence.prior(from: general).mean[1] - 30) < 0.1)
    }

    /// A recognizer with a menu of two answers, "seven" and "eight" (intents "numbers").
    private func sevenOrEight() throws -> (recognizer: SpeechRecognizer, grammar: IntentGrammar) {
        let recognizer = try SpeechRecognizer()
        let grammar = try IntentGrammar(intents: [("seven", ["seven"]), ("eight", ["eight"])])
        try recognizer.addIntents("numbers", grammar: grammar)
        return (recognizer, grammar)
    }

    @Test("a clean utterance, 8 kHz telephone speech or wideband, tells what it showed of the line, and a call's line moves its features",
          arguments: [8000, 16000])
    func lineFromUnderstanding(rate: Int) throws {
        guard let word = try fliteSpeech("seven", voice: "slt", rate: rate) else { return }
        let (recognizer, grammar) = try sevenOrEight()
        let first = try recognizer.understand(word, sampleRate: rate, intents: "numbers", grammar: grammar)
        #expect(first.match?.intent == "seven" && first.confidence >= 0.5, "\(first.heard.text) \(first.confidence)")
        let observed = try #require(first.heard.line)
        #expect(observed.mean.count == 13 && observed.frames > 20)
        #expect(observed == (try recognizer.cepstralMean(of: word, sampleRate: rate)), "the utterance's own mean, as prepared")
        // On a line that showed a very different mean, the same word scores otherwise.
        var line = CallLine()
        line.hear(CepstralObservation(mean: observed.mean.map { $0 + 8 }, frames: 1000))
        let moved = try recognizer.understand(word, sampleRate: rate, intents: "numbers", grammar: grammar, line: line)
        #expect(moved.heard.utterance.perFrame != first.heard.utterance.perFrame)
        #expect(moved.heard.line == observed, "what the utterance shows does not depend on the line it was heard on")
        // A denoised utterance keeps its own mean and teaches the line nothing.
        var generator = NoiseGenerator(seed: 3)
        let noisy = generator.addingWhite(to: word, snr: 10)
        #expect(try recognizer.understand(noisy, sampleRate: rate, intents: "numbers", grammar: grammar, line: line).heard.line == nil)
    }

    @Test("a sentence long enough to be scored once with the spotting pause tells its mean without the pause")
    func lineFromLongUtterance() throws {
        guard let sentence = try fliteSpeech("I would like to hear about seven of your plans please", voice: "slt", rate: 8000) else { return }
        let (recognizer, grammar) = try sevenOrEight()
        let long = try #require(try recognizer.understand(sentence, sampleRate: 8000, intents: "numbers", grammar: grammar).heard.line)
        let alone = try recognizer.cepstralMean(of: sentence, sampleRate: 8000)
        #expect(abs(long.frames - alone.frames) <= 2 && zip(long.mean, alone.mean).allSatisfy { abs($0 - $1) < 0.5 }, "\(long) against \(alone)")
    }

    @Test("the line words show: the mean they were normalized by, moved by their offset beyond the prior's word offset; distances leave out the level")
    func lineMeanArithmetic() {
        let prior = CepstralMeanPrior(mean: [50, 10, -10], weight: 100, wordOffset: [0, 1, -1])
        #expect(prior.lineMean(normalizedBy: [30, 12, -8], offset: [0, 3, 2]) == [30, 14, -5])
        #expect(prior.lineMean(normalizedBy: [30, 12], offset: [0, 3]) == nil, "a mean of another length")
        #expect(prior.distance(to: [0, 13, -6]) == 5, "the level does not count")
        let certain = prior.certain(of: [0, 13, -6])
        #expect(certain.blended(with: [42, 100, 100], frames: 1_000_000) == [42, 13, -6], "the line shown, whatever the utterance's own mean; the level its own")
        #expect(certain.wordOffset == prior.wordOffset)
        #expect(CepstralMeanPrior(mean: [1, 2], weight: 1).wordOffset == [0, 0], "no word offset known: zeros")
        var line = CallLine()
        line.hear(CepstralObservation(mean: [40, 30, -10], frames: 50))
        #expect(line.prior(from: prior).wordOffset == prior.wordOffset)
    }

    @Test("heard on a wrongly expected line, a word shows its own line and is heard again on it")
    func unfamiliarLineHeardAgain() throws {
        guard let word = try fliteSpeech("seven", voice: "slt", rate: 8000) else { return }
        let recognizer = try SpeechRecognizer()
        let grammar = try IntentGrammar(intents: [("seven", ["seven"]), ("eight", ["eight"]), ("nine", ["nine"])])
        try recognizer.addIntents("numbers", grammar: grammar)
        let expected = try recognizer.understand(word, sampleRate: 8000, intents: "numbers", grammar: grammar)
        let shown = try #require(expected.heard.lineMean)
        #expect(expected.match?.intent == "seven")
        #expect(!expected.heard.reheard, "a familiar voice on the expected line is heard once")
        // A call whose earlier speech (as if another caller's) made a very different line expected.
        let own = try recognizer.cepstralMean(of: word, sampleRate: 8000)
        var wrong = CallLine()
        wrong.hear(CepstralObservation(mean: own.mean.enumerated().map { $0.offset.isMultiple(of: 2) ? $0.element + 12 : $0.element - 12 }, frames: 100_000))
        let misledPrior = wrong.prior()
        recognizer.rehearsUnfamiliarLines = false
        let misled = try recognizer.understand(word, sampleRate: 8000, intents: "numbers", grammar: grammar, line: wrong)
        let shownMisled = try #require(misled.heard.lineMean)
        let off = misledPrior.distance(to: shown)
        #expect(misledPrior.distance(to: shownMisled) > SpeechRecognizer.unfamiliarLineDistance, "the words show the line is not the one expected")
        #expect(CepstralMeanPrior(mean: shown, weight: 1).distance(to: shownMisled) < off / 2,
                "the line the words show hardly depends on the one expected (\(off) off)")
        recognizer.rehearsUnfamiliarLines = true
        let again = try recognizer.understand(word, sampleRate: 8000, intents: "numbers", grammar: grammar, line: wrong)
        #expect(again.heard.reheard && again.match?.intent == "seven")
        #expect(again.confidence > misled.confidence)
    }
}
