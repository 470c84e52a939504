import ArgumentParser
import Foundation
import IVREngine

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run scripted test calls against a flow and check what came of them.",
        discussion: """
        Each scenario names the caller's steps (wait_prompt, press: "1", say: "billing", \
        play: caller.wav, silence: 6s, confirm: "yes" (said only if the IVR asks "Did you say \
        ...?"), hang_up) and what is expected (outcome, nodes visited, \
        collected values, maximum duration). The caller's audio is made by the tool: keys from \
        the tone generator, speech from a voice other than the IVR's \
        (caller_voice, or a scenario's voice: flite:NAME, festival:NAME or an eSpeak NG voice; \
        by default flite's slt: eSpeak NG's voices are heard far worse than people), or a recording of a real caller (any format, relative to the scenario file), \
        noise at the scenario's SNR, 8 kHz telephone audio. Prints one line per scenario with pass or fail and the \
        dialogue's duration, how long each path took, then 'N passed, N failed'.

        Examples:
          ivr test examples/help-desk-scenarios.yaml
          ivr test examples/help-desk-scenarios.yaml && ivr report --tests

        Each run is stored in the records database marked as a test, so 'ivr report --tests' \
        shows how long each path takes.
        """)

    @Argument(help: "The scenario file (YAML).")
    var file: String

    @OptionGroup var records: RecordOptions

    func run() throws {
        let scenarios: ScenarioFile
        do { scenarios = try ScenarioFile.load(path: file) } catch { throw InputFailure(message: "\(error)") }
        let setup = try CallSetup(flowPath: scenarios.flowPath, sampleRate: 8000, keypadOnly: false, command: "ivr test")
        var passed = 0, failed = 0
        var paths: [String: [Double]] = [:]
        for scenario in scenarios.scenarios {
            let result = try records.keeping(setup.flow, source: "test", scenario: scenario.name, call: \.call) {
                try ScenarioRunner.run(
                    scenario, flow: setup.flow, voice: scenarios.callerVoice, prompts: setup.prompts, recognizer: setup.recognizer,
                    lookups: setup.lookups)
            }
            let duration = String(format: "%.1f s", result.call.duration)
            if result.passed {
                passed += 1
                print("PASS \(scenario.name) (\(duration))")
            } else {
                failed += 1
                print("FAIL \(scenario.name) (\(duration)): \(result.failures.joined(separator: "; "))")
            }
            paths[result.path.joined(separator: " > "), default: []].append(result.call.duration)
        }
        print("paths:")
        for (path, durations) in paths.sorted(by: { $0.key < $1.key }) {
            let mean = durations.reduce(0, +) / Double(durations.count)
            print(String(format: "  %6.1f s  %@%@", mean, path, durations.count > 1 ? " (\(durations.count) calls)" : ""))
        }
        print("\(passed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
