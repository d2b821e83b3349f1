import Synchronization

/// How many durability calls this process made: every `fsync`, `fdatasync` and `syncfs` that
/// dropforge's own code issues goes through `FileSystem` and is counted here. SQLite's own
/// syncs (its WAL and checkpoints, inside the C library) are not: `strace -c` sees those.
///
/// Process-wide and lock-free (`Atomic`), so counting costs nothing next to the call counted;
/// read it with `IOCounters.fsyncs` or, for the breakdown, `IOCounters.snapshot()`.
public enum IOCounters {
    /// The counts at one moment. Subtract two snapshots to count what happened between them.
    public struct Snapshot: Sendable, Equatable, CustomStringConvertible {
        /// `fsync`/`fdatasync` of regular files.
        public var fileSyncs: Int
        /// `fsync` of directories (a staging folder, its subfolders, the folder it was renamed into).
        public var directorySyncs: Int
        /// `syncfs` calls: one per published folder on filesystems that have it.
        public var filesystemSyncs: Int

        public init(fileSyncs: Int = 0, directorySyncs: Int = 0, filesystemSyncs: Int = 0) {
            self.fileSyncs = fileSyncs
            self.directorySyncs = directorySyncs
            self.filesystemSyncs = filesystemSyncs
        }

        /// Every durability call: what `strace -c -e trace=fsync,fdatasync,syncfs` would count
        /// for dropforge's own code.
        public var fsyncs: Int { fileSyncs + directorySyncs + filesystemSyncs }

        public static func - (lhs: Snapshot, rhs: Snapshot) -> Snapshot {
            Snapshot(fileSyncs: lhs.fileSyncs - rhs.fileSyncs, directorySyncs: lhs.directorySyncs - rhs.directorySyncs,
                     filesystemSyncs: lhs.filesystemSyncs - rhs.filesystemSyncs)
        }

        public var description: String {
            "\(fsyncs) syncs (\(fileSyncs) file, \(directorySyncs) directory, \(filesystemSyncs) syncfs)"
        }
    }

    private static let files = Atomic<Int>(0)
    private static let directories = Atomic<Int>(0)
    private static let filesystems = Atomic<Int>(0)

    /// Every durability call so far (`snapshot().fsyncs`).
    public static var fsyncs: Int { snapshot().fsyncs }

    public static func snapshot() -> Snapshot {
        Snapshot(fileSyncs: files.load(ordering: .relaxed), directorySyncs: directories.load(ordering: .relaxed),
                 filesystemSyncs: filesystems.load(ordering: .relaxed))
    }

    package static func countFileSync() { files.add(1, ordering: .relaxed) }
    package static func countDirectorySync() { directories.add(1, ordering: .relaxed) }
    package static func countFilesystemSync() { filesystems.add(1, ordering: .relaxed) }
}
