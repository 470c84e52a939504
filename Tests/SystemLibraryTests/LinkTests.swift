import CALSA
import CEspeakNG
import CPocketSphinx
import CSndFile
import CSoxr
import Foundation
import Testing

/// Each C library binds, links and answers: the module maps and pkg-config settings work.
@Suite("C library bindings")
struct LinkTests {
    @Test func libsndfile() {
        #expect(String(cString: sf_version_string()).hasPrefix("libsndfile"))
    }

    @Test func libsoxr() {
        #expect(String(cString: soxr_version()).contains("libsoxr"))
    }

    @Test func alsa() {
        #expect(String(cString: snd_asoundlib_version()).split(separator: ".").count >= 2)
    }

    @Test func espeakNG() {
        var dataPath: UnsafePointer<CChar>? = nil
        let version = String(cString: espeak_Info(&dataPath))
        #expect(version.first?.isNumber == true)
    }

    /// Only the options are parsed here: loading a decoder would race with the decoders of
    /// other suites running at the same time (PocketSphinx shares state between decoders;
    /// IVRSpeech serializes every call, this module cannot). IVRSpeechTests load the model.
    @Test("PocketSphinx parses options for the Debian en-us model")
    func pocketsphinx() throws {
        let model = "/usr/share/pocketsphinx/model/en-us"
        #expect(FileManager.default.fileExists(atPath: "\(model)/en-us/mdef"))
        let arguments = ["ivr", "-hmm", "\(model)/en-us", "-dict", "\(model)/cmudict-en-us.dict"]
        var argv = arguments.map { strdup($0) }
        defer { argv.forEach { free($0) } }
        let config = cmd_ln_parse_r(nil, ps_args(), Int32(argv.count), &argv, 0)
        #expect(config != nil)
        cmd_ln_free_r(config)
    }
}
