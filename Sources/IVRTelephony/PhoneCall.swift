import Foundation
import IVREngine
import IVRFlow

/// One call on the server: its SIP session, its media, and the call itself fed 20 ms of the
/// caller's audio at a time on the wall clock.
final class PhoneCall: @unchecked Sendable {
    enum State { case ringing, up, transferring, ended }

    let number: Int
    let callID: String
    let from: String
    let source: String
    let media: MediaSession
    var session: SIPSession?
    var processor: CallProcessor?
    var state = State.ringing
    /// Wall-clock time of the INVITE, and libre's clock at the INVITE and at the answer.
    let startedAt = Date()
    let invitedAt: UInt64
    var answeredAt: UInt64 = 0
    /// 20 ms frames processed since the answer.
    var frames: Int64 = 0
    var lastPacketAt: UInt64
    var jitter = JitterBuffer()
    var events = TelephoneEvents()
    /// Keys arrived as RFC 4733 events since the last frame, with libre's clock at arrival.
    var pendingKeys: [(key: Character, at: UInt64)] = []
    /// Once a peer sends RFC 4733 events, keys are taken from them only (not the tones as well).
    var keysOutOfBand = false
    /// Encoded frames to send, made by the last ``advance(_:)``.
    var outgoing: [[UInt8]] = []
    var timestamp = UInt32.random(in: 0...UInt32.max)
    var sentFirst = false
    /// When the first frame with prompt audio went out (libre's clock), for set-up time.
    var firstAudioAt: UInt64?
    var lateFrames = 0
    var keyLatencies: [Double] = []
    var failure: CallFailure?
    /// The flow's transfer, if it made one, and when its REFER went (libre's clock).
    var transfer: TransferRequest?
    var referredAt: UInt64 = 0
    /// Why the call ended, for the log.
    var endReason = ""

    init(number: Int, request: SIPRequest, media: MediaSession, now: UInt64) {
        self.number = number
        callID = request.callID
        from = request.from
        source = request.source.host
        self.media = media
        invitedAt = now
        lastPacketAt = now
    }

    /// The caller's number from the From URI (`sip:+12125550100@pbx` → `+12125550100`).
    var callerNumber: String? {
        guard let colon = from.firstIndex(of: ":") else { return nil }
        let user = from[from.index(after: colon)...].prefix { $0 != "@" && $0 != ";" && $0 != ">" }
        return user.isEmpty || !from.contains("@") ? nil : String(user)
    }

    /// Libre's clock when frame `index` is due.
    func due(frame index: Int64) -> UInt64 { answeredAt + UInt64(index) * 20 }

    /// Runs `audio` (20 ms frames of the caller) through the call, the keys that came out of
    /// band first; the IVR's frames, encoded, wait in ``outgoing``. Called on a worker thread.
    func advance(_ audio: [[Int16]], keysAt now: UInt64) {
        outgoing.removeAll(keepingCapacity: true)
        guard let processor, failure == nil, let codec = media.codec else { return }
        do {
            for (key, arrived) in pendingKeys where !processor.isFinished {
                try processor.keyPressed(key)
                keyLatencies.append(Double(LoopTimer.milliseconds(from: arrived, to: now)) / 1000)
            }
            pendingKeys.removeAll()
            for frame in audio where !processor.isFinished {
                // The engine's frames are 10 ms.
                let half = frame.count / 2
                let first = try processor.process(Array(frame[..<half]), detectKeys: !keysOutOfBand)
                let second = try processor.process(Array(frame[half...]), detectKeys: !keysOutOfBand)
                let output = first + second
                outgoing.append(G711.encode(output[...], codec: codec))
                if firstAudioAt == nil, output.contains(where: { $0 != 0 }) { firstAudioAt = now }
            }
        } catch {
            failure = processor.failure(error, inputEnded: false)
        }
    }

    /// Headers for the PBX when the call is handed over: queue, priority, language, the
    /// verified account (masked) and the fields collected (secrets masked).
    static func transferHeaders(_ request: TransferRequest) -> [(String, String)] {
        let context = request.context
        var headers = [("X-IVR-Queue", request.queue), ("X-IVR-Priority", String(request.priority))]
        headers.append(("X-IVR-Language", context.language))
        if let intent = context.intent { headers.append(("X-IVR-Intent", intent)) }
        if let account = context.verifiedAccount { headers.append(("X-IVR-Account", account)) }
        for (field, value) in context.data.sorted(by: { $0.key < $1.key }) {
            let name = field.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: "-")
            headers.append(("X-IVR-Data-\(name)", value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")))
        }
        return headers
    }
}
