// Spoken-intent accuracy and cost, real telephone speech first:
//   1. real: the development list of real recordings (../shared/data/real-speech-dev.tsv,
//      Debian's asterisk-core-sounds-en): single-word answers against menus of 10–30 words,
//      the sentences against the same menus (to be rejected), keyword spotting and intents
//      on the sentences with twelve keyword intents;
//   2. digits: spoken digit strings (pocketsphinx-testdata's real TIDIGITS recording, the dev
//      list's numbers from ten up, synthetic voices at 8 kHz);
//   3. testdata: pocketsphinx-testdata's other real recordings with their grammars (16 kHz,
//      8 kHz telephone band, 8 kHz with white noise at 10 dB SNR);
//   4. synthetic: the example intents said by flite, eSpeak NG and Festival voices;
//   5. cost: CPU of the whole decision against one plain grammar decode of the same audio (in
//      each table), grammar switch, memory.
//   Asked for only: cepstral-mean measures CepstralMeanPrior.telephone (the dev list's real
//   sentences, and eSpeak NG voices that none of the rows use saying them).
//   IntentBenchmark PROJECT_FOLDER [SECTION | CONDITION]   (a condition such as "8 kHz telephone"
//   runs only the synthetic rows of that condition)
//   REAL_SOUNDS=FOLDER reads the dev list's recordings from FOLDER (the same names, e.g. after a
//   codec: scripts/benchmark-intents real-lines);
//   VERBOSE=1 prints each utterance's file or voice, what was heard and decided on standard error;
//   SCORING=pocketsphinx runs ours with PocketSphinx's own scoring (for comparison);
//   KEYS_SAID=1 gives every menu the keys said too ("two", "press two"), as a flow's menus have.
import Foundation
import IVRAudio
import IVRDSP
import IVRSpeech

let project = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : ".."
let only = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : nil
func runs(_ section: String) -> Bool { only == nil || only == section }

// A copy of this program away from the project (without IVR_HOME) would measure 8 kHz speech
// without the narrowband transform, far worse, and say nothing.
guard RecognitionModel.debian.narrowbandTransforms[.whole] != nil else {
    FileHandle.standardError.write(Data("IntentBenchmark: models/en-us-narrowband.mllr not found; run it from the project or set IVR_HOME\n".utf8))
    exit(1)
}

let memoryBefore = residentMegabytes()
// SCORING=pocketsphinx: ours with PocketSphinx's own Gaussian evaluation (the design before the shared scoring).
let recognizer = try SpeechRecognizer(scoring: ProcessInfo.processInfo.environment["SCORING"] == "pocketsphinx" ? .pocketSphinx : .shared)
let grammar = try IntentGrammar.load(path: "\(project)/examples/intents.yaml", knows: recognizer.knows)
let memoryModel = residentMegabytes() - memoryBefore
// The peer: the same model, decoder and grammars with PocketSphinx's own scoring, its best path
// taken as it is (a plain integration of the decoder).
let plainRecognizer = try SpeechRecognizer(scoring: .pocketSphinx)

if runs("real") {
    let speech = try RealSpeech(list: "\(project)/../shared/data/real-speech-dev.tsv")
    var rows = RealSpeechRows(speech: speech, recognizer: recognizer, plainRecognizer: plainRecognizer)
    try rows.menus()
    try rows.keywords(list: RealSpeech.keywordIntents.flatMap(\.phrases).map { ($0, nil) })
}

let testdata = "/usr/share/pocketsphinx/test/data"
let digitNames = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
let digitsGrammar = "#JSGF V1.0;\ngrammar digits;\npublic <digits> = <digit>+;\n<digit> = zero | oh | \(digitNames.dropFirst().joined(separator: " | "));\n"

