import Foundation
import IVRAudio
import Testing
@testable import IVRSpeech

@Suite("Decoders on several threads")
struct ConcurrentDecodingTests {
    @Test("two recognizers decoding at once on two threads give what each gives alone")
    func twoThreads() throws {
        let cards = "/usr/share/pocketsphinx/test/data/cards"
        let jsgf = try String(contentsOfFile: "\(cards)/cards.gram", encoding: .utf8)
        // Real speech at 16 kHz, and the same as 8 kHz telephone audio (another path: the
        // narrowband transform, resampling).
        var utterances: [(samples: [Int16], rate: Int)] = []
        for name in ["001", "002", "003", "004", "005"] {
            utterances.append((try AudioFileSource(path: "\(cards)/\(name).wav", sampleRate: 16000).readAll(), 16000))
            utterances.append((try AudioFileSource(path: "\(cards)/\(name).wav", sampleRate: 8000).readAll(), 8000))
        }
        let workers = try (0..<2).map { _ in try Worker(jsgf: jsgf, utterances: utterances) }
        let alone = try workers[0].decodeAll()
        #expect(alone.filter { !$0.text.isEmpty }.count == utterances.count)
        #expect(try workers[1].decodeAll() == alone)

        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            for _ in 0..<3 { results.add(Result { try workers[thread].decodeAll() }) }
        }
        #expect(results.all.count == 6)
        for decoded in results.all {
            #expect(try decoded.get() == alone)
        }
    }

    /// One recognizer and the utterances it decodes, used by one thread at a time.
    private final class Worker: @unchecked Sendable {
        let recognizer: SpeechRecognizer
        let utterances: [(samples: [Int16], rate: Int)]

        init(jsgf: String, utterances: [(samples: [Int16], rate: Int)]) throws {
            recognizer = try SpeechRecognizer()
            try recognizer.addGrammar("cards", jsgf: jsgf)
            try recognizer.use("cards")
            self.utterances = utterances
        }

        func decodeAll() throws -> [Recognition] {
            try utterances.map { utterance in
                recognizer.startCall()
                return try recognizer.recognize(utterance.samples, sampleRate: utterance.rate)
            }
        }
    }

    private final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [Result<[Recognition], any Error>] = []
        func add(_ result: Result<[Recognition], any Error>) { lock.withLock { results.append(result) } }
        var all: [Result<[Recognition], any Error>] { lock.withLock { results } }
    }
}
