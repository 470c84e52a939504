import Foundation
import Testing
@testable import IVRDSP

@Suite("Restoring clipped speech")
struct DeclipperTests {
    /// A voiced sound at 8 kHz: 140 Hz with five harmonics, its loudness rising and falling like
    /// syllables, peaking near `peak`.
    private func voice(peak: Double, seconds: Double = 0.5) -> [Double] {
        (0..<Int(seconds * 8000)).map { index in
            let t = Double(index) / 8000
            let envelope = 0.6 + 0.4 * sin(2 * Double.pi * 3 * t)
            return peak / 1.6 * envelope * (1...5).reduce(0) { $0 + sin(2 * Double.pi * 140 * Double($1) * t + Double($1)) / Double($1) }
        }
    }

    private func clipped(_ x: [Double], at level: Double) -> [Int16] {
        x.map { Int16(max(-level, min(level, $0)).rounded()) }
    }

    private func error(_ a: [Double], _ b: [Double]) -> Double {
        (zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(a.count)).squareRoot()
    }

    @Test("speech that reaches no flat top is left as it is")
    func unclippedUntouched() {
        let speech = voice(peak: 20000).map { Int16($0.rounded()) }
        #expect(Declipper.restored(speech) == nil)
        #expect(Declipper.restored([Int16](repeating: 0, count: 800)) == nil)
    }

    @Test("tops cut 2 and 4 dB too loud are drawn again nearer the voice than flat: the error to the true waveform falls by half or more")
    func restoresTops() throws {
        let truth = voice(peak: 30000)
        // Cut deeper (8 dB), the cubic is no nearer than flat in this signal; the recognizer
        // still hears such speech far better restored (BENCHMARKS.md).
        for level in [24000.0, 18000] {
            let cut = clipped(truth, at: level)
            let restored = try #require(Declipper.restored(cut), "clipped at \(level)")
            let scaled = truth.map { $0 / Declipper.maximumRise }
            let flat = error(cut.map { Double($0) / Declipper.maximumRise }, scaled)
            let drawn = error(restored.map(Double.init), scaled)
            #expect(drawn < flat / 2, "clipped at \(level): \(drawn) against \(flat)")
        }
    }

    @Test("a restored top never lies below the level it was cut at, and full-scale tops do not overflow")
    func boundsKept() throws {
        // The negative tops at −32768, whose size a 16-bit sample cannot hold.
        let cut = clipped(voice(peak: 120_000), at: 32767).map { $0 == -Int16.max ? Int16.min : $0 }
        let restored = try #require(Declipper.restored(cut))
        for run in Declipper.cutTops(cut).runs {
            for index in run {
                #expect(abs(Double(restored[index])) >= 32767 / Declipper.maximumRise - 1)
            }
        }
    }
}
