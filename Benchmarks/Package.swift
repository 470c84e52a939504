// swift-tools-version: 6.0
// Benchmarks, against named peers where there are some. Built and run on demand
// (scripts/benchmark-*), never by `swift test`. Each script installs what its peers need.
import Foundation
import PackageDescription

/// The main package's identity: the name of the folder it was cloned into.
let mainPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "IVRBenchmarks",
    dependencies: [.package(path: "..")],
    targets: [
        // spandsp's DTMF receiver, the peer (Debian's libspandsp-dev).
        .systemLibrary(name: "CSpanDSP", pkgConfig: "spandsp", providers: [.apt(["libspandsp-dev"])]),
        .executableTarget(
            name: "DTMFBenchmark",
            dependencies: ["CSpanDSP", .product(name: "IVRDSP", package: mainPackage)]),
        // Our VAD's side of scripts/benchmark-vad (the peers run in Python).
        .executableTarget(name: "VADBenchmark", dependencies: [.product(name: "IVRDSP", package: mainPackage)]),
        // Prompt synthesis speed and cached-prompt latency.
        .executableTarget(name: "PromptBenchmark", dependencies: [.product(name: "IVRSpeech", package: mainPackage)]),
        // Spoken-intent accuracy, ours beside the decoder used naively.
        .executableTarget(
            name: "IntentBenchmark",
            dependencies: [.product(name: "IVRSpeech", package: mainPackage), .product(name: "IVRAudio", package: mainPackage),
                           .product(name: "IVRDSP", package: mainPackage), .product(name: "IVRFlow", package: mainPackage)]),
        // The report over many calls in the records database.
        .executableTarget(
            name: "ReportBenchmark",
            dependencies: [.product(name: "IVRRecords", package: mainPackage), .product(name: "IVRFlow", package: mainPackage)]),
    ],
    swiftLanguageModes: [.v6]
)
