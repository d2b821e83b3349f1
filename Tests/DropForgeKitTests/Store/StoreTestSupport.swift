import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgePostgres
@testable import DropForgePostgresStore
@testable import DropForgeStore
import FakeServers

/// A real store, empty, with helpers to admit jobs and walk their steps: SQLite in a fresh
/// temporary folder, or — with `DROPFORGE_TEST_STORE=postgres` (`make test` runs the store
/// suites a second time so) — PostgreSQL in a fresh schema of the test cluster. One suite, two
/// backends: the stores cannot drift. Times are whole seconds from a fixed origin so both
/// stores' timestamps compare exactly.
final class StoreFixture {
    static let origin = Date(timeIntervalSince1970: 1_800_000_000)

    enum Backend: String { case sqlite, postgres }
    static let backend = Backend(rawValue: ProcessInfo.processInfo.environment["DROPFORGE_TEST_STORE"] ?? "sqlite") ?? .sqlite

    let folder: URL
    let path: String
    /// The PostgreSQL URL of this fixture's schema (postgres backend only).
    let postgresURL: String?
    let store: JobStore

    init(_ test: XCTestCase) throws {
        folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("dropforge-store-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let folder = self.folder
        test.addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        path = folder.appendingPathComponent("state.sqlite").path
        switch Self.backend {
        case .sqlite:
            postgresURL = nil
            store = try SQLiteJobStore(path: path)
        case .postgres:
            let url = try PostgresTestDatabase.schema(for: test)
            postgresURL = url
            store = try PostgresJobStore(url: url)
        }
    }

    /// A second handle on the same store, as a second process would open it.
    func reopen() throws -> JobStore {
        if let postgresURL { return try PostgresJobStore(url: postgresURL) }
        return try SQLiteJobStore(path: path)
    }

    /// Write transactions made so far by this process's stores of this backend.
    var writeTransactions: Int {
        switch Self.backend {
        case .sqlite: SQLiteJobStore.writeTransactions.load(ordering: .relaxed)
        case .postgres: PostgresJobStore.writeTransactions.load(ordering: .relaxed)
        }
    }

    /// `origin + seconds`.
    static func at(_ seconds: TimeInterval) -> Date { origin.addingTimeInterval(seconds) }

    static func job(id: String, claimFile: String? = nil, manifestID: String? = nil, priority: Int = 1,
                    createdAt: Date = origin) -> JobRecord {
        JobRecord(id: id, claimFile: claimFile ?? "\(id)~\(id).yaml", sourceName: "\(id).yaml", name: id,
                  manifestID: manifestID, kind: "images", priority: priority, status: .queued,
                  manifest: Data("version: 1\n".utf8), manifestExt: "yaml",
                  createdAt: createdAt, updatedAt: createdAt, finishedAt: nil)
    }

    static func execution(for job: JobRecord, quality: Bool = true, barrier: Bool = false,
                          metadata: Bool = true) -> ExecutionRecord {
        ExecutionRecord(id: job.id, jobID: job.id, number: 1, parentID: nil, status: .queued, settings: nil,
                        baseSeed: 7, failure: nil, outboxPath: nil, qualityEnabled: quality,
                        qualityBarrier: barrier, metadataEnabled: metadata, createdAt: job.createdAt, finishedAt: nil)
    }

    /// Admits a job with the given routing switches and returns the store's answer.
    @discardableResult
    func admit(_ id: String, claimFile: String? = nil, manifestID: String? = nil, priority: Int = 1,
               quality: Bool = true, barrier: Bool = false, metadata: Bool = true,
               failure: StageFailure? = nil, checkDuplicate: Bool = true,
               at createdAt: Date = origin) throws -> AdmissionResult {
        let job = Self.job(id: id, claimFile: claimFile, manifestID: manifestID, priority: priority, createdAt: createdAt)
        let execution = Self.execution(for: job, quality: quality, barrier: barrier, metadata: metadata)
        return try store.admit(Admission(job: job, execution: execution, failure: failure, checkDuplicate: checkDuplicate))
    }

    /// Claims one step of `stage`, failing the test when there is none.
    func claim(_ stage: Stage, owner: String = "owner-a", lease: TimeInterval = 30, at now: Date = origin,
               file: StaticString = #filePath, line: UInt = #line) throws -> StepLease {
        let lease = try store.claimStep(stage: stage, owner: owner, leaseSeconds: lease, now: now)
        return try XCTUnwrap(lease, "no \(stage.rawValue) step to claim", file: file, line: line)
    }

    /// Admits `id` and expands it into `count` items (parameters step done).
    func admitExpanded(_ id: String, items count: Int, quality: Bool = true, barrier: Bool = false,
                       metadata: Bool = true, at now: Date = origin) throws {
        try admit(id, quality: quality, barrier: barrier, metadata: metadata, at: now)
        let lease = try claim(.parameters, at: now)
        try store.complete(lease, with: .expanded((0..<count).map { Self.plan($0) }), now: now)
    }

    /// Claims every runnable step of `stage` (in queue order) as one owner.
    func claimAll(_ stage: Stage, owner: String = "owner-a", at now: Date = origin) throws -> [StepLease] {
        var leases: [StepLease] = []
        while let lease = try store.claimStep(stage: stage, owner: owner, leaseSeconds: 30, now: now) {
            leases.append(lease)
        }
        return leases
    }

    func steps(_ execution: String, _ stage: Stage? = nil) throws -> [StepRecord] {
        try store.steps(executionID: execution).filter { stage == nil || $0.stage == stage }
    }

    static func plan(_ index: Int) -> Data { Data("{\"index\":\(index)}".utf8) }

    static let checks = Data("[]".utf8)
}

/// The test cluster `make test` starts (scripts/test-postgres), and fresh schemas in it.
enum PostgresTestDatabase {
    /// The cluster's URL; the test is skipped without one.
    static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["DROPFORGE_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw XCTSkip("no test PostgreSQL: run `make test`, which starts one (scripts/test-postgres)")
        }
        return url
    }

    /// A new, empty schema, dropped when the test ends; the URL selects it by `search_path`.
    static func schema(for test: XCTestCase) throws -> String {
        let schema = try TestPostgres.newSchema(try url())
        test.addTeardownBlock(schema.drop)
        return schema.url
    }
}
