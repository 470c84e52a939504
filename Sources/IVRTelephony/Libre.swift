import CLibre
import Foundation

// Every call into libre (SIP, SDP, RTP, its event loop), the library under baresip. libre runs
// everything on the thread of its loop (`re_main`): each function here is called on that thread,
// and its handlers are called there.

/// A SIP error from libre, with the step that failed.
public struct SIPError: Error, CustomStringConvertible {
    public var description: String

    init(_ step: String, _ code: Int32) {
        description = "\(step): \(String(cString: strerror(code)))"
    }
}

private func check(_ code: Int32, _ step: String) throws(SIPError) {
    if code != 0 { throw SIPError(step, code) }
}

/// An IP address and port as libre holds them.
struct NetworkAddress: Equatable, CustomStringConvertible {
    var raw = sa()

    init(host: String, port: UInt16) throws(SIPError) {
        try check(sa_set_str(&raw, host, port), "the address \(host)")
    }

    init(_ raw: sa) { self.raw = raw }

    var host: String {
        var copy = raw
        var text = [CChar](repeating: 0, count: 64)
        _ = sa_ntop(&copy, &text, Int32(text.count))
        return String(cString: text)
    }

    var port: UInt16 {
        var copy = raw
        return sa_port(&copy)
    }

    var description: String { "\(host):\(port)" }

    static func == (lhs: NetworkAddress, rhs: NetworkAddress) -> Bool {
        var left = lhs.raw, right = rhs.raw
        return sa_cmp(&left, &right, Int32(SA_ALL.rawValue))
    }

    func sameHost(as other: NetworkAddress) -> Bool {
        var left = raw, right = other.raw
        return sa_cmp(&left, &right, Int32(SA_ADDR.rawValue))
    }
}

/// libre's event loop on the calling thread, with its timers.
enum LibreLoop {
    /// Starts libre for this process, able to watch `descriptors` sockets.
    static func start(descriptors: Int) throws(SIPError) {
        try check(libre_init(), "libre")
        try check(fd_setsize(Int32(descriptors)), "libre's socket table")
    }

    /// Runs the loop until ``stop()`` (called on the loop's thread). Signals are left to the caller.
    static func run() {
        _ = re_main(nil)
    }

    static func stop() { re_cancel() }

    static func close() { libre_close() }
}

/// A timer of libre's loop: its handler runs on the loop's thread.
final class LoopTimer {
    private var timer = tmr()
    private var handler: () -> Void = {}

    init() { tmr_init(&timer) }

    deinit { tmr_cancel(&timer) }

    /// Calls `handler` once, in `milliseconds`.
    func start(in milliseconds: UInt64, _ handler: @escaping () -> Void) {
        self.handler = handler
        tmr_start(&timer, milliseconds, { arg in
            Unmanaged<LoopTimer>.fromOpaque(arg!).takeUnretainedValue().handler()
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Milliseconds on libre's monotonic clock.
    static var now: UInt64 { tmr_jiffies() }

    /// Milliseconds from `start` to `end` on that clock (0 when `end` is not later).
    static func milliseconds(from start: UInt64, to end: UInt64) -> UInt64 { end > start ? end - start : 0 }
}

/// An INVITE, OPTIONS or other request as received, to be answered.
final class SIPRequest {
    let message: UnsafePointer<sip_msg>
    private let stack: SIPStack

    init(_ message: UnsafePointer<sip_msg>, stack: SIPStack) {
        self.message = message
        self.stack = stack
    }

    var method: String { Self.text(message.pointee.met) }
    var callID: String { Self.text(message.pointee.callid) }
    var from: String { Self.text(message.pointee.from.auri) }
    var source: NetworkAddress { NetworkAddress(message.pointee.src) }
    var body: Int { Int(message.pointee.mb.pointee.end - message.pointee.mb.pointee.pos) }

    /// A header by name (the first), e.g. `X-Account`.
    func header(_ name: String) -> String? {
        guard let found = sip_msg_xhdr(message, name) else { return nil }
        return Self.text(found.pointee.val)
    }

    /// Answers with `code` and `headers` (lines ending in CRLF), outside any session.
    func reply(_ code: UInt16, _ reason: String, headers: String = "") {
        _ = ivr_sip_reply(stack.sip, message, code, reason, headers)
    }

    static func text(_ piece: pl) -> String {
        guard let start = piece.p, piece.l > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: start, count: piece.l), as: UTF8.self)
    }
}

/// What the stack tells its owner; called on the loop's thread.
protocol SIPStackDelegate: AnyObject {
    /// A new INVITE: accept it with ``SIPStack/accept(_:media:ringing:delegate:)`` or reply.
    func sipStack(_ stack: SIPStack, invited request: SIPRequest)
    /// A request outside a session (OPTIONS, …): return whether it was answered.
    func sipStack(_ stack: SIPStack, received request: SIPRequest) -> Bool
}

/// The SIP side of one process: transports on one address, sessions for INVITEs.
final class SIPStack {
    fileprivate var sip: OpaquePointer?
    private var sessionSocket: OpaquePointer?
    private var listener: OpaquePointer?
    weak var delegate: SIPStackDelegate?
    /// The address the transports listen on.
    let address: NetworkAddress

