import ArgumentParser
import Foundation
import IVRAudio
import IVRSpeech

struct SayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "say",
        abstract: "Synthesize a prompt with eSpeak NG into an audio file.",
        discussion: """
        Writes the text spoken by eSpeak NG (its C library), resampled to --sample-rate. Text \
        that starts with <speak> is read as SSML. The file's format follows its extension.

        Examples:
          ivr say "For billing, press 1." -o billing.wav
          ivr say "Para facturación, marque 1." --voice es --rate 150 -o es.wav
          ivr say --list-voices
        """)

    @Argument(help: "The text to speak.")
    var text: String?

    @Option(name: .shortAndLong, help: "The audio file to write.")
    var output: String?

    @Option(help: "eSpeak NG voice: a language (en-us, es, de) with an optional variant (en-us+f3).")
    var voice = "en-us"

    @Option(help: "Words per minute (80–450).")
    var rate = 160

    @Option(help: "Pitch (0–100).")
    var pitch = 50

    @Option(help: "Volume (0–200).")
    var volume = 100

    @Option(help: "Sample rate of the file.")
    var sampleRate = 16000

    @Flag(help: "List the voices eSpeak NG offers (language code, name) and exit.")
    var listVoices = false

    func validate() throws {
        if listVoices { return }
        guard text != nil else { throw ValidationError("give the text to speak") }
        guard output != nil else { throw ValidationError("give the output file with -o") }
        guard (80...450).contains(rate) else { throw ValidationError("--rate must be 80–450 words per minute") }
        guard (8000...48000).contains(sampleRate) else { throw ValidationError("--sample-rate must be 8000–48000") }
    }

    func run() throws {
        do {
            if listVoices {
                for voice in try SpeechSynthesizer.voices() { print("\(voice.language)\t\(voice.name)") }
                return
            }
            guard let text, let output else { return }
            let samples = try SpeechSynthesizer(sampleRate: sampleRate)
                .synthesize(text, settings: VoiceSettings(voice: voice, rate: rate, pitch: pitch, volume: volume))
            let writer = try SoundFileWriter(path: output, sampleRate: sampleRate)
            try writer.write(samples: samples)
            try writer.close()
        } catch let error as SpeechError {
            throw InputFailure(message: "ivr say: \(error)")
        }
    }
}
