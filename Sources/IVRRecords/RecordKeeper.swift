import Foundation
import IVRAudio

/// Keeps every call's record: in the database when it takes it, otherwise in the journal
/// beside it (a database locked, full, read-only or broken), so no call is lost. Voicemail
/// audio goes to WAV files in `voicemail/` beside the database, written under a temporary
/// name and renamed, so a crash never leaves half a message.
public struct RecordKeeper: Sendable {
    public let databasePath: String
    public let busyTimeout: TimeInterval

    /// Where the record of a call went.
    public enum Kept: Sendable, Equatable {
        case stored
        /// The database failed with this error; the record waits in the journal.
        case journaled(RecordStoreError)
    }

    public init(databasePath: String = RecordStore.defaultPath, busyTimeout: TimeInterval = 5) {
        self.databasePath = databasePath
        self.busyTimeout = busyTimeout
    }

    /// Folder of voicemail audio.
    public var voicemailFolder: String {
        ((databasePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("voicemail")
    }

    /// Stores `record`; throws only when neither the database nor the journal can take it.
    @discardableResult
    public func keep(_ record: CallRecord) throws(RecordStoreError) -> Kept {
        do {
            try RecordStore(path: databasePath, busyTimeout: busyTimeout).save(record)
            return .stored
        } catch {
            try RecordJournal(databasePath: databasePath).append(record)
            return .journaled(error)
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
}
