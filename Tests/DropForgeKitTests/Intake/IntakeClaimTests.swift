import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeCore
@testable import DropForgeStore

/// A fresh root made by `RootInitializer` (default config, profiles, templates) with a real
/// store, event log and intake.
final class IntakeClaimFixture {
    let layout: RootLayout
    let config: DropforgeConfig
    let store: SQLiteJobStore
    let log: EventLog
    let intake: Intake

    init(_ test: XCTestCase) throws {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("dropforge-intake-claim-\(UUID().uuidString)", isDirectory: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        layout = RootLayout(root: root)
        try RootInitializer(layout: layout).initialize(copyExamples: false)
        config = try DropforgeConfig.load(from: layout.configFile)
        store = try SQLiteJobStore(path: layout.database.path)
        log = EventLog(store: store, layout: layout)
        intake = Intake(layout: layout, config: config, store: store, log: log)
    }

    static func manifest(name: String? = nil, id: String? = nil, force: Bool = false) -> String {
        var text = "version: 1\nkind: images\n"
        if let name { text += "name: \(name)\n" }
        if let id { text += "id: \(id)\n" }
        if force { text += "force: true\n" }
        text += """
            params:
              template: "A {style} picture of {keyword} under the moon"
              keywords: [barn owl, snowy owl]
              vars: {style: [ink]}
              size: 64
              seed: 7

            """
        return text
    }

    /// Writes `text` into the inbox, dated `age` seconds ago (old enough to count as settled).
    @discardableResult
    func drop(_ name: String, _ text: String, age: TimeInterval = 10) throws -> URL {
        let url = layout.inbox.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: url.path)
        return url
    }

    func claimed() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: layout.processing.path).sorted()
    }

    func failure(of job: String) throws -> StageFailure? {
        try store.executions(jobID: job).first?.failure.map { try JSONCoding.decode(StageFailure.self, from: $0) }
    }

    func stages(of job: String) throws -> [Stage] {
        try store.steps(executionID: job).map(\.stage)
    }
}

