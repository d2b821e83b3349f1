import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What `stat` says about a file, as far as its contents go: the same stamp means the same
/// bytes, unless the file was changed twice within one tick of the file system's clock (see
/// ``FileCache``).
struct FileStamp: Sendable, Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: timespec
    var changed: timespec

    /// The stamp of the file at `path` (symlinks followed), or nil when there is none.
    init?(path: String) {
        var info = Glibc.stat()
        guard fstatat(AT_FDCWD, path, &info, 0) == 0 else { return nil }  // symlinks followed
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = info.st_mtim
        changed = info.st_ctim
    }

    static func == (a: FileStamp, b: FileStamp) -> Bool {
        a.device == b.device && a.inode == b.inode && a.size == b.size
            && a.modified.tv_sec == b.modified.tv_sec && a.modified.tv_nsec == b.modified.tv_nsec
            && a.changed.tv_sec == b.changed.tv_sec && a.changed.tv_nsec == b.changed.tv_nsec
    }

    /// Seconds since 1970 of the latest change (contents or metadata) the stamp records.
    var lastChange: Double {
        let m = Double(modified.tv_sec) + Double(modified.tv_nsec) / 1e9
        let c = Double(changed.tv_sec) + Double(changed.tv_nsec) / 1e9
        return max(m, c)
    }
}

/// Files that intake reads for every manifest (profiles, template and keyword files, the
/// providers' instruction templates), parsed once per process and kept until the file changes.
///
/// Each use costs one `stat` of the path: when the file's stamp — device, inode, size, mtime and
/// ctime to the nanosecond — is the one recorded when it was parsed, the parsed value is
/// returned with no read and no parse; otherwise `load` runs again (a rewrite, a rename over it,
/// a `touch`), and a file that is gone is the caller's business (no stat, no entry used).
///
/// File system clocks tick coarsely (a jiffy on ext4 and tmpfs, a second on some others), so a
/// file rewritten with the same size within one tick of being read would keep its stamp. A file
/// that changed less than `racyInterval` seconds before it was stat'ed is therefore not kept:
/// it is read and parsed on every use until it is older (as git treats "racily clean" files).
///
/// The stamp is taken before `load` reads the file, so a change while it reads gives the next
/// use a new stamp. The value also depends on `context` (e.g. the `Limits` it was parsed under);
/// an entry is used only for the same context. At most `capacity` files are kept.
final class FileCache<Context: Equatable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var stamp: FileStamp
        var context: Context
        var value: Value
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let loadCount = Atomic<Int>(0)
    let racyInterval: Double
    let capacity: Int

    init(racyInterval: Double = 2, capacity: Int = 256) {
        self.racyInterval = racyInterval
        self.capacity = capacity
    }

    /// How many times `load` ran (a miss): for tests and profiling.
    var loads: Int { loadCount.load(ordering: .relaxed) }

    /// The value parsed from the file at `path`, whose current stamp is `stamp`: the kept one
    /// when the stamp and context match, else `load()`'s, which is kept for next time.
    func value(path: String, stamp: FileStamp, context: Context, load: () -> Value) -> Value {
        if let entry = entries.withLock({ $0[path] }), entry.stamp == stamp, entry.context == context {
            return entry.value
        }
        loadCount.add(1, ordering: .relaxed)
        let value = load()   // outside the lock: a slow read does not hold up other files
        let racy = Date().timeIntervalSince1970 - stamp.lastChange < racyInterval
        entries.withLock { entries in
            if racy {
                entries[path] = nil
                return
            }
            if entries.count >= capacity, entries[path] == nil { entries.removeAll(keepingCapacity: true) }
            entries[path] = Entry(stamp: stamp, context: context, value: value)
        }
        return value
    }

    /// Like ``value(path:stamp:context:load:)``, taking the stamp itself; nil (and nothing
    /// kept) when there is no file at `path`.
    func value(path: String, context: Context, load: () -> Value) -> Value? {
        guard let stamp = FileStamp(path: path) else {
            entries.withLock { _ = $0.removeValue(forKey: path) }
            return nil
        }
        return value(path: path, stamp: stamp, context: context, load: load)
    }

    /// Forgets every file (tests).
    func removeAll() {
        entries.withLock { $0.removeAll() }
    }
}
