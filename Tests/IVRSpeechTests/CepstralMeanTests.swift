import Foundation
import Testing
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
}
