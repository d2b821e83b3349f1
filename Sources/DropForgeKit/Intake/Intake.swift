import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
import DropForgeStore
#endif

/// Takes manifests out of `inbox/` (DESIGN §2): claims each by an atomic rename into
/// `inbox/.processing/<uid>~<name>`, reads and resolves it, and admits it to the store as a
/// job — or as a failure on its way to `failures/` when it is invalid or a duplicate.
///
/// The claim rename is the only arbiter between processes (or hosts) sharing the inbox: the
/// loser gets ENOENT and moves on. A claimed file the store does not know yet (a crash
/// between rename and admission) is adopted by `adoptOrphans()`.
public final class Intake: Sendable {
    private let layout: RootLayout
    private let config: DropforgeConfig
    private let store: IntakeStore
    private let log: EventLog
    private let scanner: InboxScanner
    /// Files seen but not settled; the watcher thread and `drain`'s scans both use it.
    private let tracker: Mutex<SettleTracker>

    public init(layout: RootLayout, config: DropforgeConfig, store: IntakeStore, log: EventLog) {
        self.layout = layout
        self.config = config
        self.store = store
        self.log = log
        scanner = InboxScanner(inbox: layout.inbox)
        tracker = Mutex(SettleTracker(settle: TimeInterval(config.settleMs) / 1000))
    }

    /// Files seen but not settled yet (still being written, as far as we can tell).
    public var waiting: Int { tracker.withLock { $0.waiting } }

    /// Seconds until the next unsettled file should be looked at again.
    public func nextCheck() -> TimeInterval? {
        tracker.withLock { $0.nextCheck(now: Date().timeIntervalSince1970) }
    }

    /// Lists the inbox and claims every settled candidate. Returns the admitted job ids.
    @discardableResult
    public func scan() -> [String] {
        let files: [InboxFile]
        do {
            files = try scanner.candidates()
        } catch {
            log.record(.error, job: "intake", event: "scan_failed", message: "\(error)")
            return []
        }
        let now = Date().timeIntervalSince1970
        let settled: [String] = tracker.withLock { tracker in
            let present = Set(files.map(\.name))
            tracker.forgetAll(except: present)
            return files.filter { tracker.observe($0, now: now) }.map(\.name)
        }
        return settled.compactMap { claim($0) }
    }

    /// A file seen by a `written` event: take it once it has settled (a later scan decides).
    public func observe(_ name: String) -> String? {
        guard let file = scanner.file(named: name) else { return nil }
        let settled = tracker.withLock { $0.observe(file, now: Date().timeIntervalSince1970) }
        return settled ? claim(name) : nil
    }

    /// Looks again at the files that were still settling; claims those that have settled.
    @discardableResult
    public func recheckWaiting() -> [String] {
        let names = tracker.withLock { $0.waitingNames }
        return names.compactMap { name in
            guard scanner.file(named: name) != nil else {
                tracker.withLock { $0.forget(name) }
                return nil
            }
            return observe(name)
        }
    }

    /// Claims one inbox file by rename and admits it. `nil` when another process took it first.
    public func claim(_ name: String) -> String? {
        tracker.withLock { $0.forget(name) }
        let claimFile = "\(Self.newUID())~\(name)"
        let source = layout.inbox.appendingPathComponent(name)
        let target = layout.processing.appendingPathComponent(claimFile)
        guard Glibc.rename(source.path, target.path) == 0 else {
            if errno != ENOENT {
                log.record(.error, job: "intake", event: "claim_failed",
                           message: "cannot move \(name) into inbox/.processing: \(String(cString: strerror(errno)))")
            }
            return nil
        }
        return admit(claimFile: claimFile)
    }

