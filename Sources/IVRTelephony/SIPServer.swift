import Foundation
import IVREngine
import IVRFlow
import IVRSpeech

/// How `ivr serve` takes calls.
public struct ServerSettings: Sendable {
    public var host = "0.0.0.0"
    public var port: UInt16 = 5060
    /// The address put in SDP and used for RTP; nil: the listening address, or when that is
    /// every interface, the local address that reaches the caller.
    public var mediaHost: String?
    public var rtpPorts: ClosedRange<UInt16> = 20000...20999
    public var maxCalls = 500
    public var allow = try! AddressFilter(nil)
    /// A call whose caller sends no RTP for this long is over (a hang-up nobody signalled).
    public var rtpTimeout = 30.0
    /// Rings this long (180) before answering (200); 0 answers at once.
    public var ringSeconds = 0.0
    /// On SIGTERM, calls in progress may go on this long before they are hung up.
    public var drainSeconds = 60.0
    /// Where Prometheus scrapes the figures (`/metrics`); nil: nowhere.
    public var metrics: (host: String, port: UInt16)?
    /// Threads that run the calls' audio (DTMF, VAD, prompts).
    public var workers = ProcessInfo.processInfo.activeProcessorCount
    /// Where the queues' figures come from (waiting callers, estimated wait).
    public var queueStatus: any QueueStatusProvider = FixedQueueStatus()

    public init() {}
}

/// A call the server has finished, for its record.
public struct FinishedCall: Sendable {
    /// The call's number on this server (1, 2, …), as in the log.
    public var number: Int
    public var callID: String
    public var startedAt: Date
    public var flow: Flow
    public var result: CallResult
    /// The error that stopped the call, if one did.
    public var failure: String?
}

/// Something worth a log line: a call started or ended, a call refused, the flow reloaded.
public struct ServerEvent: Sendable {
    public var event: String
    public var fields: [(String, String)]

    public init(event: String, fields: [(String, String)]) {
        self.event = event
        self.fields = fields
    }
}

/// A SIP endpoint that a PBX sends calls to (libre: SIP over UDP and TCP, SDP, RTP). Every call
/// runs the same flow through its own ``CallProcessor``, fed by RTP on the wall clock; the
/// calls' audio is processed on a few worker threads, utterances on a decoder pool.
public final class SIPServer: SIPStackDelegate, SIPSessionDelegate, @unchecked Sendable {
    public let settings: ServerSettings
    private var flow: Flow
    private let flowPath: String
    private var flowModified: Date?
    private let loadFlow: @Sendable (String) -> Result<Flow, FlowRefusal>
    private let prompts: PromptLibrary
    private let understanding: UtteranceUnderstanding?
    private let lookups: (any TableLookups)?
    private let onFinished: (FinishedCall) -> Void
    private let onEvent: (ServerEvent) -> Void

    private var stack: SIPStack?
    private var calls: [ObjectIdentifier: PhoneCall] = [:]
    private var sessions: [ObjectIdentifier: PhoneCall] = [:]
    private var freePorts: [UInt16]
    private var callNumbers = 0
    private let ticker = LoopTimer()
    private var stopping: UInt64?
    private var lastFlowCheck: UInt64 = 0
    private let figuresLock = NSLock()
    private var figures = ServerFigures()
    /// Set by SIGTERM or SIGINT (on another thread), seen by the next tick.
    private var stopRequested = false
    /// A flow file being loaded off the loop's thread, and its result once loaded (under `figuresLock`).
    private var reloading = false
    private var reloaded: Result<Flow, FlowRefusal>?

    /// A server for the flow at `flowPath` (already loaded as `flow`); `loadFlow` reloads it when
    /// the file changes, on another thread (a flow refused keeps the old one). `lookups` answers
    /// the flow's live tables. `onFinished` receives every call
    /// that was answered, `onEvent` what is worth a log line; both on the server's thread.
    public init(settings: ServerSettings, flow: Flow, flowPath: String, loadFlow: @escaping @Sendable (String) -> Result<Flow, FlowRefusal>,
                prompts: PromptLibrary, understanding: UtteranceUnderstanding?, lookups: (any TableLookups)? = nil,
                onFinished: @escaping (FinishedCall) -> Void, onEvent: @escaping (ServerEvent) -> Void) {
        self.settings = settings
        self.flow = flow
        self.flowPath = flowPath
        self.loadFlow = loadFlow
        self.prompts = prompts
        self.understanding = understanding
        self.lookups = lookups
        self.onFinished = onFinished
        self.onEvent = onEvent
        let first = settings.rtpPorts.lowerBound + settings.rtpPorts.lowerBound % 2
        freePorts = Array(stride(from: first, to: settings.rtpPorts.upperBound, by: 2)).reversed()
        flowModified = Self.modified(flowPath)
    }

