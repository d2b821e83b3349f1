// swift-tools-version:6.1
import PackageDescription

/// Every layer below the daemon, for the programs and tests that reach into them.
/// The code is checked in the Swift 6 language mode; the test targets still build in Swift 5
/// mode, since their XCTest cases capture `self` in `@Sendable` fake-server handlers.
let testsLanguageMode: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let layers: [Target.Dependency] = ["DropForgeJSON", "DropForgeMedia", "DropForgeHTTP", "DropForgeCore", "DropForgeCards", "DropForgeStore",
                                   "DropForgePostgres", "DropForgePostgresStore"]

let package = Package(
    name: "dropforge",
    products: [
        .executable(name: "dropforge", targets: ["dropforge"]),
        .library(name: "DropForgeKit", targets: ["DropForgeKit"]),
        .library(name: "DropForgeCards", targets: ["DropForgeCards"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", exact: "0.10.0"),
        .package(url: "https://github.com/apple/swift-collections", exact: "1.6.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
    ],
    targets: [
        // System libraries (Debian -dev packages); see DESIGN §10.
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CXLSX", pkgConfig: "xlsxwriter", providers: [.apt(["libxlsxwriter-dev"])]),
        // zlib itself, for ZlibInflater (ZIPFoundation's own `CZLib` module is internal to it, hence the name).
        .systemLibrary(name: "CLibZ", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPq", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // libpng reports errors by longjmp, which must never cross Swift frames: this C shim owns the setjmp.
        .target(name: "PNGShim", dependencies: ["CPNG"], linkerSettings: [.linkedLibrary("png"), .linkedLibrary("z")]),
        // libcurl's setopt is variadic, which Swift cannot call: typed C wrappers live here.
        .target(name: "CurlShim", dependencies: ["CCurl"], linkerSettings: [.linkedLibrary("curl")]),
        // The layers, bottom up (README, "Layout"): each imports only what is below it.
        // The order-keeping JSON value, its parser and writer, the JSON Schema subset.
        .target(name: "DropForgeJSON", dependencies: [
            .product(name: "OrderedCollections", package: "swift-collections"),
        ]),
        // PNG reading and writing through libpng, image analysis, the procedural renderer, zlib inflate.
        .target(name: "DropForgeMedia", dependencies: ["PNGShim", "CLibZ"]),
        // The libcurl client: requests, responses, rate limits, HTTP errors.
        .target(name: "DropForgeHTTP", dependencies: ["CCurl", "CurlShim"]),
        // Shared basics: StepError and the error codes, FileSystem, JSON/YAML coding, time stamps, lock files.
        .target(name: "DropForgeCore", dependencies: [
            "DropForgeJSON",
            .product(name: "Yams", package: "Yams"),
        ]),
        // The character card format: V1/V2/V3 JSON, PNG chunks, CHARX, source material; stands alone.
        // CHARX is read by its own central-directory reader and ZlibInflater; ZIPFoundation only writes it.
        .target(name: "DropForgeCards", dependencies: [
            "DropForgeJSON", "DropForgeMedia",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        // The job store: records, the JobStore protocols, SQLite.
        .target(name: "DropForgeStore", dependencies: [
            "DropForgeCore",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The libpq connection the PostgreSQL store (issue 14) is built on; a leaf like DropForgeHTTP.
        .target(name: "DropForgePostgres", dependencies: ["CPq"]),
        // The PostgreSQL job store (issue 14): the JobStore protocols over DropForgePostgres.
        .target(name: "DropForgePostgresStore", dependencies: ["DropForgeStore", "DropForgePostgres"]),
        // The daemon: config, manifests, intake, providers, stages, pipeline, outbox, review.
        .target(
            name: "DropForgeKit",
            dependencies: [
                "DropForgeJSON", "DropForgeMedia", "DropForgeHTTP", "DropForgeCore", "DropForgeCards", "DropForgeStore",
                "DropForgePostgres", "DropForgePostgresStore", "CXLSX",
                .product(name: "Yams", package: "Yams"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ]
        ),
        // `dropforge serve`: the HTTP API in front of DropForgeKit's job control (Hummingbird).
        .target(
            name: "DropForgeServer",
            dependencies: [
                "DropForgeKit", "DropForgeStore", "DropForgeCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The OpenAPI document is compiled into the binary: served as it is in the repository.
            resources: [.embedInCode("Resources/openapi.yaml")]
        ),
        .executableTarget(
            name: "dropforge",
            dependencies: layers + [
                "DropForgeKit", "DropForgeServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `make bench`: the benchmark program, and plain libpng as the encoder's yardstick.
        .target(name: "PlainLibPNG", dependencies: ["CPNG"], path: "Benchmarks/PlainLibPNG",
                linkerSettings: [.linkedLibrary("png")]),
        .executableTarget(
            name: "dropforge-bench",
            dependencies: layers + [
                "DropForgeKit", "PlainLibPNG",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/dropforge-bench"),
        // `make fuzz` (README, Fuzzing): the fuzz targets, shared by the libFuzzer driver and the replay test.
        .target(name: "FuzzTargets", dependencies: layers + ["DropForgeKit"], path: "Fuzz/FuzzTargets"),
        // The libFuzzer driver when built with `-sanitize=fuzzer -DFUZZING`; a plain replayer otherwise.
        .executableTarget(name: "dropforge-fuzz", dependencies: ["FuzzTargets"], path: "Fuzz/dropforge-fuzz",
                          swiftSettings: [.enableExperimentalFeature("Extern")]),
        // Fake servers on 127.0.0.1 speaking the providers' protocols, shared by both test targets.
        .target(name: "FakeServers", dependencies: layers + ["DropForgeKit"], path: "Tests/FakeServers"),
        // ZIPFoundation, Yams and SwiftCSV: independent readers of what the exports write.
        .testTarget(
            name: "DropForgeKitTests",
            dependencies: layers + [
                "DropForgeKit", "DropForgeServer", "FakeServers", "FuzzTargets",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: testsLanguageMode),
        .testTarget(
            name: "EndToEndTests",
            dependencies: layers + ["DropForgeKit", "dropforge", "FakeServers", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                           .product(name: "Yams", package: "Yams")],
            swiftSettings: testsLanguageMode),
    ],
    swiftLanguageModes: [.v6]
)
