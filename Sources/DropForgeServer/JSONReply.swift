import DropForgeCore
import Foundation
import Hummingbird


/// JSON responses written by the same encoder as the CLI's `--json` output (DropForgeCore's
/// `JSONCoding`: sorted keys, ISO 8601 dates), so both say the same thing.
enum JSONReply {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONCoding.encode(value)) ?? Data(#"{"error":{"code":"internal","message":"unencodable","details":[]}}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Runs blocking store and file work off Swift's cooperative pool, which must never block
/// (SQLite and libpq calls wait on disk and network).
func offloaded<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
