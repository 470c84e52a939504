"""Trains the VAD's network on the "train" split of corpus.py and writes its weights to
Sources/IVRDSP/VADModel+Weights.swift. Run through scripts/train-vad (which builds the feature
tool and the Python environment). Deterministic: fixed seeds throughout."""
import os
import sys

import numpy as np
from sklearn.neural_network import MLPClassifier

import corpus
import ourvad

# Hidden units: 32 beat 16 on the held-out part of the training split in every seed tried
# (accuracy +0.007, false alarms in stationary noise 3.5 % instead of 3.9-5.3 %).
HIDDEN = 32
# What the network sees of the frames after the one it judges (the detector's verdicts lag by
# LOOKAHEAD + BRIDGED_GAP frames): (frames ahead, feature index) pairs. The level above the noise floor and the
# voicing of each of the next six frames tell a pause inside speech from its end.
LOOKAHEAD = 6
LOOKAHEAD_INPUTS = [(k, i) for k in range(1, LOOKAHEAD + 1) for i in (ourvad.LEVEL, ourvad.VOICING)]
# SpeechDecision.bridgedGapFrames: the longest dip below the offset inside speech that stays
# speech.
BRIDGED_GAP = 1
CACHE = os.environ.get("IVR_VAD_CACHE", "/tmp/ivr-vad-cache")
OUTPUT = os.path.join(ourvad.ROOT, "Sources", "IVRDSP", "VADModel+Weights.swift")


def smooth(probabilities, onset, offset, hangover, bridged=BRIDGED_GAP):
    """The detector's decision rule, as VoiceActivityDetector does: hysteresis, dips of up to
    `bridged` frames inside speech kept as speech, then hangover."""
    out = np.zeros(len(probabilities), dtype=bool)
    speaking, since, gap = False, 10**9, 0
    for i, p in enumerate(probabilities):
        if p >= (offset if speaking or gap else onset):
            out[i - gap:i] = True
            speaking, since, gap = True, 0, 0
        else:
            gap = gap + 1 if speaking or gap else 0
            gap = 0 if gap > bridged else gap
            speaking, since = False, since + 1
        out[i] = out[i] or since <= hangover
    return out


def with_lookahead(features):
    """The 32 features of each frame, then LOOKAHEAD_INPUTS (past the end of the signal, its
    last frame repeated, as the detector's flush does)."""
    padded = np.concatenate([features, np.repeat(features[-1:], LOOKAHEAD, axis=0)])
    ahead = [padded[k:k + len(features), i] for k, i in LOOKAHEAD_INPUTS]
    return np.hstack([features, np.stack(ahead, axis=1)])


def main():
    if not corpus.real_dev_utterances(half=0):
        sys.exit(f"train.py: the development list's recordings are missing ({corpus.DEV_LIST} beside the project, "
                 f"{corpus.ASTERISK} from asterisk-core-sounds-en-wav): the network learns from half of them")
    rng = np.random.default_rng(3)
    tracks = []
    for condition, rate, pcm, labels in corpus.build("train", CACHE, seed=7):
        f = with_lookahead(ourvad.features(pcm, rate))
        n = min(len(f), len(labels))
        tracks.append((condition, rate, f[:n], labels[:n]))
        print(f"features {condition} {rate}", file=sys.stderr, flush=True)
    x = np.concatenate([t[2] for t in tracks])
    y = np.concatenate([t[3] for t in tracks])
    pick = rng.choice(len(x), size=min(len(x), 800_000), replace=False)
    mean, std = x[pick].mean(axis=0), x[pick].std(axis=0) + 1e-6
    # Seed 5: seed 6 scored a little better held out but started a phrase of the endpoint tests
    # 130 ms late in noise (BENCHMARKS.md).
    model = MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="relu", alpha=1e-4,
                          batch_size=512, learning_rate_init=2e-3, max_iter=40,
                          early_stopping=True, n_iter_no_change=5, random_state=5)
    model.fit((x[pick] - mean) / std, y[pick])
    print(f"trained: {model.n_iter_} epochs, frame accuracy {model.score((x[pick] - mean) / std, y[pick]):.3f}",
          file=sys.stderr)

    # Decision rule: the usual probability threshold of 0.5 with a hysteresis down to 0.35, as
    # Silero VAD's defaults. (Choosing it on the training voices made it too cautious on real
    # speech, which the training split does not hold.)
    rule = (0.5, 0.35, 0)
    probabilities = [model.predict_proba((t[2] - mean) / std)[:, 1] for t in tracks]
    accuracy = np.mean([np.mean(smooth(p, *rule) == t[3]) for p, t in zip(probabilities, tracks)])
    print(f"decision rule: onset {rule[0]}, offset {rule[1]}, hangover {rule[2]} -> mean training accuracy {accuracy:.3f}",
          file=sys.stderr)
    write_swift(model, mean, std, rule)


def swift_vector(values):
    return "SIMD16<Float>(" + ", ".join(f"{v:.7g}" for v in values) + ")"


def swift_layer(values):
    """32 values as VADModel.HiddenLayer's two sixteen-lane halves."""
    return f"HiddenLayer(low: {swift_vector(values[:16])}, high: {swift_vector(values[16:])})"


def write_swift(model, mean, std, rule):
    assert HIDDEN == 32, "VADModel.HiddenLayer holds 32 units"
    w1, w2 = model.coefs_
    b1, b2 = model.intercepts_
    # Fold the input normalization into the first layer: W·((x − μ)/σ) + b.
    w1 = w1 / std[:, None]
    b1 = b1 - (mean[:, None] * w1).sum(axis=0)
    onset, offset, hangover = rule
    lines = [
        "// Generated by scripts/vad/train.py (scripts/train-vad): do not edit.",
        "",
        "extension VADModel {",
        f"    static let onsetThreshold: Float = {onset}",
        f"    static let offsetThreshold: Float = {offset}",
        f"    static let hangoverFrames = {hangover}",
        f"    static let lookaheadFrames = {LOOKAHEAD}",
        "    /// Inputs after the 32 features: (frames ahead, feature index).",
        "    static let lookaheadInputs: [(frame: Int, feature: Int)] = [",
        "        " + ", ".join(f"({k}, {i})" for k, i in LOOKAHEAD_INPUTS) + ",",
        "    ]",
        f"    static let hiddenBias = {swift_layer(b1)}",
        f"    static let outputWeights = {swift_layer(w2[:, 0])}",
        f"    static let outputBias: Float = {b2[0]:.7g}",
        "    /// Row i: the weights of input i (the 32 features, then the lookahead inputs) into the hidden units.",
        "    static let inputWeights: [HiddenLayer] = [",
    ]
    lines += [f"        {swift_layer(row)}," for row in w1]
    lines += ["    ]", "}", ""]
    with open(OUTPUT, "w") as f:
        f.write("\n".join(lines))
    print(f"wrote {OUTPUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
