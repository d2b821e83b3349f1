import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeCore
@testable import DropForgeStore

/// What the engine's test runners saw, shared between worker threads.
final class RunnerLog: @unchecked Sendable {
    private let lock = NSLock()
    private var calls: [(stage: Stage, item: Int?, attempt: Int, at: Date)] = []

    func record(_ lease: StepLease) {
        lock.withLock { calls.append((lease.step.stage, lease.item?.index, lease.step.attempts, Date())) }
    }

    func times(_ stage: Stage, item: Int? = nil) -> [Date] {
        lock.withLock { calls.filter { $0.stage == stage && $0.item == item }.map(\.at) }
    }

    func attempts(_ stage: Stage, item: Int? = nil) -> [Int] {
        lock.withLock { calls.filter { $0.stage == stage && $0.item == item }.map(\.attempt) }
    }

    func count(_ stage: Stage) -> Int { lock.withLock { calls.filter { $0.stage == stage }.count } }
}

/// A stage runner made of a closure, recording every call.
struct TestRunner: StageRunner {
    let stage: Stage
    let log: RunnerLog
    let body: @Sendable (StepLease) throws -> StepOutcome

    func run(_ lease: StepLease) throws -> StepOutcome {
        log.record(lease)
        return try body(lease)
    }
}

/// A root with a real store, an owner identity and an event log, plus an engine built the way
/// `Runtime` builds it but with the test's runners.
final class EngineFixture {
    let layout: RootLayout
    let store: SQLiteJobStore
    let owner: OwnerIdentity
    let events: EventLog
    let calls = RunnerLog()

    init(_ test: XCTestCase) throws {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("dropforge-engine-\(UUID().uuidString)", isDirectory: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        layout = RootLayout(root: root)
        try layout.createFolders()
        store = try SQLiteJobStore(path: layout.database.path)
        owner = try OwnerIdentity(layout: layout)
        events = EventLog(store: store, layout: layout)
    }

    deinit { owner.close() }

    func engine(_ runners: [StageRunner], retry: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.05),
                workers: Int = 1, leaseSeconds: TimeInterval = 30) -> Engine {
        Engine(store: store, layout: layout, owner: owner, log: events, runners: runners,
               options: .init(workers: Dictionary(uniqueKeysWithValues: Stage.allCases.map { ($0, workers) }),
                              leaseSeconds: leaseSeconds, heartbeatSeconds: 10, retry: RetryRules(retry)))
    }

    func runner(_ stage: Stage, _ body: @escaping @Sendable (StepLease) throws -> StepOutcome) -> TestRunner {
        TestRunner(stage: stage, log: calls, body: body)
    }

    /// Runners for every stage that succeed, with `generate` replaced when given.
    func runners(items: Int, generate: (@Sendable (StepLease) throws -> StepOutcome)? = nil) -> [StageRunner] {
        let store = self.store
        return [
            runner(.parameters) { _ in .expanded((0..<items).map { StoreFixture.plan($0) }) },
            runner(.generate, generate ?? { lease in .generated(imagePath: "work/\(lease.item!.index).png", dhash: 0) }),
            runner(.quality) { _ in .checked(passed: true, reason: nil, checks: Data("[]".utf8)) },
            runner(.metadata) { lease in .described(metadata: Data("{}".utf8), imagePath: "work/\(lease.item!.index)-m.png") },
            runner(.export) { lease in
                let items = try store.items(executionID: lease.execution.id)
                let approved = items.contains { $0.status == .approved }
                return .published(status: approved ? .completed : .failed,
                                  outboxPath: "\(approved ? "results" : "failures")/\(lease.execution.id)")
            },
        ]
    }

    func admit(_ id: String, quality: Bool = true, barrier: Bool = true, metadata: Bool = true) throws {
        let job = StoreFixture.job(id: id, createdAt: Date())
        let execution = StoreFixture.execution(for: job, quality: quality, barrier: barrier, metadata: metadata)
        XCTAssertEqual(try store.admit(Admission(job: job, execution: execution, failure: nil, checkDuplicate: false)),
                       .admitted(duplicateOf: nil))
    }

    /// Polls with short sleeps until `condition` holds or `timeout` passes.
    @discardableResult
    func wait(timeout: TimeInterval = 5, until condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            usleep(2_000)
        }
        return try condition()
    }

    func waitFinished(_ id: String, timeout: TimeInterval = 5) throws -> JobStatus? {
        try wait(timeout: timeout) { try store.job(id: id)?.status.isFinished ?? false }
        return try store.job(id: id)?.status
    }
}

