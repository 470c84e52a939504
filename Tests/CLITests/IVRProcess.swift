import Foundation
import IVRTestSupport

/// Runs the real `ivr` executable built beside the tests.
enum IVRProcess {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The repository's `examples` folder.
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples").path

    /// The `ivr` binary in the build folder of the running tests.
    static let executable: URL = {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("ivr")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        // swift test builds products into the same folder as the test bundle.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/ivr")
    }()

    /// Runs `ivr`; calls keep their records in `database` (a new one per run unless given);
    /// `environment` adds variables.
    static func run(_ arguments: [String], database: String? = nil, environment added: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["IVR_DB"] = database ?? temporaryFolder().appendingPathComponent("ivr.sqlite").path
        environment.merge(added) { $1 }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    static func temporaryFolder() -> URL {
        ScratchFolder.make("cli")
    }
}
