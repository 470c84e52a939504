import ArgumentParser
import IVRAudio
import IVRDSP

struct TonesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tones",
        abstract: "Write keypad (DTMF) or call-progress tones to an audio file, for test calls.",
        discussion: """
        DIGITS are keys 0-9, *, #, A-D; a comma pauses one second. Levels are per tone in dBm0 \
        (0 dBm0 = a sine 3.14 dB below full scale).

        Examples:
          ivr tones 1234# -o keys.wav
          ivr tones 5 --on 0.04 --off 0.04 --level -30 --twist 6 -o weak.wav
          ivr tones --progress busy --seconds 3 -o busy.wav
        """)

    @Argument(help: "The keys to press, e.g. 1234#.")
    var digits: String?

    @Option(name: .shortAndLong, help: "The file to write (format from its extension, 16-bit).")
    var output: String

    @Option(help: "Seconds each key is held.")
    var on: Double = 0.1

    @Option(help: "Seconds of silence after each key.")
    var off: Double = 0.1

    @Option(help: "Level of each tone in dBm0.")
    var level: Double = -10

    @Option(help: "How many dB the high tone is weaker than the low one (negative: stronger).")
    var twist: Double = 0

    @Option(help: "A call-progress tone instead of keys: dial, ringback, busy or reorder.")
    var progress: String?

    @Option(help: "Length of a call-progress tone in seconds.")
    var seconds: Double = 5

    @Option(help: "Sample rate of the file.")
    var rate: Int = 8000

    func validate() throws {
        guard (digits == nil) != (progress == nil) else {
            throw ValidationError("give either DIGITS or --progress")
        }
        if let progress, CallProgressTone(rawValue: progress) == nil {
            throw ValidationError("--progress must be one of: \(CallProgressTone.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard rate >= 8000, on > 0, off >= 0, seconds > 0 else {
            throw ValidationError("--rate must be at least 8000 and times positive")
        }
    }

    func run() throws {
        let generator = ToneGenerator(sampleRate: rate)
        let samples: [Int16]
        if let progress, let tone = CallProgressTone(rawValue: progress) {
            samples = generator.callProgress(tone, seconds: seconds, levelDBm0: level)
        } else {
            do {
                samples = try generator.keys(digits ?? "", on: on, off: off, levelDBm0: level, twistDB: twist)
            } catch {
                throw ValidationError(error.description)
            }
        }
        let writer = try SoundFileWriter(path: output, sampleRate: rate)
        try writer.write(samples: samples)
        try writer.close()
    }
}
