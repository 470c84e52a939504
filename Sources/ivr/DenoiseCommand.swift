import ArgumentParser
import Foundation
import IVRAudio
import IVRDSP
import IVRSpeech

/// `ivr denoise`: the recognizer's noise reducer on a recording, to hear what it decodes.
struct DenoiseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "denoise",
        abstract: "Remove steady line noise (hiss, hum) from a recording, as the recognizer does.",
        discussion: """
        The recognizer passes every utterance whose estimated signal-to-noise ratio is under \
        \(Int(SpeechRecognizer.noiseReductionBelowSNR)) dB through this noise reducer (a log-spectral \
        amplitude estimator per frequency) before decoding it; this command runs it on a whole \
        file (always, whatever its SNR) and prints the estimate. The output is mono 16-bit at \
        8 kHz for files of 8 kHz or less, else 16 kHz, like the recognizer's input.

        Examples:
          ivr denoise noisy-caller.wav -o cleaned.wav
          ivr denoise line.flac -o cleaned.wav --json
        """)

    @Argument(help: "The audio file (any format and rate; converted).")
    var file: String

    @Option(name: .shortAndLong, help: "The file to write (format from its extension, 16-bit).")
    var output: String

    @Flag(help: "Print one JSON object (the estimated SNR before and after).")
    var json = false

    func run() throws {
        let rate = try speechRate(of: file)
        let samples = try AudioFileSource(path: file, sampleRate: rate).readAll()
        let reducer = NoiseReducer(sampleRate: rate)
        let cleaned = reducer.reduce(samples)
        let writer = try SoundFileWriter(path: output, sampleRate: rate)
        try writer.write(samples: cleaned)
        try writer.close()
        let before = reducer.estimatedSNR(samples), after = reducer.estimatedSNR(cleaned)
        if json {
            let object: [String: Any] = ["file": file, "output": output, "sample_rate": rate,
                                         "snr_db_before": (before * 10).rounded() / 10, "snr_db_after": (after * 10).rounded() / 10]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(format: "%@: estimated SNR %.1f dB → %.1f dB (%@)", output, before, after,
                         before < SpeechRecognizer.noiseReductionBelowSNR ? "the recognizer would reduce it" : "the recognizer would decode it as it is"))
        }
    }
}
