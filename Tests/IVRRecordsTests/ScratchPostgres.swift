import Foundation

/// A PostgreSQL server for the tests (`scripts/scratch-postgres`: Debian's postgresql on
/// loopback). `shared` starts once per test process and stops when it exits, each test taking
/// a database of its own; a test that stops its server starts one of its own.
struct ScratchPostgres {
    let folder: String
    let port: Int

    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/scratch-postgres").path

    static let shared: ScratchPostgres = {
        let server = ScratchPostgres(number: 0)
        atexit { ScratchPostgres.shared.stop() }
        return server
    }()

    /// Starts server `number` of this process (its own folder and port).
    init(number: Int) {
        folder = "/tmp/ivr-test-postgres-\(getpid())-\(number)"
        port = 40_000 + Int(getpid() % 4_000) * 2 + number
        try? FileManager.default.removeItem(atPath: folder)
        guard Self.run(Self.script, ["start", folder, "\(port)"]) == 0 else {
            fatalError("the test PostgreSQL server did not start (\(Self.script) start \(folder) \(port))")
        }
    }

    /// The address of a new, empty database.
    func newDatabase() -> String {
        let name = "test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        let status = Self.run("/usr/bin/psql", ["-q", "-h", "127.0.0.1", "-p", "\(port)", "-U", "ivr", "-d", "ivr", "-c", "CREATE DATABASE \(name)"])
        precondition(status == 0, "CREATE DATABASE failed")
        return "postgres://ivr@127.0.0.1:\(port)/\(name)"
    }

    /// Stops the server as a crash would.
    func crash() { Self.run(Self.script, ["kill", folder]) }

    /// Starts it again on the same data.
    func resume() { Self.run(Self.script, ["resume", folder, "\(port)"]) }

    /// Stops it and removes its data.
    func stop() {
        Self.run(Self.script, ["stop", folder])
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs a tool and waits for it (posix_spawn and waitpid: Foundation's Process was seen
    /// never to return from waitUntilExit here, inside a static initializer).
    @discardableResult
    private static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv = ([tool] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        guard posix_spawn(&pid, tool, &actions, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }
}