if only == "cepstral-mean" {
    // Each speaker's mean over its sentences; the prior is the real speaker's and the synthetic
    // voices' average, one half each (the real line's character, the voices' variety).
    // VOICE_BAND=300-3400 or -3400 (sox `sinc` arguments): the voices limited so as well
    // (REAL_SOUNDS then holds the recordings so limited): CepstralMeanPrior.telephone(.voiceBand)
    // or (.topCut).
    let band = ProcessInfo.processInfo.environment["VOICE_BAND"]
    let line: TelephoneBand.Line = band == nil ? .whole : band!.hasPrefix("-") ? .topCut : .voiceBand
    func average(_ means: [[Float]]) -> [Float] {
        means.dropFirst().reduce(means[0]) { zip($0, $1).map(+) }.map { $0 / Float(means.count) }
    }
    let sentences = try RealSpeech(list: "\(project)/../shared/data/real-speech-dev.tsv").sentences
    let voices = ["en-us+f2", "en-us+m6", "en+f5", "en-gb+m7"].map { TestVoice($0) }
    // Each speaker's sentences at 8 kHz as a call would carry them: the recordings, then the voices.
    let spoken: [(name: String, audio: [[Int16]])] = try [("the recordings", sentences.map(\.audio))] + voices.map { voice in
        (voice.name, try sentences.map { text in
            let wideband = try voice.speak(text.text, sampleRate: 16000)
            guard RealSpeech.rate == 8000 else { return wideband }
            let narrow = try telephone(wideband, snr: nil, seed: 0)
            return try band.map { try limited(narrow, to: $0) } ?? narrow
        })
    }
    let means = try spoken.map { speaker in average(try speaker.audio.map { try recognizer.cepstralMean(of: $0, sampleRate: RealSpeech.rate).mean }) }
    let prior = average([means[0], average(Array(means.dropFirst()))])
    let priorName = RealSpeech.rate == 8000 ? "telephone(.\(line))" : "wideband"
    print("CepstralMeanPrior.\(priorName): [" + prior.map { String(format: "%.2f", $0) }.joined(separator: ", ") + "]")
    print("real sentences: [" + means[0].map { String(format: "%.2f", $0) }.joined(separator: ", ") + "]")
    // Its word offset (telephone speech only: a wideband utterance is not heard again on its
    // line): how far the same sentences' words, each decoded with a grammar of its own words on
    // the current prior, show the line from that prior's mean, beyond the current offset.
    guard RealSpeech.rate == 8000 else { exit(0) }
    let telephonePrior = CepstralMeanPrior.telephone(line)
    func shownBeyondPrior(_ audio: [Int16], _ words: [String]) throws -> [Float]? {
        guard !words.isEmpty, words.allSatisfy(recognizer.knows) else { return nil }
        try recognizer.addGrammar("sentence", jsgf: "#JSGF V1.0;\ngrammar sentence;\npublic <sentence> = \(words.joined(separator: " "));\n")
        try recognizer.use("sentence")
        recognizer.startCall()
        guard let shown = try recognizer.recognize(audio, sampleRate: 8000).lineMean else { return nil }
        return shown.indices.map { $0 == 0 ? 0 : shown[$0] - telephonePrior.mean[$0] + telephonePrior.wordOffset[$0] }
    }
    let offsets = try spoken.map { speaker in
        average(try zip(speaker.audio, sentences).enumerated().compactMap { index, pair in
            progress("word offset, \(speaker.name): \(index + 1)/\(sentences.count)")
            return try shownBeyondPrior(pair.0, RealSpeechRows.words(pair.1.text))
        })
    }
    progress("")
    let offset = average([offsets[0], average(Array(offsets.dropFirst()))])
    print("CepstralMeanPrior.\(priorName) word offset: [" + offset.map { String(format: "%.2f", $0) }.joined(separator: ", ") + "]")
    print("real sentences: [" + offsets[0].map { String(format: "%.2f", $0) }.joined(separator: ", ") + "]")
}