    /// Admits every claimed file the store does not know (crash between rename and admission),
    /// and removes claimed files whose job already finished.
    @discardableResult
    public func adoptOrphans() -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: layout.processing.path) else { return [] }
        var adopted: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") && name.contains("~") {
            if let job = try? store.job(claimFile: name) {
                if job.status.isFinished { unlink(layout.processing.appendingPathComponent(name).path) }
                continue
            }
            if let id = admit(claimFile: name) { adopted.append(id) }
        }
        return adopted
    }

    /// Reads a claimed manifest, resolves its settings and admits the job.
    func admit(claimFile: String) -> String? {
        let now = Date()
        let claimed = read(claimFile: claimFile, now: now)
        let (job, execution) = records(for: claimed, now: now)
        do {
            let result = try store.admit(Admission(job: job, execution: execution, failure: claimed.failure,
                                                   checkDuplicate: !(claimed.settings?.force ?? false)))
            guard case .admitted(let duplicateOf) = result else { return nil } // another process adopted it first
            logAdmission(of: claimed, job: job.id, duplicateOf: duplicateOf, now: now)
            return job.id
        } catch {
            log.record(.error, job: "intake", event: "admit_failed", message: "cannot admit \(claimed.originalName): \(error)")
            return nil
        }
    }

    /// A claimed manifest file, read and resolved — or the failure that sends it to `failures/`.
    struct ClaimedManifest {
        var claimFile: String
        /// The name it was dropped as (`cozy-cats.yaml`).
        var originalName: String
        /// The claim's unique prefix, the job id's tail.
        var uid: String
        var data: Data
        var settings: JobSettings?
        var failure: StageFailure?

        var ext: String { (originalName as NSString).pathExtension.lowercased() }
        var stem: String { (originalName as NSString).deletingPathExtension }
    }

    func read(claimFile: String, now: Date) -> ClaimedManifest {
        let originalName = String(claimFile.split(separator: "~", maxSplits: 1).last ?? Substring(claimFile))
        var claimed = ClaimedManifest(claimFile: claimFile, originalName: originalName,
                                      uid: String(claimFile.prefix(while: { $0 != "~" })), data: Data())
        do {
            claimed.data = try Self.read(layout.processing.appendingPathComponent(claimFile), limit: config.limits.manifestBytes)
            claimed.settings = try ManifestResolver(layout: layout, config: config)
                .resolve(data: claimed.data, fileName: originalName)
        } catch let error as ManifestError {
            claimed.failure = StageFailure(stage: "intake", code: error.code, message: error.description, at: now)
        } catch {
            claimed.failure = StageFailure(stage: "intake", code: .manifestUnreadable, message: "\(originalName): \(error)", at: now)
        }
        // An oversized manifest is not kept in the store.
        if claimed.data.count > config.limits.manifestBytes { claimed.data = Data() }
        return claimed
    }

    /// The job row and first execution for a claimed manifest.
    func records(for claimed: ClaimedManifest, now: Date) -> (JobRecord, ExecutionRecord) {
        let settings = claimed.settings
        // A file name with nothing folder-safe in it (`猫.yaml`) still gives a usable folder name.
        let stemName = Manifest.sanitizedName(claimed.stem)
        let name = settings?.name ?? (stemName.isEmpty ? "job" : stemName)
        let jobID = "\(name)-\(claimed.uid)"
        let job = JobRecord(
            id: jobID, claimFile: claimed.claimFile, sourceName: claimed.originalName, name: name,
            manifestID: settings?.manifestID, kind: settings?.kind.rawValue ?? "images",
            priority: settings?.priority.rank ?? 1, status: .queued, manifest: claimed.data,
            manifestExt: claimed.ext, createdAt: now, updatedAt: now, finishedAt: nil)
        return (job, ExecutionRecord.make(jobID: jobID, number: 1, parent: nil, settings: settings, now: now))
    }

    /// One line in the job's log: rejected, a duplicate manifest id, or claimed.
    func logAdmission(of claimed: ClaimedManifest, job jobID: String, duplicateOf: String?, now: Date) {
        if let failure = claimed.failure {
            log.record(.error, job: jobID, execution: jobID, event: "rejected", message: failure.message, at: now)
        } else if let duplicateOf {
            log.record(.warning, job: jobID, execution: jobID, event: "duplicate",
                       message: "\(claimed.originalName) repeats manifest id '\(claimed.settings?.manifestID ?? "")' of \(duplicateOf)",
                       at: now)
        } else {
            log.record(.info, job: jobID, execution: jobID, event: "claimed", message: "claimed \(claimed.originalName)", at: now)
        }
    }

    /// Reads at most `limit + 1` bytes: enough to tell an oversized manifest without loading it.
    static func read(_ url: URL, limit: Int) throws -> Data {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        return try handle.read(upToCount: limit + 1) ?? Data()
    }

    /// A short unique id for the job's folder name: 6 characters of [a-z0-9].
    static func newUID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<6).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }
}
