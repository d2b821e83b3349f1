import Foundation
@testable import DropForgeKit
#if canImport(Glibc)
import Glibc
#endif

/// What the kernel saw happen in some folders while a command ran: the files opened
/// (`IN_OPEN`) and the files renamed in (`IN_MOVED_TO`, how the outbox replaces a file), by
/// `folder/name`. Tests use it to check which files a command read and replaced — work done,
/// not time taken. Not recursive: watch each folder that matters.
final class FolderEvents {
    private let descriptor: Int32
    private var folders: [Int32: String] = [:]

    init(_ urls: [URL]) throws {
        descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        for url in urls {
            let watch = inotify_add_watch(descriptor, url.path, UInt32(IN_OPEN | IN_MOVED_TO))
            guard watch >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            folders[watch] = url.lastPathComponent
        }
    }

    deinit { close(descriptor) }

    /// The events queued since the last call, oldest first: files (not folders) opened and
    /// renamed in, as `folder/name`.
    func take() -> (opened: [String], renamedIn: [String]) {
        var opened: [String] = [], renamedIn: [String] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            let records = buffer.withUnsafeBytes { InotifyRecord.parse(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            for record in records where record.mask & UInt32(IN_ISDIR) == 0 {
                guard let name = record.name, !name.isEmpty, let folder = folders[record.wd] else { continue }
                if record.mask & UInt32(IN_OPEN) != 0 { opened.append("\(folder)/\(name)") }
                if record.mask & UInt32(IN_MOVED_TO) != 0 { renamedIn.append("\(folder)/\(name)") }
            }
        }
        return (opened, renamedIn)
    }
}
