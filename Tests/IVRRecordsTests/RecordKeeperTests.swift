import Foundation
import GRDB
import IVRAudio
import Testing
@testable import IVRRecords

@Suite("Keeping records when the database cannot take them")
struct RecordKeeperTests {
    @Test("a locked database: the record goes to the journal and is imported on the next start")
    func lockedDatabase() throws {
        let path = RecordFixtures.temporaryDatabase()
        _ = try RecordStore(path: path)
        let keeper = RecordKeeper(address: path, timeout: 0.2)
        let record = RecordFixtures.week[1]
        // Another process holds the database in an exclusive transaction while the call ends.
        let holder = try DatabaseQueue(path: path)
        var kept: RecordKeeper.Kept?
        try holder.inTransaction(.exclusive) { _ in
            kept = try keeper.keep(record)
            return .commit
        }
        guard case .journaled(let error)? = kept else { Issue.record("kept: \(String(describing: kept))"); return }
        #expect(error.reason.contains("locked"), "\(error)")
        let journal = RecordJournal(databasePath: path)
        #expect(journal.records() == [record])
        // The next start imports it and removes the journal.
        let store = try RecordStore(path: path)
        #expect(try store.callCount() == 1)
        #expect(!FileManager.default.fileExists(atPath: journal.path))
        #expect(try store.report().paths.first?.path == record.path.joined(separator: " > "))
    }

    @Test("a file that is not a database: the record is journaled with a clear reason")
    func brokenDatabase() throws {
        let path = RecordFixtures.temporaryDatabase()
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        let kept = try RecordKeeper(address: path).keep(RecordFixtures.week[0])
        guard case .journaled(let error) = kept else { Issue.record("stored in a broken database"); return }
        #expect(error.description.hasPrefix(path) && error.reason.contains("not a database"), "\(error)")
        #expect(RecordJournal(databasePath: path).records().count == 1)
    }

    @Test("a read-only database: the record is journaled")
    func readOnlyDatabase() throws {
        let path = RecordFixtures.temporaryDatabase()
        _ = try RecordStore(path: path)
        guard try makeReadOnly(path) else { return }
        defer { _ = try? run("/usr/bin/chattr", ["-i", path]) }
        let kept = try RecordKeeper(address: path).keep(RecordFixtures.week[0])
        guard case .journaled(let error) = kept else { Issue.record("stored in a read-only database"); return }
        #expect(error.reason.contains("readonly"), "\(error)")
        #expect(RecordJournal(databasePath: path).records().count == 1)
    }

    /// Makes a file read-only even for root (immutable, where the file system allows it);
    /// false when it cannot be done here.
    private func makeReadOnly(_ path: String) throws -> Bool {
        if getuid() != 0 {
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
            return true
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chattr") else { return false }
        return try run("/usr/bin/chattr", ["+i", path]) == 0
    }

    private func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test("a journal line cut short by a crash is skipped, the others imported")
    func partialJournal() throws {
        let path = RecordFixtures.temporaryDatabase()
        let journal = RecordJournal(databasePath: path)
        try journal.append(RecordFixtures.week[0])
        try journal.append(RecordFixtures.week[1])
        let handle = try #require(FileHandle(forWritingAtPath: journal.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"uid":"cut"#.utf8))
        try handle.close()
        #expect(try RecordStore(path: path).callCount() == 2)
    }

    @Test("a voicemail message is written whole under its final name, nothing partial left")
    func voicemailFile() throws {
        let keeper = RecordKeeper(address: RecordFixtures.temporaryDatabase())
        let samples = (0..<8000).map { Int16(2000 * sin(Double($0) * 0.3)) }
        let file = try keeper.storeMessage(samples, sampleRate: 8000, name: "message-1")
        #expect(file.hasSuffix("voicemail/message-1.wav"))
        #expect(try AudioFileSource(path: file, sampleRate: 8000).readAll() == samples)
        #expect(try FileManager.default.contentsOfDirectory(atPath: keeper.voicemailFolder) == ["message-1.wav"])
    }
}

@Suite("Records of several nodes in PostgreSQL")
struct PostgresKeeperTests {
    @Test("the database away: records wait in the node's journal, then arrive once each, voicemail audio too")
    func databaseAway() throws {
        let server = ScratchPostgres(number: 1)
        defer { server.stop() }
        let address = server.newDatabase()
        let spool = (RecordFixtures.temporaryDatabase() as NSString).deletingLastPathComponent
        let keeper = RecordKeeper(address: address, spool: spool, timeout: 2)
        let week = RecordFixtures.week
        #expect(try keeper.keep(week[0]) == .stored)

        server.crash()
        let audio = (0..<8000).map { Int16(truncatingIfNeeded: $0 &* 91) }
        let file = try keeper.storeMessage(audio, sampleRate: 8000, name: "left-while-away")
        var withMessage = week[1]
        withMessage.voicemails = [VoicemailEntry(box: "billing", file: file, seconds: 1)]
        for record in [withMessage, week[2]] {
            guard case .journaled(let error) = try keeper.keep(record) else { Issue.record("stored with the server down"); return }
            #expect(error.path == address, "\(error)")
        }
        #expect(keeper.journal.records().map(\.uid) == [week[1].uid, week[2].uid])
        #expect(throws: RecordStoreError.self) { try keeper.deliverWaiting() }

        server.resume()
        #expect(try keeper.deliverWaiting() == 2)
        #expect(try keeper.deliverWaiting() == 0)
        #expect(!keeper.journal.exists && !FileManager.default.fileExists(atPath: file))
        // A journal delivered again (a crash between the commit and its removal) adds nothing.
        try keeper.journal.append(week[2])
        #expect(try keeper.keep(week[3]) == .stored)
        let store = try RecordStore(address: address)
        #expect(try store.callCount() == 4)
        let message = try #require(try store.voicemails().first)
        let wav = try store.voicemailAudio(message)
        let copy = spool + "/copy.wav"
        try wav.write(to: URL(fileURLWithPath: copy))
        #expect(try AudioFileSource(path: copy, sampleRate: 8000).readAll() == audio)
    }

    @Test("two nodes writing at once never conflict")
    func twoNodesAtOnce() throws {
        let address = ScratchPostgres.shared.newDatabase()
        let nodes = (1...2).map { _ in
            RecordKeeper(address: address, spool: (RecordFixtures.temporaryDatabase() as NSString).deletingLastPathComponent)
        }
        let perNode = 40
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            for call in 0..<perNode {
                var record = RecordFixtures.week[call % 5]
                record.uid = UUID().uuidString
                record.node = "node-\(index + 1)"
                if (try? nodes[index].keep(record)) != .stored { Issue.record("node \(index + 1): call \(call) not stored") }
            }
        }
        #expect(try RecordStore(address: address).callsPerNode() == ["node-1": perNode, "node-2": perNode])
    }
}
