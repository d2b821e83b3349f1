import DropForgeKit
import DropForgeMedia
import DropForgeCore
import DropForgePostgres
import DropForgeStore
import FakeServers
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Several hosts on one queue (issue 14): `watch` processes with distinct host ids on one root
/// and one PostgreSQL database (a fresh schema of the test cluster), 600 jobs dropped at once.
/// One host is killed with SIGKILL, or PostgreSQL itself restarts, in the middle; every manifest
/// still ends exactly once in results/ or failures/, nothing published is partial, and
/// inbox/.processing/ ends empty.
final class SharedStoreTests: XCTestCase {
    private func sharedRoot() throws -> (TestRoot, [String: String]) {
        guard let cluster = TestPostgres.url else {
            throw XCTSkip("no test PostgreSQL: run `make test`, which starts one (scripts/test-postgres)")
        }
        let schema = try TestPostgres.newSchema(cluster)
        addTeardownBlock(schema.drop)
        let root = try TestRoot()
        try root.setConfig("store: {type: sqlite}", "store: {type: postgres, url_env: DROPFORGE_POSTGRES_URL}")
        // A dead host's leases and claims are taken over after lease_seconds: short here.
        try root.setConfig("lease_seconds: 30", "lease_seconds: 4")
        try root.setConfig("heartbeat_seconds: 10", "heartbeat_seconds: 1")
        try root.setConfig("rescan_seconds: 30", "rescan_seconds: 1")
        return (root, ["DROPFORGE_POSTGRES_URL": schema.url])
    }

    private func dropTiny(_ root: TestRoot, count: Int) throws -> [String] {
        try (0..<count).map { number in
            let name = "tiny-\(number).yaml"
            try root.drop(name, imagesManifest(name: "tiny-\(number)", count: 1, size: 32, seed: number))
            return name
        }
    }

    private func startHosts(_ root: TestRoot, _ environment: [String: String], _ hosts: [String]) throws -> [String: RunningCommand] {
        var watches: [String: RunningCommand] = [:]
        for host in hosts {
            watches[host] = try root.start(["watch"], environment: environment.merging(["DROPFORGE_HOST_ID": host]) { $1 })
        }
        return watches
    }

    /// The same scenario with each host in a network namespace of its own (scripts/test-netns),
    /// reaching PostgreSQL over TCP at its veth address, so that what crosses a network — the
    /// connection, NOTIFY, a lost connection — really does.
    func testHostsInTheirOwnNetworkNamespacesReachTheServerOverTheirAddresses() throws {
        let (root, environment) = try sharedRoot()
        let netns = TestPostgres.script("test-netns")
        guard Subprocess.run([netns, "up", "3"]) == 0 else {
            throw XCTSkip("network namespaces cannot be made here (`ip netns add` needs root or CAP_NET_ADMIN): "
                          + "the hosts of the other SharedStoreTests share this one's network")
        }
        defer { _ = Subprocess.run([netns, "down", "3"]) }
        let cluster = TestPostgres.url!
        let addresses = (1...3).map { "10.201.\($0).1" }
        XCTAssertTrue(TestPostgres.restart(cluster, listening: addresses), "the cluster listens on the veth addresses")
        defer { _ = TestPostgres.restart(cluster) }
        // The schema's URL names the socket; each host gets the same database over its address.
        let options = try XCTUnwrap(URLComponents(string: environment["DROPFORGE_POSTGRES_URL"]!)?.percentEncodedQuery?
            .split(separator: "&").first { $0.hasPrefix("options=") })
        var watches: [String: RunningCommand] = [:]
        for (number, address) in addresses.enumerated() {
            let host = "host-\(number + 1)"
            watches[host] = try root.start(["watch"], environment: [
                "DROPFORGE_POSTGRES_URL": "postgresql://dropforge@\(address):5432/dropforge?\(options)", "DROPFORGE_HOST_ID": host,
            ], wrapper: ["/usr/sbin/ip", "netns", "exec", "dropforge-h\(number + 1)"])
        }
        let expected = try dropTiny(root, count: 300)
        XCTAssertTrue(root.wait(120) { root.results.count >= 50 }, "the hosts started working")
        // Each host is connected from inside its namespace.
        let clients = try PostgresConnection(url: cluster)
            .execute("SELECT DISTINCT host(client_addr) FROM pg_stat_activity WHERE client_addr IS NOT NULL").rows.compactMap { $0[0] }
        XCTAssertEqual(Set(clients), Set((1...3).map { "10.201.\($0).2" }), "every host reached the server over its veth")
        watches["host-2"]!.signal(SIGKILL)
        XCTAssertTrue(watches["host-2"]!.waitForExit(10))
        watches.removeValue(forKey: "host-2")
        try finish(root, expected, Array(watches.values))
    }