if runs("digits") {
    try recognizer.addGrammar("digits", jsgf: digitsGrammar)
    print("### Spoken digit strings at 8 kHz telephone band, strings and digits right: any count (a digits grammar), and the count known (as a `collect` or `verify` node knows it: the flow's entry intent)\n")
    print("| speakers | strings right, any count | digits right, any count | strings right, count known | digits right, count known |")
    print("|---|---|---|---|---|")
    var generator = NoiseGenerator(seed: 7)
    let strings: [[String]] = (0..<12).map { index in
        generator.white(count: 4 + index % 5, rms: 1).map { digitNames[Int(abs($0) * 1000) % 10] }
    }
    // The entry intent a flow listens for when an entry takes `count` digits.
    var entries: [Int: IntentGrammar] = [:]
    for count in Set(strings.map(\.count)) {
        entries[count] = try IntentGrammar(intents: [(name: "entry", phrases: ["{entry:digits_\(count)_\(count)}"])])
        try recognizer.addIntents("entry\(count)", grammar: entries[count]!)
    }
    typealias Tally = (strings: Int, stringsRight: Int, digits: Int, digitsRight: Int)
    func tallied(_ tally: inout Tally, _ heard: [String], _ digits: [String]) {
        tally.strings += 1
        tally.stringsRight += heard == digits ? 1 : 0
        tally.digits += digits.count
        tally.digitsRight += IntentCalibration.wordsInOrder(heard, digits)
    }
    func add(_ total: inout Tally, _ part: Tally) {
        total = (total.strings + part.strings, total.stringsRight + part.stringsRight, total.digits + part.digits, total.digitsRight + part.digitsRight)
    }
    func cells(_ tally: Tally, bold: Bool = false) -> String {
        let mark = bold ? "**" : ""
        return String(format: "\(mark)%d/%d (%.1f %%)\(mark) | \(mark)%.1f %%\(mark)", tally.stringsRight, tally.strings,
                      100 * Double(tally.stringsRight) / Double(tally.strings), 100 * Double(tally.digitsRight) / Double(tally.digits))
    }
    var all: (any: Tally, known: Tally) = ((0, 0, 0, 0), (0, 0, 0, 0))
    for family in SyntheticRows.families where !family.voices.isEmpty {
        var row: (any: Tally, known: Tally) = ((0, 0, 0, 0), (0, 0, 0, 0))
        for voice in family.voices {
            for digits in strings {
                let audio = try telephone(try voice.speak(digits.joined(separator: " "), sampleRate: 16000), snr: nil, seed: 0)
                recognizer.startCall()
                try recognizer.use("digits")
                let heard = try recognizer.recognize(audio, sampleRate: 8000).words
                recognizer.startCall()
                let known = try recognizer.understand(audio, sampleRate: 8000, intents: "entry\(digits.count)", grammar: entries[digits.count]!).heard.words
                trace("digits | \(voice) | \(digits.joined(separator: " ")) | \(heard.joined(separator: " ")) | \(known.joined(separator: " "))")
                tallied(&row.any, heard, digits)
                tallied(&row.known, known, digits)
            }
        }
        print("| \(family.name) (\(family.voices.count) voices × 12 strings of 4–8 digits) | \(cells(row.any)) | \(cells(row.known)) |")
        add(&all.any, row.any)
        add(&all.known, row.known)
    }
    print("| **all synthetic** | \(cells(all.any, bold: true)) | \(cells(all.known, bold: true)) |")
    recognizer.startCall()
    try recognizer.use("digits")
    let tidigits = try recognizer.recognize(try telephone(try raw("\(testdata)/tidigits/dhd.2934z.raw"), snr: nil, seed: 0), sampleRate: 8000)
    print("| real: TIDIGITS dhd.2934z, \"two nine three four zero\" | heard \"\(tidigits.text)\" | | | |")
    // The dev list's numbers from ten up, each against a grammar of digits and numbers.
    let numbers = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
                   "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand"]
    try recognizer.addGrammar("numbers", jsgf: "#JSGF V1.0;\ngrammar numbers;\npublic <n> = (<digit> | \(numbers.joined(separator: " | ")))+;\n<digit> = zero | oh | \(digitNames.dropFirst().joined(separator: " | "));\n")
    let speech = try RealSpeech(list: "\(project)/../shared/data/real-speech-dev.tsv")
    var numbersRight = 0, numbersTotal = 0
    for recording in speech.singleWords where numbers.contains(recording.word) {
        recognizer.startCall()
        try recognizer.use("numbers")
        let heard = try recognizer.recognize(recording.audio, sampleRate: 8000)
        trace("numbers | \(recording.file) | \(recording.word) | \(heard.text)")
        numbersTotal += 1
        numbersRight += heard.text == recording.word ? 1 : 0
    }
    print("| real: the dev list's numbers from ten up (digits-and-numbers grammar) | \(numbersRight)/\(numbersTotal) | | | |\n")
}

