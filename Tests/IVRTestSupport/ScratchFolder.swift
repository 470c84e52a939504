import Foundation

/// Where tests write their files: one folder per test process in the system's temporary folder,
/// removed when the process exits (and, if a run was killed, by the next run).
public enum ScratchFolder {
    private static let prefix = "ivr-tests-"

    /// `ivr-tests-PID`, made on first use.
    public static let root: URL = {
        let temporary = FileManager.default.temporaryDirectory
        removeLeftovers(in: temporary)
        let url = temporary.appendingPathComponent("\(prefix)\(getpid())")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: ScratchFolder.root) }
        return url
    }()

    /// A new empty folder inside the root.
    public static func make(_ name: String = "test") -> URL {
        let url = root.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A path for one new file inside the root (its folder exists; the file does not).
    public static func file(_ name: String) -> String {
        make("file").appendingPathComponent(name).path
    }

    /// Folders of earlier runs whose process is gone (killed before its exit handler ran).
    private static func removeLeftovers(in temporary: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), pid != getpid(),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
        }
    }
}