    /// Listens on `host:port` over UDP and TCP.
    init(host: String, port: UInt16, userAgent: String) throws(SIPError) {
        address = try NetworkAddress(host: host, port: port)
        try check(sip_alloc(&sip, nil, 32, 32, 32, userAgent, nil, nil), "the SIP stack")
        var local = address.raw
        try check(ivr_sip_transp_add(sip, SIP_TRANSP_UDP, &local), "SIP over UDP on \(address)")
        try check(ivr_sip_transp_add(sip, SIP_TRANSP_TCP, &local), "SIP over TCP on \(address)")
        let me = Unmanaged.passUnretained(self).toOpaque()
        // Requests outside sessions first (OPTIONS), then the sessions' (INVITE, BYE, …).
        try check(sip_listen(&listener, sip, true, { message, arg in
            let stack = Unmanaged<SIPStack>.fromOpaque(arg!).takeUnretainedValue()
            guard let message, let delegate = stack.delegate else { return false }
            let request = SIPRequest(message, stack: stack)
            return request.method != "INVITE" && delegate.sipStack(stack, received: request)
        }, me), "SIP requests")
        try check(sipsess_listen(&sessionSocket, sip, 1024, { message, arg in
            let stack = Unmanaged<SIPStack>.fromOpaque(arg!).takeUnretainedValue()
            guard let message else { return }
            stack.delegate?.sipStack(stack, invited: SIPRequest(message, stack: stack))
        }, me), "SIP sessions")
    }

    /// Closes every session (BYE) and the transports.
    func close() {
        sipsess_close_all(sessionSocket)
        sip_close(sip, false)
        listener = mem_deref(UnsafeMutableRawPointer(listener)).map(OpaquePointer.init)
        sessionSocket = mem_deref(UnsafeMutableRawPointer(sessionSocket)).map(OpaquePointer.init)
        sip = mem_deref(UnsafeMutableRawPointer(sip)).map(OpaquePointer.init)
    }

    /// Accepts `request` (an INVITE) with the answer of `media` to its offer: 180 Ringing first
    /// when `ringing` (then ``SIPSession/answer()``), else 200 OK at once.
    func accept(_ request: SIPRequest, media: MediaSession, ringing: Bool, delegate: SIPSessionDelegate) throws(SIPError) -> SIPSession {
        try SIPSession(stack: self, request: request, media: media, ringing: ringing, delegate: delegate)
    }

