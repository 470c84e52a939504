import ArgumentParser
import Foundation
import IVRAudio
import IVRDSP

struct VADCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vad",
        abstract: "Find the speech in a recording (voice activity detection).",
        discussion: """
        Prints one line per speech segment, "start end" in seconds with three decimals, as the \
        IVR's endpointer finds them: speech of at least --min-speech, ended by --end-silence of \
        silence. Keypad and call-progress tones and steady noise are not speech. With --json, \
        one JSON object per segment: {"start":1.020,"end":2.480}.

        Examples:
          ivr vad caller.wav
          ivr vad --end-silence 0.7 --json call.wav
        """)

    @Argument(help: "The audio file (any format and rate; converted).")
    var file: String

    @Flag(help: "One JSON object per segment.")
    var json = false

    @Option(help: "Analysis rate, 8000 or 16000 (default: 8000 for files at 8 kHz or less, else 16000).")
    var rate: Int?

    @Option(help: "Seconds of speech before a segment counts.")
    var minSpeech = 0.1

    @Option(help: "Seconds of silence that end a segment.")
    var endSilence = 0.3

    func validate() throws {
        if let rate, PipelineRate(rawValue: rate) == nil { throw ValidationError("--rate must be 8000 or 16000") }
        guard minSpeech >= 0.01, minSpeech <= 2 else { throw ValidationError("--min-speech must be 0.01–2 seconds") }
        guard endSilence >= 0.01, endSilence <= 10 else { throw ValidationError("--end-silence must be 0.01–10 seconds") }
    }

    func run() throws {
        let rate = try self.rate ?? speechRate(of: file)
        var configuration = EndpointerConfiguration()
        configuration.minimumSpeech = minSpeech
        configuration.trailingSilence = endSilence
        configuration.maximumUtterance = .infinity
        let endpointer = Endpointer(sampleRate: rate, configuration: configuration)
        endpointer.listen(from: 0, noInputTimeout: nil)

        var segments: [(start: Int64, end: Int64)] = []
        var start: Int64?
        func note(_ event: EndpointEvent?) {
            switch event {
            case .speechStarted(let at, _): start = at
            case .speechEnded(let at, _):
                if let begin = start { segments.append((begin, at)) }
                start = nil
            default: break
            }
        }
        // Half-second reads, analysed in the endpointer's 10 ms frames (the last one padded, as
        // a 10 ms read would be): long reads cost less.
        let step = rate / 100
        let source = try AudioFileSource(path: file, sampleRate: rate, frameLength: 50 * step)
        var frame = AudioFrame(silenceOf: source.frameLength, sampleRate: rate)
        while try source.read(into: &frame) {
            let audio = Int(source.samplesDelivered - frame.timestamp)
            frame.samples.withUnsafeBufferPointer { block in
                for offset in stride(from: 0, to: audio, by: step) {
                    note(endpointer.process(UnsafeBufferPointer(rebasing: block[offset..<offset + step]),
                                            at: frame.timestamp + Int64(offset)))
                }
            }
        }
        endpointer.finish().forEach(note)

        for segment in segments {
            let begin = String(format: "%.3f", Double(segment.start) / Double(rate))
            let end = String(format: "%.3f", Double(segment.end) / Double(rate))
            print(json ? "{\"start\":\(begin),\"end\":\(end)}" : "\(begin) \(end)")
        }
    }
}
