// swift-tools-version: 6.0
import PackageDescription

/// DSP and scoring code compiled with optimization in debug builds as well.
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "SpeechIVR",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ivr", targets: ["ivr"]),
        .library(name: "IVRAudio", targets: ["IVRAudio"]),
        .library(name: "IVRDSP", targets: ["IVRDSP"]),
        .library(name: "IVRFlow", targets: ["IVRFlow"]),
        .library(name: "IVRSpeech", targets: ["IVRSpeech"]),
        .library(name: "IVRRecords", targets: ["IVRRecords"]),
        .library(name: "IVRTelephony", targets: ["IVRTelephony"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.9.0"..<"5.0.0"),
    ],
    targets: [
        // C libraries from Debian, found through pkg-config.
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(
            name: "CPocketSphinx", pkgConfig: "pocketsphinx",
            providers: [.apt(["libpocketsphinx-dev", "pocketsphinx-en-us"])]),
        .systemLibrary(name: "CEspeakNG", pkgConfig: "espeak-ng", providers: [.apt(["libespeak-ng-dev"])]),
        .systemLibrary(name: "CALSA", pkgConfig: "alsa", providers: [.apt(["libasound2-dev"])]),
        .systemLibrary(name: "CLibre", pkgConfig: "libre", providers: [.apt(["libre-dev"])]),

        // Where the project's own files are (models/, prompts/), for an `ivr` run from anywhere.
        .target(name: "IVRProjectFiles"),
        // Audio frames, files (libsndfile), channel mixing and resampling (libsoxr), ALSA devices.
        .target(name: "IVRAudio", dependencies: ["CSndFile", "CSoxr", "CALSA"]),
        // DTMF detection and tone generation, VAD: pure Swift with SIMD, no C, no dependencies.
        .target(name: "IVRDSP", swiftSettings: optimizedInDebug + [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        // Speech synthesis (eSpeak NG), the prompt cache and recorded prompts; recognition
        // (PocketSphinx) and the intent grammar compiler.
        // Optimized in debug builds too: the acoustic check scores senones over every frame, which
        // unoptimized takes minutes per test (and the tests' `ivr` runs with it).
        // The acoustic check's Gaussians, with AVX2 and FMA where the processor has them.
        .target(name: "CGaussianKernel", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "IVRSpeech", dependencies: ["CEspeakNG", "CPocketSphinx", "CGaussianKernel", "IVRAudio", "IVRDSP", "IVRProjectFiles", .product(name: "Yams", package: "Yams")],
                swiftSettings: optimizedInDebug),
        // Flow files, menus, routing and the per-call state machine: no audio, no clock.
        .target(name: "IVRFlow", dependencies: ["IVRProjectFiles", .product(name: "Yams", package: "Yams")]),
        // One call: sources, detectors, recognizer, prompts and the flow core on one clock.
        .target(name: "IVREngine", dependencies: ["IVRAudio", "IVRDSP", "IVRFlow", "IVRSpeech", .product(name: "Yams", package: "Yams")]),
        // Phone calls over SIP and RTP (libre): the server that runs many calls at once.
        .target(name: "IVRTelephony", dependencies: ["CLibre", "IVREngine", "IVRFlow", "IVRSpeech", "IVRDSP"]),
        // Call records, the staff's inbox (voicemail, callbacks, texts) and the IVR report: SQLite
        // for one machine, PostgreSQL for several nodes.
        .target(name: "IVRRecords", dependencies: [
            "IVRFlow", "IVRAudio", .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
        ]),
        // The systems around the IVR over HTTP: the records' outbox delivered to webhooks (signed,
        // at least once, never holding up a call), and tables looked up live during calls.
        .target(name: "IVRIntegrations", dependencies: [
            "IVRRecords", "IVREngine", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The command-line tool.
        .executableTarget(
            name: "ivr",
            dependencies: [
                "IVRAudio", "IVRDSP", "IVRFlow", "IVRSpeech", "IVREngine", "IVRRecords", "IVRTelephony", "IVRProjectFiles", "IVRIntegrations",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Scratch folders for the tests' files, removed when the test process ends.
        .target(name: "IVRTestSupport", path: "Tests/IVRTestSupport"),
        .testTarget(name: "IVRAudioTests", dependencies: ["IVRTestSupport", "IVRAudio"]),
        .testTarget(name: "IVRDSPTests", dependencies: ["IVRTestSupport", "IVRDSP", "IVRAudio"]),
        .testTarget(name: "IVRFlowTests", dependencies: ["IVRTestSupport", "IVRFlow"]),
        .testTarget(name: "IVREngineTests", dependencies: ["IVRTestSupport", "IVREngine", "IVRAudio", "IVRDSP", "IVRFlow", "IVRSpeech"]),
        .testTarget(name: "IVRRecordsTests", dependencies: ["IVRTestSupport", "IVRRecords", "IVRIntegrations", "IVREngine", "IVRFlow", "IVRAudio", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "IVRSpeechTests", dependencies: ["IVRTestSupport", "IVRSpeech", "CGaussianKernel", "IVRAudio", "IVRDSP"]),
        .testTarget(
            name: "SystemLibraryTests",
            dependencies: ["CPocketSphinx", "CEspeakNG", "CALSA", "CSndFile", "CSoxr"]),
        .testTarget(name: "IVRTelephonyTests", dependencies: ["IVRTelephony"]),
        .testTarget(name: "CLITests", dependencies: ["IVRTestSupport", "IVRAudio", "IVRDSP", "IVRTelephony"]),
    ],
    swiftLanguageModes: [.v6]
)
