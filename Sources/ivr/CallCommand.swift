import ArgumentParser
import Foundation
import IVRAudio
import IVREngine
import IVRFlow

struct CallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Run one whole test call: a caller's recording through a flow.",
        discussion: """
        The caller's audio plays into the IVR from the moment the call is answered, while the \
        IVR speaks its prompts, on the audio clock (much faster than real time). Prints the \
        transcript with times, then 'outcome: ...'.

        Examples:
          ivr call --flow examples/help-desk.yaml examples/caller-keys.wav
          ivr call --flow examples/help-desk.yaml caller.wav --caller-id +12125550100 --at 2026-11-23T18:30:00-05:00
          ivr call --flow examples/help-desk.yaml caller.wav --record call.wav --events call.jsonl
          ivr call --flow examples/help-desk.yaml caller.wav --db /var/lib/ivr/calls.sqlite

        Every call leaves a record in the records database (see 'ivr report'), unless --no-records.
        """)

    @Option(help: "The flow file (YAML).")
    var flow: String

    @Argument(help: "The caller's audio (any format and rate; converted to 8 kHz).")
    var caller: String

    @Option(help: "The caller's number.")
    var callerId: String?

    @Option(help: "When the call is answered (ISO 8601, e.g. 2026-11-23T18:30:00+01:00), for hours rules.")
    var at: String?

    @Flag(help: "Keypad only: no speech recognition.")
    var keypadOnly = false

    @OptionGroup var queues: QueueStatusOption

    @Option(help: "Write every event of the flow core as JSON lines to this file.")
    var events: String?

    @Option(help: "Write a stereo recording of the call (caller left, IVR right) to this file.")
    var record: String?

    @OptionGroup var records: RecordOptions

    func run() throws {
        var answeredAt = Date()
        if let at {
            guard let date = ISO8601DateFormatter().date(from: at) else {
                throw ValidationError("--at must be a date and time like 2026-11-23T18:30:00+01:00")
            }
            answeredAt = date
        }
        let settings = CallSettings(caller: CallerInfo(number: callerId), answeredAt: answeredAt,
                                    queueStatus: queues.provider)
        let setup = try CallSetup(flowPath: flow, sampleRate: settings.sampleRate, keypadOnly: keypadOnly, command: "ivr call")
        let source = try AudioFileSource(path: caller, sampleRate: settings.sampleRate)
        let recorder = try record.map { try CallRecorder(path: $0, sampleRate: settings.sampleRate) }
        let result: CallResult
        do {
            result = try records.keeping(setup.flow, source: "file", call: \.self) {
                try setup.engine(settings).run(caller: source, taps: recorder.map { [$0] } ?? [])
            }
        } catch let failure as CallFailure {
            try? recorder?.close()
            for line in failure.partial.transcript { print(line.description) }
            throw InputFailure(message: "ivr call: the call failed: \(failure)")
        }
        try recorder?.close()
        for line in result.transcript { print(line.description) }
        print("outcome: \(result.outcome.description)")
        for problem in setup.prompts.problems { printError(problem) }
        if let events { try CallSetup.writeEvents(result.log, to: events) }
        // The call is over: its events go out now (those that fail wait in the outbox).
        if !records.noRecords, !setup.flow.webhooks.isEmpty {
            do { try deliverWebhooks(database: records.db.database) } catch { printError("\(error)") }
        }
    }
}
