import Foundation
import IVRDSP
@testable import IVRTelephony

/// A caller's RTP stream, sent by the test itself over UDP (sipp's pcap player needs raw
/// sockets, so root): 20 ms packets of µ-law audio, and keys as RFC 4733 events (beside the
/// audio, as trunks send them).
struct CallerStream {
    var audio: [Int16]
    /// Keys sent out of band: when (seconds) and which.
    var events: [(at: Double, key: Character)] = []

    /// Silence of `seconds`, keys in band (tones mixed in) at the times given.
    static func tones(_ keys: [(at: Double, key: Character)], seconds: Double) -> [Int16] {
        let generator = ToneGenerator(sampleRate: 8000)
        var audio = generator.silence(seconds: seconds)
        for (at, key) in keys {
            let tone = generator.key(DTMFKey(rawValue: key)!, seconds: 0.1)
            let start = Int(at * 8000)
            for index in tone.indices where start + index < audio.count { audio[start + index] = tone[index] }
        }
        return audio
    }

    static func silence(seconds: Double) -> CallerStream { CallerStream(audio: [Int16](repeating: 0, count: Int(seconds * 8000))) }

    /// The RTP packets with the time each is due (seconds from the start).
    func packets() -> [(time: Double, bytes: [UInt8])] {
        var packets: [(time: Double, bytes: [UInt8])] = []
        var sequence: UInt16 = 1
        func rtp(_ payloadType: UInt8, marker: Bool, timestamp: UInt32, _ payload: [UInt8]) -> [UInt8] {
            var bytes: [UInt8] = [0x80, (marker ? 0x80 : 0) | payloadType]
            bytes += withUnsafeBytes(of: sequence.bigEndian, Array.init)
            bytes += withUnsafeBytes(of: timestamp.bigEndian, Array.init)
            bytes += [0x12, 0x34, 0x56, 0x78]
            sequence &+= 1
            return bytes + payload
        }
        for frame in stride(from: 0, to: audio.count, by: 160) {
            let samples = audio[frame..<min(frame + 160, audio.count)].map(G711.muLaw)
            packets.append((Double(frame) / 8000, rtp(0, marker: frame == 0, timestamp: UInt32(frame), samples)))
        }
        for (at, key) in events {
            let code = UInt8(Array("0123456789*#").firstIndex(of: key)!)
            let timestamp = UInt32(at * 8000)
            for step in 1...5 {   // 100 ms, then the end three times
                let duration = UInt16(step * 160)
                let end = step == 5
                let packet = rtp(101, marker: step == 1, timestamp: timestamp, [code, (end ? 0x80 : 0) | 10] + withUnsafeBytes(of: duration.bigEndian, Array.init))
                for _ in 0..<(end ? 3 : 1) { packets.append((at + Double(step - 1) * 0.02, packet)) }
            }
        }
        return packets.sorted { $0.time < $1.time }
    }

