import Foundation
import IVRAudio

/// Keeps every call's record: in the database when it takes it, otherwise in a journal on this
/// machine (a database locked, full, read-only, broken, or a PostgreSQL server away), so no
/// call is lost; the journal is delivered, each call once, as soon as the database takes
/// records again. Voicemail audio goes to WAV files, written under a temporary name and renamed
/// so a crash never leaves half a message; with PostgreSQL the audio is then stored in the
/// database and the file removed.
///
/// Where the journal and the audio files live (the spool): beside a SQLite database
/// (`<db>.journal`, `voicemail/`); for PostgreSQL, the folder given (default `data/`), one per node.
public final class RecordKeeper: @unchecked Sendable {
    /// The `--db` value: a SQLite path or a PostgreSQL address.
    public let address: String
    public let timeout: TimeInterval
    /// Records the database has not taken yet.
    public let journal: RecordJournal
    /// Folder of voicemail audio files.
    public let voicemailFolder: String
    private let isPostgres: Bool
    private let lock = NSLock()
    /// The open database, kept between calls (a PostgreSQL connection); dropped on a failure.
    private var store: RecordStore?

    /// Where the record of a call went.
    public enum Kept: Sendable, Equatable {
        case stored
        /// The database failed with this error; the record waits in the journal.
        case journaled(RecordStoreError)
    }

    /// - Parameters:
    ///   - address: a SQLite path or a `postgres://` address.
    ///   - spool: for PostgreSQL, this machine's folder for the journal and voicemail audio on
    ///     its way to the database (default `data`); a SQLite database keeps them beside it.
    ///   - timeout: seconds a busy database or a silent server may take before the record is journaled.
    public init(address: String = RecordStore.defaultPath, spool: String? = nil, timeout: TimeInterval = 5) {
        self.address = address
        self.timeout = timeout
        isPostgres = PostgresEngine.isAddress(address)
        if isPostgres {
            let folder = spool ?? "data"
            journal = RecordJournal(path: (folder as NSString).appendingPathComponent("records.journal"))
            voicemailFolder = (folder as NSString).appendingPathComponent("voicemail")
        } else {
            journal = RecordJournal(databasePath: address)
            voicemailFolder = ((address as NSString).deletingLastPathComponent as NSString).appendingPathComponent("voicemail")
        }
    }

    /// Stores `record` (after any records waiting in the journal); throws only when neither
    /// the database nor the journal can take it.
    @discardableResult
    public func keep(_ record: CallRecord) throws(RecordStoreError) -> Kept {
        lock.lock()
        defer { lock.unlock() }
        do {
            let store = try openStore()
            try deliverJournal(to: store)
            try store.save(record)
            removeDeliveredAudio(of: [record])
            return .stored
        } catch {
            store = nil
            try journal.append(record)
            return .journaled(error)
        }
    }

    /// Delivers the records waiting in the journal, if any; returns how many were waiting.
    /// Throws when the database still cannot take them (they stay in the journal).
    @discardableResult
    public func deliverWaiting() throws(RecordStoreError) -> Int {
        lock.lock()
        defer { lock.unlock() }
        guard journal.exists else { return 0 }
        do {
            return try deliverJournal(to: try openStore())
        } catch {
            store = nil
            throw error
        }
    }

    /// Writes a voicemail message as `voicemail/<name>.wav` and returns its path.
    public func storeMessage(_ samples: [Int16], sampleRate: Int, name: String) throws(RecordStoreError) -> String {
        let path = (voicemailFolder as NSString).appendingPathComponent("\(name).wav")
        let partial = path + ".partial"
        do {
            try FileManager.default.createDirectory(atPath: voicemailFolder, withIntermediateDirectories: true)
            let writer = try SoundFileWriter(path: partial, sampleRate: sampleRate, format: .wav16)
            try writer.write(samples: samples)
            try writer.close()
            guard rename(partial, path) == 0 else { throw RecordStoreError(path: path, reason: String(cString: strerror(errno))) }
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw RecordStoreError(path: path, error)
        }
        return path
    }

    private func openStore() throws(RecordStoreError) -> RecordStore {
        if let store { return store }
        let opened = try RecordStore(address: address, timeout: timeout)
        // Only a PostgreSQL connection is worth keeping: SQLite is opened per call, as other
        // processes (`ivr call`, `ivr test`) write the same file.
        if isPostgres { store = opened }
        return opened
    }

    /// Delivers the journal's records; returns how many it held.
    @discardableResult
    private func deliverJournal(to store: RecordStore) throws(RecordStoreError) -> Int {
        let delivered = try journal.deliver(into: store)
        removeDeliveredAudio(of: delivered)
        return delivered.count
    }

    /// Voicemail files the database now holds itself (PostgreSQL) are removed from this machine.
    private func removeDeliveredAudio(of records: [CallRecord]) {
        guard isPostgres else { return }
        for message in records.flatMap(\.voicemails) { try? FileManager.default.removeItem(atPath: message.file) }
    }
}
