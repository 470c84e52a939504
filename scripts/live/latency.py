"""Latency of `ivr live` in pipe mode, in wall-clock time: the caller's audio is written in real
time (10 ms every 10 ms); the time from the end of the caller's key or utterance in the input to
the first sample of the IVR's answer in the output. Run by scripts/measure-live-latency."""
import subprocess
import sys
import threading
import time
import wave

import struct

RATE = 8000
FRAME = RATE // 100


def read_wav(path):
    with wave.open(path) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1 and w.getsampwidth() == 2
        return w.readframes(w.getnframes())


def measure(ivr, flow, event, keypad_only):
    """event: raw bytes of the key or utterance, played 10 s into the call, after the greeting."""
    silence = b"\0\0" * RATE * 10
    caller = silence + event + b"\0\0" * RATE * 4
    event_end = len(silence) + len(event)
    args = [ivr, "live", "--flow", flow, "--input", "-", "--output", "-"] + (["--keypad-only"] if keypad_only else [])
    process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    written_at = {}

    def writer():
        start = time.monotonic()
        for offset in range(0, len(caller), 2 * FRAME):
            target = start + offset / (2 * RATE)
            delay = target - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            try:
                process.stdin.write(caller[offset: offset + 2 * FRAME])
                process.stdin.flush()
            except BrokenPipeError:
                return
            if offset + 2 * FRAME >= event_end and "end" not in written_at:
                written_at["end"] = time.monotonic()
        process.stdin.close()

    thread = threading.Thread(target=writer)
    thread.start()
    position = 0
    answer = None
    while True:
        chunk = process.stdout.read(2 * FRAME)
        if not chunk:
            break
        samples = struct.unpack(f"<{len(chunk) // 2}h", chunk)
        # The first sound after the greeting has ended (silence from 8 s on) is the answer.
        if answer is None and position >= 2 * RATE * 8 and max(abs(s) for s in samples) > 300 and "end" in written_at:
            answer = time.monotonic() - written_at["end"]
        position += len(chunk)
    thread.join()
    process.wait()
    return answer


def main():
    ivr, flow, key_wav, speech_wav = sys.argv[1:5]
    results = []
    for name, path, keypad in (("key 1", key_wav, True), ("spoken \"english\"", speech_wav, False)):
        values = [measure(ivr, flow, read_wav(path), keypad) for _ in range(3)]
        values = [v for v in values if v is not None]
        if values:
            results.append(f"| {name} | {min(values) * 1000:.0f} ms | {max(values) * 1000:.0f} ms |")
        else:
            results.append(f"| {name} | no answer | |")
    print("| after | latency, best of 3 | worst of 3 |")
    print("|---|---|---|")
    print("\n".join(results))


if __name__ == "__main__":
    main()