    /// Sends the packets to `port` on loopback in real time, from `source` (the address the
    /// caller's SDP names, unless a test sends from elsewhere).
    func send(toPort port: UInt16, from source: String = "127.0.0.1") {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        _ = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var destination = sockaddr_in()
        destination.sin_family = sa_family_t(AF_INET)
        destination.sin_port = port.bigEndian
        destination.sin_addr.s_addr = inet_addr("127.0.0.1")
        let start = Date()
        for (time, bytes) in packets() {
            let wait = time - Date().timeIntervalSince(start)
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            _ = withUnsafePointer(to: &destination) { address in
                address.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    /// The audio as raw µ-law, for sipp's `rtp_stream` (keys as tones, speech); its path.
    func writeMuLaw(in folder: URL, named name: String) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try Data(audio.map(G711.muLaw)).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// sipp scenarios for a caller: an INVITE with SDP, then what the call does.
enum SippScenario {
    static let offer = """
        v=0
        o=caller 1 1 IN IP4 [local_ip]
        s=-
        c=IN IP4 [media_ip]
        t=0 0
        m=audio [media_port] RTP/AVP %@
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:18 G729/8000
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-15
        """

    /// Headers of the caller's requests in the dialog.
    static func dialog(_ method: String, cseq: Int, toTag: Bool = true) -> String {
        """
        \(method) sip:ivr@[remote_ip]:[remote_port] SIP/2.0
        Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
        From: <sip:+12125550100@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
        To: <sip:ivr@[remote_ip]:[remote_port]>\(toTag ? "[peer_tag_param]" : "")
        Call-ID: [call_id]
        CSeq: \(cseq) \(method)
        Contact: sip:sipp@[local_ip]:[local_port]
        Max-Forwards: 70
        """
    }

    static func send(_ text: String, retransmit: Bool = false) -> String {
        "<send\(retransmit ? " retrans=\"500\"" : "")><![CDATA[\n\(text)\n]]></send>"
    }

    static func invite(payloadTypes: String = "0 8 101") -> String {
        let body = offer.replacingOccurrences(of: "%@", with: payloadTypes)
        return send(dialog("INVITE", cseq: 1, toTag: false) + "\nContent-Type: application/sdp\nContent-Length: [len]\n\n" + body, retransmit: true)
    }

    /// The whole scenario: `steps` between the INVITE and the end; `checked` names the
    /// variables of its header checks (sipp wants every variable used).
    static func scenario(_ steps: [String], checked: [String] = []) -> String {
        let reference = checked.isEmpty ? "" : "\n<Reference variables=\"\(checked.joined(separator: ","))\"/>"
        return "<?xml version=\"1.0\" encoding=\"ISO-8859-1\" ?>\n<scenario name=\"ivr test\">\n" + steps.joined(separator: "\n")
            + reference + "\n</scenario>\n"
    }

    /// A request in the INVITE's own transaction (CANCEL, the ACK of an error response): the
    /// Via of the response just received, which is the INVITE's.
    static func inInviteTransaction(_ method: String, toTag: Bool) -> String {
        send("""
            \(method) sip:ivr@[remote_ip]:[remote_port] SIP/2.0
            [last_Via:]
            From: <sip:+12125550100@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
            To: <sip:ivr@[remote_ip]:[remote_port]>\(toTag ? "[peer_tag_param]" : "")
            Call-ID: [call_id]
            CSeq: 1 \(method)
            Max-Forwards: 70
            Content-Length: 0
            """)
    }

    /// An INVITE refused with `code`, the refusal acknowledged; `check` a header check on it.
    static func refused(_ code: Int, payloadTypes: String = "0 8 101", check: String = "") -> [String] {
        [invite(payloadTypes: payloadTypes), "<recv response=\"100\" optional=\"true\"/>",
         "<recv response=\"\(code)\">\(check)</recv>", inInviteTransaction("ACK", toTag: true)]
    }

    /// INVITE, 200, ACK; then sipp streams `muLaw` (a raw µ-law file) as the caller's audio, if
    /// given (else the test may send it: ``ServerUnderTest/sipp(_:arguments:caller:callerAddress:timeout:)``).
    static func answered(payloadTypes: String = "0 8 101", streaming muLaw: String? = nil) -> [String] {
        [invite(payloadTypes: payloadTypes), "<recv response=\"100\" optional=\"true\"/>", "<recv response=\"180\" optional=\"true\"/>",
         "<recv response=\"200\" rtd=\"true\"/>", send(dialog("ACK", cseq: 1) + "\nContent-Length: 0\n")]
            + (muLaw.map { ["<nop><action><exec rtp_stream=\"\($0),1,0\"/></action></nop>"] } ?? [])
    }

    /// The caller hangs up after `milliseconds`.
    static func callerHangsUp(after milliseconds: Int) -> [String] {
        ["<pause milliseconds=\"\(milliseconds)\"/>", send(dialog("BYE", cseq: 2) + "\nContent-Length: 0\n", retransmit: true),
         "<recv response=\"200\"/>"]
    }

    /// The IVR hangs up: its BYE is answered.
    static let ivrHangsUp = ["<recv request=\"BYE\" timeout=\"30000\"/>", answer200]

    /// 200 OK to the request just received.
    static let answer200 = reply("200 OK")

    /// A response (`202 Accepted`, …) to the request just received.
    static func reply(_ status: String) -> String {
        send("""
        SIP/2.0 \(status)
        [last_Via:]
        [last_From:]
        [last_To:]
        [last_Call-ID:]
        [last_CSeq:]
        Contact: sip:sipp@[local_ip]:[local_port]
        Content-Length: 0
        """)
    }
}

/// `ivr serve` on loopback for one test, on ports of its own; stopped with SIGTERM.
final class ServerUnderTest: @unchecked Sendable {
    let process = Process()
    let port: UInt16
    let folder: URL
    private let errors = Pipe()
    private var log = Data()
    private let logLock = NSLock()

    /// Starts the server and waits (up to 20 s) until it listens.
    init(flow: String, arguments: [String] = []) throws {
        folder = IVRProcess.temporaryFolder()
        port = UInt16.random(in: 15000...15999)
        let rtpBase = 30000 + 200 * Int.random(in: 0..<100)
        process.executableURL = IVRProcess.executable
        process.arguments = ["serve", "--flow", flow, "--listen", "127.0.0.1:\(port)", "--rtp-ports", "\(rtpBase)-\(rtpBase + 199)",
                             "--db", folder.appendingPathComponent("calls.sqlite").path,
                             "--transcripts", folder.appendingPathComponent("transcripts").path] + arguments
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            self?.logLock.withLock { self?.log.append(data) }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !logText.contains("listening"), process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    }

    var logText: String { logLock.withLock { String(decoding: log, as: UTF8.self) } }

    /// Stops the server (SIGTERM) and returns its log.
    func stop() -> String {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        Thread.sleep(forTimeInterval: 0.1)
        errors.fileHandleForReading.readabilityHandler = nil
        return logText
    }

    /// The transcript of call `number`, if written.
    func transcript(_ number: Int) -> String? {
        try? String(contentsOfFile: folder.appendingPathComponent("transcripts/\(number).txt").path, encoding: .utf8)
    }

    /// Runs sipp with `scenario` against the server (one call unless `arguments` say more); its
    /// exit status and output. With `caller`, the test sends that RTP stream to the call sipp
    /// makes, once the server has answered it.
    private static let mediaPorts = NSLock()
    nonisolated(unsafe) private static var mediaPortsTaken = Int.random(in: 0..<250)

    /// Four media ports for a sipp run, none that another run of this process was given lately.
    private static func nextMediaPort() -> Int {
        mediaPorts.withLock {
            mediaPortsTaken += 1
            return 16000 + 4 * (mediaPortsTaken % 250)
        }
    }

    func sipp(_ scenario: String, arguments: [String] = ["-m", "1"], caller: CallerStream? = nil, callerAddress: String = "127.0.0.1",
              timeout: Double = 60) throws -> (status: Int32, output: String) {
        let file = folder.appendingPathComponent("scenario-\(UUID().uuidString).xml")
        try scenario.write(to: file, atomically: true, encoding: .utf8)
        let sipp = Process()
        sipp.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sipp.currentDirectoryURL = folder
        // sipp's media takes four ports from here (audio, RTCP, video): each run of this process
        // the next four (tests run at once, and one test may hold a call while another sipp
        // calls; a random pick collided now and then). Its SIP port is left to the system.
        let mediaPort = Self.nextMediaPort()
        let errors = folder.appendingPathComponent("sipp-errors-\(UUID().uuidString).log").path
        sipp.arguments = ["sipp", "-sf", file.path, "127.0.0.1:\(port)", "-i", "127.0.0.1",
                          "-mi", "127.0.0.1", "-mp", "\(mediaPort)", "-timeout", "\(Int(timeout))s", "-timeout_error", "-nostdin",
                          "-trace_err", "-error_file", errors] + arguments
        let output = Pipe()
        sipp.standardOutput = output
        sipp.standardError = output
        let callsBefore = logText.components(separatedBy: " call_start ").count - 1
        try sipp.run()
        if let caller, let rtpPort = waitForCall(number: callsBefore + 1) { caller.send(toPort: rtpPort, from: callerAddress) }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        sipp.waitUntilExit()
        let errorLog = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        return (sipp.terminationStatus, String(text.suffix(1500)) + errorLog)
    }

    /// Waits (up to `timeout` seconds) until the server's log contains `text`; whether it did.
    @discardableResult
    func waitForLog(_ text: String, timeout: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !logText.contains(text) {
            guard Date() < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return true
    }

    /// The RTP port of call `number` once the server has answered it (10 s at most).
    private func waitForCall(number: Int) -> UInt16? {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            for line in logText.split(separator: "\n") where line.contains(" call_start call=\(number) ") {
                if let range = line.range(of: " rtp=") {
                    return line[range.upperBound...].split(separator: " ").first?.split(separator: ":").last.flatMap { UInt16($0) }
                }
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }
}

/// Runs `body` on a thread of its own (not the shared pool, which tests running in parallel may
/// fill); the closure returned waits for it to end.
func onOwnThread(_ body: @escaping @Sendable () -> Void) -> () -> Void {
    let done = DispatchSemaphore(value: 0)
    Thread {
        body()
        done.signal()
    }.start()
    return { done.wait() }
}

/// What a sipp run on another thread gave.
final class SippRun: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (status: Int32, output: String)?
    var result: (status: Int32, output: String)? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
