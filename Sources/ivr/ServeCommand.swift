import ArgumentParser
import Foundation
import IVREngine
import IVRFlow
import IVRIntegrations
import IVRRecords
import IVRSpeech
import IVRTelephony

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Answer phone calls over SIP: a PBX or SIP trunk sends calls, many at once.",
        discussion: """
        Answers INVITEs over UDP and TCP with G.711 (PCMU, PCMA) and RFC 4733 keys (tones in \
        the audio are heard too, but not twice). Every call runs the flow as 'ivr call' does and \
        leaves its record in the records database. A queue with 'sip: <uri>' in the flow is \
        handed to that target by REFER, with the call's context in X-IVR-* headers (see \
        docs/flow-format.md); other queues end the call after their prompt. When the flow file \
        changes, new calls take the new flow; a flow that fails lint is refused and the old one \
        kept. SIGTERM or SIGINT stops taking calls (503), lets calls in progress finish (--drain), \
        writes every record and exits. One log line per call start and end on standard error.

        Examples:
          ivr serve --flow examples/help-desk.yaml
          ivr serve --flow flow.yaml --listen 0.0.0.0:5080 --allow 10.0.0.0/8 --max-calls 200
          ivr serve --flow flow.yaml --listen 192.168.1.20:5060 --rtp-ports 30000-31999 --log-format json
          ivr serve --flow flow.yaml --listen 10.0.0.11:5060 --node ivr-1 --db postgres://ivr@db.example/ivr
        """)

    @Option(help: "The flow file (YAML).")
    var flow: String

    @Option(help: "Address and port for SIP over UDP and TCP.")
    var listen = "0.0.0.0:5060"

    @Option(help: "The address put in SDP for RTP (default: the listening address, or the one that reaches the caller).")
    var mediaAddress: String?

    @Option(help: "RTP port range (one even port per call, RTCP on the next).")
    var rtpPorts = "20000-20999"

    @Option(help: "Calls at once; more get 503 with Retry-After (default: 500, or what --rtp-ports holds).")
    var maxCalls: Int?

    @Option(help: "Only these addresses may send calls (comma-separated CIDR blocks); others get 403.")
    var allow: String?

    @Option(help: "Seconds without RTP from the caller after which the call counts as hung up.")
    var rtpTimeout = 30.0

    @Option(help: "Seconds of ringing (180) before the answer (200).")
    var ring = 0.0

    @Option(help: "On SIGTERM, seconds calls in progress may go on before they are hung up.")
    var drain = 60.0

    @Option(help: "Speech decoders working at once (default: one per core).")
    var decoders: Int?

    @Option(help: "Serve Prometheus metrics on this address and port at /metrics (e.g. 127.0.0.1:9100).")
    var metrics: String?

    @Flag(help: "Keypad only: no speech recognition.")
    var keypadOnly = false

    @Option(help: "Write each call's transcript to this folder (<call number>.txt), as 'ivr call' prints it.")
    var transcripts: String?

    @Option(help: "Log lines as text or json.")
    var logFormat: LogFormat = .text

    @Option(help: "This node's name in the records, when several nodes share a PostgreSQL --db (default: host:port).")
    var node: String?

    @OptionGroup var queues: QueueStatusOption

    @OptionGroup var records: RecordOptions

    enum LogFormat: String, ExpressibleByArgument { case text, json }

    func run() throws {
        var settings = ServerSettings()
        let (host, port) = try Self.hostAndPort(listen, option: "--listen")
        settings.host = host
        settings.port = port
        settings.mediaHost = mediaAddress
        settings.rtpPorts = try Self.portRange(rtpPorts)
        let portsHold = settings.rtpPorts.count / 2
        if let maxCalls {
            guard maxCalls > 0 else { throw ValidationError("--max-calls must be at least 1") }
            guard maxCalls <= portsHold else {
                throw ValidationError("--rtp-ports \(rtpPorts) holds \(portsHold) calls (an even port each), fewer than --max-calls \(maxCalls)")
            }
        }
        settings.maxCalls = maxCalls ?? min(500, portsHold)
        do { settings.allow = try AddressFilter(allow) } catch { throw ValidationError("--allow: \(error)") }
        if let metrics {
            let (metricsHost, metricsPort) = try Self.hostAndPort(metrics, option: "--metrics")
            settings.metrics = (metricsHost, metricsPort)
        }
        settings.rtpTimeout = rtpTimeout
        settings.ringSeconds = ring
        settings.drainSeconds = drain
        settings.queueStatus = queues.provider

        let setup = try CallSetup(flowPath: flow, sampleRate: 8000, keypadOnly: true, command: "ivr serve", realTime: true)
        var pool: DecoderPool?
        if !keypadOnly {
            let size = decoders ?? ProcessInfo.processInfo.activeProcessorCount
            do {
                pool = try DecoderPool(size: max(1, size)) { try speechRecognizer() }
            } catch {
                printError("ivr serve: \(error); calls go on keypad-only")
            }
        }
        let log = ServerLog(format: logFormat)
        let prompts = setup.prompts
        Self.warm(prompts, for: setup.flow, log: log)
        let recordsQueue = DispatchQueue(label: "records")
        let records = self.records
        let keeper = records.makeKeeper()
        let nodeName = node ?? "\(ProcessInfo.processInfo.hostName):\(port)"
        let delivery = Self.deliverWaitingRecords(keeper, every: 5, on: recordsQueue, log: log)
        let webhooks = startWebhooks(for: setup.flow, records: records, always: true) { log.write(ServerEvent(event: $0, fields: $1)) }
        if let transcripts { try FileManager.default.createDirectory(atPath: transcripts, withIntermediateDirectories: true) }
        let transcriptFolder = transcripts
        let server = SIPServer(
            settings: settings, flow: setup.flow, flowPath: flow,
            loadFlow: { path in
                Result { try CallSetup.loadFlow(path) }
                    .map { flow in Self.warm(prompts, for: flow, log: log); return flow }
                    .mapError { FlowRefusal(($0 as? InputFailure)?.message ?? "\($0)") }
            },
            // Always there: a reloaded flow may add a live table.
            prompts: setup.prompts, understanding: pool, lookups: setup.lookups ?? LiveTableLookups(waitsForAnswers: false),
            onFinished: { call in
                recordsQueue.async {
                    if let transcriptFolder {
                        let text = call.result.transcript.map(\.description).joined(separator: "\n") + "\noutcome: \(call.result.outcome.description)\n"
                        try? text.write(toFile: "\(transcriptFolder)/\(call.number).txt", atomically: true, encoding: .utf8)
                    }
                    records.keep(call.result, failure: call.failure, flow: call.flow, startedAt: call.startedAt, source: "sip",
                                 scenario: nil, node: nodeName, keeper: keeper)
                }
            },
            onEvent: log.write)
        do { try server.run() } catch { throw InputFailure(message: "ivr serve: \(error)") }
        pool?.stop()
        delivery.cancel()
        webhooks?.stop()
        recordsQueue.sync {}
        let figures = server.currentFigures
        let outcomes = figures.byOutcome.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        func milliseconds(_ sample: DurationSample, _ q: Double) -> String {
            sample.quantile(q).map { String(format: "%.0f", $0 * 1000) } ?? "-"
        }
        log.write(ServerEvent(event: "stopped", fields: [
            ("calls", "\(figures.total)"), ("outcomes", outcomes), ("frames", "\(figures.frames)"), ("late_frames", "\(figures.lateFrames)"),
            ("setup_ms_p50", milliseconds(figures.setUp, 0.5)), ("setup_ms_p99", milliseconds(figures.setUp, 0.99)),
            ("key_ms_p99", milliseconds(figures.keyLatency, 0.99)), ("answer_ms_p50", milliseconds(figures.answerLatency, 0.5)),
            ("answer_ms_p99", milliseconds(figures.answerLatency, 0.99)), ("decoder_wait_ms_p99", milliseconds(figures.decoderWait, 0.99)),
        ]))
    }

    /// Loads (or synthesizes) every prompt of `flow` without call data into memory before calls
    /// need them: a prompt synthesized during a call would hold up every call's audio meanwhile.
    static func warm(_ prompts: PromptLibrary, for flow: Flow, log: ServerLog) {
        var ready = 0
        for item in FlowPrompt.all(in: flow) where !item.isDynamic {
            do {
                _ = try prompts.audio(id: item.prompt.id, text: item.text, language: item.language.code, settings: item.settings,
                                      explicitFile: item.prompt.file, stockID: item.prompt.stockID)
                ready += 1
            } catch {
                log.write(ServerEvent(event: "prompt_failed", fields: [("prompt", "\(item.prompt.id) [\(item.language.code)]"),
                                                                      ("why", "\(error)")]))
            }
        }
        log.write(ServerEvent(event: "prompts_ready", fields: [("flow", flow.name), ("prompts", "\(ready)")]))
    }

    /// Every `seconds`, delivers the records a database that was away could not take, so they
    /// reach it soon after it is back even when no call ends.
    static func deliverWaitingRecords(_ keeper: RecordKeeper, every seconds: Double, on queue: DispatchQueue,
                                      log: ServerLog) -> any DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + seconds, repeating: seconds)
        timer.setEventHandler {
            guard let delivered = try? keeper.deliverWaiting(), delivered > 0 else { return }
            log.write(ServerEvent(event: "records_delivered", fields: [("records", "\(delivered)"), ("from", keeper.journal.path)]))
        }
        timer.resume()
        return timer
    }

    static func hostAndPort(_ text: String, option: String = "--listen") throws -> (String, UInt16) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw ValidationError("\(option) must be an address and port, like 127.0.0.1:9100 (got '\(text)')")
        }
        return (String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
    }

    static func portRange(_ text: String) throws -> ClosedRange<UInt16> {
        let parts = text.split(separator: "-").compactMap { UInt16($0) }
        guard parts.count == 2, parts[0] < parts[1], parts[0] >= 1024 else {
            throw ValidationError("--rtp-ports must be a range like 20000-20999 above 1023 (got '\(text)')")
        }
        return parts[0]...parts[1]
    }
}

/// The server's log lines on standard error: `time event key=value …`, or one JSON object each.
struct ServerLog: Sendable {
    let format: ServeCommand.LogFormat

    func write(_ event: ServerEvent) {
        let time = ISO8601DateFormatter().string(from: Date())
        switch format {
        case .text:
            let fields = event.fields.map { key, value in
                "\(key)=" + (value.contains(" ") || value.isEmpty ? "\"\(value)\"" : value)
            }
            printError(([time, event.event] + fields).joined(separator: " "))
        case .json:
            var object = ["time": time, "event": event.event]
            for (key, value) in event.fields { object[key] = value }
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
                printError(String(decoding: data, as: UTF8.self))
            }
        }
    }
}