    fileprivate var sessions: OpaquePointer? { sessionSocket }
}

/// What a session tells its owner; called on the loop's thread.
protocol SIPSessionDelegate: AnyObject {
    /// The caller's ACK came: the call is up.
    func sessionEstablished(_ session: SIPSession)
    /// The session ended: BYE or CANCEL from the caller, or a failure (`reason`).
    func sessionClosed(_ session: SIPSession, reason: String)
    /// A transfer's REFER was answered with `code`.
    func session(_ session: SIPSession, transferAnswered code: UInt16)
}

/// One SIP session (dialog) with its media.
final class SIPSession {
    private var session: OpaquePointer?
    private var refer: OpaquePointer?
    private unowned let stack: SIPStack
    let media: MediaSession
    weak var delegate: SIPSessionDelegate?
    private(set) var closed = false

    private static let allow = "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REFER, NOTIFY\r\n"

    fileprivate init(stack: SIPStack, request: SIPRequest, media: MediaSession, ringing: Bool, delegate: SIPSessionDelegate) throws(SIPError) {
        self.stack = stack
        self.media = media
        self.delegate = delegate
        let me = Unmanaged.passUnretained(self).toOpaque()
        let answer = ringing ? nil : try media.description(offer: request.body == 0)
        defer { _ = mem_deref(answer) }
        try check(ivr_sipsess_accept(
            &session, stack.sessions, request.message, ringing ? 180 : 200, ringing ? "Ringing" : "OK", answer,
            { descriptionOut, message, arg in   // a re-INVITE's offer: the same media, answered again
                let me = Unmanaged<SIPSession>.fromOpaque(arg!).takeUnretainedValue()
                guard let message, let descriptionOut else { return EINVAL }
                let hasOffer = message.pointee.mb.pointee.end > message.pointee.mb.pointee.pos
                if hasOffer, (try? me.media.negotiate(offer: message.pointee.mb)) == nil { return EPROTO }
                guard let description = try? me.media.description(offer: !hasOffer) else { return ENOMEM }
                descriptionOut.pointee = description
                return 0
            },
            { message, arg in   // the answer to our offer (a call that came without SDP)
                let me = Unmanaged<SIPSession>.fromOpaque(arg!).takeUnretainedValue()
                guard let message else { return EINVAL }
                return (try? me.media.negotiate(answer: message.pointee.mb)) == nil ? EPROTO : 0
            },
            { _, arg in
                let me = Unmanaged<SIPSession>.fromOpaque(arg!).takeUnretainedValue()
                me.delegate?.sessionEstablished(me)
            },
            { code, message, arg in
                let me = Unmanaged<SIPSession>.fromOpaque(arg!).takeUnretainedValue()
                me.closed = true
                // The request that ended it (BYE), a response's status, else the error.
                let reason = message.map { ended in
                    let method = SIPRequest.text(ended.pointee.met)
                    return method.isEmpty ? String(ended.pointee.scode) : method
                } ?? (code == 0 ? "closed" : String(cString: strerror(code)))
                me.delegate?.sessionClosed(me, reason: reason)
            },
            me, Self.allow), "accepting the call")
    }

    deinit { hangUp() }

    /// The 200 OK after a 180 (with the answer to the offer).
    func answer(offerless: Bool) throws(SIPError) {
        let description = try media.description(offer: offerless)
        defer { _ = mem_deref(description) }
        try check(ivr_sipsess_answer(session, 200, "OK", description, Self.allow), "answering the call")
    }

    /// Declines the call before it is answered (e.g. 480 while stopping).
    func reject(_ code: UInt16, _ reason: String) {
        guard !closed, session != nil else { return }
        closed = true
        _ = ivr_sipsess_reject(session, code, reason)
    }

