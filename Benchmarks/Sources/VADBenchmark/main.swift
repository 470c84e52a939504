// The Swift side of scripts/benchmark-vad and scripts/vad/train.py: runs the VAD over raw
// 16-bit mono PCM files and writes what it computed, or measures its speed on one core.
//   VADBenchmark features RATE IN.pcm OUT.f32   32 float32 features per 10 ms frame
//   VADBenchmark decide RATE IN.pcm OUT.f32     probability and decision (0/1) per frame
//   VADBenchmark speed RATE IN.pcm...           × real time over all files, best of 3 passes
import Foundation
import IVRDSP

func readPCM(_ path: String) -> [Int16] {
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
        exit(1)
    }
    return data.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
}

func write(_ values: [Float], to path: String) {
    let data = values.withUnsafeBufferPointer { Data(buffer: $0) }
    FileManager.default.createFile(atPath: path, contents: data)
}

func forEachFrame(_ samples: [Int16], length: Int, _ body: (UnsafeBufferPointer<Int16>) -> Void) {
    samples.withUnsafeBufferPointer { buffer in
        var start = 0
        while start + length <= buffer.count {
            body(UnsafeBufferPointer(rebasing: buffer[start..<start + length]))
            start += length
        }
    }
}

let arguments = CommandLine.arguments
guard arguments.count >= 4, let rate = Int(arguments[2]) else {
    print("usage: VADBenchmark features|decide RATE IN OUT | speed RATE IN...")
    exit(2)
}
switch arguments[1] {
case "features":
    let extractor = VADFeatureExtractor(sampleRate: rate)
    var out: [Float] = []
    forEachFrame(readPCM(arguments[3]), length: rate / 100) { frame in
        let f = extractor.features(of: frame)
        for i in 0..<VADFeatureExtractor.count { out.append(f[i]) }
    }
    write(out, to: arguments[4])
case "decide":
    let detector = VoiceActivityDetector(sampleRate: rate)
    var out: [Float] = []
    var verdicts: [VoiceActivity] = []
    forEachFrame(readPCM(arguments[3]), length: rate / 100) { verdicts.append(detector.process($0)) }
    // The first verdicts are for the silence before the signal; the last frames' come at the end.
    for verdict in verdicts.dropFirst(VoiceActivityDetector.lookaheadFrames) + detector.flush() {
        out.append(verdict.probability)
        out.append(verdict.isSpeech ? 1 : 0)
    }
    write(out, to: arguments[4])
case "speed":
    let signals = arguments[3...].map(readPCM)
    let seconds = Double(signals.reduce(0) { $0 + $1.count }) / Double(rate)
    var best = Double.infinity
    var speechFrames = 0
    for _ in 0..<3 {
        let start = DispatchTime.now().uptimeNanoseconds
        speechFrames = 0
        for signal in signals {
            let detector = VoiceActivityDetector(sampleRate: rate)
            forEachFrame(signal, length: rate / 100) { frame in
                if detector.process(frame).isSpeech { speechFrames += 1 }
            }
            speechFrames += detector.flush().filter(\.isSpeech).count
        }
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    print(String(format: "%.0f", seconds / best), speechFrames)
default:
    print("unknown mode \(arguments[1])")
    exit(2)
}
