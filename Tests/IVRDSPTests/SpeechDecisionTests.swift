@testable import IVRDSP
import Testing

@Suite("The detector's decision rule")
struct SpeechDecisionTests {
    /// The decisions for `probabilities`, in frame order, drained at the end.
    static func decisions(_ probabilities: [Float], configuration: VoiceActivityConfiguration = .init()) -> [Bool] {
        var rule = SpeechDecision(configuration: configuration)
        var verdicts = probabilities.compactMap { rule.decide(probability: $0, signalToNoise: 0) }
        verdicts += rule.drain()
        return verdicts.map(\.isSpeech)
    }

    @Test("one frame's dip inside speech stays speech; two frames are a pause")
    func dips() {
        #expect(SpeechDecision.bridgedGapFrames == 1)
        let probabilities: [Float] = [0.1, 0.9, 0.8, 0.2, 0.7, 0.6, 0.1, 0.2, 0.4, 0.9, 0.3]
        #expect(Self.decisions(probabilities) == [false, true, true, true, true, true, false, false, false, true, false])
    }

    @Test("after a pause speech must reach the onset threshold again; within speech the offset holds")
    func hysteresis() {
        // 0.4 continues speech (above the offset, 0.35) but does not start it (onset 0.5).
        #expect(Self.decisions([0.4, 0.6, 0.4, 0.4, 0.1, 0.1, 0.4]) == [false, true, true, true, false, false, false])
        // After a bridged dip the offset threshold still holds.
        #expect(Self.decisions([0.6, 0.1, 0.4, 0.1, 0.1]) == [true, true, true, false, false])
    }

    @Test("a dip at the end of the stream is not bridged; verdicts lag by the bridge; hangover extends speech")
    func endAndLag() {
        var rule = SpeechDecision(configuration: .init())
        #expect(rule.decide(probability: 0.9, signalToNoise: 3) == nil)
        let first = rule.decide(probability: 0.1, signalToNoise: 0)
        #expect(first?.isSpeech == true && first?.signalToNoise == 3 && first?.probability == 0.9)
        #expect(rule.drain().map(\.isSpeech) == [false])
        #expect(rule.drain().isEmpty)
        var configuration = VoiceActivityConfiguration()
        configuration.hangoverFrames = 2
        #expect(Self.decisions([0.9, 0.1, 0.1, 0.1, 0.1], configuration: configuration) == [true, true, true, false, false])
    }
}
