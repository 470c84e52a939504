import ArgumentParser
import Foundation
import IVRAudio
import IVRRecords

/// The records database, for every command that reads or writes it.
struct DatabaseOption: ParsableArguments {
    @Option(name: .customLong("db"), help: ArgumentHelp(
        "The records: a SQLite file (default: $IVR_DB, else data/ivr.sqlite; calls create it) or a PostgreSQL "
            + "address shared by several nodes, postgres://user[:password]@host[:port]/database (password also from $PGPASSWORD).",
        valueName: "path or postgres://…"))
    var database = RecordStore.defaultPath

    /// The store (a SQLite file must exist already).
    func store() throws -> RecordStore {
        do { return try RecordStore(address: database, create: false) } catch { throw InputFailure(message: "\(error)") }
    }
}

/// A voicemail message's audio at 8 kHz, from the database or the file beside it.
func voicemailSamples(_ message: StoredVoicemail, in store: RecordStore) throws -> [Int16] {
    let wav: Data
    do { wav = try store.voicemailAudio(message) } catch { throw InputFailure(message: "\(error)") }
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("ivr-voicemail-\(UUID().uuidString).wav")
    try wav.write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    return try AudioFileSource(path: file.path, sampleRate: 8000).readAll()
}

/// `2026-11-30 14:05`, in local time.
func localTime(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyy-MM-dd HH:mm"
    return formatter.string(from: date)
}

/// Prints values as one JSON array (dates in ISO 8601).
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

struct VoicemailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voicemail",
        abstract: "The voicemail box: list messages, play one, mark it handled.",
        discussion: """
        Examples:
          ivr voicemail list
          ivr voicemail list --all --json
          ivr voicemail play 3 --device plughw:1,0
          ivr voicemail save 3 message-3.wav
          ivr voicemail mark 3
        """,
        subcommands: [List.self, Play.self, Save.self, Mark.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List new messages (--all: handled ones too).")
        @OptionGroup var db: DatabaseOption
        @Flag(help: "Handled messages too.") var all = false
        @Flag(help: "One JSON array.") var json = false

        func run() throws {
            let store = try db.store()
            let messages = try store.voicemails(state: all ? nil : "new")
            if json { return try printJSON(messages) }
            if messages.isEmpty { print(all ? "no messages" : "no new messages") }
            for message in messages {
                print("\(message.id)  \(localTime(message.createdAt))  \(message.box)  from \(message.caller ?? "unknown")"
                      + String(format: "  %.1f s  ", message.seconds) + "\(message.state)  "
                      + (store.keepsAudio ? "(audio in the database: ivr voicemail save \(message.id) FILE)" : message.file))
            }
        }
    }

    struct Play: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Play a message on an ALSA device.")
        @OptionGroup var db: DatabaseOption
        @Argument(help: "The message's id (from 'ivr voicemail list').") var id: Int
        @Option(help: "ALSA playback device.") var device = "default"

        func run() throws {
            let store = try db.store()
            guard let message = try store.voicemails().first(where: { $0.id == id }) else {
                throw InputFailure(message: "\(store.path): no voicemail with id \(id)")
            }
            let samples = try voicemailSamples(message, in: store)
            let output = try ALSAPCM(name: device, direction: .playback, sampleRate: 8000)
            defer { output.close() }
            try output.write(samples)
            output.drain()
        }
    }

    struct Save: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a message's audio to a WAV file (from the database itself with PostgreSQL, on any node).")
        @OptionGroup var db: DatabaseOption
        @Argument(help: "The message's id (from 'ivr voicemail list').") var id: Int
        @Argument(help: "The WAV file to write.") var output: String

        func run() throws {
            let store = try db.store()
            guard let message = try store.voicemails().first(where: { $0.id == id }) else {
                throw InputFailure(message: "\(store.path): no voicemail with id \(id)")
            }
            do { try store.voicemailAudio(message).write(to: URL(fileURLWithPath: output)) } catch let error as RecordStoreError {
                throw InputFailure(message: "\(error)")
            } catch {
                throw InputFailure(message: "\(output): cannot be written (\(error.localizedDescription))")
            }
        }
    }

    struct Mark: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark a message handled (--new: new again).")
        @OptionGroup var db: DatabaseOption
        @Argument(help: "The message's id.") var id: Int
        @Flag(help: "Mark it new again.") var new = false

        func run() throws {
            do { try db.store().markVoicemail(id, handled: !new) } catch let error as RecordStoreError {
                throw InputFailure(message: "\(error)")
            }
        }
    }
}

/// `ivr callbacks` and `ivr texts`: the same list and done, on their own table.
protocol RequestsCommand {
    static var kind: StaffRequest.Kind { get }
}

struct RequestList<Kind: RequestsCommand>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "list", abstract: "List new \(Kind.kind.rawValue) requests (--all: handled ones too).")
    }
    @OptionGroup var db: DatabaseOption
    @Flag(help: "Handled requests too.") var all = false
    @Flag(help: "One JSON array.") var json = false

    func run() throws {
        let requests = try db.store().requests(Kind.kind, state: all ? nil : "new")
        if json { return try printJSON(requests) }
        if requests.isEmpty { print("no \(all ? "" : "new ")\(Kind.kind.rawValue) requests") }
        for request in requests {
            print("\(request.id)  \(localTime(request.createdAt))  \(request.number)  \(request.topic)  \(request.state)")
        }
    }
}

struct RequestDone<Kind: RequestsCommand>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "done", abstract: "Mark a \(Kind.kind.rawValue) request handled (--new: new again).")
    }
    @OptionGroup var db: DatabaseOption
    @Argument(help: "The request's id.") var id: Int
    @Flag(help: "Mark it new again.") var new = false

    func run() throws {
        do { try db.store().markRequest(Kind.kind, id, handled: !new) } catch let error as RecordStoreError {
            throw InputFailure(message: "\(error)")
        }
    }
}

struct CallbacksCommand: ParsableCommand, RequestsCommand {
    static let kind = StaffRequest.Kind.callback
    static let configuration = CommandConfiguration(
        commandName: "callbacks",
        abstract: "Callback requests callers left: list them, mark one done.",
        discussion: """
        Examples:
          ivr callbacks list
          ivr callbacks list --all --json
          ivr callbacks done 12
        """,
        subcommands: [RequestList<CallbacksCommand>.self, RequestDone<CallbacksCommand>.self])
}

struct TextsCommand: ParsableCommand, RequestsCommand {
    static let kind = StaffRequest.Kind.text
    static let configuration = CommandConfiguration(
        commandName: "texts",
        abstract: "Text-message requests callers left: list them, mark one done.",
        discussion: """
        Examples:
          ivr texts list
          ivr texts done 4
        """,
        subcommands: [RequestList<TextsCommand>.self, RequestDone<TextsCommand>.self])
}
