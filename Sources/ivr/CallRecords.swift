import ArgumentParser
import Foundation
import IVREngine
import IVRFlow
import IVRRecords

/// Where commands that run calls keep their records.
struct RecordOptions: ParsableArguments {
    @OptionGroup var db: DatabaseOption

    @Flag(help: "Keep no record of the call(s).")
    var noRecords = false

    @Option(help: ArgumentHelp(
        "With a PostgreSQL --db: this machine's folder for voicemail audio and records on their way to the database.",
        valueName: "folder"))
    var spool = "data"

    /// The keeper of this command's records (one per process: it holds the database connection).
    func makeKeeper() -> RecordKeeper {
        RecordKeeper(address: db.database, spool: spool)
    }

    /// Runs a call with `run` and keeps its record however it ends: normally, by the caller's
    /// hang-up or a signal, or on an error (the record of what happened until then is kept and
    /// the error rethrown).
    func keeping<Run>(_ flow: Flow, source: String, scenario: String? = nil, call: KeyPath<Run, CallResult>,
                      run: () throws -> Run) throws -> Run {
        let startedAt = Date()
        let keeper = makeKeeper()
        do {
            let result = try run()
            keep(result[keyPath: call], failure: nil, flow: flow, startedAt: startedAt, source: source, scenario: scenario,
                 keeper: keeper)
            return result
        } catch let failure as CallFailure {
            keep(failure.partial, failure: failure.description, flow: flow, startedAt: startedAt, source: source,
                 scenario: scenario, keeper: keeper)
            throw failure
        }
    }

    /// Keeps the record of one call with `keeper` (its voicemail messages first stored as files).
    func keep(_ result: CallResult, failure: String?, flow: Flow, startedAt: Date, source: String, scenario: String?,
              node: String? = nil, keeper: RecordKeeper) {
        guard !noRecords else { return }
        let uid = UUID().uuidString
        var voicemails: [VoicemailEntry] = []
        for (index, message) in result.messages.enumerated() {
            do {
                let file = try keeper.storeMessage(message.samples, sampleRate: message.sampleRate, name: "\(uid)-\(index + 1)")
                voicemails.append(VoicemailEntry(box: message.box, file: file, seconds: message.seconds))
            } catch {
                printError("ivr: voicemail not saved: \(error)")
            }
        }
        let requests: [StaffRequest] = result.commands.compactMap { command in
            switch command {
            case .requestCallback(let request): StaffRequest(kind: .callback, number: request.number, topic: request.topic)
            case .sendText(let request): StaffRequest(kind: .text, number: request.number, topic: request.topic)
            default: nil
            }
        }
        let record = CallRecord(
            uid: uid, flow: flow, callerNumber: result.context.callerNumber, startedAt: startedAt, duration: result.duration,
            outcome: failure == nil ? result.outcome : nil, failure: failure, log: result.log, context: result.context,
            requests: requests, voicemails: voicemails, source: source, scenario: scenario, node: node,
            // Test calls tell nobody: a scenario run is not a caller.
            webhooks: source == "test" ? [] : flow.webhooks)
        do {
            if case .journaled(let error) = try keeper.keep(record) {
                printError("ivr: records: \(error); the call's record is kept in \(keeper.journal.path) "
                           + "and will be stored when the database can take it")
            }
        } catch {
            printError("ivr: records: the call's record could not be kept: \(error)")
        }
    }
}
