// Speed and accuracy of IVRDSP's DTMF receiver against spandsp's dtmf_rx, in one run, on the
// same audio, one core. Usage: DTMFBenchmark [minutes of audio, default 60] [--speed-only]
import CSpanDSP
import Foundation
import IVRDSP

let rate = 8000
let frameLength = 80
let minutes = CommandLine.arguments.count > 1 ? Double(CommandLine.arguments[1]) ?? 60 : 60
let speedOnly = CommandLine.arguments.contains("--speed-only")

/// Key presses with gaps of faint noise, and the keys sent.
func makeCall(seconds: Double, seed: UInt64, snrDB: Double? = nil, level: ClosedRange<Double> = -24 ... -4,
              twistDB: Double = 0, frequencyError: Double = 0) -> (samples: [Int16], keys: String) {
    var random = NoiseGenerator(seed: seed)
    let generator = ToneGenerator(sampleRate: rate)
    var samples: [Int16] = []
    var keys = ""
    samples.reserveCapacity(Int(seconds) * rate + rate)
    while Double(samples.count) < seconds * Double(rate) {
        let key = DTMFKey.allCases[Int(random.next() % 16)]
        let on = 0.05 + 0.07 * random.uniform()
        let off = 0.08 + 0.4 * random.uniform()
        let dBm0 = level.lowerBound + (level.upperBound - level.lowerBound) * random.uniform()
        samples += generator.key(key, seconds: on, levelDBm0: dBm0, twistDB: twistDB,
                                 lowFrequencyError: frequencyError, highFrequencyError: frequencyError)
        samples += generator.silence(seconds: off)
        keys.append(key.rawValue)
    }
    // Noise: faint line noise, or white noise at `snrDB` below the tones' power.
    let noiseRMS: Double
    if let snrDB {
        let amplitude = ToneGenerator.amplitude(dBm0: level.upperBound)
        noiseRMS = sqrt(amplitude * amplitude / pow(10, snrDB / 10))
    } else {
        noiseRMS = pow(10, -60.0 / 20)
    }
    for i in samples.indices {
        let x = Double(samples[i]) + random.gaussian() * noiseRMS * 32768
        samples[i] = Int16(max(-32768, min(32767, x.rounded())))
    }
    return (samples, keys)
}

/// CPU seconds of this thread.
func cpuTime() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func runOurs(_ samples: [Int16]) -> String {
    let detector = DTMFDetector(sampleRate: rate)
    var keys = ""
    samples.withUnsafeBufferPointer { all in
        var index = 0
        while index < all.count {
            let frame = UnsafeBufferPointer(rebasing: all[index..<min(index + frameLength, all.count)])
            for case .pressed(let key, _) in detector.process(frame) { keys.append(key.rawValue) }
            index += frameLength
        }
    }
    return keys
}

func runSpandsp(_ samples: [Int16]) -> String {
    let receiver = dtmf_rx_init(nil, nil, nil)
    defer { dtmf_rx_free(receiver) }
    var keys = ""
    var buffer = [CChar](repeating: 0, count: 129)
    samples.withUnsafeBufferPointer { all in
        var index = 0
        while index < all.count {
            let count = min(frameLength, all.count - index)
            dtmf_rx(receiver, all.baseAddress! + index, Int32(count))
            let got = dtmf_rx_get(receiver, &buffer, 128)
            if got > 0 { keys += String(cString: buffer) }
            index += frameLength
        }
    }
    return keys
}

/// Best of `repeats` CPU times for `body`, and its last result.
func measure(_ repeats: Int, _ body: () -> String) -> (seconds: Double, keys: String) {
    var best = Double.infinity
    var keys = ""
    for _ in 0..<repeats {
        let start = cpuTime()
        keys = body()
        best = min(best, cpuTime() - start)
    }
    return (best, keys)
}

