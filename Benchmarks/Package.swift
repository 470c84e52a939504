// swift-tools-version: 6.0
// Benchmarks against named peers. Built and run on demand (scripts/benchmark-dtmf), never by
// `swift test`. Needs the peers' Debian packages, which scripts/benchmark-dtmf installs.
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
    ],
    swiftLanguageModes: [.v6]
)