final class IntakeClaimTests: XCTestCase {
    func testASettledFileIsClaimedIntoProcessingAndAdmitted() throws {
        let fixture = try IntakeClaimFixture(self)
        let text = IntakeClaimFixture.manifest()
        try fixture.drop("owls.yaml", text)

        let admitted = fixture.intake.scan()
        XCTAssertEqual(admitted.count, 1)
        let jobID = try XCTUnwrap(admitted.first)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.layout.inbox.appendingPathComponent("owls.yaml").path))

        let claimed = try fixture.claimed()
        XCTAssertEqual(claimed.count, 1)
        let claimFile = try XCTUnwrap(claimed.first)
        let uid = String(claimFile.prefix(while: { $0 != "~" }))
        XCTAssertEqual(claimFile, "\(uid)~owls.yaml")
        XCTAssertNotNil(uid.range(of: "^[a-z0-9]{6}$", options: .regularExpression), uid)
        XCTAssertEqual(jobID, "owls-\(uid)", "the name is the file's stem plus the claim's uid")
        XCTAssertEqual(try String(contentsOf: fixture.layout.processing.appendingPathComponent(claimFile), encoding: .utf8), text)

        let job = try XCTUnwrap(fixture.store.job(claimFile: claimFile))
        XCTAssertEqual(job.id, jobID)
        XCTAssertEqual(job.sourceName, "owls.yaml")
        XCTAssertEqual(job.name, "owls")
        XCTAssertEqual(job.status, .queued)
        XCTAssertEqual(job.manifest, Data(text.utf8))
        XCTAssertEqual(job.manifestExt, "yaml")
        XCTAssertNil(job.manifestID)
        let execution = try XCTUnwrap(fixture.store.executions(jobID: jobID).first)
        XCTAssertEqual(execution.id, jobID)
        XCTAssertNil(execution.failure)
        XCTAssertNotNil(execution.settings)
        XCTAssertEqual(execution.baseSeed, 7)
        XCTAssertTrue(execution.qualityEnabled)
        XCTAssertTrue(execution.qualityBarrier, "the default checks include `duplicate`")
        XCTAssertTrue(execution.metadataEnabled)
        XCTAssertEqual(try fixture.stages(of: jobID), [.parameters])
        XCTAssertEqual(try fixture.store.events(jobID: jobID, after: 0).map(\.event), ["claimed"])

        XCTAssertEqual(fixture.intake.scan(), [], "nothing is claimed twice")
    }

    func testTheManifestNameNamesTheJob() throws {
        let fixture = try IntakeClaimFixture(self)
        try fixture.drop("whatever.yml", IntakeClaimFixture.manifest(name: "night-owls"))
        let jobID = try XCTUnwrap(fixture.intake.scan().first)
        XCTAssertTrue(jobID.hasPrefix("night-owls-"), jobID)
        XCTAssertEqual(try fixture.store.job(id: jobID)?.sourceName, "whatever.yml")
    }

    func testAFreshFileWaitsUntilItHasSettled() throws {
        let fixture = try IntakeClaimFixture(self)
        let url = try fixture.drop("slow.yaml", IntakeClaimFixture.manifest(), age: 0)
        XCTAssertEqual(fixture.intake.scan(), [])
        XCTAssertEqual(fixture.intake.waiting, 1)
        XCTAssertNotNil(fixture.intake.nextCheck())
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.path))
        XCTAssertEqual(try fixture.claimed(), [])

        // Once it is old enough, the next look takes it.
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-10)], ofItemAtPath: url.path)
        _ = fixture.intake.scan()            // the changed mtime restarts its clock …
        let taken = fixture.intake.scan()     // … but it is already older than settle_ms
        XCTAssertEqual(taken.count, 1)
        XCTAssertEqual(fixture.intake.waiting, 0)
    }

    func testAnInvalidManifestIsAdmittedAsAFailureBoundForExport() throws {
        let fixture = try IntakeClaimFixture(self)
        try fixture.drop("broken.yaml", "version: 1\nkind: images\nparams:\n  count: 5000\n")
        try fixture.drop("garbage.json", "{ not json")
        let admitted = fixture.intake.scan()
        XCTAssertEqual(admitted.count, 2)

        for jobID in admitted {
            XCTAssertEqual(try fixture.stages(of: jobID), [.export], jobID)
            let failure = try XCTUnwrap(fixture.failure(of: jobID))
            XCTAssertEqual(failure.stage, "intake")
            XCTAssertEqual(failure.code, "manifest_invalid")
            let job = try XCTUnwrap(fixture.store.job(id: jobID))
            XCTAssertTrue(failure.message.contains(job.sourceName), failure.message)
            XCTAssertNotNil(failure.message.range(of: #":\d+:\d+"#, options: .regularExpression),
                            "line and column: \(failure.message)")
            XCTAssertFalse(job.manifest.isEmpty, "the manifest is kept as dropped")
            let execution = try XCTUnwrap(fixture.store.executions(jobID: jobID).first)
            XCTAssertNil(execution.settings)
            XCTAssertFalse(execution.qualityEnabled)
            XCTAssertEqual(try fixture.store.events(jobID: jobID, after: 0).map(\.event), ["rejected"])
        }
        XCTAssertEqual(Set(admitted.map { $0.split(separator: "-").dropLast().joined(separator: "-") }),
                       ["broken", "garbage"], "named after the file's stem")
    }

    func testAFileNameWithNothingFolderSafeStillNamesAJob() throws {
        let fixture = try IntakeClaimFixture(self)
        try fixture.drop("猫.yaml", "version: 3\n")
        let admitted = fixture.intake.scan()
        XCTAssertEqual(admitted.count, 1)
        XCTAssertTrue(admitted[0].hasPrefix("job-"), admitted[0])
    }

    func testAnOversizedManifestFailsWithoutKeepingItsBytes() throws {
        let fixture = try IntakeClaimFixture(self)
        let limit = fixture.config.limits.manifestBytes
        try fixture.drop("huge.yaml", "version: 1\n# " + String(repeating: "x", count: limit) + "\n")
        let jobID = try XCTUnwrap(fixture.intake.scan().first)
        XCTAssertEqual(try fixture.stages(of: jobID), [.export])
        XCTAssertEqual(try fixture.failure(of: jobID)?.stage, "intake")
        XCTAssertEqual(try fixture.store.job(id: jobID)?.manifest, Data())
    }

    func testAClaimedFileWithoutAJobIsAdopted() throws {
        let fixture = try IntakeClaimFixture(self)
        // A crash between the rename and the admission leaves this behind.
        try Data(IntakeClaimFixture.manifest().utf8)
            .write(to: fixture.layout.processing.appendingPathComponent("k3x9p2~lost.yaml"))
        // Not claim files: dotfiles and names without a uid.
        try Data("x".utf8).write(to: fixture.layout.processing.appendingPathComponent(".k3x9p3~hidden.yaml"))
        try Data("x".utf8).write(to: fixture.layout.processing.appendingPathComponent("plain.yaml"))

        XCTAssertEqual(fixture.intake.adoptOrphans(), ["lost-k3x9p2"])
        let job = try XCTUnwrap(fixture.store.job(claimFile: "k3x9p2~lost.yaml"))
        XCTAssertEqual(job.id, "lost-k3x9p2")
        XCTAssertEqual(job.sourceName, "lost.yaml")
        XCTAssertEqual(try fixture.stages(of: job.id), [.parameters])
        XCTAssertEqual(try fixture.store.jobs(limit: nil).count, 1)

        // Known and unfinished: left alone.
        XCTAssertEqual(fixture.intake.adoptOrphans(), [])
        XCTAssertTrue(try fixture.claimed().contains("k3x9p2~lost.yaml"))
    }

    func testTheClaimedFileOfAFinishedJobIsRemoved() throws {
        let fixture = try IntakeClaimFixture(self)
        try fixture.drop("bad.yaml", "version: 3\n")
        let jobID = try XCTUnwrap(fixture.intake.scan().first)
        let claimFile = try XCTUnwrap(fixture.claimed().first)
        XCTAssertEqual(fixture.intake.adoptOrphans(), [])
        XCTAssertEqual(try fixture.claimed(), [claimFile], "still running: kept")

        let export = try XCTUnwrap(fixture.store.claimStep(stage: .export, owner: "t", leaseSeconds: 30, now: Date()))
        XCTAssertEqual(export.job.id, jobID)
        try fixture.store.complete(export, with: .published(status: .failed, outboxPath: "failures/\(jobID)"), now: Date())
        XCTAssertEqual(fixture.intake.adoptOrphans(), [])
        XCTAssertEqual(try fixture.claimed(), [], "a finished job's claim file goes")
        XCTAssertEqual(try fixture.store.job(id: jobID)?.status, .failed, "the job itself stays")
    }

    func testClaimingAFileThatVanishedReturnsNil() throws {
        let fixture = try IntakeClaimFixture(self)
        XCTAssertNil(fixture.intake.claim("ghost.yaml"))
        XCTAssertEqual(try fixture.claimed(), [])
        XCTAssertEqual(try fixture.store.jobs(limit: nil).count, 0)
        XCTAssertEqual(try fixture.store.events(jobID: "intake", after: 0).count, 0,
                       "losing the race to another process is normal, not an error")
    }

    func testASecondProcessLosesTheRaceForTheSameFile() throws {
        let fixture = try IntakeClaimFixture(self)
        let other = Intake(layout: fixture.layout, config: fixture.config, store: fixture.store, log: fixture.log)
        try fixture.drop("owls.yaml", IntakeClaimFixture.manifest())
        let winner = fixture.intake.claim("owls.yaml")
        XCTAssertNotNil(winner)
        XCTAssertNil(other.claim("owls.yaml"))
        XCTAssertEqual(try fixture.claimed().count, 1)
        XCTAssertEqual(try fixture.store.jobs(limit: nil).map(\.id), [winner!])
    }

    func testARepeatedManifestIDIsADuplicateUnlessForced() throws {
        let fixture = try IntakeClaimFixture(self)
        try fixture.drop("first.yaml", IntakeClaimFixture.manifest(id: "owls-2026"))
        let first = try XCTUnwrap(fixture.intake.claim("first.yaml"))
        try fixture.drop("second.yaml", IntakeClaimFixture.manifest(id: "owls-2026"))
        let second = try XCTUnwrap(fixture.intake.claim("second.yaml"))
        try fixture.drop("third.yaml", IntakeClaimFixture.manifest(id: "owls-2026", force: true))
        let third = try XCTUnwrap(fixture.intake.claim("third.yaml"))

        XCTAssertEqual(try fixture.store.job(id: first)?.manifestID, "owls-2026")
        XCTAssertEqual(try fixture.stages(of: first), [.parameters])
        XCTAssertNil(try fixture.failure(of: first))

        XCTAssertEqual(try fixture.stages(of: second), [.export])
        let duplicate = try XCTUnwrap(fixture.failure(of: second))
        XCTAssertEqual(duplicate.code, "duplicate")
        XCTAssertEqual(duplicate.stage, "intake")
        XCTAssertTrue(duplicate.message.contains(first), duplicate.message)
        let events = try fixture.store.events(jobID: second, after: 0)
        XCTAssertEqual(events.map(\.event), ["duplicate"])
        XCTAssertEqual(events.first?.level, "warning")

        XCTAssertEqual(try fixture.stages(of: third), [.parameters], "force: true runs it again")
        XCTAssertNil(try fixture.failure(of: third))
    }
}