if runs("testdata") {
    var recordings: [(name: String, audio: [Int16], grammar: String, truth: String)] = []
    let cardsGrammar = try String(contentsOfFile: "\(testdata)/cards/cards.gram", encoding: .utf8)
    for line in try String(contentsOfFile: "\(testdata)/cards/cards.transcription", encoding: .utf8).split(separator: "\n") {
        guard let open = line.lastIndex(of: "("), let close = line.lastIndex(of: ")") else { continue }
        let id = String(line[line.index(after: open)..<close])
        let truth = line[..<open].replacingOccurrences(of: "<s>", with: "").replacingOccurrences(of: "</s>", with: "")
            .split(separator: " ").joined(separator: " ")
        recordings.append(("cards/\(id)", try AudioFileSource(path: "\(testdata)/cards/\(id).wav", sampleRate: 16000).readAll(), cardsGrammar, truth))
    }
    recordings.append(("goforward", try raw("\(testdata)/goforward.raw"),
                       try String(contentsOfFile: "\(testdata)/goforward.gram", encoding: .utf8), "go forward ten meters"))
    recordings.append(("tidigits/dhd.2934z", try raw("\(testdata)/tidigits/dhd.2934z.raw"), digitsGrammar, "two nine three four zero"))
    print("### pocketsphinx-testdata's real recordings with their grammars: sentence right and accepted\n")
    print("| condition | right and accepted | rejected | plain grammar: right |")
    print("|---|---|---|---|")
    for (condition, rate, snr, seeds) in [("16 kHz", 16000, nil as Double?, [UInt64(0)]), ("8 kHz telephone band", 8000, nil, [0]),
                                          ("8 kHz telephone band, 10 dB SNR (5 noise seeds)", 8000, 10.0, Array(1...5))] {
        var correct = 0, rejected = 0, plainCorrect = 0, total = 0
        for (index, recording) in recordings.enumerated() {
            try recognizer.addGrammar("real\(index)", jsgf: recording.grammar)
            try plainRecognizer.addGrammar("real\(index)", jsgf: recording.grammar)
            for seed in seeds {
                let audio = rate == 16000 ? recording.audio : try telephone(recording.audio, snr: snr, seed: seed)
                try recognizer.use("real\(index)")
                recognizer.startCall()
                let heard = try recognizer.recognize(audio, sampleRate: rate)
                try plainRecognizer.use("real\(index)")
                plainRecognizer.startCall()
                total += 1
                if try plainRecognizer.recognize(audio, sampleRate: rate, checked: false).text == recording.truth { plainCorrect += 1 }
                if heard.confidence < IntentThresholds.defaultThreshold { rejected += 1 } else if heard.text == recording.truth { correct += 1 }
                trace("\(condition) | \(recording.name) | seed \(seed) | \(heard.text) | \(String(format: "%.3f", heard.confidence))")
            }
        }
        print("| \(condition) | \(correct)/\(total) | \(rejected) | \(plainCorrect)/\(total) |")
    }
    print()
}

if runs("synthetic") || SyntheticRows.conditions.contains(where: { $0.name == only }) {
    try SyntheticRows(recognizer: recognizer, plainRecognizer: plainRecognizer, grammar: grammar).intents(only: only == "synthetic" ? nil : only)
}

if runs("cost") {
    try recognizer.addIntents("intents", grammar: grammar)
    try recognizer.addGrammar("other", jsgf: digitsGrammar)
    var switchTimes: [Double] = []
    for index in 0..<200 {
        let start = DispatchTime.now().uptimeNanoseconds
        try recognizer.use(index % 2 == 0 ? "intents" : "other")
        switchTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    let addStart = DispatchTime.now().uptimeNanoseconds
    try recognizer.addIntents("fresh", grammar: grammar)
    print(String(format: "grammar switch: median %.3f ms, max %.3f ms (200 switches); compiling and adding the intent grammar: %.1f ms",
                 switchTimes.sorted()[100], switchTimes.max()!, Double(DispatchTime.now().uptimeNanoseconds - addStart) / 1e6))
    print(String(format: "memory: the model, dictionary and the acoustic check take %.0f MB resident, loaded once per process and shared by every call", memoryModel))
}
