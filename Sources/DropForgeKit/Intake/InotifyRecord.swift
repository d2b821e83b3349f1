#if canImport(Glibc)
import Glibc
#endif

/// One `struct inotify_event` as read from an inotify descriptor.
///
/// The kernel packs records back to back: a 16-byte header (`wd`, `mask`, `cookie`, `len`)
/// followed by `len` bytes of name, NUL-terminated and NUL-padded so the next record is
/// aligned. `len` already includes that padding, so the next record starts at `16 + len`.
/// Parsing is separate from reading so it can be tested on hand-built buffers (an
/// `IN_Q_OVERFLOW` cannot be provoked without changing system settings).
struct InotifyRecord: Equatable {
    var wd: Int32
    var mask: UInt32
    var cookie: UInt32
    /// The file name relative to the watched directory; empty for events about the
    /// directory itself and for `IN_Q_OVERFLOW`. Nil when the name is not valid UTF-8
    /// (such a file cannot be named by the rest of the pipeline, so it is skipped).
    var name: String?

    static let headerSize = 16

    /// Parses every complete record in `buffer`; a truncated trailing record is ignored.
    static func parse(_ buffer: UnsafeRawBufferPointer) -> [InotifyRecord] {
        var records: [InotifyRecord] = []
        var offset = 0
        while buffer.count - offset >= headerSize {
            let wd = buffer.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let cookie = buffer.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
            let length = Int(buffer.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameStart = offset + headerSize
            guard length <= buffer.count - nameStart else { break }
            let nameBytes = UnsafeRawBufferPointer(rebasing: buffer[nameStart ..< nameStart + length])
            let used = nameBytes.firstIndex(of: 0) ?? nameBytes.count
            let name = String(validating: nameBytes[..<used], as: UTF8.self)
            records.append(InotifyRecord(wd: wd, mask: mask, cookie: cookie, name: name))
            offset = nameStart + length
        }
        return records
    }

    /// True when the kernel dropped events (the queue overflowed).
    var isOverflow: Bool { mask & UInt32(IN_Q_OVERFLOW) != 0 }

    /// True when the watch is gone: the directory was deleted, unmounted or moved away.
    var isWatchRemoved: Bool { mask & UInt32(IN_IGNORED) != 0 }

    /// The intake hint this record stands for, if any: only manifest candidates, never
    /// directories, never non-UTF-8 names.
    var inboxEvent: InboxEvent? {
        if isOverflow { return .rescan(.overflow) }
        guard mask & UInt32(IN_ISDIR) == 0,
              let name, ManifestFileFilter.isCandidate(name) else { return nil }
        if mask & UInt32(IN_MOVED_TO) != 0 { return .arrived(name) }
        if mask & UInt32(IN_CLOSE_WRITE) != 0 { return .written(name) }
        return nil
    }
}
