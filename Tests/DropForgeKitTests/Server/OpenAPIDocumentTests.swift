import DropForgeKit
import DropForgeServer
import DropForgeStore
import Foundation
import XCTest
import Yams

/// openapi.yaml and the server's router name the same routes, so neither can drift.
final class OpenAPIDocumentTests: XCTestCase {
    static let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/DropForgeServer/Resources/openapi.yaml")

    func testEveryRouteIsDocumentedAndEveryDocumentedRouteExists() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteJobStore(path: folder.appendingPathComponent("state.sqlite").path)
        let server = APIServer(layout: RootLayout(root: folder), config: DropforgeConfig(), store: store, token: nil, guardsReads: false,
                               claim: { _ in nil }, wake: {})
        let routed = Set(server.router().routes.map { route in
            let path = route.path.description.replacingOccurrences(of: "**", with: "{path}")
            return "\(route.method.rawValue) \(path.hasPrefix("/") ? path : "/" + path)"
        })

        let spec = try XCTUnwrap(try Yams.load(yaml: String(contentsOf: Self.document, encoding: .utf8)) as? [String: Any])
        let paths = try XCTUnwrap(spec["paths"] as? [String: [String: Any]])
        let methods = ["get", "post", "put", "patch", "delete"]
        let documented = Set(paths.flatMap { path, operations in
            operations.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" }
        })
        XCTAssertFalse(routed.isEmpty)
        XCTAssertEqual(routed.subtracting(documented).sorted(), [], "routes missing from openapi.yaml")
        XCTAssertEqual(documented.subtracting(routed).sorted(), [], "documented routes the server does not have")
    }
}
