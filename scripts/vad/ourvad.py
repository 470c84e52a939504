"""Runs our VAD (Benchmarks/.build/release/VADBenchmark) on PCM arrays from Python."""
import os
import subprocess
import tempfile

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOOL = os.path.join(ROOT, "Benchmarks", ".build", "release", "VADBenchmark")
FEATURES = 32
LEVEL = 8  # the frame's level above the noise floor (VADFeatureExtractor.signalToNoiseIndex)
VOICING = 23  # its voicing (pitch correlation)


def _run(mode, pcm, rate, columns):
    with tempfile.TemporaryDirectory() as folder:
        source, target = os.path.join(folder, "in.pcm"), os.path.join(folder, "out.f32")
        pcm.astype("<i2").tofile(source)
        subprocess.run([TOOL, mode, str(rate), source, target], check=True)
        return np.fromfile(target, dtype="<f4").reshape(-1, columns)


def features(pcm, rate):
    """32 features per 10 ms frame."""
    return _run("features", pcm, rate, FEATURES)


def decide(pcm, rate):
    """(probability, decision) per 10 ms frame."""
    return _run("decide", pcm, rate, 2)


def speed(pcms, rate):
    """Times real time on the calling core, best of three passes over all signals."""
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for i, pcm in enumerate(pcms):
            paths.append(os.path.join(folder, f"{i}.pcm"))
            pcm.astype("<i2").tofile(paths[-1])
        out = subprocess.run([TOOL, "speed", str(rate)] + paths, check=True, capture_output=True, text=True)
        return float(out.stdout.split()[0])
