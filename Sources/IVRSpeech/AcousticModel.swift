import Foundation

/// The parts of a PocketSphinx semi-continuous (PTM) acoustic model that the acoustic check of
/// a hypothesis needs, read from the model's own files: the Gaussian codebooks (`means`,
/// `variances`, one codebook per base phone and feature stream), the senones' mixture weights
/// (`sendump`), the phone set with its triphones and their senones (`mdef`, binary) and the
/// transition matrices. Formats as PocketSphinx 5prealpha reads them (`ms_gauden.c`,
/// `ptm_mgau.c`, `bin_mdef.c`, `tmat.c`).
///
/// About 12 MB in memory; reading takes a few tens of milliseconds.
struct AcousticModel: Sendable {
    /// Base phones in the model's order (`SIL`, `AA`, …, fillers such as `+NSN+`).
    let phoneNames: [String]
    /// Feature streams, densities per codebook, coefficients per stream (3, 128, 13 for en-us).
    let streams: Int, densities: Int, coefficients: Int
    /// Codebooks (one per base phone); means and variances as
    /// `[codebook][stream][density][coefficient]`, flattened.
    let codebooks: Int
    var means: [Float]
    let variances: [Float]
    /// Senones in all; the codebook of each.
    let senones: Int
    let codebookOfSenone: [Int32]
    /// Mixture weights as stored, `[stream][density][senone]`: weight = 1.0001^−(byte·1024).
    let mixtureWeightBytes: [UInt8]
    /// The three senones of each base phone (`ciSenones[3·phone + state]`).
    let ciSenones: [Int32]
    /// Per triphone (``triphoneIndex(base:left:right:position:)``), the first of its three
    /// senones in ``triphoneSenones``, or −1 when the model has no such triphone.
    let triphoneSenones: [Int32]
    /// Per base phone, log transition probabilities `[from][to]` of its 3 emitting states and
    /// exit (3×4, natural log).
    let transitions: [[Float]]

    /// Where in a word a triphone stands (PocketSphinx's word positions).
    enum WordPosition: UInt8 { case inside = 0, begin = 1, end = 2, single = 3 }

    /// Where a triphone's senones are in ``triphoneSenones`` (three from there).
    static func triphoneIndex(base: Int, left: Int, right: Int, position: Int, phones: Int) -> Int {
        3 * (((position * phones + base) * phones + left) * phones + right)
    }

    /// Natural log of one step of a `sendump` byte: 1024 · ln 1.0001.
    static let mixtureWeightStep = Float(1024 * log(1.0001))

