import ArgumentParser
import Foundation
import IVRAudio

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe an audio file: format, rate, channels, duration, peak and RMS level.",
        discussion: """
        Levels are in dBFS over all channels (a full-scale sine: peak 0.00, RMS -3.01).

        Examples:
          ivr info examples/keys.wav
          ivr info --json call.flac
        """)

    @Argument(help: "The audio file.")
    var file: String

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let reader = try SoundFileReader(path: file)
        let info = reader.info
        let levels = try AudioLevels.measure(reader)
        if json {
            let object: [String: Any] = [
                "file": file, "format": info.formatName, "sample_rate": info.sampleRate,
                "channels": info.channels, "frames": info.frames,
                "duration": rounded(info.duration, 3),
                "peak_dbfs": levels.peakDBFS.isFinite ? rounded(levels.peakDBFS, 2) : NSNull(),
                "rms_dbfs": levels.rmsDBFS.isFinite ? rounded(levels.rmsDBFS, 2) : NSNull(),
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("file:        \(file)")
            print("format:      \(info.formatName)")
            print("sample rate: \(info.sampleRate) Hz")
            print("channels:    \(info.channels)")
            print("duration:    \(String(format: "%.3f", info.duration)) s (\(info.frames) frames)")
            print("peak:        \(decibels(levels.peakDBFS)) dBFS")
            print("rms:         \(decibels(levels.rmsDBFS)) dBFS")
        }
    }

    private func rounded(_ value: Double, _ places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    private func decibels(_ value: Double) -> String {
        value.isFinite ? String(format: "%.2f", value) : "-inf"
    }
}
