import Foundation
import IVRAudio
import Testing

/// `ivr serve` with sipp (Debian's sip-tester) as the phone system, on loopback.
@Suite("ivr serve over SIP", .serialized)
struct ServeCommandTests {
    /// A small flow: 1 billing (handed over by REFER), 2 hours (a message, then goodbye), 3 sales
    /// (no SIP target: the call ends after the prompt).
    static func flow(in folder: URL) throws -> String {
        let path = folder.appendingPathComponent("phone.yaml").path
        try """
        name: phone line
        start: main
        queues:
          billing: { sip: "sip:billing@127.0.0.1:5999" }
          sales: {}
        nodes:
          main:
            type: menu
            prompt: { en: "For billing, press 1 or say billing. For our opening hours, press 2 or say hours. For sales, press 3." }
            options:
              - { key: "1", say: ["billing"], go: billing }
              - { key: "2", say: ["[opening] hours"], go: hours }
              - { key: "3", say: ["sales"], go: sales }
            fallback: goodbye
          billing: { type: transfer, queue: billing, prompt: { en: "Connecting you to billing." } }
          sales: { type: transfer, queue: sales, prompt: { en: "Connecting you to sales." } }
          hours: { type: message, prompt: { en: "We are open from eight to six." }, outcome: faq hours, next: goodbye }
          goodbye: { type: hangup, prompt: { en: "Goodbye." } }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func server(_ arguments: [String] = ["--keypad-only"]) throws -> ServerUnderTest {
        let folder = IVRProcess.temporaryFolder()
        return try ServerUnderTest(flow: flow(in: folder), arguments: arguments)
    }

    @Test("a keypad call with RFC 4733 keys: 2 plays the hours, the IVR hangs up, the record is kept")
    func keysOutOfBand() throws {
        let server = try Self.server()
        let caller = CallerStream(audio: CallerStream.silence(seconds: 5).audio, events: [(1.0, "2")])
        let sipp = try server.sipp(SippScenario.scenario(SippScenario.answered() + SippScenario.ivrHangsUp), caller: caller)
        let log = server.stop()
        #expect(sipp.status == 0, "\(sipp.output)\n\(log)")
        #expect(log.contains("call_end call=1") && log.contains("outcome=\"contained (faq hours)\""), "\(log)")
        let transcript = server.transcript(1) ?? ""
        #expect(transcript.components(separatedBy: "caller pressed 2").count == 2, "\(transcript)")
        #expect(transcript.contains("IVR: We are open from eight to six.") && transcript.contains("IVR hangs up"), "\(transcript)")
        #expect(log.contains("stopped calls=1"), "\(log)")
    }

    @Test("keys as tones in the audio are heard; a trunk sending both tones and RFC 4733 gives one key, not two")
    func keysInBand() throws {
        let server = try Self.server()
        let tones = CallerStream.tones([(1.0, "2")], seconds: 5)
        let inBand = CallerStream(audio: tones)
        let both = CallerStream(audio: tones, events: [(1.0, "2")])
        // In band only: sipp streams the tones itself.
        let tonesFile = try inBand.writeMuLaw(in: server.folder, named: "tones.ulaw")
        let first = try server.sipp(SippScenario.scenario(SippScenario.answered(streaming: tonesFile) + SippScenario.ivrHangsUp))
        let second = try server.sipp(SippScenario.scenario(SippScenario.answered() + SippScenario.ivrHangsUp), caller: both)
        let log = server.stop()
        #expect(first.status == 0 && second.status == 0, "\(first.output)\n\(second.output)\n\(log)")
        for call in [1, 2] {
            let transcript = server.transcript(call) ?? ""
            #expect(transcript.components(separatedBy: "caller pressed 2").count == 2, "call \(call): \(transcript)")
            #expect(transcript.hasSuffix("outcome: contained (faq hours)\n"), "call \(call): \(transcript)")
        }
    }

    @Test("a spoken call: the caller says 'hours' over RTP and the decoder pool understands it")
    func spokenCall() throws {
        let server = try Self.server(["--decoders", "1"])
        let folder = server.folder
        // The caller's word, said by flite's slt voice (eSpeak NG's single words the model hears
        // poorly: their confidence lies near the threshold, BENCHMARKS.md), at 8 kHz.
        let word = folder.appendingPathComponent("hours.wav").path
        let flite = Process()
        flite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        flite.arguments = ["flite", "-voice", "slt", "-t", "hours", "-o", word]
        try flite.run()
        flite.waitUntilExit()
        #expect(flite.terminationStatus == 0)
        let samples = try AudioFileSource(path: word, sampleRate: 8000).readAll()
        var audio = [Int16](repeating: 0, count: 8000 * 9)
        for (index, sample) in samples.enumerated() where 8000 + index < audio.count { audio[8000 + index] = sample }
        let spoken = try CallerStream(audio: audio).writeMuLaw(in: folder, named: "spoken.ulaw")
        let sipp = try server.sipp(SippScenario.scenario(SippScenario.answered(streaming: spoken) + SippScenario.ivrHangsUp))
        let log = server.stop()
        #expect(sipp.status == 0, "\(sipp.output)\n\(log)")
        let transcript = server.transcript(1) ?? ""
        #expect(transcript.contains("caller said \"hours\""), "\(transcript)")
        #expect(transcript.hasSuffix("outcome: contained (faq hours)\n"), "\(transcript)")
    }

    @Test("a transfer to a queue with a SIP target is handed over by REFER, with the call's context in headers")
    func transferByRefer() throws {
        let server = try Self.server()
        let caller = CallerStream(audio: CallerStream.silence(seconds: 4).audio, events: [(1.0, "1")])
        let refer = [
            "<recv request=\"REFER\" timeout=\"20000\"><action>",
            "<ereg regexp=\"Refer-To: .sip:billing@127.0.0.1:5999\" search_in=\"msg\" check_it=\"true\" assign_to=\"target\"/>",
            "<ereg regexp=\"X-IVR-Queue: billing\" search_in=\"msg\" check_it=\"true\" assign_to=\"queue\"/>",
            "<ereg regexp=\"X-IVR-Language: en\" search_in=\"msg\" check_it=\"true\" assign_to=\"language\"/>",
            "</action></recv>",
            SippScenario.reply("202 Accepted"),
        ]
        // The PBX then says how the transfer went (RFC 3515's NOTIFY), answered 200.
        let notify = [
            SippScenario.send(SippScenario.dialog("NOTIFY", cseq: 3) + "\nEvent: refer\nSubscription-State: terminated;reason=noresource\n"
                              + "Content-Type: message/sipfrag\nContent-Length: [len]\n\nSIP/2.0 200 OK", retransmit: true),
            "<recv response=\"200\"/>",
        ]
        let sipp = try server.sipp(SippScenario.scenario(SippScenario.answered() + refer + SippScenario.ivrHangsUp + notify,
                                                         checked: ["target", "queue", "language"]), caller: caller)
        let log = server.stop()
        #expect(sipp.status == 0, "\(sipp.output)\n\(log)")
        #expect(log.contains("event=transfer") || log.contains(" transfer call=1 target=sip:billing@127.0.0.1:5999"), "\(log)")
        #expect(log.contains("outcome=\"transferred to billing (priority"), "\(log)")
    }

    @Test("CANCEL while ringing ends the call with 487 and leaves no answered call")
    func cancelBeforeAnswer() throws {
        let server = try Self.server(["--keypad-only", "--ring", "3"])
        let steps = [
            SippScenario.invite(), "<recv response=\"100\" optional=\"true\"/>", "<recv response=\"180\"/>",
            SippScenario.inInviteTransaction("CANCEL", toTag: false),
            "<recv response=\"200\"/>", "<recv response=\"487\"/>",
            SippScenario.inInviteTransaction("ACK", toTag: true),
        ]
        let sipp = try server.sipp(SippScenario.scenario(steps))
        let log = server.stop()
        #expect(sipp.status == 0, "\(sipp.output)\n\(log)")
        #expect(log.contains("call_cancelled call=1") && !log.contains("call_start"), "\(log)")
    }

    @Test("BYE mid-prompt, over UDP and over TCP: the call is abandoned in its menu and its record kept", arguments: ["u1", "t1"])
    func byeMidPrompt(transport: String) throws {
        let server = try Self.server()
        let caller = CallerStream.silence(seconds: 2)
        let sipp = try server.sipp(SippScenario.scenario(SippScenario.answered() + SippScenario.callerHangsUp(after: 1500)),
                                   arguments: ["-m", "1", "-t", transport], caller: caller)
        let log = server.stop()
        #expect(sipp.status == 0, "\(sipp.output)\n\(log)")
        #expect(log.contains("outcome=\"abandoned in main\"") && log.contains("why=\"caller hung up\""), "\(log)")
        let report = try IVRProcess.run(["report", "--db", server.folder.appendingPathComponent("calls.sqlite").path])
        #expect(report.stdout.contains("calls: 1") && report.stdout.contains("abandoned"), "\(report.stdout)")
    }

    @Test("an offer without PCMU or PCMA gets 488; OPTIONS gets 200")
    func noCommonCodec() throws {
        let server = try Self.server()
        let rejected = try server.sipp(SippScenario.scenario(SippScenario.refused(488, payloadTypes: "18")))
        let options = try server.sipp(SippScenario.scenario([
            SippScenario.send(SippScenario.dialog("OPTIONS", cseq: 1, toTag: false) + "\nContent-Length: 0\n", retransmit: true),
            "<recv response=\"200\"/>",
        ]))
        let log = server.stop()
        #expect(rejected.status == 0, "\(rejected.output)\n\(log)")
        #expect(options.status == 0, "\(options.output)\n\(log)")
        #expect(log.contains("code=488"), "\(log)")
    }

    @Test("over --max-calls a call gets 503 with Retry-After; an address outside --allow gets 403")
    func limits() throws {
        let server = try Self.server(["--keypad-only", "--max-calls", "1"])
        let caller = CallerStream.silence(seconds: 4)
        let first = SippRun()
        let holding = onOwnThread {
            first.result = try? server.sipp(SippScenario.scenario(SippScenario.answered() + SippScenario.callerHangsUp(after: 4000)), caller: caller)
        }
        #expect(server.waitForLog(" call_start call=1 "), "the first call is up")
        let busy = try server.sipp(SippScenario.scenario(SippScenario.refused(
            503, check: "<action><ereg regexp=\"Retry-After: [0-9]+\" search_in=\"msg\" check_it=\"true\" assign_to=\"retry\"/></action>"),
            checked: ["retry"]))
        holding()
        let log = server.stop()
        #expect(busy.status == 0, "\(busy.output)\n\(log)")
        #expect(first.result?.status == 0, "\(first.result?.output ?? "")\n\(log)")

        let guarded = try Self.server(["--keypad-only", "--allow", "10.0.0.0/8"])
        let forbidden = try guarded.sipp(SippScenario.scenario(SippScenario.refused(403)))
        let guardedLog = guarded.stop()
        #expect(forbidden.status == 0, "\(forbidden.output)\n\(guardedLog)")
    }

    @Test("SIGTERM with a call in progress: no new calls, the call has --drain to finish, then is hung up; its record is kept")
    func drainOnStop() throws {
        let server = try Self.server(["--keypad-only", "--drain", "1"])
        let caller = CallerStream.silence(seconds: 3)
        let call = SippRun()
        let calling = onOwnThread {
            call.result = try? server.sipp(SippScenario.scenario(SippScenario.answered() + SippScenario.ivrHangsUp), caller: caller)
        }
        #expect(server.waitForLog(" call_start call=1 "), "the call is up")
        Thread.sleep(forTimeInterval: 0.5)
        let log = server.stop()
        calling()
        #expect(call.result?.status == 0, "\(call.result?.output ?? "")\n\(log)")
        #expect(log.contains("stopping calls_in_progress=1") && log.contains("why=\"server stopping\""), "\(log)")
        #expect(server.transcript(1)?.contains("call ended (server stopping)") == true)
        let report = try IVRProcess.run(["report", "--db", server.folder.appendingPathComponent("calls.sqlite").path])
        #expect(report.stdout.contains("calls: 1"), "\(report.stdout)")
    }

    @Test("a changed flow file is taken by the next call; one that fails lint is refused and the old one kept")
    func flowReload() throws {
        let folder = IVRProcess.temporaryFolder()
        let path = try Self.flow(in: folder)
        let server = try ServerUnderTest(flow: path, arguments: ["--keypad-only"])
        let quiet = CallerStream.silence(seconds: 1.5)
        let original = try String(contentsOfFile: path, encoding: .utf8)
        func call() throws {
            let sipp = try server.sipp(SippScenario.scenario(SippScenario.answered() + SippScenario.callerHangsUp(after: 1000)), caller: quiet)
            #expect(sipp.status == 0, "\(sipp.output)")
        }
        // A broken flow (a menu option going nowhere known) is refused.
        Thread.sleep(forTimeInterval: 1.1)   // a modification time of its own
        try original.replacingOccurrences(of: "go: hours }", with: "go: hourz }").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(server.waitForLog("flow_refused"))
        try call()
        // A good change is taken.
        try original.replacingOccurrences(of: "For billing, press 1", with: "Welcome back. For billing, press 1")
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(server.waitForLog("flow_reloaded"))
        try call()
        let log = server.stop()
        #expect(log.contains("flow_refused") && log.contains("hourz"), "\(log)")
        #expect(log.contains("flow_reloaded"), "\(log)")
        #expect(server.transcript(1)?.contains("IVR: For billing, press 1") == true, "\(server.transcript(1) ?? "")")
        #expect(server.transcript(2)?.contains("IVR: Welcome back. For billing") == true, "\(server.transcript(2) ?? "")")
    }

    @Test("a whole call from baresip: its audio from a WAV file, keys 1 and 2 as RFC 4733, the outcome in the records")
    func baresipCaller() throws {
        let server = try ServerUnderTest(flow: "\(IVRProcess.examples)/help-desk.yaml", arguments: ["--keypad-only"])
        let home = server.folder.appendingPathComponent("baresip")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let wav = home.appendingPathComponent("caller.wav").path
        let tones = try IVRProcess.run(["tones", ",,,,,,,,,,,,", "--rate", "8000", "-o", wav])
        #expect(tones.status == 0, "\(tones.stderr)")
        try """
        sip_listen\t\t127.0.0.1:\(Int.random(in: 18000...18999))
        net_interface\t\t127.0.0.1
        audio_source\t\taufile,\(wav)
        audio_player\t\taufile,\(home.appendingPathComponent("heard.wav").path)
        audio_alert\t\taufile,\(home.appendingPathComponent("alert.wav").path)
        module_path\t\t/usr/lib/baresip/modules
        module\t\t\tstdio.so
        module\t\t\tg711.so
        module\t\t\taufile.so
        module\t\t\tmenu.so
        module\t\t\taccount.so
        """.write(to: home.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        try "<sip:+12125550100@127.0.0.1>;regint=0\n".write(to: home.appendingPathComponent("accounts"), atomically: true, encoding: .utf8)
        let baresip = Process()
        baresip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        baresip.arguments = ["baresip", "-f", home.path, "-t", "30"]
        let commands = Pipe()
        baresip.standardInput = commands
        baresip.standardOutput = FileHandle.nullDevice
        baresip.standardError = FileHandle.nullDevice
        try baresip.run()
        // The caller's commands, as typed: dial, key 1 (English), key 2 (hours), hang up.
        for (pause, command) in [(1.0, "/dial sip:ivr@127.0.0.1:\(server.port)"), (3.0, "/sndcode 1"), (2.0, "/sndcode 2"),
                                 (3.0, "/hangup"), (1.0, "/quit")] {
            Thread.sleep(forTimeInterval: pause)
            commands.fileHandleForWriting.write(Data((command + "\n").utf8))
        }
        let deadline = Date().addingTimeInterval(10)
        while baresip.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if baresip.isRunning { baresip.terminate() }
        let log = server.stop()
        let transcript = server.transcript(1) ?? ""
        #expect(transcript.components(separatedBy: "caller pressed 1").count == 2, "\(transcript)\n\(log)")
        #expect(transcript.components(separatedBy: "caller pressed 2").count == 2, "\(transcript)")
        let report = try IVRProcess.run(["report", "--db", server.folder.appendingPathComponent("calls.sqlite").path, "--json"])
        #expect(report.stdout.contains("\"contained\" : 1"), "\(report.stdout.prefix(600))")
    }

    @Test("an INVITE without SDP gets our offer in the 200; the answer in the ACK sets the codec, and keys are heard")
    func lateOffer() throws {
        let server = try Self.server()
        let answer = SippScenario.offer.replacingOccurrences(of: "%@", with: "8 101")
            .replacingOccurrences(of: "a=rtpmap:0 PCMU/8000\n", with: "").replacingOccurrences(of: "a=rtpmap:18 G729/8000\n", with: "")
        let steps = [
            SippScenario.send(SippScenario.dialog("INVITE", cseq: 1, toTag: false) + "\nContent-Length: 0\n", retransmit: true),
            "<recv response=\"100\" optional=\"true\"/>",
            "<recv response=\"200\"><action><ereg regexp=\"m=audio [0-9]+ RTP/AVP 0 8 101\" search_in=\"msg\" check_it=\"true\" assign_to=\"offer\"/></action></recv>",
            SippScenario.send(SippScenario.dialog("ACK", cseq: 1) + "\nContent-Type: application/sdp\nContent-Length: [len]\n\n" + answer),
        ] + SippScenario.ivrHangsUp
        let sipp = try server.sipp(SippScenario.scenario(steps, checked: ["offer"]),
                                   caller: CallerStream(audio: CallerStream.silence(seconds: 3).audio, events: [(1.0, "2")]))
        let log = server.stop()
        #expect(sipp.status == 0, "\(sipp.output)\n\(log)")
        #expect(server.transcript(1)?.hasSuffix("outcome: contained (faq hours)\n") == true, "\(server.transcript(1) ?? "")\n\(log)")
    }

    @Test("a caller silent on RTP for --rtp-timeout has hung up: the IVR sends BYE and keeps the record")
    func rtpTimeout() throws {
        let server = try Self.server(["--keypad-only", "--rtp-timeout", "1"])
        let sipp = try server.sipp(SippScenario.scenario(SippScenario.answered() + SippScenario.ivrHangsUp),
                                   caller: CallerStream.silence(seconds: 0.5))
        let log = server.stop()
        #expect(sipp.status == 0, "\(sipp.output)\n\(log)")
        #expect(log.contains("why=\"no RTP\"") && log.contains("outcome=\"abandoned in main\""), "\(log)")
    }

    @Test("RTP from another address than the SDP's is not heard; a malformed SIP message does not stop the server")
    func strangersAndGarbage() throws {
        let server = try Self.server()
        // Key 2 sent from 127.0.0.2 while the SDP says 127.0.0.1: dropped, the menu goes on.
        let stranger = CallerStream(audio: CallerStream.silence(seconds: 2).audio, events: [(0.5, "2")])
        let first = try server.sipp(SippScenario.scenario(SippScenario.answered() + SippScenario.callerHangsUp(after: 2500)),
                                    caller: stranger, callerAddress: "127.0.0.2")
        // Garbage on the SIP port, over UDP and TCP.
        for type in [SOCK_DGRAM, SOCK_STREAM] {
            let descriptor = socket(AF_INET, Int32(type.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = server.port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let garbage: [UInt8] = Array("INVITE\r\nVia: ???\r\nContent-Length: -5\r\n\r\n".utf8) + (0..<200).map { UInt8($0 % 251) }
            _ = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                    if type == SOCK_STREAM { _ = connect(descriptor, target, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                    return sendto(descriptor, garbage, garbage.count, 0, type == SOCK_STREAM ? nil : target,
                                  type == SOCK_STREAM ? 0 : socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            close(descriptor)
        }
        let second = try server.sipp(SippScenario.scenario(SippScenario.answered() + SippScenario.ivrHangsUp),
                                     caller: CallerStream(audio: CallerStream.silence(seconds: 3).audio, events: [(1.0, "2")]))
        let log = server.stop()
        #expect(first.status == 0 && second.status == 0, "\(first.output)\n\(second.output)\n\(log)")
        #expect(server.transcript(1)?.contains("caller pressed") == false, "\(server.transcript(1) ?? "")")
        let firstEnd = log.split(separator: "\n").first { $0.contains(" call_end call=1 ") } ?? ""
        #expect(firstEnd.contains("rtp_from_elsewhere=") && !firstEnd.hasSuffix("rtp_from_elsewhere=0"), "\(log)")
        #expect(server.transcript(2)?.hasSuffix("outcome: contained (faq hours)\n") == true, "\(server.transcript(2) ?? "")")
    }

    @Test("an RTP port another process holds is skipped: the call is answered on the next one")
    func busyRTPPort() throws {
        let base = 40000 + 2 * Int.random(in: 0..<2000)
        let holder = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(base).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(bound == 0)
        let server = try Self.server(["--keypad-only", "--rtp-ports", "\(base)-\(base + 3)"])
        let caller = CallerStream(audio: CallerStream.silence(seconds: 5).audio, events: [(1.0, "2")])
        let sipp = try server.sipp(SippScenario.scenario(SippScenario.answered() + SippScenario.ivrHangsUp), caller: caller)
        let log = server.stop()
        #expect(sipp.status == 0, "\(sipp.output)\n\(log)")
        #expect(log.contains("rtp=127.0.0.1:\(base + 2)") && !log.contains("refused"), "\(log)")
    }

    @Test("records under load: 40 calls, 20 at once, leave 40 records; /metrics counts them")
    func recordsUnderLoad() throws {
        let server = try Self.server(["--keypad-only", "--metrics", "127.0.0.1:\(Int.random(in: 19000...19999))"])
        let sipp = try server.sipp(SippScenario.scenario(SippScenario.answered() + SippScenario.callerHangsUp(after: 2000)),
                                   arguments: ["-m", "40", "-l", "20", "-r", "20"])
        let metricsAddress = server.process.arguments!.last!
        let metrics = try Self.fetch("http://\(metricsAddress)/metrics")
        let log = server.stop()
        #expect(sipp.status == 0, "\(sipp.output)\n\(log)")
        #expect(log.components(separatedBy: " call_end ").count - 1 == 40, "\(log)")
        let report = try IVRProcess.run(["report", "--db", server.folder.appendingPathComponent("calls.sqlite").path])
        #expect(report.stdout.contains("calls: 40"), "\(report.stdout)")
        #expect(metrics.contains("ivr_calls_total{outcome=\"abandoned\"} 40") && metrics.contains("ivr_calls_active 0"), "\(metrics)")
        #expect(metrics.contains("ivr_call_setup_seconds_count 40"), "\(metrics)")
    }

    /// The body at `url`, fetched with curl (an HTTP client nobody here wrote).
    static func fetch(_ url: String) throws -> String {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        curl.arguments = ["curl", "-s", "--max-time", "5", url]
        let output = Pipe()
        curl.standardOutput = output
        try curl.run()
        let body = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        curl.waitUntilExit()
        return body
    }
}