    init(directory: String) throws(RecognitionError) {
        func data(_ name: String) throws(RecognitionError) -> Data {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw RecognitionError.model("\(path): cannot read the acoustic model's \(name)")
            }
            return contents
        }
        var meansFile = ModelFileReader(try data("means"), name: "means")
        let (codebooks, streams, densities, coefficients, means) = try meansFile.gaussianParameters()
        var variancesFile = ModelFileReader(try data("variances"), name: "variances")
        let variances = try variancesFile.gaussianParameters().4
        var mdefFile = ModelFileReader(try data("mdef"), name: "mdef")
        let mdef = try mdefFile.phoneDefinitions()
        var transitionsFile = ModelFileReader(try data("transition_matrices"), name: "transition_matrices")
        let transitions = try transitionsFile.transitionMatrices()
        var weightsFile = ModelFileReader(try data("sendump"), name: "sendump")
        let weights = try weightsFile.mixtureWeights(streams: streams, densities: densities, senones: mdef.senones)
        guard variances.count == means.count else { throw RecognitionError.model("\(directory): means and variances differ in size") }
        guard codebooks == mdef.phoneNames.count, transitions.count >= mdef.phoneNames.count else {
            throw RecognitionError.model("\(directory): not a model with one codebook per base phone (PTM)")
        }
        self.phoneNames = mdef.phoneNames
        self.streams = streams
        self.densities = densities
        self.coefficients = coefficients
        self.codebooks = codebooks
        self.means = means
        // PocketSphinx's variance floor (-varfloor 1e-4): the en-us model has zero variances.
        self.variances = variances.map { max($0, 1e-4) }
        senones = mdef.senones
        codebookOfSenone = mdef.codebookOfSenone
        mixtureWeightBytes = weights
        ciSenones = mdef.ciSenones
        triphoneSenones = mdef.triphoneSenones
        self.transitions = transitions
    }

    /// Index of a base phone by name.
    func phone(named name: String) -> Int? { phoneNames.firstIndex(of: name) }

    /// The senones of `base` between `left` and `right` at `position` in a word; as PocketSphinx
    /// does, another word position when the model lacks that one, else the base phone's own.
    func senones(of base: Int, left: Int, right: Int, position: WordPosition) -> (Int32, Int32, Int32) {
        let order: [WordPosition] = [position] + [.inside, .begin, .end, .single].filter { $0 != position }
        for each in order {
            let index = Self.triphoneIndex(base: base, left: left, right: right, position: Int(each.rawValue), phones: phoneNames.count)
            if triphoneSenones[index] >= 0 { return (triphoneSenones[index], triphoneSenones[index + 1], triphoneSenones[index + 2]) }
        }
        return (ciSenones[3 * base], ciSenones[3 * base + 1], ciSenones[3 * base + 2])
    }

    /// Applies an MLLR mean transform (sphinxtrain's `mllr_solve` output, one class): each
    /// stream's means become A·mean + b.
    mutating func adapt(toTransformAt path: String) throws(RecognitionError) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw RecognitionError.model("\(path): cannot read the transform")
        }
        let numbers = text.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        guard numbers.count >= 2, Int(numbers[0]) == 1, Int(numbers[1]) == streams else {
            throw RecognitionError.model("\(path): not an MLLR transform")
        }
        var position = 2
        for stream in 0..<streams {
            guard position < numbers.count, Int(numbers[position]) == coefficients,
                  position + 1 + coefficients * (coefficients + 2) <= numbers.count else {
                throw RecognitionError.model("\(path): stream \(stream + 1) is not \(coefficients) coefficients")
            }
            position += 1
            let matrix = Array(numbers[position..<position + coefficients * coefficients])
            position += coefficients * coefficients
            let offset = Array(numbers[position..<position + coefficients])
            position += 2 * coefficients  // the offsets, then variance scales (not used)
            for codebook in 0..<codebooks {
                for density in 0..<densities {
                    let start = ((codebook * streams + stream) * densities + density) * coefficients
                    let mean = means[start..<start + coefficients].map(Double.init)
                    for row in 0..<coefficients {
                        var value = offset[row]
                        for column in 0..<coefficients { value += matrix[row * coefficients + column] * mean[column] }
                        means[start + row] = Float(value)
                    }
                }
            }
        }
    }
}

/// Reads the binary files of a Sphinx model (little- or big-endian, as their byte-order marks say).
private struct ModelFileReader {
    let data: Data
    let name: String
    var offset = 0
    var swapped = false

    init(_ data: Data, name: String) {
        self.data = data
        self.name = name
    }

    private func failure(_ message: String) -> RecognitionError { .model("acoustic model file \(name): \(message)") }

