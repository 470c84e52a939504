// Speed of prompt synthesis (eSpeak NG through its C library, resampled to 8 kHz) and how soon
// a cached prompt can start playing, from memory and from the disk cache. One core.
//   PromptBenchmark
import Foundation
import IVRSpeech

let sentences = [
    "Thank you for calling Example Help Desk.", "For billing, press 1 or say billing.",
    "For our opening hours, press 2 or say hours.", "For your account balance, press 3.",
    "To reset a password, press 4.", "For sales, press 5.", "To get help by text message, press 6.",
    "For an operator, press 0.", "Sorry, I did not hear you.", "Sorry, I did not catch that.",
    "Please enter your eight digit account number.", "Now enter your four digit PIN.",
    "Sorry, that account number or PIN is not correct.", "Connecting you to billing.",
    "All our agents are busy. To be called back, press 1. To leave a voicemail, press 2.",
    "Please leave a message after the tone.", "Thank you, your message has been recorded. Goodbye.",
    "We are open Monday to Friday from 8 AM to 6 PM, and Saturday from 9 AM to 1 PM, Eastern time.",
    "To go back to the main menu, press 1. To end the call, press 2.", "Thank you for calling. Goodbye.",
]
let rate = 8000
let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ivr-prompt-benchmark-\(getpid())").path
defer { try? FileManager.default.removeItem(atPath: folder) }

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let synthesizer = SpeechSynthesizer(sampleRate: rate)
_ = try synthesizer.synthesize("warm up")
var audio = 0.0
var best = Double.infinity
for _ in 0..<3 {
    audio = 0
    best = min(best, try seconds {
        for sentence in sentences { audio += Double(try synthesizer.synthesize(sentence).count) / Double(rate) }
    })
}
print(String(format: "synthesis: %.1f s of prompts in %.3f s: %.0f× real time (best of 3)", audio, best, audio / best))

let cache = PromptCache(synthesizer: synthesizer, folder: folder)
for sentence in sentences { _ = try cache.audio(for: sentence, settings: .init()) }
var memory: [Double] = []
for sentence in sentences { memory.append(try seconds { _ = try cache.audio(for: sentence, settings: .init()) }) }
let reopened = PromptCache(synthesizer: synthesizer, folder: folder)
var disk: [Double] = []
for sentence in sentences { disk.append(try seconds { _ = try reopened.audio(for: sentence, settings: .init()) }) }
func summary(_ values: [Double]) -> String {
    let sorted = values.sorted()
    return String(format: "median %.3f ms, max %.3f ms", sorted[sorted.count / 2] * 1000, sorted.last! * 1000)
}
print("cached prompt ready to play, from memory: \(summary(memory))")
print("cached prompt ready to play, from the disk cache: \(summary(disk))")
