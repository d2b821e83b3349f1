import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether any process on this host has a file open for writing, found by reading `/proc`:
/// each `/proc/<pid>/fd/<n>` that leads to the file, and the access mode in its `fdinfo`.
///
/// The fallback of ``ClaimHold`` where the kernel's read lease cannot be taken (a file owned by
/// another user without `CAP_LEASE`, a filesystem without leases). It sees only the processes
/// whose `/proc` entries this user may read, and costs a `stat` per open descriptor on the host,
/// so it is asked once per candidate file, just before its claim.
enum OpenWriters {
    static func isOpenForWriting(device: UInt64, inode: UInt64, proc: String = "/proc") -> Bool {
        guard let processes = opendir(proc) else { return false }
        defer { closedir(processes) }
        while let entry = readdir(processes) {
            let pid = name(of: entry)
            guard let first = pid.utf8.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { continue }
            if process(pid, in: proc, writes: device, inode) { return true }
        }
        return false
    }

    private static func process(_ pid: String, in proc: String, writes device: UInt64, _ inode: UInt64) -> Bool {
        let fdFolder = "\(proc)/\(pid)/fd"
        guard let descriptors = opendir(fdFolder) else { return false }  // gone, or not ours to read
        defer { closedir(descriptors) }
        while let entry = readdir(descriptors) {
            let fd = name(of: entry)
            guard !fd.hasPrefix(".") else { continue }
            var info = stat()
            guard stat("\(fdFolder)/\(fd)", &info) == 0, UInt64(info.st_dev) == device, UInt64(info.st_ino) == inode,
                  let flags = openFlags(of: "\(proc)/\(pid)/fdinfo/\(fd)") else { continue }
            if flags & O_ACCMODE != O_RDONLY { return true }
        }
        return false
    }

    /// The `flags:` line of an fdinfo file (octal).
    private static func openFlags(of path: String) -> Int32? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags:") }) else { return nil }
        return Int32(line.dropFirst("flags:".count).trimmingCharacters(in: .whitespaces), radix: 8)
    }

    private static func name(of entry: UnsafeMutablePointer<dirent>) -> String {
        withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