    mutating func int32() throws(RecognitionError) -> Int32 {
        guard offset + 4 <= data.count else { throw failure("ends early") }
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(data[data.startIndex + offset + index]) << (8 * index) }
        offset += 4
        return Int32(bitPattern: swapped ? value.byteSwapped : value)
    }

    /// `count` 32-bit floats at once.
    mutating func float32s(_ count: Int) throws(RecognitionError) -> [Float] {
        guard count >= 0, offset + 4 * count <= data.count else { throw failure("ends early") }
        var values = [Float](repeating: 0, count: count)
        let start = data.startIndex + offset
        values.withUnsafeMutableBytes { target in _ = data.copyBytes(to: target, from: start..<(start + 4 * count)) }
        if swapped { values = values.map { Float(bitPattern: $0.bitPattern.byteSwapped) } }
        offset += 4 * count
        return values
    }

    mutating func bytes(_ count: Int) throws(RecognitionError) -> [UInt8] {
        guard count >= 0, offset + count <= data.count else { throw failure("ends early") }
        defer { offset += count }
        return [UInt8](data[(data.startIndex + offset)..<(data.startIndex + offset + count)])
    }

    /// Skips the text header of an `s3` file (up to `endhdr\n`) and reads its byte-order mark.
    mutating func s3Header() throws(RecognitionError) {
        guard let end = data.range(of: Data("endhdr\n".utf8)) else { throw failure("no s3 header") }
        offset = end.upperBound - data.startIndex
        let mark = try int32()
        if mark != 0x1122_3344 {
            swapped = true
            guard UInt32(bitPattern: mark).byteSwapped == 0x1122_3344 else { throw failure("bad byte-order mark") }
        }
    }

    /// `means` or `variances`: codebooks, streams, densities, coefficients per stream, values.
    mutating func gaussianParameters() throws(RecognitionError) -> (Int, Int, Int, Int, [Float]) {
        try s3Header()
        let codebooks = Int(try int32()), streams = Int(try int32()), densities = Int(try int32())
        guard (1...64).contains(streams) else { throw failure("\(streams) feature streams") }
        var lengths: [Int] = []
        for _ in 0..<streams { lengths.append(Int(try int32())) }
        guard Set(lengths).count == 1, let coefficients = lengths.first else { throw failure("streams of different lengths") }
        let count = Int(try int32())
        guard count == codebooks * streams * densities * coefficients else { throw failure("\(count) values, expected \(codebooks * streams * densities * coefficients)") }
        return (codebooks, streams, densities, coefficients, try float32s(count))
    }

    /// `transition_matrices`: per matrix 3×4 (from each emitting state to it and the next),
    /// normalized and as natural logs.
    mutating func transitionMatrices() throws(RecognitionError) -> [[Float]] {
        try s3Header()
        let matrices = Int(try int32()), from = Int(try int32()), to = Int(try int32())
        let count = Int(try int32())
        guard from == 3, to == 4, count == matrices * from * to else { throw failure("not 3-state transition matrices") }
        var result: [[Float]] = []
        for _ in 0..<matrices {
            var matrix = try float32s(12)
            for row in 0..<3 {
                let total = matrix[4 * row..<4 * row + 4].reduce(0, +)
                for column in 0..<4 {
                    let probability = total > 0 ? matrix[4 * row + column] / total : 0
                    matrix[4 * row + column] = probability > 0 ? log(probability) : -1e30
                }
            }
            result.append(matrix)
        }
        return result
    }

    /// `sendump`: header strings, then per stream and density one byte per senone.
    mutating func mixtureWeights(streams: Int, densities: Int, senones: Int) throws(RecognitionError) -> [UInt8] {
        var length = try int32()
        if !(1...999).contains(length) {
            swapped = true
            length = length.byteSwapped
            guard (1...999).contains(length) else { throw failure("not a sendump file") }
        }
        offset += Int(length)  // title
        offset += Int(try int32())  // header
        var settings: [String: Int] = [:]
        while true {
            let size = Int(try int32())
            if size == 0 { break }
            let text = String(decoding: try bytes(size).prefix { $0 != 0 }, as: UTF8.self)
            let parts = text.split(separator: " ")
            if parts.count == 2, let value = Int(parts[1]) { settings[String(parts[0])] = value }
        }
        guard settings["cluster_count", default: 0] == 0 else { throw failure("clustered (4-bit) weights are not supported") }
        let rows = Int(try int32()), columns = Int(try int32())
        guard rows == densities, columns == senones else { throw failure("\(rows)×\(columns) weights, expected \(densities)×\(senones)") }
        return try bytes(streams * densities * senones)
    }

    struct PhoneDefinitions {
        var phoneNames: [String]
        var senones: Int
        var codebookOfSenone: [Int32]
        var ciSenones: [Int32]
        var triphoneSenones: [Int32]
    }

    /// The binary `mdef`: counts, base phone names, the context tree (skipped), the phones
    /// (senone sequence, transition matrix, word position and contexts) and the senone sequences.
    mutating func phoneDefinitions() throws(RecognitionError) -> PhoneDefinitions {
        let mark = try int32()
        if mark != 0x4644_4D42 {  // "BMDF"
            swapped = true
            guard mark.byteSwapped == 0x4644_4D42 else { throw failure("not a binary mdef") }
        }
        _ = try int32()  // version
        offset += Int(try int32())  // format description
        let basePhones = Int(try int32()), phones = Int(try int32()), states = Int(try int32())
        _ = try int32()  // CI senones
        let senones = Int(try int32())
        _ = try int32()  // transition matrices
        let sequences = Int(try int32())
        _ = try int32()  // contexts
        let treeNodes = Int(try int32())
        _ = try int32()  // silence
        guard states == 3 else { throw failure("\(states) states per phone (3 expected)") }
        let namesStart = offset
        var names: [String] = []
        for _ in 0..<basePhones {
            let start = offset
            while offset < data.count, data[data.startIndex + offset] != 0 { offset += 1 }
            names.append(String(decoding: data[(data.startIndex + start)..<(data.startIndex + offset)], as: UTF8.self))
            offset += 1
        }
        offset = namesStart + ((offset - namesStart + 3) & ~3)
        offset += 8 * treeNodes
        let table = try bytes(12 * phones)
        let entries: [(sequence: Int, attributes: [UInt8])] = (0..<phones).map { index in
            let fields = table[(12 * index)..<(12 * index + 12)]
            let word = fields.prefix(4).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
            return (Int(Int32(bitPattern: swapped ? word.byteSwapped : word)), Array(fields.suffix(4)))
        }
        let sequenceValues = Int(try int32())
        guard sequenceValues == sequences * states else { throw failure("senone sequences of uneven length") }
        let raw = try bytes(2 * sequenceValues)
        let sequenceSenones = (0..<sequenceValues).map { index in
            let low = UInt16(raw[2 * index]), high = UInt16(raw[2 * index + 1])
            return Int32(swapped ? (low << 8 | high) : (high << 8 | low))
        }
        var codebookOfSenone = [Int32](repeating: -1, count: senones)
        var ciSenones = [Int32](repeating: 0, count: 3 * basePhones)
        var triphones = [Int32](repeating: -1, count: AcousticModel.triphoneIndex(base: 0, left: 0, right: 0, position: 4, phones: basePhones))
        for (index, entry) in entries.enumerated() {
            guard entry.sequence < sequences else { throw failure("a phone's senone sequence is out of range") }
            let three = (sequenceSenones[3 * entry.sequence], sequenceSenones[3 * entry.sequence + 1], sequenceSenones[3 * entry.sequence + 2])
            let base = index < basePhones ? index : Int(entry.attributes[1])
            for senone in [three.0, three.1, three.2] where Int(senone) < senones { codebookOfSenone[Int(senone)] = Int32(base) }
            if index < basePhones {
                ciSenones[3 * index] = three.0
                ciSenones[3 * index + 1] = three.1
                ciSenones[3 * index + 2] = three.2
            } else {
                let attributes = entry.attributes.map(Int.init)
                guard attributes[0] < 4, attributes[1...].allSatisfy({ $0 < basePhones }) else { throw failure("a triphone's context is out of range") }
                let key = AcousticModel.triphoneIndex(base: attributes[1], left: attributes[2], right: attributes[3], position: attributes[0], phones: basePhones)
                (triphones[key], triphones[key + 1], triphones[key + 2]) = three
            }
        }
        guard !codebookOfSenone.contains(-1) else { throw failure("a senone belongs to no phone") }
        return PhoneDefinitions(phoneNames: names, senones: senones, codebookOfSenone: codebookOfSenone,
                                ciSenones: ciSenones, triphoneSenones: triphones)
    }
}
