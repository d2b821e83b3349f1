// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "dropforge",
    products: [
        .executable(name: "dropforge", targets: ["dropforge"]),
        .library(name: "DropForgeKit", targets: ["DropForgeKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", exact: "0.10.0"),
        .package(url: "https://github.com/apple/swift-collections", exact: "1.6.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        // System libraries (Debian -dev packages); see DESIGN §10.
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CXLSX", pkgConfig: "xlsxwriter", providers: [.apt(["libxlsxwriter-dev"])]),
        // libpng reports errors by longjmp, which must never cross Swift frames: this C shim owns the setjmp.
        .target(name: "PNGShim", dependencies: ["CPNG"], linkerSettings: [.linkedLibrary("png"), .linkedLibrary("z")]),
        // libcurl's setopt is variadic, which Swift cannot call: typed C wrappers live here.
        .target(name: "CurlShim", dependencies: ["CCurl"], linkerSettings: [.linkedLibrary("curl")]),
        .target(
            name: "DropForgeKit",
            dependencies: [
                "PNGShim",
                "CCurl",
                "CurlShim",
                "CXLSX",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OrderedCollections", package: "swift-collections"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .executableTarget(
            name: "dropforge",
            dependencies: [
                "DropForgeKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `make bench`: the benchmark program, and plain libpng as the encoder's yardstick.
        .target(name: "PlainLibPNG", dependencies: ["CPNG"], path: "Benchmarks/PlainLibPNG",
                linkerSettings: [.linkedLibrary("png")]),
        .executableTarget(
            name: "dropforge-bench",
            dependencies: [
                "DropForgeKit", "PlainLibPNG",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/dropforge-bench"),
        // `make fuzz` (README, Fuzzing): the fuzz targets, shared by the libFuzzer driver and the replay test.
        .target(name: "FuzzTargets", dependencies: ["DropForgeKit"], path: "Fuzz/FuzzTargets"),
        // The libFuzzer driver when built with `-sanitize=fuzzer -DFUZZING`; a plain replayer otherwise.
        .executableTarget(name: "dropforge-fuzz", dependencies: ["FuzzTargets"], path: "Fuzz/dropforge-fuzz",
                          swiftSettings: [.enableExperimentalFeature("Extern")]),
        // Fake servers on 127.0.0.1 speaking the providers' protocols, shared by both test targets.
        .target(name: "FakeServers", dependencies: ["DropForgeKit"], path: "Tests/FakeServers"),
        // ZIPFoundation, Yams and SwiftCSV: independent readers of what the exports write.
        .testTarget(
            name: "DropForgeKitTests",
            dependencies: [
                "DropForgeKit", "FakeServers", "FuzzTargets",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
            ],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["DropForgeKit", "dropforge", "FakeServers", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                           .product(name: "Yams", package: "Yams")]),
    ],
    swiftLanguageModes: [.v5]
)
