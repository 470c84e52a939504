/// The decision rule of ``VoiceActivityDetector`` after its network: hysteresis between the
/// onset and offset thresholds, dips of up to ``bridgedGapFrames`` frames inside speech kept as
/// speech, then the hangover. A dip is only known to be one when speech resumes, so verdicts
/// come out ``bridgedGapFrames`` frames after the frames they are for.
struct SpeechDecision {
    /// The longest dip of the probability inside speech that is still speech: the network's
    /// output flickers below the offset threshold for single frames in weak stretches of speech
    /// (unvoiced closures, low voices through a telephone band); a pause lasts longer. Measured
    /// on the training split (BENCHMARKS.md): one frame raises accuracy, two lower it.
    static let bridgedGapFrames = 1

    var configuration: VoiceActivityConfiguration

    private var speaking = false
    private var framesSinceSpeech = Int.max
    /// Frames below the threshold since speech, while still few enough to be bridged.
    private var gap = 0
    /// Verdicts not released yet: a ring of `bridgedGapFrames` + 1 from `heldOldest`,
    /// `heldCount` of them filled.
    private var held = [VoiceActivity](repeating: .silence, count: bridgedGapFrames + 1)
    private var heldOldest = 0
    private var heldCount = 0

    init(configuration: VoiceActivityConfiguration) {
        self.configuration = configuration
    }

    /// Decides the next frame from its speech probability; returns the verdict of the frame
    /// ``bridgedGapFrames`` before it once there is one.
    mutating func decide(probability: Float, signalToNoise: Float) -> VoiceActivity? {
        let threshold = speaking || gap > 0 ? configuration.offsetThreshold : configuration.onsetThreshold
        if probability >= threshold {
            if gap > 0 { bridgeGap() }
            speaking = true
            framesSinceSpeech = 0
        } else {
            gap = speaking || gap > 0 ? gap + 1 : 0
            if gap > Self.bridgedGapFrames { gap = 0 }
            speaking = false
            framesSinceSpeech = framesSinceSpeech == Int.max ? Int.max : framesSinceSpeech + 1
        }
        held[(heldOldest + heldCount) % held.count] = VoiceActivity(
            probability: probability, isSpeech: framesSinceSpeech <= configuration.hangoverFrames, signalToNoise: signalToNoise)
        heldCount += 1
        return heldCount == held.count ? releaseOldest() : nil
    }

    /// The verdicts still held, at the end of a stream (a dip at its end is not bridged).
    mutating func drain() -> [VoiceActivity] {
        var verdicts: [VoiceActivity] = []
        while heldCount > 0 { verdicts.append(releaseOldest()) }
        return verdicts
    }

    /// Forgets the stream.
    mutating func reset() {
        self = SpeechDecision(configuration: configuration)
    }

    /// Turns the last `gap` held verdicts (a dip inside speech, which goes on) to speech.
    private mutating func bridgeGap() {
        for back in 1...gap {
            let index = (heldOldest + heldCount - back) % held.count
            let verdict = held[index]
            held[index] = VoiceActivity(probability: verdict.probability, isSpeech: true, signalToNoise: verdict.signalToNoise)
        }
        gap = 0
    }

    private mutating func releaseOldest() -> VoiceActivity {
        let verdict = held[heldOldest]
        heldOldest = (heldOldest + 1) % held.count
        heldCount -= 1
        return verdict
    }
}
