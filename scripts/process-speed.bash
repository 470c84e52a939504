# Whole `ivr` processes timed the way a user runs them: sourced by scripts/benchmark-dtmf and
# scripts/benchmark-vad. An hour of 8 kHz call audio (speech of several voices and keypad
# tones, a WAV as call recorders write it), the same at 16 kHz, and 0.1 s files whose time is
# the process's start-up; each command pinned to core 0, best of 5 wall-clock runs, start-up
# subtracted, as × real time.

# make_hour_of_calls DIR IVR: writes DIR/hour8.wav, hour16.wav, tiny8.wav, tiny16.wav.
make_hour_of_calls() {
    local dir=$1 ivr=$2 parts=() n=0
    [ -f "$dir/hour8.wav" ] && [ -f "$dir/hour16.wav" ] && return 0
    local sentences=("Thank you for calling. I would like to check the balance of my account."
                     "Hello, yes, I am calling about the invoice I received last week, it looks wrong."
                     "Could you put me through to someone in sales, please?"
                     "My account number is four seven one one, two nine nine three.")
    for voice in en-us en-us+f3 en-us+m7 en+f4; do
        for text in "${sentences[@]}"; do
            espeak-ng -v "$voice" -w "$dir/raw.wav" "$text"
            sox -q "$dir/raw.wav" -r 8000 -c 1 -b 16 "$dir/part$n.wav" pad 0.2 0.6
            "$ivr" tones "$(printf '%s' 1234567890 '*#' | cut -c$((n % 12 + 1))-$((n % 12 + 4)))" -o "$dir/keys$n.wav" >/dev/null
            parts+=("$dir/part$n.wav" "$dir/keys$n.wav")
            n=$((n + 1))
        done
    done
    sox -q "${parts[@]}" "$dir/chunk.wav"
    local seconds repeats
    seconds=$(soxi -D "$dir/chunk.wav")
    repeats=$(python3 -c "import math; print(math.ceil(3600 / $seconds) - 1)")
    sox -q "$dir/chunk.wav" "$dir/hour8.wav" repeat "$repeats" trim 0 3600
    sox -q "$dir/hour8.wav" -r 16000 "$dir/hour16.wav"
    sox -q "$dir/chunk.wav" "$dir/tiny8.wav" trim 0 0.1
    sox -q "$dir/chunk.wav" -r 16000 "$dir/tiny16.wav" trim 0 0.1
    rm -f "$dir"/part*.wav "$dir"/keys*.wav "$dir/raw.wav" "$dir/chunk.wav"
}

# best_wall CMD...: the least wall-clock seconds of 5 runs of CMD on core 0 (output discarded).
best_wall() {
    local best=""
    for _ in 1 2 3 4 5; do
        local start end
        start=$(date +%s.%N)
        taskset -c 0 "$@" >/dev/null
        end=$(date +%s.%N)
        best=$(python3 -c "t = $end - $start; b = '$best'; print(t if not b or t < float(b) else b)")
    done
    echo "$best"
}

# times_real_time AUDIO_SECONDS CMD_ON_BIG CMD_ON_TINY: prints "× real time" and the seconds,
# start-up subtracted. The two commands are given as strings.
times_real_time() {
    local audio=$1 big tiny
    big=$(best_wall $2)
    tiny=$(best_wall $3)
    python3 -c "b, t = $big, $tiny; print(f'{$audio / max(b - t, 1e-6):,.0f} {b - t:.3f}')"
}