    /// Takes calls until SIGTERM or SIGINT, then lets the calls in progress finish (up to the
    /// drain limit) and returns.
    public func run() throws {
        try LibreLoop.start(descriptors: 4 * settings.maxCalls + 256)
        defer { LibreLoop.close() }
        let stack = try SIPStack(host: settings.host, port: settings.port, userAgent: "ivr")
        stack.delegate = self
        self.stack = stack
        // libre's own signal handling keeps its flag per thread; the signal may land on any.
        var signalSources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in self?.figuresLock.withLock { self?.stopRequested = true } }
            source.resume()
            signalSources.append(source)
        }
        defer { signalSources.forEach { $0.cancel() } }
        onEvent(ServerEvent(event: "listening", fields: [("address", "\(stack.address)"), ("transports", "udp,tcp"),
                                                         ("max_calls", "\(settings.maxCalls)")]))
        let metrics = try settings.metrics.map { address in
            try HTTPEndpoint(host: address.host, port: address.port) { [unowned self] path in
                path == "/metrics" ? (200, "text/plain; version=0.0.4", self.currentFigures.prometheus) : (404, "text/plain", "not found\n")
            }
        }
        scheduleTick()
        LibreLoop.run()
        _ = metrics
        stack.close()
        self.stack = nil
    }

    /// The figures so far (from any thread).
    public var currentFigures: ServerFigures { figuresLock.withLock { figures } }

    private func count(_ change: (inout ServerFigures) -> Void) { figuresLock.withLock { change(&figures) } }

    /// Stops taking calls; calls in progress have the drain limit to finish.
    private func beginStopping() {
        guard stopping == nil else { return }
        stopping = LoopTimer.now
        onEvent(ServerEvent(event: "stopping", fields: [("calls_in_progress", "\(calls.count)"),
                                                        ("drain_seconds", "\(Int(settings.drainSeconds))")]))
    }

    // MARK: SIP

    func sipStack(_ stack: SIPStack, received request: SIPRequest) -> Bool {
        switch request.method {
        case "OPTIONS":
            request.reply(200, "OK", headers: "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REFER, NOTIFY\r\nAccept: application/sdp\r\n")
            return true
        case "NOTIFY" where request.header("Event")?.lowercased().hasPrefix("refer") == true:
            // How a transfer went (RFC 3515); the call has been handed over or ended already.
            request.reply(200, "OK")
            return true
        default:
            return false
        }
    }

    func sipStack(_ stack: SIPStack, invited request: SIPRequest) {
        let now = LoopTimer.now
        func refuse(_ code: UInt16, _ reason: String, headers: String = "", why: String) {
            request.reply(code, reason, headers: headers)
            count { $0.refused[Int(code), default: 0] += 1 }
            onEvent(ServerEvent(event: "refused", fields: [("call_id", request.callID), ("from", request.from), ("source", request.source.host),
                                                           ("code", "\(code)"), ("why", why)]))
        }
        guard settings.allow.allows(request.source.host) else {
            return refuse(403, "Forbidden", why: "\(request.source.host) is not in --allow")
        }
        guard stopping == nil else {
            return refuse(503, "Service Unavailable", headers: "Retry-After: 30\r\n", why: "the server is stopping")
        }
        guard calls.count < settings.maxCalls, !freePorts.isEmpty else {
            return refuse(503, "Service Unavailable", headers: "Retry-After: 5\r\n", why: "at the call limit (\(settings.maxCalls))")
        }
        let media: MediaSession
        do {
            let host = settings.mediaHost ?? (Self.isUnspecified(settings.host) ? Self.localAddress(toward: request.source.host) : settings.host)
            media = try openMedia(host: host)
        } catch {
            return refuse(500, "Server Internal Error", why: "\(error)")
        }
        let port = media.localPort
        if request.body > 0 {
            do { try media.negotiate(offer: request.message.pointee.mb) } catch {
                freePorts.append(port)
                return refuse(488, "Not Acceptable Here", why: "\(error)")
            }
        }
        callNumbers += 1
        let call = PhoneCall(number: callNumbers, request: request, media: media, now: now)
        do {
            call.session = try stack.accept(request, media: media, ringing: settings.ringSeconds > 0, delegate: self)
        } catch {
            freePorts.append(port)
            return refuse(500, "Server Internal Error", why: "\(error)")
        }
        calls[ObjectIdentifier(call)] = call
        sessions[ObjectIdentifier(call.session!)] = call
        media.onPacket = { [unowned self, unowned call] payloadType, sequence, timestamp, _, payload in
            self.received(call, payloadType: payloadType, sequence: sequence, timestamp: timestamp, payload: payload)
        }
        if settings.ringSeconds == 0 { answered(call, at: now) }
    }

    /// Another process may hold a port of the range: ports are tried in turn, this many at most.
    static let portAttempts = 8

    /// Media on the next free port that can be bound (one that cannot goes to the back of the
    /// queue); the last failure when ``portAttempts`` ports could not.
    private func openMedia(host: String) throws(SIPError) -> MediaSession {
        var failure: SIPError?
        for _ in 0..<min(Self.portAttempts, freePorts.count) {
            let port = freePorts.removeLast()
            do {
                return try MediaSession(host: host, port: port)
            } catch {
                freePorts.insert(port, at: 0)
                failure = error
            }
        }
        throw failure ?? SIPError("RTP", EADDRINUSE)
    }

    /// The call is answered (200 OK sent): the flow starts.
    private func answered(_ call: PhoneCall, at now: UInt64) {
        var callSettings = CallSettings(caller: CallerInfo(number: call.callerNumber), answeredAt: Date(), queueStatus: settings.queueStatus)
        callSettings.secondsAfterInput = settings.rtpTimeout
        callSettings.lookups = lookups
        let processor = CallProcessor(flow: flow, settings: callSettings, prompts: prompts, understanding: understanding,
                                      onCommand: { [unowned call] command in
                                          if case .transfer(let request) = command { call.transfer = request }
                                      })
        call.processor = processor
        call.state = .up
        call.answeredAt = now
        call.lastPacketAt = now
        count { $0.active += 1 }
        onEvent(ServerEvent(event: "call_start", fields: [("call", "\(call.number)"), ("call_id", call.callID), ("from", call.from),
                                                          ("source", call.source), ("codec", call.media.codec?.rawValue ?? "?"),
                                                          ("rtp", call.media.localAddress)]))
        do { try processor.start() } catch { call.failure = processor.failure(error, inputEnded: false) }
    }

    func sessionEstablished(_ session: SIPSession) {}

    func sessionClosed(_ session: SIPSession, reason: String) {
        guard let call = sessions[ObjectIdentifier(session)] else { return }
        switch call.state {
        case .ringing:
            call.endReason = "cancelled before answer"
            release(call)
            onEvent(ServerEvent(event: "call_cancelled", fields: [("call", "\(call.number)"), ("call_id", call.callID), ("from", call.from)]))
        case .up:
            try? call.processor?.hangUp(saying: "caller hung up (\(reason))")
            end(call, reason: "caller hung up")
        case .transferring, .ended:
            break
        }
    }

    func session(_ session: SIPSession, transferAnswered code: UInt16) {
        guard let call = sessions[ObjectIdentifier(session)], call.state == .transferring, code >= 200 else { return }
        onEvent(ServerEvent(event: "transfer_answered", fields: [("call", "\(call.number)"), ("code", "\(code)")]))
        finish(call, reason: code < 300 ? "transferred by REFER" : "REFER refused (\(code))")
    }

    // MARK: Media

    private func received(_ call: PhoneCall, payloadType: UInt8, sequence: UInt16, timestamp: UInt32, payload: UnsafeRawBufferPointer) {
        guard call.state == .up || call.state == .ringing else { return }
        call.lastPacketAt = LoopTimer.now
        if payloadType == call.media.eventPayloadType {
            call.keysOutOfBand = true
            if let key = call.events.key(in: payload, timestamp: timestamp) { call.pendingKeys.append((key, call.lastPacketAt)) }
            // An event takes its place in the stream (a trunk may send it instead of audio).
            call.jitter.insert(sequence: sequence, samples: [Int16](repeating: 0, count: 160))
        } else if payloadType == call.media.audioPayloadType, let codec = call.media.codec {
            call.jitter.insert(sequence: sequence, samples: G711.decode(payload, codec: codec))
        }
    }

    /// Ticks every 10 ms from the last tick's start (not its end), so that a long tick does not
    /// push the next one later.
    private func scheduleTick(after start: UInt64? = nil) {
        let elapsed = start.map { LoopTimer.milliseconds(from: $0, to: LoopTimer.now) } ?? 0
        ticker.start(in: elapsed >= 10 ? 1 : 10 - elapsed) { [unowned self] in
            let start = LoopTimer.now
            self.tick()
            self.scheduleTick(after: start)
        }
    }

    /// Every 10 ms: each call gets the frames that are due (at most 10, when the server fell
    /// behind), processed on the worker threads; their answers are sent from here.
    private func tick() {
        let now = LoopTimer.now
        answerRingingCalls(now: now)
        let due = dueFrames(now: now)
        run(due, now: now)
        for (call, _) in due {
            for payload in call.outgoing {
                call.media.send(payloadType: call.media.audioPayloadType, timestamp: call.timestamp, marker: !call.sentFirst, payload: payload)
                call.timestamp &+= UInt32(payload.count)
                call.sentFirst = true
            }
            if call.failure != nil || call.processor?.isFinished == true { end(call, reason: call.failure.map { "failed: \($0)" } ?? "flow ended") }
        }
        endOverdueCalls(now: now)
        if figuresLock.withLock({ stopRequested }) { beginStopping() }
        if stopping != nil, calls.isEmpty { LibreLoop.stop() }
        if LoopTimer.milliseconds(from: lastFlowCheck, to: now) >= 1000 {
            lastFlowCheck = now
            reloadFlowIfChanged()
        }
    }

    /// Calls that have rung for `--ring` seconds are answered (200 OK) and start.
    private func answerRingingCalls(now: UInt64) {
        for call in calls.values where call.state == .ringing && now >= call.invitedAt + UInt64(settings.ringSeconds * 1000) {
            do {
                try call.session?.answer(offerless: call.media.codec == nil)
                answered(call, at: now)
            } catch {
                call.session?.reject(500, "Server Internal Error")
                call.endReason = "\(error)"
                release(call)
            }
        }
    }

    /// Each call's frames that are due by `now` (at most 10, when the server fell behind), from
    /// its jitter buffer; frames a whole frame late are counted.
    private func dueFrames(now: UInt64) -> [(call: PhoneCall, audio: [[Int16]])] {
        var due: [(call: PhoneCall, audio: [[Int16]])] = []
        var lateFrames = 0
        for call in calls.values where call.state == .up {
            var audio: [[Int16]] = []
            while call.due(frame: call.frames) <= now, audio.count < 10 {
                if LoopTimer.milliseconds(from: call.due(frame: call.frames), to: now) >= 20 {
                    call.lateFrames += 1
                    lateFrames += 1
                }
                audio.append(call.jitter.pop())
                call.frames += 1
            }
            if !audio.isEmpty || !call.pendingKeys.isEmpty { due.append((call, audio)) }
        }
        let framesNow = due.reduce(0) { $0 + $1.audio.count }
        count {
            $0.frames += framesNow
            $0.lateFrames += lateFrames
        }
        return due
    }

    /// The calls' frames through their calls, on the worker threads (a call on one worker).
    private func run(_ due: [(call: PhoneCall, audio: [[Int16]])], now: UInt64) {
        let workers = max(1, min(settings.workers, due.count))
        guard workers > 1 else {
            for item in due { item.call.advance(item.audio, keysAt: now) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: due.count, by: workers) {
                due[index].call.advance(due[index].audio, keysAt: now)
            }
        }
    }

    /// Calls silent on RTP for `--rtp-timeout`, calls past the drain limit when stopping, and
    /// transfers whose REFER the PBX has not answered within 8 s end here.
    private func endOverdueCalls(now: UInt64) {
        for call in calls.values where call.state == .up {
            if Double(LoopTimer.milliseconds(from: call.lastPacketAt, to: now)) / 1000 > settings.rtpTimeout {
                try? call.processor?.hangUp(saying: "no audio from the caller for \(Int(settings.rtpTimeout)) s: caller gone")
                end(call, reason: "no RTP")
            } else if let stopping, Double(LoopTimer.milliseconds(from: stopping, to: now)) / 1000 > settings.drainSeconds {
                try? call.processor?.hangUp(saying: "call ended (server stopping)")
                end(call, reason: "server stopping")
            }
        }
        for call in calls.values where call.state == .transferring && LoopTimer.milliseconds(from: call.referredAt, to: now) > 8000 {
            finish(call, reason: "REFER unanswered")
        }
    }

    /// The call's flow is over: hand it over by REFER when its queue names a SIP target, else hang up.
    private func end(_ call: PhoneCall, reason: String) {
        guard call.state == .up else { return }
        if let request = call.transfer, let target = call.processor?.flow.queues[request.queue]?.sip,
           let session = call.session, !session.closed {
            do {
                try session.transfer(to: target, headers: PhoneCall.transferHeaders(request))
                call.state = .transferring
                call.referredAt = LoopTimer.now
                onEvent(ServerEvent(event: "transfer", fields: [("call", "\(call.number)"), ("target", target), ("queue", request.queue)]))
                return
            } catch {
                onEvent(ServerEvent(event: "transfer_failed", fields: [("call", "\(call.number)"), ("target", target), ("why", "\(error)")]))
            }
        }
        finish(call, reason: reason)
    }

    /// Hangs up (BYE unless the caller already did), frees the port, hands over the record.
    private func finish(_ call: PhoneCall, reason: String) {
        guard call.state != .ended else { return }
        let wasUp = call.state == .up || call.state == .transferring
        call.endReason = reason
        release(call)
        guard wasUp, let processor = call.processor else { return }
        let result = call.failure?.partial ?? processor.finish(inputEnded: false)
        let delays = processor.answerDelays
        count {
            $0.active -= 1
            $0.total += 1
            $0.byOutcome[Self.outcomeName(result.outcome), default: 0] += 1
            if let first = call.firstAudioAt { $0.setUp.add(Double(LoopTimer.milliseconds(from: call.invitedAt, to: first)) / 1000) }
            $0.keyLatency.add(call.keyLatencies)
            $0.answerLatency.add(delays.map(\.afterSpeech))
            $0.decoderWait.add(delays.map(\.queueWait))
        }
        onFinished(FinishedCall(number: call.number, callID: call.callID, startedAt: call.startedAt, flow: processor.flow, result: result,
                                failure: call.failure?.description))
        onEvent(ServerEvent(event: "call_end", fields: [
            ("call", "\(call.number)"), ("call_id", call.callID), ("outcome", result.outcome.description),
            ("seconds", String(format: "%.1f", result.duration)), ("why", reason), ("late_frames", "\(call.lateFrames)"),
            ("lost_packets", "\(call.jitter.lost)"), ("late_packets", "\(call.jitter.late)"), ("dropped_packets", "\(call.jitter.dropped)"), ("rtp_from_elsewhere", "\(call.media.strangers)")]))
    }

    private func release(_ call: PhoneCall) {
        call.state = .ended
        call.session?.hangUp()
        calls[ObjectIdentifier(call)] = nil
        if let session = call.session { sessions[ObjectIdentifier(session)] = nil }
        freePorts.insert(call.media.localPort, at: 0)
    }

    static func outcomeName(_ outcome: CallOutcome) -> String {
        switch outcome {
        case .transferred: "transferred"
        case .contained: "contained"
        case .voicemail: "voicemail"
        case .callback: "callback"
        case .text: "text"
        case .abandoned: "abandoned"
        case .disconnected: "disconnected"
        }
    }

    // MARK: Flow reloads

    /// Once a second: a changed flow file is loaded off the loop's thread (its prompts may need
    /// synthesizing), and taken by a later tick.
    private func reloadFlowIfChanged() {
        if let result = figuresLock.withLock({ () -> Result<Flow, FlowRefusal>? in defer { reloaded = nil }; return reloaded }) {
            reloading = false
            switch result {
            case .success(let flow):
                self.flow = flow
                onEvent(ServerEvent(event: "flow_reloaded", fields: [("flow", flowPath)]))
            case .failure(let refusal):
                onEvent(ServerEvent(event: "flow_refused", fields: [("flow", flowPath), ("why", refusal.description),
                                                                    ("kept", "the flow loaded before")]))
            }
        }
        let modified = Self.modified(flowPath)
        guard modified != flowModified, !reloading else { return }
        flowModified = modified
        reloading = true
        let (load, path) = (loadFlow, flowPath)
        DispatchQueue.global(qos: .utility).async { [weak self] in
            let result = load(path)
            self?.figuresLock.withLock { self?.reloaded = result }
        }
    }

    private static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    // MARK: Addresses

    private static func isUnspecified(_ host: String) -> Bool { host == "0.0.0.0" || host == "::" }

    /// The local address the system would use to reach `host` (no packet is sent).
    static func localAddress(toward host: String) -> String {
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(9).bigEndian
        guard inet_pton(AF_INET, host, &remote.sin_addr) == 1 else { return "127.0.0.1" }
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return "127.0.0.1" }
        defer { close(descriptor) }
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard connected == 0, named == 0 else { return "127.0.0.1" }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        inet_ntop(AF_INET, &local.sin_addr, &text, socklen_t(text.count))
        return String(cString: text)
    }
}

/// Why a flow file was not taken (lint's lines).
public struct FlowRefusal: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
