import CEspeakNG
import Foundation

/// Every call into eSpeak NG's C library. eSpeak keeps global state and is not reentrant: all
/// calls run under one lock, and one synthesis at a time.
enum EspeakNG {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var outputRate: Int?

    /// Runs `body` with eSpeak initialized (once per process, synchronous mode), under the lock.
    static func withEngine<T>(_ body: (_ rate: Int) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if outputRate == nil {
            let rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nil, 0)
            guard rate > 0 else { throw SpeechError.synthesizer("eSpeak NG could not start (is espeak-ng-data installed?)") }
            espeak_SetSynthCallback(collectSamples)
            outputRate = Int(rate)
        }
        return try body(outputRate!)
    }

    /// The voices eSpeak NG knows: (name, identifier, languages).
    static func voices() throws -> [(name: String, identifier: String, languages: [String])] {
        try withEngine { _ in
            var result: [(String, String, [String])] = []
            guard var pointer = espeak_ListVoices(nil) else { return [] }
            while let voice = pointer.pointee {
                let name = String(cString: voice.pointee.name)
                let identifier = String(cString: voice.pointee.identifier)
                var languages: [String] = []
                if var cursor = voice.pointee.languages {
                    // Pairs of a priority byte and a zero-terminated language, ended by a zero byte.
                    while cursor.pointee != 0 {
                        cursor += 1
                        let language = String(cString: cursor)
                        languages.append(language)
                        cursor += language.utf8.count + 1
                    }
                }
                result.append((name, identifier, languages))
                pointer += 1
            }
            return result
        }
    }

    /// Synthesizes `text` with the voice and settings; samples at eSpeak's own rate.
    static func synthesize(_ text: String, voice: String, rate: Int, pitch: Int, volume: Int, ssml: Bool) throws -> (samples: [Int16], rate: Int) {
        try withEngine { outputRate in
            guard espeak_SetVoiceByName(voice) == EE_OK || selectByLanguage(voice) else { throw SpeechError.unknownVoice(voice) }
            espeak_SetParameter(espeakRATE, Int32(rate), 0)
            espeak_SetParameter(espeakPITCH, Int32(pitch), 0)
            espeak_SetParameter(espeakVOLUME, Int32(volume), 0)
            // Settings an earlier synthesis (SSML) may have changed go back to their defaults.
            espeak_SetParameter(espeakRANGE, 50, 0)
            espeak_SetParameter(espeakWORDGAP, 0, 0)
            espeak_SetParameter(espeakCAPITALS, 0, 0)
            espeak_SetParameter(espeakPUNCTUATION, Int32(espeakPUNCT_NONE.rawValue), 0)
            let buffer = SampleBuffer()
            let context = Unmanaged.passRetained(buffer)
            defer { context.release() }
            let flags = UInt32(espeakCHARS_UTF8) | (ssml ? UInt32(espeakSSML) : 0)
            let status = text.withCString { pointer in
                espeak_Synth(pointer, strlen(pointer) + 1, 0, POS_CHARACTER, 0, flags, nil, context.toOpaque())
            }
            guard status == EE_OK else { throw SpeechError.synthesizer("eSpeak NG failed to synthesize (status \(status.rawValue))") }
            espeak_Synchronize()
            return (buffer.samples, outputRate)
        }
    }
}

/// Chooses a voice by language code (`en-gb`), for codes that are not voice names; a
/// variant after `+` is dropped. Call under the engine's lock.
private func selectByLanguage(_ voice: String) -> Bool {
    let language = String(voice.split(separator: "+").first ?? "")
    guard !language.isEmpty else { return false }
    let chosen = language.withCString { pointer in
        var properties = espeak_VOICE()
        properties.languages = pointer
        return espeak_SetVoiceByProperties(&properties) == EE_OK
    }
    // eSpeak falls back to a related language; only the exact one counts.
    guard chosen, let current = espeak_GetCurrentVoice(), var cursor = current.pointee.languages else { return false }
    while cursor.pointee != 0 {
        cursor += 1
        let name = String(cString: cursor)
        if name.lowercased() == language.lowercased() { return true }
        cursor += name.utf8.count + 1
    }
    return false
}

/// Where the synthesis callback puts samples (passed as the synthesis' user data).
private final class SampleBuffer {
    var samples: [Int16] = []
}

/// eSpeak's synthesis callback: appends the samples to the buffer named by the events' user data.
private func collectSamples(_ wav: UnsafeMutablePointer<Int16>?, _ count: Int32, _ events: UnsafeMutablePointer<espeak_EVENT>?) -> Int32 {
    guard let events, let userData = events.pointee.user_data else { return 0 }
    let buffer = Unmanaged<SampleBuffer>.fromOpaque(userData).takeUnretainedValue()
    if let wav, count > 0 { buffer.samples.append(contentsOf: UnsafeBufferPointer(start: wav, count: Int(count))) }
    return 0
}