    /// Hands the call to `target` with REFER (blind transfer), `headers` carrying its context.
    func transfer(to target: String, headers: [(String, String)]) throws(SIPError) {
        let lines = "Refer-To: <\(target)>\r\n" + headers.map { "\($0.0): \($0.1)\r\n" }.joined()
        let me = Unmanaged.passUnretained(self).toOpaque()
        try check(ivr_sip_dialog_request(&refer, stack.sip, "REFER", sipsess_dialog(session), { _, message, arg in
            let me = Unmanaged<SIPSession>.fromOpaque(arg!).takeUnretainedValue()
            me.delegate?.session(me, transferAnswered: message?.pointee.scode ?? 408)
        }, me, lines), "sending REFER")
    }

    /// Ends the session: BYE once it is up, or 480 before.
    func hangUp() {
        closed = true
        refer = mem_deref(UnsafeMutableRawPointer(refer)).map(OpaquePointer.init)
        session = mem_deref(UnsafeMutableRawPointer(session)).map(OpaquePointer.init)
    }
}

/// The codecs this endpoint speaks.
enum AudioCodec: String {
    case pcmu = "PCMU", pcma = "PCMA"
}

/// The media of one call: an SDP session (offer and answer with PCMU, PCMA and
/// telephone-event) and its RTP socket.
final class MediaSession {
    private var sdp: OpaquePointer?
    private var media: OpaquePointer?
    private var rtp: OpaquePointer?
    private var outgoing: UnsafeMutablePointer<mbuf>?
    /// Where RTP goes: the peer's SDP address, then where its RTP comes from (symmetric RTP).
    private(set) var peer: NetworkAddress?
    private(set) var codec: AudioCodec?
    private(set) var audioPayloadType: UInt8 = 0
    private(set) var eventPayloadType: UInt8?
    let localPort: UInt16
    /// Where this call's RTP is received (`host:port`).
    let localAddress: String
    /// Called with each RTP packet from the peer: payload type, sequence, timestamp, marker, payload.
    var onPacket: ((UInt8, UInt16, UInt32, Bool, UnsafeRawBufferPointer) -> Void)?
    /// Packets dropped because they came from elsewhere than the peer.
    private(set) var strangers = 0
    private let receiver = PacketReceiver()

    /// The RTP socket's handler argument, made before the session exists.
    private final class PacketReceiver {
        weak var session: MediaSession?
    }

    /// RTP on `host:port` (and RTCP on port + 1).
    init(host: String, port: UInt16) throws(SIPError) {
        localPort = port
        localAddress = "\(host):\(port)"
        var local = try NetworkAddress(host: host, port: port).raw
        try check(rtp_listen(&rtp, Int32(IPPROTO_UDP), &local, port, port + 2, false, { source, header, buffer, arg in
            let receiver = Unmanaged<PacketReceiver>.fromOpaque(arg!).takeUnretainedValue()
            guard let source, let header, let buffer else { return }
            receiver.session?.received(from: NetworkAddress(source.pointee), header: header.pointee, buffer: buffer)
        }, nil, Unmanaged.passUnretained(receiver).toOpaque()), "RTP on port \(port)")
        try check(sdp_session_alloc(&sdp, &local), "SDP")
        try check(sdp_media_add(&media, sdp, "audio", port, "RTP/AVP"), "SDP media")
        try check(ivr_sdp_format_add(media, "0", "PCMU", 8000, nil), "SDP PCMU")
        try check(ivr_sdp_format_add(media, "8", "PCMA", 8000, nil), "SDP PCMA")
        try check(ivr_sdp_format_add(media, "101", "telephone-event", 8000, "0-15"), "SDP telephone-event")
        outgoing = mbuf_alloc(Int(RTP_HEADER_SIZE) + 320)
        receiver.session = self
    }

    deinit {
        _ = mem_deref(outgoing)
        _ = mem_deref(UnsafeMutableRawPointer(rtp))
        _ = mem_deref(UnsafeMutableRawPointer(sdp))
    }

    /// Reads the caller's offer: the codec (the caller's first of PCMU and PCMA), RFC 4733 and
    /// where to send. Throws when there is no common codec.
    func negotiate(offer body: UnsafeMutablePointer<mbuf>) throws(SIPError) {
        try check(sdp_decode(sdp, body, true), "the caller's SDP")
        try chooseCodec()
    }