final class EngineTests: XCTestCase {
    func testAJobRunsThroughEveryStageAndExportsOnce() throws {
        let fixture = try EngineFixture(self)
        try fixture.admit("cats")
        let engine = fixture.engine(fixture.runners(items: 3), workers: 2)
        engine.start()
        defer { engine.stop(grace: 1) }
        engine.ring()

        XCTAssertEqual(try fixture.waitFinished("cats"), .completed)
        XCTAssertTrue(engine.stop(grace: 1))
        XCTAssertEqual(try fixture.store.items(executionID: "cats").map(\.status), [.approved, .approved, .approved])
        XCTAssertEqual(fixture.calls.count(.parameters), 1)
        XCTAssertEqual(fixture.calls.count(.generate), 3)
        XCTAssertEqual(fixture.calls.count(.quality), 3)
        XCTAssertEqual(fixture.calls.count(.metadata), 3)
        XCTAssertEqual(fixture.calls.count(.export), 1)
        XCTAssertEqual(try fixture.store.executions(jobID: "cats").first?.outboxPath, "results/cats")
        XCTAssertTrue(try fixture.store.steps(executionID: "cats").allSatisfy { $0.status == .done && $0.attempts == 1 })
        XCTAssertEqual(try fixture.store.leaseOwners(), [])
        XCTAssertEqual(engine.stepsInFlight, 0)
    }

    func testTransientErrorsAreRetriedWithBackoffAndPermanentOnesFailTheItem() throws {
        let fixture = try EngineFixture(self)
        try fixture.admit("mixed")
        // Item 0 fails twice, then works; item 1 always fails permanently; item 2 always fails transiently.
        let generate: @Sendable (StepLease) throws -> StepOutcome = { lease in
            let index = lease.item!.index
            switch index {
            case 0 where lease.step.attempts <= 2: throw StepError.transient(.ioError, "flaky disk \(lease.step.attempts)")
            case 1: throw StepError.permanent(.pngInvalid, "the provider sent garbage")
            case 2: throw StepError.transient(.httpStatus(503), "still down")
            default: return .generated(imagePath: "work/\(index).png", dhash: Int64(index))
            }
        }
        let retry = RetryPolicy(maxAttempts: 3, baseDelay: 0.02, maxDelay: 0.05)
        let engine = fixture.engine(fixture.runners(items: 4, generate: generate), retry: retry, workers: 2)
        engine.start()
        defer { engine.stop(grace: 1) }

        XCTAssertEqual(try fixture.waitFinished("mixed"), .completed)
        engine.stop(grace: 1)
        let items = try fixture.store.items(executionID: "mixed")
        XCTAssertEqual(items.map(\.status), [.approved, .failed, .failed, .approved])
        XCTAssertEqual(items.map(\.attempts), [3, 1, 3, 1])
        XCTAssertNil(items[0].lastError, "a success clears the error of earlier attempts")
        XCTAssertEqual(items[1].lastError, "png_invalid: the provider sent garbage")
        XCTAssertEqual(items[2].lastError, "http_503: still down")

        XCTAssertEqual(fixture.calls.attempts(.generate, item: 0), [1, 2, 3])
        XCTAssertEqual(fixture.calls.attempts(.generate, item: 1), [1], "a permanent error is not retried")
        XCTAssertEqual(fixture.calls.attempts(.generate, item: 2), [1, 2, 3], "max_attempts is the limit")
        // Backoff: attempt n+1 waits at least half of base·2^(n-1) (the store keeps milliseconds).
        for item in [0, 2] {
            let times = fixture.calls.times(.generate, item: item)
            XCTAssertGreaterThanOrEqual(times[1].timeIntervalSince(times[0]), 0.01 - 0.002, "item \(item)")
            XCTAssertGreaterThanOrEqual(times[2].timeIntervalSince(times[1]), 0.02 - 0.002, "item \(item)")
        }

        let steps = try fixture.store.steps(executionID: "mixed").filter { $0.stage == .generate }
        XCTAssertEqual(steps.map(\.status), [.done, .failed, .failed, .done])
        XCTAssertEqual(steps.map(\.attempts), [3, 1, 3, 1])
        XCTAssertEqual(fixture.calls.count(.export), 1)
        XCTAssertEqual(fixture.calls.count(.quality), 2)

        let log = try fixture.store.events(jobID: "mixed", after: 0)
        // Log lines number items from 1, like the files (0001.png).
        XCTAssertEqual(log.filter { $0.event == "retry" && $0.item == 1 }.count, 2)
        XCTAssertEqual(log.filter { $0.event == "retry" && $0.item == 3 }.count, 2)
        XCTAssertEqual(log.filter { $0.event == "failed" }.compactMap(\.item).sorted(), [2, 3])
        XCTAssertTrue(log.first { $0.event == "failed" && $0.item == 2 }?.message.contains("png_invalid") ?? false)
        XCTAssertEqual(Set(log.filter { $0.event == "retry" }.map(\.level)), ["warning"])
        // The same lines are in the job's JSONL log.
        let lines = try String(contentsOf: fixture.layout.log(job: "mixed"), encoding: .utf8)
            .split(separator: "\n")
        XCTAssertEqual(lines.count, log.count)
        XCTAssertTrue(lines.allSatisfy { $0.hasPrefix("{\"ts\":") })
    }

