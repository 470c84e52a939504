import ArgumentParser
import Foundation
import IVRAudio

/// The `ivr` command-line tool: one subcommand per job, all reading audio the same way.
struct IVR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ivr",
        abstract: "An on-device speech IVR: keypad and spoken menus, prompts, routing, test calls.",
        discussion: """
        Every command reads audio with libsndfile (WAV, FLAC, AIFF, AU; 8/16/24-bit, float, \
        a-law, µ-law; any rate, any channels) and converts it to the pipeline's mono format.

        Examples:
          ivr info examples/caller-keys.wav
          ivr dtmf caller.wav --json
          ivr vad caller.wav
          ivr tones 1234# -o keys.wav
          ivr lint examples/help-desk.yaml
          ivr say "For billing, press 1." -o billing.wav
          ivr prompts render examples/help-desk.yaml
          ivr recognize caller.wav --intents examples/intents.yaml
          ivr denoise noisy-caller.wav -o cleaned.wav
          ivr call --flow examples/help-desk.yaml examples/caller-keys.wav
          ivr report --html report.html
          ivr voicemail list
        """,
        subcommands: [
            InfoCommand.self, DTMFCommand.self, VADCommand.self, TonesCommand.self, LintCommand.self, SayCommand.self,
            PromptsCommand.self, RecognizeCommand.self, DenoiseCommand.self, GrammarCommand.self, CallCommand.self,
            TestCommand.self, LiveCommand.self, ReportCommand.self, VoicemailCommand.self, CallbacksCommand.self,
            TextsCommand.self, WebhooksCommand.self, ServeCommand.self,
        ])

    /// Runs the tool with the project's exit statuses: 0 ok, 1 bad input, 2 usage.
    static func runMain() -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, !first.hasPrefix("-"), first != "help",
           !configuration.subcommands.contains(where: { $0._commandName == first }) {
            printError("ivr: unknown command '\(first)' (see 'ivr --help')")
            Foundation.exit(2)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
            Foundation.exit(0)
        } catch let failure as InputFailure {
            printError(failure.message)
            Foundation.exit(1)
        } catch let error as AudioError {
            printError(error.description)
            Foundation.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }  // --help, --version
            printError(fullMessage(for: error))
            Foundation.exit(code == .validationFailure ? 2 : 1)
        }
    }
}

/// Bad input found while running a command: printed as one line, exit status 1.
struct InputFailure: Error {
    let message: String
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

@main
enum Main {
    static func main() { IVR.runMain() }
}