/// Keys right: the longest common subsequence with the keys sent (missed, wrong and extra
/// keys all lower it), as a share of the keys sent.
func accuracy(_ detected: String, _ sent: String) -> Double {
    let a = Array(detected), b = Array(sent)
    var previous = [Int](repeating: 0, count: b.count + 1)
    for x in a {
        var current = [Int](repeating: 0, count: b.count + 1)
        for (j, y) in b.enumerated() { current[j + 1] = x == y ? previous[j] + 1 : max(previous[j + 1], current[j]) }
        previous = current
    }
    let extra = a.count - previous[b.count]
    return Double(previous[b.count] - extra) / Double(b.count)
}

// Speed: one core, the same audio for both.
let call = makeCall(seconds: minutes * 60, seed: 1)
let audioSeconds = Double(call.samples.count) / Double(rate)
let ours = measure(3) { runOurs(call.samples) }
let peer = measure(3) { runSpandsp(call.samples) }
print("DTMF speed on \(String(format: "%.0f", audioSeconds)) s of 8 kHz audio, \(call.keys.count) keys, 10 ms frames, one core (best of 3):")
print(String(format: "  IVRDSP DTMFDetector  %9.0f x real time   keys right %.4f", audioSeconds / ours.seconds,
             accuracy(ours.keys, call.keys)))
print(String(format: "  spandsp dtmf_rx      %9.0f x real time   keys right %.4f", audioSeconds / peer.seconds,
             accuracy(peer.keys, call.keys)))
print(String(format: "  ratio (ours / spandsp): %.2f", peer.seconds / ours.seconds))

// Worst case: continuous loud noise, so that no half-block is quiet enough to skip.
var noiseRandom = NoiseGenerator(seed: 11)
let loudNoise = (0..<(rate * 300)).map { _ in Int16(max(-32768, min(32767, noiseRandom.gaussian() * 0.1 * 32768))) }
let oursNoise = measure(3) { runOurs(loudNoise) }
let peerNoise = measure(3) { runSpandsp(loudNoise) }
print("Worst case, 300 s of continuous white noise at -20 dBFS (nothing to skip):")
print(String(format: "  IVRDSP %.0f x, spandsp %.0f x real time, ratio %.2f", 300 / oursNoise.seconds,
             300 / peerNoise.seconds, peerNoise.seconds / oursNoise.seconds))

if speedOnly { exit(0) }

// Accuracy under the Q.24 conditions where receivers differ: 2 minutes of keys each.
print("\nKeys right (share of keys sent; extra keys count against), 120 s of keys per condition:")
print("  condition                          IVRDSP   spandsp")
let conditions: [(String, (samples: [Int16], keys: String))] = [
    ("clean, -24 to -4 dBm0", makeCall(seconds: 120, seed: 2)),
    ("both tones +1.5 %", makeCall(seconds: 120, seed: 3, frequencyError: 0.015)),
    ("both tones -1.5 %", makeCall(seconds: 120, seed: 4, frequencyError: -0.015)),
    ("both tones +3.5 % (must reject)", makeCall(seconds: 120, seed: 5, frequencyError: 0.035)),
    ("high group 8 dB weaker", makeCall(seconds: 120, seed: 6, level: -14 ... -4, twistDB: 8)),
    ("low group 4 dB weaker", makeCall(seconds: 120, seed: 7, level: -18 ... -8, twistDB: -4)),
    ("-36 dBm0", makeCall(seconds: 120, seed: 8, level: -36 ... -36)),
    ("white noise, 10 dB SNR", makeCall(seconds: 120, seed: 9, snrDB: 10, level: -10 ... -10)),
    ("white noise, 6 dB SNR", makeCall(seconds: 120, seed: 10, snrDB: 6, level: -10 ... -10)),
]
for (name, condition) in conditions {
    let rejecting = name.contains("reject")
    let a = runOurs(condition.samples), b = runSpandsp(condition.samples)
    let score: (String) -> String = { keys in
        rejecting ? "\(keys.count) keys" : String(format: "%.4f", accuracy(keys, condition.keys))
    }
    print("  \(name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(score(a).padding(toLength: 8, withPad: " ", startingAt: 0)) \(score(b))")
}
