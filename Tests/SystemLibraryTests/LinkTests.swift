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

    @Test("PocketSphinx loads the Debian en-us model")
    func pocketsphinx() throws {
        let model = "/usr/share/pocketsphinx/model/en-us"
        err_set_logfp(nil)
        let arguments = ["ivr", "-hmm", "\(model)/en-us", "-dict", "\(model)/cmudict-en-us.dict",
                         "-lm", "\(model)/en-us.lm.bin"]
        var argv = arguments.map { strdup($0) }
        defer { argv.forEach { free($0) } }
        let config = cmd_ln_parse_r(nil, ps_args(), Int32(argv.count), &argv, 0)
        #expect(config != nil)
        let decoder = ps_init(config)
        #expect(decoder != nil)
        ps_free(decoder)
        cmd_ln_free_r(config)
    }
}
