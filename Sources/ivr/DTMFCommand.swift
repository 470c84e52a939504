import ArgumentParser
import Foundation
import IVRAudio
import IVRDSP

struct DTMFCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dtmf",
        abstract: "Find the keypad digits (DTMF) in a recording.",
        discussion: """
        Prints the digits on one line (an empty line if there are none). With --json, one JSON \
        object per digit: {"digit":"5","start":1.234,"end":1.334} (seconds).

        Examples:
          ivr dtmf examples/caller-keys.wav
          ivr dtmf --json call.wav
        """)

    @Argument(help: "The audio file (any format and rate; converted).")
    var file: String

    @Flag(help: "One JSON object per digit, with start and end in seconds.")
    var json = false

    @Option(help: "Analysis rate: 8000 or 16000.")
    var rate: Int = 8000

    func validate() throws {
        guard PipelineRate(rawValue: rate) != nil else { throw ValidationError("--rate must be 8000 or 16000") }
    }

    func run() throws {
        // Half-second frames: the detector keeps its own clock, and long frames cost less.
        let source = try AudioFileSource(path: file, sampleRate: rate, frameLength: rate / 2)
        let detector = DTMFDetector(sampleRate: rate)
        var digits: [DTMFDigit] = []
        var frame = AudioFrame(silenceOf: source.frameLength, sampleRate: rate)
        func collect(_ events: [DTMFEvent]) {
            for case .released(let digit) in events { digits.append(digit) }
        }
        while try source.read(into: &frame) {
            collect(frame.samples.withUnsafeBufferPointer { detector.process($0) })
        }
        collect(detector.finish())

        if json {
            for digit in digits {
                let start = String(format: "%.3f", Double(digit.start) / Double(rate))
                let end = String(format: "%.3f", Double(digit.end) / Double(rate))
                print("{\"digit\":\"\(digit.key.rawValue)\",\"start\":\(start),\"end\":\(end)}")
            }
        } else {
            print(String(digits.map(\.key.rawValue)))
        }
    }
}
