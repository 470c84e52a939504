import Foundation
import Testing

@Suite("ivr webhooks: a flow's calls told to a receiver")
struct WebhooksCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `scripts/webhook-receiver` on a free port; its events go to `folder`.
    final class Receiver {
        let process = Process()
        let url: String
        private let output = Pipe()

        /// Listens on `port` (0: any free one).
        init(folder: String, secret: String, port: Int = 0) throws {
            process.executableURL = WebhooksCommandTests.root.appendingPathComponent("scripts/webhook-receiver")
            process.arguments = ["--port", String(port), "--folder", folder]
            process.environment = ProcessInfo.processInfo.environment.merging(["IVR_WEBHOOK_SECRET": secret]) { $1 }
            process.standardOutput = output
            try process.run()
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                line.append(chunk)
            }
            let text = String(decoding: line, as: UTF8.self)
            guard let start = text.range(of: "http://") else { throw POSIXError(.ECONNREFUSED) }
            url = text[start.lowerBound...].trimmingCharacters(in: .whitespacesAndNewlines) + "ivr"
        }

        var port: Int { URL(string: url)?.port ?? 0 }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    @Test("a keyed balance call reaches the receiver signed, account masked, no PIN; receiver away: it waits, then goes on retry",
          .timeLimit(.minutes(3)))
    func balanceCall() throws {
        let folder = IVRProcess.temporaryFolder()
        for file in ["help-desk.yaml", "accounts.csv", "intents.yaml", "prompts"] {
            try FileManager.default.copyItem(atPath: "\(IVRProcess.examples)/\(file)", toPath: folder.appendingPathComponent(file).path)
        }
        let secret = "s3cret-\(UUID().uuidString.prefix(8))"
        let events = folder.appendingPathComponent("events").path
        let receiver = try Receiver(folder: events, secret: secret)
        defer { receiver.stop() }
        let flow = folder.appendingPathComponent("help-desk.yaml").path
        var yaml = try String(contentsOfFile: flow, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "\nsettings:\n", with: """

            webhooks:
              - { url: "\(receiver.url)", events: [call_ended, voicemail, callback], secret_env: IVR_WEBHOOK_SECRET }

            settings:

            """)
        try yaml.write(toFile: flow, atomically: true, encoding: .utf8)
        let keys = folder.appendingPathComponent("balance.wav").path
        #expect(try IVRProcess.run(["tones", "1,,,,3,,,,12345678#,,,,4321#,,,,,,,,,,2", "-o", keys]).status == 0)
        let database = folder.appendingPathComponent("ivr.sqlite").path
        let environment = ["IVR_WEBHOOK_SECRET": secret]

        let call = try IVRProcess.run(["call", "--flow", flow, keys, "--keypad-only"], database: database, environment: environment)
        #expect(call.status == 0 && call.stdout.contains("outcome: contained (self-service balance)"), "\(call.stderr)")
        let stored = try FileManager.default.contentsOfDirectory(atPath: events).filter { $0.hasSuffix(".json") }
        #expect(stored.count == 1 && stored.first?.hasSuffix("call_ended.json") == true, "\(stored) \(call.stderr)")
        let body = try String(contentsOfFile: "\(events)/\(try #require(stored.first))", encoding: .utf8)
        #expect(body.contains(#""account":"******78""#) && body.contains(#""name":"Ada Lovelace""#))
        for secretValue in ["12345678", "4321", secret] { #expect(!body.contains(secretValue)) }
        #expect(try IVRProcess.run(["webhooks", "list"], database: database).stdout.contains("no webhook events waiting"))

        // The receiver is away: the call still ends as before, its event waits and is listed.
        receiver.stop()
        let away = try IVRProcess.run(["call", "--flow", flow, keys, "--keypad-only"], database: database, environment: environment)
        #expect(away.status == 0 && away.stdout.contains("outcome: contained (self-service balance)"))
        #expect(away.stderr.contains("waits in the outbox"), "\(away.stderr)")
        let list = try IVRProcess.run(["webhooks", "list"], database: database)
        #expect(list.stdout.contains("call_ended") && list.stdout.contains("waiting: 1 attempt"), "\(list.stdout)")
        let json = try IVRProcess.run(["webhooks", "list", "--json"], database: database)
        let listed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(listed?.count == 1 && listed?.first?["attempts"] as? Int == 1)

        // Back on the same address: the waiting event goes on retry, and only once.
        let again = try Receiver(folder: events, secret: secret, port: receiver.port)
        defer { again.stop() }
        let retry = try IVRProcess.run(["webhooks", "retry"], database: database, environment: environment)
        #expect(retry.status == 0 && retry.stdout.contains("1 delivered, 0 still waiting"), "\(retry.stdout) \(retry.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: events).filter { $0.hasSuffix(".json") }.count == 2)
        #expect(try IVRProcess.run(["webhooks", "retry"], database: database).stdout.contains("no webhook events waiting"))
    }
}