    func testAJobWhoseEveryItemFailsIsPublishedAsFailed() throws {
        let fixture = try EngineFixture(self)
        try fixture.admit("doomed", barrier: false)
        let engine = fixture.engine(fixture.runners(items: 2) { _ in throw StageFailure(stage: "generate", code: "provider_unknown", message: "x") })
        engine.start()
        defer { engine.stop(grace: 1) }
        XCTAssertEqual(try fixture.waitFinished("doomed"), .failed)
        XCTAssertEqual(fixture.calls.count(.generate), 2)
        XCTAssertEqual(fixture.calls.count(.export), 1)
        XCTAssertEqual(fixture.calls.count(.quality), 0)
    }

    func testStopReleasesTheLeasesOfStepsStillInFlight() throws {
        let fixture = try EngineFixture(self)
        try fixture.admit("slow")
        let gate = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let engine = fixture.engine(fixture.runners(items: 1) { lease in
            _ = gate.wait(timeout: .now() + 5)
            defer { finished.signal() }
            return .generated(imagePath: "late.png", dhash: 0)
        })
        engine.start()
        XCTAssertTrue(fixture.wait { fixture.calls.count(.generate) == 1 })
        XCTAssertGreaterThanOrEqual(engine.stepsInFlight, 1)
        XCTAssertEqual(try fixture.store.leaseOwners(), [fixture.owner.id])

        let started = Date()
        XCTAssertFalse(engine.stop(grace: 0.1), "the step did not finish within the grace period")
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.5)
        var step = try XCTUnwrap(fixture.store.steps(executionID: "slow").first { $0.stage == .generate })
        XCTAssertEqual(step.status, .pending)
        XCTAssertNil(step.leaseOwner)
        XCTAssertEqual(step.attempts, 0, "a graceful stop costs no attempt")
        XCTAssertEqual(try fixture.store.leaseOwners(), [])

        // The late result is not recorded: the step is for the next start to run.
        gate.signal()
        XCTAssertEqual(finished.wait(timeout: .now() + 2), .success)
        XCTAssertTrue(fixture.wait { engine.stepsInFlight == 0 })
        step = try XCTUnwrap(fixture.store.steps(executionID: "slow").first { $0.stage == .generate })
        XCTAssertEqual(step.status, .pending)
        XCTAssertEqual(try fixture.store.items(executionID: "slow").first?.status, .pending)
        usleep(20_000)
        XCTAssertEqual(fixture.calls.count(.generate), 1, "a stopped engine claims nothing more")
    }

    func testStopWaitsForAStepThatFinishesWithinTheGrace() throws {
        let fixture = try EngineFixture(self)
        try fixture.admit("brief")
        let engine = fixture.engine(fixture.runners(items: 1) { _ in
            usleep(200_000)
            return .generated(imagePath: "done.png", dhash: 0)
        })
        engine.start()
        XCTAssertTrue(fixture.wait { fixture.calls.count(.generate) == 1 })
        XCTAssertTrue(engine.stop(grace: 2))
        let step = try XCTUnwrap(fixture.store.steps(executionID: "brief").first { $0.stage == .generate })
        XCTAssertEqual(step.status, .done)
        XCTAssertEqual(try fixture.store.items(executionID: "brief").first?.status, .generated)
        XCTAssertEqual(fixture.calls.count(.quality), 0, "nothing new is claimed once stopping")
    }

    func testTheLeasesOfADeadProcessOnThisHostAreTakenBackAtStart() throws {
        let fixture = try EngineFixture(self)
        try fixture.admit("orphaned")
        // A process on this host claimed the parameters step and died: no lock file is left.
        let dead = "\(OwnerIdentity.hostName):999999:dead"
        let lease = try fixture.store.claimStep(stage: .parameters, owner: dead, leaseSeconds: 3600, now: Date())
        XCTAssertNotNil(lease)
        // A lease held on another host is left alone (only expiry can tell there).
        try fixture.admit("elsewhere")
        let remote = try fixture.store.claimStep(stage: .parameters, owner: "other-host.invalid:1:x", leaseSeconds: 3600, now: Date())
        XCTAssertEqual(remote?.job.id, "elsewhere")

        let engine = fixture.engine(fixture.runners(items: 1))
        engine.start()
        defer { engine.stop(grace: 1) }
        XCTAssertEqual(try fixture.waitFinished("orphaned"), .completed)
        let parameters = try XCTUnwrap(fixture.store.steps(executionID: "orphaned").first { $0.stage == .parameters })
        XCTAssertEqual(parameters.attempts, 2, "the dead process's attempt counts")
        XCTAssertEqual(try fixture.store.job(id: "elsewhere")?.status, .running)
        XCTAssertEqual(try fixture.store.leaseOwners(), ["other-host.invalid:1:x"])
    }
}
