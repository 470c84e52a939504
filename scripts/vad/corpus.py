"""Labelled speech/non-speech corpus for the VAD benchmark and for training the VAD's model.

Two disjoint splits, so that the model is never measured on what it learned from, and a third
of real telephone speech:
- "test": the real recordings of Debian's pocketsphinx-testdata and three TTS voices reading
  one set of sentences; babble made from other voices.
- "train": other TTS voices (eSpeak NG, flite) reading other sentences, and every other
  recording of the development list (from the first), with other noise seeds, plus telephone
  tones (DTMF, dial, ringback, busy, test tones) in the pauses as non-speech.
- "real": the development list's other half of real telephone recordings
  (../shared/data/real-speech-dev.tsv: asterisk-core-sounds-en, one speaker, 8 kHz; the only real
  speech the project may tune on, the package's other recordings are held out to judge it),
  never trained on; babble as in "test".

Each utterance is labelled at 10 ms from its clean signal, then utterances are joined with
silences of 0.3-3 s, and the track is mixed with white, pink, brown and babble noise at
20, 10, 5 and 0 dB SNR, in full band and telephone band (300-3400 Hz), at 8 and 16 kHz.
Everything comes from Debian packages and numpy; nothing is downloaded.
"""
import hashlib
import os
import subprocess

import numpy as np
from scipy import signal
from scipy.io import wavfile

TESTDATA = "/usr/share/pocketsphinx/test/data"
DEV_LIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data",
                        "real-speech-dev.tsv")
ASTERISK = "/usr/share/asterisk/sounds/en"
NOISES = ["white", "pink", "brown", "babble"]
SNRS = [20, 10, 5, 0]
TRAIN_SNRS = [35, 25, 15, 8, 3, -3]  # 8 and 15 dB also pick the decision rule (train.py)

TEST_SENTENCES = [
    "Thank you for calling. Please listen carefully, as our menu options have changed.",
    "I would like to pay my bill, please.",
    "My account number is four seven one one, two nine eight three.",
    "Could you put me through to an operator?",
    "Yes.", "No.", "Billing.", "Opening hours.", "Representative!",
    "I have been waiting on hold for twenty minutes already.",
    "It was the best of times, it was the worst of times.",
    "Hmm, well, I suppose I will call back tomorrow morning at nine thirty.",
]
TRAIN_SENTENCES = [
    "Hello, I need help with my password.",
    "Sales, please.", "Agent.", "Zero.", "One two three four.", "Sure, that is right.",
    "The quick brown fox jumps over the lazy dog.",
    "Five boxing wizards jump quickly over the fence near the river.",
    "I want to speak to somebody about a refund for my last order.",
    "Can you tell me when your shop is open on Saturdays?",
    "Please call me back at five five five, one two one two.",
    "Actually, no, I meant the technical support department.",
    "She sells sea shells by the sea shore, and the shells she sells are surely sea shells.",
    "Uh, hi. I think my card was charged twice this month.",
    "Cancel my subscription.", "What is my balance?", "Spanish.", "Goodbye.",
]
TEST_VOICES = [("flite", "slt", 0), ("flite", "rms", 0), ("espeak", "en-us+f3", 165)]
TRAIN_VOICES = [("flite", "kal16", 0), ("flite", "awb", 0), ("espeak", "en+m3", 130),
                ("espeak", "en-gb+f4", 170), ("espeak", "en-us+m1", 190), ("espeak", "en-gb-x-rp", 150),
                ("espeak", "en-us+f2", 140)]
BABBLE_VOICES = {"test": [("espeak", "en+m2", 160), ("espeak", "en-us+f4", 180), ("flite", "kal", 0),
                          ("espeak", "en-gb+m5", 150), ("espeak", "en-us+f1", 170), ("espeak", "en+m6", 140)],
                 "train": [("espeak", "en+m4", 150), ("espeak", "en-us+f5", 175), ("espeak", "en-gb+m3", 160),
                           ("espeak", "en-us+m7", 140), ("espeak", "en+f3", 185), ("flite", "awb", 0)]}


def read_wav(path, rate=16000):
    r, x = wavfile.read(path)
    x = x.astype(np.float64)
    if x.ndim > 1:
        x = x.mean(axis=1)
    x /= 32768.0
    return resample(x, r, rate)


