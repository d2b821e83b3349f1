import Foundation

/// Shared checks for text files named by manifests (templates, keyword lists).
enum TextFileCheck {
    /// UTF-8 without NUL bytes; problems name the file, line and column.
    static func decode(_ data: Data, path: String) throws -> String {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        do {
            try DocumentPrescan(file: path, code: ManifestError.manifestInvalid).checkEncoding(bytes)
        } catch let error as ManifestError {
            throw KeywordFileReader.Problem(message: "\(path):\(error.line ?? 0):\(error.column ?? 0): \(error.message)")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
