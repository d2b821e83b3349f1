import ArgumentParser
import DropForgeKit
import Foundation
import DropForgeStore

/// `make bench`: runs the four benchmarks of issue 6 and the shared-store one of issue 14 against the real, release-built
/// `dropforge` on temporary roots, prints a table and writes `bench/results.json`.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dropforge-bench",
        abstract: "Measure dropforge: pickup latency, drain throughput, scale, PNG encoding, several watches on PostgreSQL.",
        discussion: """
            Each benchmark runs --runs times on a fresh temporary root; every figure is the median \
            of its runs, with the smallest and largest run as its spread. Build in release mode \
            first (`make bench` does): a debug binary measures the wrong thing.
            """)

    enum Name: String, ExpressibleByArgument, CaseIterable {
        case pickup, throughput, scale, encode, shared
    }

    @Option(help: "The dropforge binary to measure.")
    var binary = ".build/release/dropforge"

    @Option(help: "Where to write the results as JSON.")
    var out = "bench/results.json"

    @Option(help: "Runs of each benchmark.")
    var runs = 3

    @Option(parsing: .upToNextOption, help: "Benchmarks to run: \(Name.allCases.map(\.rawValue).joined(separator: ", ")) (default all).")
    var only: [Name] = Name.allCases

    @Option(help: "Manifests renamed in, one by one, per pickup run.")
    var pickupManifests = 1000

    @Option(help: "Milliseconds between two renames in the pickup run.")
    var pickupIntervalMs = 20.0

    @Option(help: "One-item manifests per throughput run.")
    var throughputJobs = 2000

    @Option(help: "100-item manifests per throughput run (items/s of big jobs; 0 skips it).")
    var throughputBigJobs = 20

    @Option(help: "Side of the throughput run's images, in pixels.")
    var throughputSize = 256

    @Option(help: "Manifests waiting in the inbox per scale run.")
    var scaleJobs = 20000

    @Option(help: "One-item manifests per shared-store run (several watches on one PostgreSQL).")
    var sharedJobs = 1000

    @Option(parsing: .upToNextOption, help: "Numbers of watch processes to measure on the shared store.")
    var sharedWatches = [1, 2, 4]

    @Option(help: "A PostgreSQL server for the shared-store runs (default: a throwaway cluster of scripts/test-postgres).")
    var postgresURL: String?

    func run() throws {
        let binaryURL = URL(fileURLWithPath: binary)
        guard FileManager.default.isExecutableFile(atPath: binaryURL.path) else {
            throw ValidationError("no dropforge binary at \(binary): build it with `swift build -c release`")
        }
        var figures: [Figure] = []
        defer { BenchRoot.removeFinished() }
        for name in only {
            print("\(name.rawValue): \(runs) run(s)…", terminator: "")
            fflush(nil)  // all streams: naming the C global `stdout` is refused in Swift 6 here
            let started = monotonicSeconds()
            figures += try measure(name, binary: binaryURL)
            print(String(format: " %.0f s", monotonicSeconds() - started))
        }
        let report = BenchReport(figures: figures)
        print(report.table)
        try report.write(to: URL(fileURLWithPath: out))
        print("written: \(out)")
    }

    private func measure(_ name: Name, binary: URL) throws -> [Figure] {
        switch name {
        case .pickup:
            let bench = PickupBenchmark(binary: binary, manifests: pickupManifests, interval: pickupIntervalMs / 1000)
            let results = try (0..<runs).map { _ in try bench.run() }
            return [
                Figure("pickup", "rename → claim p50", unit: "ms", runs: results.map(\.p50)),
                Figure("pickup", "rename → claim p99", unit: "ms", runs: results.map(\.p99), target: .atMost(25)),
                Figure("pickup", "rename → claim max", unit: "ms", runs: results.map(\.max)),
            ]
        case .throughput:
            let bench = ThroughputBenchmark(binary: binary, jobs: throughputJobs, size: throughputSize)
            let results = try (0..<runs).map { _ in try bench.run() }
            let stages = Set(results.flatMap(\.stageMilliseconds.keys))
            return [
                Figure("throughput", "jobs per second", unit: "jobs/s", runs: results.map(\.jobsPerSecond), target: .atLeast(200)),
                Figure("throughput", "items per second, 1-item jobs", unit: "items/s", runs: results.map(\.itemsPerSecond)),
                Figure("throughput", "CPU per job", unit: "ms", runs: results.map(\.cpuMillisecondsPerJob), target: .atMost(10)),
                Figure("throughput", "write transactions per job", unit: "tx", runs: results.map(\.writeTransactionsPerJob),
                       target: .atMost(6)),
                Figure("throughput", "fsyncs per job", unit: "calls", runs: results.map(\.fsyncsPerJob)),
            ] + Stage.allCases.map(\.rawValue).filter(stages.contains).map { stage in
                Figure("throughput", "\(stage) step time per job", unit: "ms", runs: results.map { $0.stageMilliseconds[stage] ?? 0 })
            } + (throughputBigJobs > 0 ? [Figure("throughput", "items per second, 100-item jobs", unit: "items/s",
                runs: try (0..<runs).map { _ in
                    try ThroughputBenchmark(binary: binary, jobs: throughputBigJobs, size: throughputSize, itemsPerJob: 100).run().itemsPerSecond
                })] : [])
        case .scale:
            let bench = ScaleBenchmark(binary: binary, jobs: scaleJobs)
            let results = try (0..<runs).map { _ in try bench.run() }
            return [
                Figure("scale", "time to first result", unit: "s", runs: results.map(\.firstResultSeconds), target: .atMost(0.5)),
                Figure("scale", "all claimed", unit: "s", runs: results.map(\.allClaimedSeconds)),
                Figure("scale", "claimed per second", unit: "jobs/s", runs: results.map { Double(scaleJobs) / $0.allClaimedSeconds },
                       target: .atLeast(1000)),
                Figure("scale", "peak RSS", unit: "MiB", runs: results.map(\.peakMemoryMiB), target: .atMost(100)),
            ]
        case .shared:
            let cluster = try PostgresCluster(url: postgresURL)
            return try sharedWatches.flatMap { watches -> [Figure] in
                let bench = SharedStoreBenchmark(binary: binary, jobs: sharedJobs, watches: watches, size: 64, clusterURL: cluster.url)
                let results = try (0..<runs).map { _ in try bench.run() }
                let name = "\(watches) watch\(watches == 1 ? "" : "es")"
                return [
                    Figure("shared", "\(name): jobs per second", unit: "jobs/s", runs: results.map(\.jobsPerSecond)),
                    Figure("shared", "\(name): round trips per job", unit: "requests", runs: results.map(\.roundTripsPerJob)),
                    Figure("shared", "\(name): write transactions per job", unit: "tx", runs: results.map(\.writeTransactionsPerJob)),
                    Figure("shared", "\(name): claim p50", unit: "ms", runs: results.map(\.claimP50)),
                    Figure("shared", "\(name): claim p99", unit: "ms", runs: results.map(\.claimP99)),
                ]
            }
        case .encode:
            let bench = EncodeBenchmark(side: 256, repetitions: 200)
            let results = try (0..<runs).map { _ in try bench.run() }
            return [
                Figure("encode", "pipeline / plain libpng", unit: "×", runs: results.map(\.ratio), target: .atMost(1.15)),
                Figure("encode", "pipeline encode 256×256", unit: "ms", runs: results.map(\.pipelineMilliseconds)),
                Figure("encode", "plain libpng 256×256", unit: "ms", runs: results.map(\.plainMilliseconds)),
            ]
        }
    }
}