    /// Every PNG decodes (libpng) and every JSON file parses, in every published folder.
    private func assertNothingPartial(_ root: TestRoot, file: StaticString = #filePath, line: UInt = #line) throws {
        var pngs = 0
        for parent in [root.layout.results, root.layout.failures] {
            let files = FileManager.default.enumerator(at: parent, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
            for url in files {
                switch url.pathExtension {
                case "png":
                    XCTAssertNoThrow(try PNGCodec.decode(Data(contentsOf: url)), url.path, file: file, line: line)
                    pngs += 1
                case "json":
                    XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(contentsOf: url)), url.path, file: file, line: line)
                default:
                    continue
                }
            }
        }
        XCTAssertGreaterThan(pngs, 0, file: file, line: line)
    }

    private func finish(_ root: TestRoot, _ expected: [String], _ watches: [RunningCommand]) throws {
        XCTAssertTrue(root.wait(300) { root.results.count + root.failures.count >= expected.count },
                      "published \(root.results.count + root.failures.count) of \(expected.count)")
        XCTAssertTrue(root.wait(30) { root.processing.isEmpty }, "left in .processing: \(root.processing.prefix(5))")
        for watch in watches { watch.signal(SIGTERM) }
        for watch in watches { XCTAssertTrue(watch.waitForExit(60)) }
        XCTAssertEqual(try root.publishedManifests(), expected.sorted(), "every manifest exactly once")
        try assertNothingPartial(root)
        let index = try String(contentsOf: root.layout.index, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(index.count, expected.count, "one index line per execution: each published once")
    }

    func testThreeHostsShareTheQueueAndOneKilledLosesNothing() throws {
        let (root, environment) = try sharedRoot()
        var watches = try startHosts(root, environment, ["host-a", "host-b", "host-c"])
        let expected = try dropTiny(root, count: 600)
        // Kill host-b while it is busy: once a sixth of the jobs are out.
        XCTAssertTrue(root.wait(120) { root.results.count >= 100 }, "the hosts started working")
        watches["host-b"]!.signal(SIGKILL)
        XCTAssertTrue(watches["host-b"]!.waitForExit(10))
        watches.removeValue(forKey: "host-b")
        try finish(root, expected, Array(watches.values))

        // Every host took work: the queue was shared, not drained by whoever started first.
        for (host, watch) in watches {
            XCTAssertTrue(watch.result().stderr.contains("claimed"), "\(host) claimed nothing")
        }
        let status = try root.run(["status", "--json"], environment: environment)
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdout.contains("\"store\" : \"postgres "), status.stdout.prefix(300).description)
        XCTAssertFalse(status.stdout.contains("password"), "no password in status")
    }

    func testAPostgresRestartDuringTheDrainLosesNothing() throws {
        let (root, environment) = try sharedRoot()
        let watches = try startHosts(root, environment, ["host-a", "host-b", "host-c"])
        let expected = try dropTiny(root, count: 600)
        XCTAssertTrue(root.wait(120) { root.results.count >= 100 }, "the hosts started working")
        XCTAssertTrue(TestPostgres.restart(TestPostgres.url!), "pg_ctl restart -m fast")
        try finish(root, expected, Array(watches.values))
        for watch in watches.values {
            XCTAssertEqual(watch.result().status, 0, "a watch exited because PostgreSQL restarted: \(watch.result().stderr.suffix(1500))")
        }
    }
}

/// `dropforge store copy --to postgres`: a root drained on SQLite answers the same after its
/// state is copied into PostgreSQL and the config points there.
final class StoreCopyTests: XCTestCase {
    func testACopiedStateAnswersTheSame() throws {
        guard let cluster = TestPostgres.url else {
            throw XCTSkip("no test PostgreSQL: run `make test`, which starts one (scripts/test-postgres)")
        }
        let schema = try TestPostgres.newSchema(cluster)
        addTeardownBlock(schema.drop)
        // A password the server does not ask for (trust on its socket), to see that none is shown.
        let environment = ["DROPFORGE_POSTGRES_URL": schema.url + "&password=hunter2"]
        let root = try TestRoot(examples: true)
        try root.drop("broken.yaml", "version: 1\nkind: images\nparams: {count: -1}\n")
        let drain = try root.run(["drain"], timeout: 300)
        XCTAssertEqual(drain.status, 1, "one manifest fails: \(drain.stderr.suffix(500))")
        func answers() throws -> [String] {
            let list = try root.run(["jobs", "list", "--json"], environment: environment)
            XCTAssertEqual(list.status, 0, list.stderr)
            let ids = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]).compactMap { $0["job"] as? String }
            XCTAssertGreaterThanOrEqual(ids.count, 7)
            var outputs = [list.stdout]
            for id in ids {
                for command in [["jobs", "show", id, "--json"], ["jobs", "logs", id], ["jobs", "export", id, "--format", "csv"]] {
                    let result = try root.run(command, environment: environment)
                    XCTAssertEqual(result.status, 0, "\(command): \(result.stderr)")
                    outputs.append(result.stdout)
                }
            }
            return outputs
        }
        let before = try answers()
        let copy = try root.run(["store", "copy", "--to", "postgres"], environment: environment)
        XCTAssertEqual(copy.status, 0, copy.stderr)
        XCTAssertTrue(copy.stdout.contains("copied 7 jobs"), copy.stdout)
        XCTAssertTrue(copy.stdout.contains("password=***"), copy.stdout)
        XCTAssertFalse(copy.stdout.contains("hunter2"), "no password in the report")
        let again = try root.run(["store", "copy", "--to", "postgres"], environment: environment)
        XCTAssertEqual(again.status, 1, "a second copy into a store with jobs is refused")
        XCTAssertTrue(again.stderr.contains("already has 7 job(s)"), again.stderr)
        try root.setConfig("store: {type: sqlite}", "store: {type: postgres}")
        try FileManager.default.removeItem(at: root.layout.database)  // the answers come from PostgreSQL alone
        XCTAssertEqual(try answers(), before)
        let status = try root.run(["status"], environment: environment)
        XCTAssertTrue(status.stdout.contains("store: postgres ") && !status.stdout.contains("hunter2"), status.stdout)
    }
}
