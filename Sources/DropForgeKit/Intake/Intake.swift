import Foundation
import Synchronization
import DropForgeCore
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
    /// The config manifests are resolved against; replaced when `watch` reloads it.
    private let current: Mutex<DropforgeConfig>
    private var config: DropforgeConfig { current.withLock { $0 } }
    private let store: IntakeStore
    private let log: EventLog
    private let scanner: InboxScanner
    /// Files seen but not settled; the watcher thread and `drain`'s scans both use it.
    private let tracker: Mutex<SettleTracker>

    public init(layout: RootLayout, config: DropforgeConfig, store: IntakeStore, log: EventLog) {
        self.layout = layout
        current = Mutex(config)
        self.store = store
        self.log = log
        scanner = InboxScanner(inbox: layout.inbox)
        tracker = Mutex(SettleTracker(settle: TimeInterval(config.settleMs) / 1000))
        ClaimHold.ignoreLeaseBreaks
    }

    /// Manifests claimed from now on are resolved against `config` (providers, limits, defaults).
    /// `settle_ms` stays as it was at start.
    public func update(config: DropforgeConfig) {
        current.withLock { $0 = config }
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
        return claim(settled)
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

    /// Admissions per write transaction when a scan finds a backlog. Measured on the scale
    /// benchmark (docs/performance.md, "Intake at 1,000/s"): past a few dozen the transaction's
    /// fixed cost is gone, and a bigger batch only holds the engine's writes back longer.
    static let batchSize = 64

    /// Claims gathered for one admission transaction. The first batch of a scan is one
    /// file, so the engine starts on it at once; each next one is twice as big, up to
    /// ``batchSize``.
    private struct Batch {
        var claims: [Claim] = []
        var limit = 1

        /// Adds a claim; the full batch when it is time to admit it.
        mutating func add(_ claim: Claim) -> [Claim]? {
            claims.append(claim)
            guard claims.count >= limit else { return nil }
            defer {
                claims.removeAll(keepingCapacity: true)
                limit = min(limit * 2, Intake.batchSize)
            }
            return claims
        }
    }

    /// Claims one inbox file by rename and admits it. `nil` when another process took it first.
    public func claim(_ name: String) -> String? {
        guard let claim = take(name) else { return nil }
        return admit([claim]).first
    }

    /// Claims each file by rename, one by one (the rename is the arbiter between processes),
    /// and admits them in batches of up to ``batchSize``, each in one write transaction. A crash
    /// before a batch commits leaves its files claimed without job rows: `adoptOrphans()`
    /// admits them at the next start.
    func claim(_ names: [String]) -> [String] {
        var admitted: [String] = []
        var batch = Batch()
        for name in names {
            guard let claim = take(name) else { continue }
            if let full = batch.add(claim) { admitted += admit(full) }
        }
        if !batch.claims.isEmpty { admitted += admit(batch.claims) }
        return admitted
    }

    /// A manifest renamed into `inbox/.processing/`, with the bytes read while it was held
    /// (nil when they are read from the claim file: an adopted orphan, or a symlink to refuse).
    struct Claim {
        var file: String
        var bytes: Result<Data, any Error>?
    }

    /// Moves `inbox/<name>` to `inbox/.processing/<uid>~<name>` under a ``ClaimHold`` and reads
    /// it before the hold ends. Nil when the file is gone (another process took it: normal), is
    /// still open for writing (it is looked at again later) or cannot be moved (logged).
    private func take(_ name: String) -> Claim? {
        tracker.withLock { $0.forget(name) }
        let source = layout.inbox.appendingPathComponent(name, isDirectory: false)  // no stat to ask
        let hold: ClaimHold?
        switch ClaimHold.take(source.path) {
        case .held(let taken): hold = taken
        // A symlink, or a file that cannot be opened (no read permission): claimed all the same,
        // so that reading the claim file fails and the manifest ends in failures/ saying why.
        case .symlink, .failed: hold = nil
        case .gone: return nil
        case .busy:
            if let file = scanner.file(named: name) {
                tracker.withLock { $0.postpone(file, now: Date().timeIntervalSince1970) }
            }
            return nil
        }
        let claimFile = "\(Self.newUID())~\(name)"
        let target = layout.processing.appendingPathComponent(claimFile, isDirectory: false)
        guard Glibc.rename(source.path, target.path) == 0 else {
            if errno != ENOENT {
                log.record(.error, job: "intake", event: "claim_failed",
                           message: "cannot move \(name) into inbox/.processing: \(String(cString: strerror(errno)))")
            }
            return nil
        }
        return Claim(file: claimFile, bytes: hold.map { hold in Result { try hold.read(limit: config.limits.manifestBytes) } })
    }

    /// Admits every claimed file the store does not know (crash between rename and admission),
    /// in batches, and removes claimed files whose job already finished.
    ///
    /// With a shared store other hosts claim into the same folder, and a claim without a job row
    /// may be one that its claimer is still reading and admitting: it is adopted only once its
    /// claimer is taken to be dead, as a lease is — when the claim (the rename, its ctime) is older
    /// than `lease_seconds`. Admission is milliseconds after the rename; a claimer that has not
    /// admitted its claim in that time has died with it. On one host, the caller runs at start-up
    /// or beside at most one other process of its own, and adopts at once.
    @discardableResult
    public func adoptOrphans() -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: layout.processing.path) else { return [] }
        let config = config
        let youngest = config.store.isShared ? Date().timeIntervalSince1970 - Double(config.leaseSeconds) : nil
        var adopted: [String] = []
        var batch = Batch()
        for name in names.sorted() where !name.hasPrefix(".") && name.contains("~") {
            if let job = try? store.job(claimFile: name) {
                if job.status.isFinished { unlink(layout.processing.appendingPathComponent(name).path) }
                continue
            }
            if let youngest {
                var info = stat()
                let path = layout.processing.appendingPathComponent(name).path
                guard lstat(path, &info) == 0, Double(info.st_ctim.tv_sec) < youngest else { continue }
            }
            if let full = batch.add(Claim(file: name, bytes: nil)) { adopted += admit(full) }
        }
        if !batch.claims.isEmpty { adopted += admit(batch.claims) }
        return adopted
    }

    /// Reads claimed manifests, resolves their settings and admits the jobs in one write
    /// transaction — each job with its execution, first step and its `claimed`, `rejected` or
    /// `duplicate` event — then writes those events' log lines. Returns the admitted job ids
    /// (not those another process adopted first).
    func admit(_ claims: [Claim]) -> [String] {
        let now = Date()
        let admissions = claims.map { claim -> (ClaimedManifest, Admission) in
            let claimed = read(claim, now: now)
            return (claimed, admission(for: claimed, now: now))
        }
        let results: [Result<AdmissionResult, any Error>]
        do {
            results = try store.admit(admissions.map(\.1)).map { .success($0) }
        } catch let error where admissions.count == 1 || error is StoreSpaceError {
            results = admissions.map { _ in .failure(error) }  // a full disk fails each of them alike
        } catch {
            // One bad admission must not hold up the others: each on its own, to say which failed.
            results = admissions.map { entry in Result { try store.admit(entry.1) } }
        }
        var admitted: [String] = []
        for ((claimed, admission), result) in zip(admissions, results) {
            switch result {
            case .success(.admitted(let duplicateOf)):
                admission.events(duplicateOf).forEach(log.emit)
                admitted.append(admission.job.id)
            case .success(.alreadyKnown):
                continue  // another process adopted it first
            case .failure(let error):
                log.record(.error, job: "intake", event: "admit_failed", message: "cannot admit \(claimed.originalName): \(error)")
            }
        }
        return admitted
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

    func read(_ claim: Claim, now: Date) -> ClaimedManifest {
        let config = config  // one snapshot: a reload meanwhile must not mix two configs in one claim
        let claimFile = claim.file
        let originalName = String(claimFile.split(separator: "~", maxSplits: 1).last ?? Substring(claimFile))
        var claimed = ClaimedManifest(claimFile: claimFile, originalName: originalName,
                                      uid: String(claimFile.prefix(while: { $0 != "~" })), data: Data())
        do {
            claimed.data = try claim.bytes?.get()
                ?? Self.read(layout.processing.appendingPathComponent(claimFile, isDirectory: false), limit: config.limits.manifestBytes)
            claimed.settings = try ManifestResolver(layout: layout, config: config)
                .resolve(data: claimed.data, fileName: originalName)
        } catch let problems as ManifestProblems {
            claimed.failure = StageFailure(stage: "intake", code: problems.code, message: problems.description, at: now)
        } catch let error as ManifestError {  // the claim itself refused (a symlink), before any parsing
            claimed.failure = StageFailure(stage: "intake", code: error.code, message: error.description, at: now)
        } catch {
            claimed.failure = StageFailure(stage: "intake", code: .manifestUnreadable, message: "\(originalName): \(error)", at: now)
        }
        // An oversized manifest is not kept in the store.
        if claimed.data.count > config.limits.manifestBytes { claimed.data = Data() }
        return claimed
    }

    /// The job row, first execution and admission event for a claimed manifest.
    func admission(for claimed: ClaimedManifest, now: Date) -> Admission {
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
        let execution = ExecutionRecord.make(jobID: jobID, number: 1, parent: nil, settings: settings, now: now)
        let (log, originalName, rejection, manifestID) = (log, claimed.originalName, claimed.failure?.message,
                                                          settings?.manifestID ?? "")
        return Admission(job: job, execution: execution, failure: claimed.failure,
                         checkDuplicate: !(settings?.force ?? false)) { duplicateOf in
            [Self.admissionEvent(log, job: jobID, originalName: originalName, rejection: rejection,
                                 manifestID: manifestID, duplicateOf: duplicateOf, now: now)]
        }
    }

    /// The job log's line for an admission: rejected, a duplicate manifest id, or claimed.
    static func admissionEvent(_ log: EventLog, job jobID: String, originalName: String, rejection: String?,
                               manifestID: String, duplicateOf: String?, now: Date) -> EventRecord {
        if let rejection {
            return log.make(.error, job: jobID, execution: jobID, event: "rejected", message: rejection, at: now)
        } else if let duplicateOf {
            return log.make(.warning, job: jobID, execution: jobID, event: "duplicate",
                            message: "\(originalName) repeats manifest id '\(manifestID)' of \(duplicateOf)", at: now)
        } else {
            return log.make(.info, job: jobID, execution: jobID, event: "claimed", message: "claimed \(originalName)", at: now)
        }
    }

    /// Reads at most `limit + 1` bytes: enough to tell an oversized manifest without loading it.
    /// A symbolic link is refused, not followed: what is published as the manifest must be the
    /// bytes that were parsed, and a link could lead anywhere the daemon may read.
    static func read(_ url: URL, limit: Int) throws -> Data {
        let fd = open(url.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP { throw symlinkRefusal(url) }
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        defer { close(fd) }
        return try ClaimHold.read(fd: fd, limit: limit)
    }

    static func symlinkRefusal(_ url: URL) -> ManifestError {
        let name = String(url.lastPathComponent.split(separator: "~", maxSplits: 1).last ?? "")
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)).map { " (to \($0))" } ?? ""
        return ManifestError(file: name, message: "is a symbolic link\(target); dropforge takes only regular files — copy the file into the inbox instead",
                             code: ErrorCode.manifestSymlink.rawValue)
    }

    /// A short unique id for the job's folder name: 6 characters of [a-z0-9].
    /// One draw of the system generator (one `getrandom`) gives all six: 36⁶ is far below 2⁶⁴,
    /// so taking them as base-36 digits is uniform to within 10⁻⁹.
    static func newUID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        var bits = generator.next()
        return String((0..<6).map { _ in
            defer { bits /= 36 }
            return alphabet[Int(bits % 36)]
        })
    }
}
