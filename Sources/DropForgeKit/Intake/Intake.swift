import Foundation
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
// @unchecked Sendable: the settle tracker is guarded by `lock`; the rest is set once in init.
public final class Intake: @unchecked Sendable {
    private let layout: RootLayout
    private let config: DropforgeConfig
    private let store: IntakeStore
    private let log: EventLog
    private let scanner: InboxScanner
    private var tracker: SettleTracker
    private let lock = NSLock()

    public init(layout: RootLayout, config: DropforgeConfig, store: IntakeStore, log: EventLog) {
        self.layout = layout
        self.config = config
        self.store = store
        self.log = log
        scanner = InboxScanner(inbox: layout.inbox)
        tracker = SettleTracker(settle: TimeInterval(config.settleMs) / 1000)
    }

    /// Files seen but not settled yet (still being written, as far as we can tell).
    public var waiting: Int { lock.withLock { tracker.waiting } }

    /// Seconds until the next unsettled file should be looked at again.
    public func nextCheck() -> TimeInterval? {
        lock.withLock { tracker.nextCheck(now: Date().timeIntervalSince1970) }
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
        let settled: [String] = lock.withLock {
            let present = Set(files.map(\.name))
            tracker.forgetAll(except: present)
            return files.filter { tracker.observe($0, now: now) }.map(\.name)
        }
        return settled.compactMap { claim($0) }
    }

    /// A file seen by a `written` event: take it once it has settled (a later scan decides).
    public func observe(_ name: String) -> String? {
        guard let file = scanner.file(named: name) else { return nil }
        let settled = lock.withLock { tracker.observe(file, now: Date().timeIntervalSince1970) }
        return settled ? claim(name) : nil
    }

    /// Looks again at the files that were still settling; claims those that have settled.
    @discardableResult
    public func recheckWaiting() -> [String] {
        let names = lock.withLock { tracker.waitingNames }
        return names.compactMap { name in
            guard scanner.file(named: name) != nil else {
                lock.withLock { tracker.forget(name) }
                return nil
            }
            return observe(name)
        }
    }

    /// Claims one inbox file by rename and admits it. `nil` when another process took it first.
    public func claim(_ name: String) -> String? {
        lock.withLock { tracker.forget(name) }
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
        let url = layout.processing.appendingPathComponent(claimFile)
        let originalName = String(claimFile.split(separator: "~", maxSplits: 1).last ?? Substring(claimFile))
        let uid = String(claimFile.prefix(while: { $0 != "~" }))
        let ext = (originalName as NSString).pathExtension.lowercased()
        let stem = (originalName as NSString).deletingPathExtension
        let now = Date()

        var failure: StageFailure?
        var settings: JobSettings?
        var manifestData = Data()
        do {
            manifestData = try Self.read(url, limit: config.limits.manifestBytes)
            settings = try ManifestResolver(layout: layout, config: config)
                .resolve(data: manifestData, fileName: originalName)
        } catch let error as ManifestError {
            failure = StageFailure(stage: "intake", code: error.code, message: error.description, at: now)
        } catch {
            failure = StageFailure(stage: "intake", code: .manifestUnreadable, message: "\(originalName): \(error)", at: now)
        }
        if manifestData.count > config.limits.manifestBytes { manifestData = Data() }

        // A file name with nothing folder-safe in it (`猫.yaml`) still gives a usable folder name.
        let stemName = Manifest.sanitizedName(stem)
        let name = settings?.name ?? (stemName.isEmpty ? "job" : stemName)
        let jobID = "\(name)-\(uid)"
        let job = JobRecord(
            id: jobID, claimFile: claimFile, sourceName: originalName, name: name,
            manifestID: settings?.manifestID, kind: settings?.kind.rawValue ?? "images",
            priority: settings?.priority.rank ?? 1, status: .queued, manifest: manifestData,
            manifestExt: ext, createdAt: now, updatedAt: now, finishedAt: nil)
        let execution = ExecutionRecord.make(jobID: jobID, number: 1, parent: nil, settings: settings, now: now)
        do {
            let result = try store.admit(Admission(job: job, execution: execution, failure: failure,
                                                   checkDuplicate: !(settings?.force ?? false)))
            switch result {
            case .alreadyKnown:
                return nil
            case .admitted(let duplicateOf):
                if let failure {
                    log.record(.error, job: jobID, execution: jobID, event: "rejected", message: failure.message, at: now)
                } else if let duplicateOf {
                    log.record(.warning, job: jobID, execution: jobID, event: "duplicate",
                               message: "\(originalName) repeats manifest id '\(settings?.manifestID ?? "")' of \(duplicateOf)", at: now)
                } else {
                    log.record(.info, job: jobID, execution: jobID, event: "claimed", message: "claimed \(originalName)", at: now)
                }
                return jobID
            }
        } catch {
            log.record(.error, job: "intake", event: "admit_failed", message: "cannot admit \(originalName): \(error)")
            return nil
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
