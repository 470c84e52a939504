import Foundation

/// A bigram language model of what a grammar lets a caller say, in ARPA text. The free decode
/// that checks a grammar's hypothesis uses the general model interpolated with it, so that it
/// hears the grammar's words where they were said (see `SpeechRecognizer.grammarWeightInCheck`).
///
/// Built from the grammar's structure, not from sample sentences: every pair of words that can
/// follow each other counts once (`<s>` before a first word, `</s>` after a last one), so slot
/// values and loops weigh alike. Absolute discounting (0.5) backs off to add-one unigrams.
struct PhraseLanguageModel: Equatable {
    /// For each word (or `<s>`), the words that can follow it (or `</s>`).
    var followers: [String: Set<String>]

    static let discount = 0.5

    /// The words the model knows (not `<s>` or `</s>`).
    var words: Set<String> {
        followers.values.reduce(Set(followers.keys)) { $0.union($1) }.subtracting(["<s>", "</s>"])
    }

    /// Log10 probabilities: unigrams with their back-off weights, and bigrams.
    var unigrams: [(word: String, probability: Double, backoff: Double)] {
        let counts = unigramCounts
        let total = counts.values.reduce(0, +) + Double(counts.count)
        let probability = { (word: String) in (counts[word]! + 1) / total }
        return (["<s>"] + counts.keys.sorted()).map { word in
            (word, word == "<s>" ? -99 : log10(probability(word)), log10(backoff(after: word, unigram: probability)))
        }
    }

    /// Log10 bigram probabilities, in order.
    var bigrams: [(left: String, right: String, probability: Double)] {
        followers.keys.sorted().flatMap { left in
            let next = followers[left]!
            return next.sorted().map { (left, $0, log10((1 - Self.discount) / Double(next.count))) }
        }
    }

    /// How often each word (and `</s>`) follows another word.
    private var unigramCounts: [String: Double] {
        var counts: [String: Double] = [:]
        for next in followers.values { for word in next { counts[word, default: 0] += 1 } }
        return counts
    }

    /// The mass left after `word`'s bigrams, over the unigram mass of the words they do not cover.
    private func backoff(after word: String, unigram: (String) -> Double) -> Double {
        guard let next = followers[word], !next.isEmpty else { return 1 }
        let covered = next.reduce(0) { $0 + unigram($1) }
        return Self.discount / max(1 - covered, 1e-6)
    }

    /// The model in ARPA format.
    var arpa: String {
        let unigrams = self.unigrams, bigrams = self.bigrams
        var lines = ["\\data\\", "ngram 1=\(unigrams.count)", "ngram 2=\(bigrams.count)", "", "\\1-grams:"]
        lines += unigrams.map { String(format: "%.5f %@ %.5f", $0.probability, $0.word, $0.backoff) }
        lines += ["", "\\2-grams:"]
        lines += bigrams.map { String(format: "%.5f %@ %@", $0.probability, $0.left, $0.right) }
        lines += ["", "\\end\\", ""]
        return lines.joined(separator: "\n")
    }
}