def resample(x, src, dst):
    if src == dst:
        return x
    g = np.gcd(src, dst)
    return signal.resample_poly(x, dst // g, src // g)


def synthesize(engine, voice, speed, text, cache):
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, f"{engine}-{voice}-{speed}-{hashlib.sha1(text.encode()).hexdigest()[:12]}.wav")
    if not os.path.exists(path):
        if engine == "flite":
            subprocess.run(["flite", "-voice", voice, "-t", text, "-o", path], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", path, text], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return read_wav(path)


def frame_energies_db(x, rate):
    n = rate // 100
    frames = len(x) // n
    e = (x[: frames * n].reshape(frames, n) ** 2).mean(axis=1)
    return 10 * np.log10(e + 1e-12)


def label(x, rate=16000):
    """Speech frames of a clean utterance: energy within 40 dB of its peak and 12 dB above its
    own background; gaps under 100 ms inside speech are filled, runs under 30 ms dropped."""
    e = frame_energies_db(x, rate)
    floor = np.percentile(e, 10)
    speech = e > max(e.max() - 40, floor + 12, -65)
    idx = np.flatnonzero(speech)
    out = np.zeros_like(speech)
    if len(idx) == 0:
        return out
    start = prev = idx[0]
    runs = []
    for i in idx[1:]:
        if i - prev > 10:
            runs.append((start, prev))
            start = i
        prev = i
    runs.append((start, prev))
    for a, b in runs:
        if b - a + 1 >= 3:
            out[a: b + 1] = True
    return out


def real_utterances():
    out = []
    for folder in ("cards", "librivox"):
        for name in sorted(os.listdir(os.path.join(TESTDATA, folder))):
            if name.endswith(".wav"):
                out.append(read_wav(os.path.join(TESTDATA, folder, name)))
    for name in ("goforward.raw", "numbers.raw", "something.raw", "tidigits/dhd.2934z.raw"):
        raw = np.fromfile(os.path.join(TESTDATA, name), dtype="<i2").astype(np.float64) / 32768.0
        out.append(raw)
    return out


def real_dev_utterances(half=None):
    """The development list's recordings, in its order (empty when the list is not beside the
    project); with `half` 0 or 1, only every other one from that index (the "train" split learns
    from half 0, the "real" split measures on half 1)."""
    if not os.path.exists(DEV_LIST):
        return []
    names = [line.split("\t")[0] for line in open(DEV_LIST, encoding="utf-8")
             if line.strip() and not line.startswith("#")]
    if half is not None:
        names = names[half::2]
    return [read_wav(os.path.join(ASTERISK, name + ".wav")) for name in names
            if os.path.exists(os.path.join(ASTERISK, name + ".wav"))]


def tts_utterances(voices, sentences, cache):
    return [synthesize(e, v, s, t, cache) for (e, v, s) in voices for t in sentences]


def tone_bursts(rng, rate=16000):
    """Telephone tones as non-speech: DTMF keys, dial, ringback, busy, test tones."""
    t = lambda d: np.arange(int(d * rate)) / rate
    keys = [(697, 1209), (770, 1336), (852, 1477), (941, 1633), (941, 1336), (697, 1477)]
    out = []
    for f1, f2 in keys:
        d = rng.uniform(0.05, 0.2)
        out.append(0.1 * (np.sin(2 * np.pi * f1 * t(d)) + 0.8 * np.sin(2 * np.pi * f2 * t(d))))
    for pair, d in (((350, 440), 1.5), ((440, 480), 2.0), ((480, 620), 0.5), ((1000, None), 1.0),
                    ((425, None), 1.0), ((400, 450), 0.4), ((2100, None), 0.8)):
        x = np.sin(2 * np.pi * pair[0] * t(d))
        if pair[1]:
            x = x + np.sin(2 * np.pi * pair[1] * t(d))
        out.append(rng.uniform(0.02, 0.2) * x)
    # Keys dialled one after another (an account number, a PIN): on 60-150 ms, off 50-150 ms.
    rows, columns = (697, 770, 852, 941), (1209, 1336, 1477, 1633)
    for _ in range(4):
        level, sequence = rng.uniform(0.03, 0.4), []
        for _ in range(rng.integers(4, 12)):
            f1, f2 = rows[rng.integers(4)], columns[rng.integers(4)]
            on = t(rng.uniform(0.06, 0.15))
            sequence += [level * (np.sin(2 * np.pi * f1 * on) + 0.8 * np.sin(2 * np.pi * f2 * on)),
                         np.zeros(int(rng.uniform(0.05, 0.15) * rate))]
        out.append(np.concatenate(sequence))
    return out


def join(utterances, rng, rate=16000, tones=None):
    """Utterances at varied levels joined by silences of 0.3-3 s; tones (if any) placed in
    some of the silences. Returns the clean track and its 10 ms labels."""
    n = rate // 100
    tones = list(tones or [])
    parts, labels = [], []

    def add(x, lab=None):
        x = x[: len(x) // n * n]
        parts.append(x)
        labels.append(lab if lab is not None else np.zeros(len(x) // n, dtype=bool))

    add(np.zeros(int(rng.uniform(0.5, 1.5) * 100) * n))
    for u in utterances:
        u = u[: len(u) // n * n]
        lab = label(u, rate)
        level = np.sqrt(np.mean(u[np.repeat(lab, n)] ** 2)) if lab.any() else 1.0
        add(u / max(level, 1e-6) * 10 ** (rng.uniform(-32, -14) / 20), lab)
        if tones and rng.random() < 0.5:
            add(np.zeros(30 * n))
            add(tones.pop())
        add(np.zeros(int(rng.uniform(0.3, 3.0) * 100) * n))
    return np.concatenate(parts), np.concatenate(labels)


def colored_noise(kind, length, rng):
    white = rng.standard_normal(length)
    if kind == "white":
        return white
    if kind == "brown":
        return signal.lfilter([1.0], [1.0, -0.995], white)
    spectrum = np.fft.rfft(white)
    f = np.arange(len(spectrum), dtype=np.float64)
    f[0] = 1
    return np.fft.irfft(spectrum / np.sqrt(f), length)


def babble(voices, sentences, length, rng, cache, talkers=6):
    """Several talkers at once, each a random chain of TTS sentences."""
    pool = tts_utterances(voices, sentences, cache)
    out = np.zeros(length)
    for _ in range(talkers):
        stream = np.concatenate([pool[i] for i in rng.permutation(len(pool))])
        while len(stream) < length:
            stream = np.concatenate([stream, stream])
        offset = rng.integers(0, len(stream) - length + 1)
        piece = stream[offset: offset + length]
        out += piece / (np.sqrt(np.mean(piece ** 2)) + 1e-9)
    return out


def mix(clean, labels, noise, snr_db, rate=16000):
    """Noise scaled so that speech power (over speech frames) / noise power = snr_db."""
    n = rate // 100
    mask = np.repeat(labels, n)
    speech_power = np.mean(clean[: len(mask)][mask] ** 2)
    noise = noise[: len(clean)]
    noise = noise / np.sqrt(np.mean(noise ** 2)) * np.sqrt(speech_power / 10 ** (snr_db / 10))
    return clean + noise


def telephone_band(x, rate=16000):
    sos = signal.butter(6, [300, 3400], btype="bandpass", fs=rate, output="sos")
    return signal.sosfilt(sos, x)


def to_pcm16(x):
    return np.clip(np.round(x * 32767), -32768, 32767).astype("<i2")


def build(split, cache, seed):
    """Yields (condition, rate, pcm16 samples, 10 ms labels) for every condition of a split."""
    rng = np.random.default_rng(seed)
    sentences = TEST_SENTENCES if split == "test" else TRAIN_SENTENCES
    if split == "real":
        utterances = real_dev_utterances(half=1)
        tones = None
    elif split == "test":
        utterances = real_utterances() + tts_utterances(TEST_VOICES, sentences, cache)
        tones = None
    else:
        utterances = tts_utterances(TRAIN_VOICES, sentences, cache) + real_dev_utterances(half=0)
        tones = tone_bursts(rng) * 3
    order = rng.permutation(len(utterances))
    clean, labels = join([utterances[i] for i in order], rng, tones=tones)
    other = TEST_SENTENCES if split == "train" else TRAIN_SENTENCES
    noises = {kind: colored_noise(kind, len(clean), rng) for kind in NOISES if kind != "babble"}
    noises["babble"] = babble(BABBLE_VOICES["train" if split == "train" else "test"], other, len(clean), rng, cache)
    tracks = [("clean", clean)]
    # Training sees other SNRs than the test, more of them near clean, so that it learns the
    # trend rather than the four test points.
    snrs = TRAIN_SNRS if split == "train" else SNRS
    for kind in NOISES:
        for snr in snrs:
            tracks.append((f"{kind}-{snr}dB", mix(clean, labels, noises[kind], snr)))
    for name, track in tracks:
        for band in ("wide", "tel"):
            banded = track if band == "wide" else telephone_band(track)
            for rate in (16000, 8000):
                yield f"{name}/{band}", rate, to_pcm16(resample(banded, 16000, rate)), labels
