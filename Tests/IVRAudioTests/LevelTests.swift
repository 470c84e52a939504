import Foundation
import IVRAudio
import Testing

@Suite("File levels")
struct LevelTests {
    @Test("Peak and RMS of a sine in dBFS")
    func sineLevels() throws {
        let path = try TestSignals.write(TestSignals.sine(1000, rate: 8000, seconds: 1, amplitude: 0.25),
                                         rate: 8000, format: SoundFileFormat(encoding: .float32))
        let levels = try AudioLevels.measure(SoundFileReader(path: path))
        #expect(abs(levels.peakDBFS - 20 * log10(0.25)) < 0.01)
        #expect(abs(levels.rmsDBFS - (20 * log10(0.25) - 3.0103)) < 0.01)
    }

    @Test("Silence measures minus infinity")
    func silence() throws {
        let path = try TestSignals.write([Float](repeating: 0, count: 800), rate: 8000)
        let levels = try AudioLevels.measure(SoundFileReader(path: path))
        #expect(levels.peakDBFS == -.infinity)
        #expect(levels.rmsDBFS == -.infinity)
    }
}