    /// Reads the answer to our offer (a call that came without SDP).
    func negotiate(answer body: UnsafeMutablePointer<mbuf>) throws(SIPError) {
        try check(sdp_decode(sdp, body, false), "the caller's SDP answer")
        try chooseCodec()
    }

    private func chooseCodec() throws(SIPError) {
        var chosen: UnsafePointer<sdp_format>? = sdp_media_rformat(media, nil)
        if let format = chosen, AudioCodec(rawValue: String(cString: format.pointee.name)) == nil {
            chosen = sdp_media_rformat(media, "PCMU") ?? sdp_media_rformat(media, "PCMA")
        }
        guard let format = chosen, let codec = AudioCodec(rawValue: String(cString: format.pointee.name)) else {
            throw SIPError("no common codec (PCMU or PCMA)", EPROTO)
        }
        self.codec = codec
        audioPayloadType = UInt8(format.pointee.pt)
        eventPayloadType = sdp_media_rformat(media, "telephone-event").map { UInt8($0.pointee.pt) }
        if let address = sdp_media_raddr(media) { peer = NetworkAddress(address.pointee) }
    }

    /// Our SDP: the answer to the offer read, or an offer (a call that came without one).
    func description(offer: Bool) throws(SIPError) -> UnsafeMutablePointer<mbuf>? {
        var body: UnsafeMutablePointer<mbuf>?
        try check(sdp_encode(&body, sdp, offer), "encoding SDP")
        return body
    }

    private func received(from source: NetworkAddress, header: rtp_header, buffer: UnsafeMutablePointer<mbuf>) {
        // Only the peer named in SDP may send; its port may differ (NAT): we answer where it sends from.
        guard let expected = peer, source.sameHost(as: expected) else {
            strangers += 1
            return
        }
        if source != expected { peer = source }
        let start = buffer.pointee.buf + buffer.pointee.pos
        onPacket?(header.pt, header.seq, header.ts, header.m, UnsafeRawBufferPointer(start: start, count: buffer.pointee.end - buffer.pointee.pos))
    }

    /// Sends one RTP packet to the peer.
    func send(payloadType: UInt8, timestamp: UInt32, marker: Bool, payload: [UInt8]) {
        guard var destination = peer?.raw, let outgoing else { return }
        let header = Int(RTP_HEADER_SIZE)
        outgoing.pointee.pos = header
        outgoing.pointee.end = header
        _ = payload.withUnsafeBytes { mbuf_write_mem(outgoing, $0.baseAddress, $0.count) }
        outgoing.pointee.pos = header
        _ = rtp_send(rtp, &destination, false, marker, payloadType, timestamp, outgoing)
    }
}

/// A small HTTP server on libre's loop (for Prometheus to scrape): `respond` gets the path and
/// gives the status, content type and body.
final class HTTPEndpoint {
    private var socket: OpaquePointer?
    private let respond: (String) -> (UInt16, String, String)

    init(host: String, port: UInt16, respond: @escaping (String) -> (UInt16, String, String)) throws(SIPError) {
        self.respond = respond
        var local = try NetworkAddress(host: host, port: port).raw
        try check(http_listen(&socket, &local, { connection, message, arg in
            let me = Unmanaged<HTTPEndpoint>.fromOpaque(arg!).takeUnretainedValue()
            let path = message.map { SIPRequest.text($0.pointee.path) } ?? "/"
            let (code, type, body) = me.respond(path)
            _ = ivr_http_reply(connection, code, code == 200 ? "OK" : "Not Found", type, body)
        }, Unmanaged.passUnretained(self).toOpaque()), "HTTP on \(host):\(port)")
    }

    deinit { _ = mem_deref(UnsafeMutableRawPointer(socket)) }
}
