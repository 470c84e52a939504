import Foundation

/// Records waiting for the database: one JSON record per line, written when the database could
/// not take a call's record, delivered (and removed) when it can.
public struct RecordJournal: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The journal of a SQLite database: `<database>.journal` beside it.
    public init(databasePath: String) {
        path = databasePath + ".journal"
    }

    /// Whether records are waiting.
    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// Appends a record as one line (a single write, so a crash leaves whole lines).
    public func append(_ record: CallRecord) throws(RecordStoreError) {
        do {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .secondsSince1970
            var line = try encoder.encode(record)
            line.append(UInt8(ascii: "\n"))
            let manager = FileManager.default
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try manager.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            if !manager.fileExists(atPath: path) { _ = manager.createFile(atPath: path, contents: nil) }
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw RecordStoreError(path: path, reason: "cannot be written")
            }
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } catch {
            throw RecordStoreError(path: path, error)
        }
    }

    /// The records in the journal; a line that does not decode (cut short by a crash) is skipped.
    public func records() -> [CallRecord] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return text.split(separator: "\n").compactMap { try? decoder.decode(CallRecord.self, from: Data($0.utf8)) }
    }

    /// Moves the journal's records into `store` in one transaction (calls already stored are
    /// skipped) and removes the journal; returns the records it held.
    @discardableResult
    func deliver(into store: RecordStore) throws(RecordStoreError) -> [CallRecord] {
        guard exists else { return [] }
        let waiting = records()
        try store.save(waiting)
        do { try FileManager.default.removeItem(atPath: path) } catch { throw RecordStoreError(path: path, error) }
        return waiting
    }
}
