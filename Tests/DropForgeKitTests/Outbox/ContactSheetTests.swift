import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeMedia

final class ContactSheetTests: XCTestCase {
    private func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-sheet-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func png(_ image: RGBAImage, in folder: URL, _ name: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try PNGCodec.encode(image).write(to: url)
        return url
    }

    private func rgb(_ p: (r: UInt8, g: UInt8, b: UInt8, a: UInt8)) -> [UInt8] { [p.r, p.g, p.b] }

    func testTheGridIsNearSquareAndNeverPassesTheSideLimit() {
        let cases: [(count: Int, columns: Int, rows: Int, cell: Int)] = [(1, 1, 1, 256), (2, 2, 1, 256), (4, 2, 2, 256),
                                                                         (5, 3, 2, 256), (12, 4, 3, 256), (1000, 32, 32, 119)]
        for (count, columns, rows, cell) in cases {
            let grid = ContactSheet.gridSize(count: count)
            XCTAssertEqual([grid.columns, grid.rows, grid.cell], [columns, rows, cell], "count \(count)")
            XCTAssertGreaterThanOrEqual(grid.columns * grid.rows, count)
            XCTAssertLessThanOrEqual(max(grid.width, grid.height), ContactSheet.maxSide)
        }
        XCTAssertEqual(ContactSheet.gridSize(count: 3).width, 2 * (256 + 8) + 8)
        XCTAssertThrowsError(try ContactSheet.render(cells: []))
    }

    func testCellsAreFittedAndRejectedAndFailedOnesAreMarked() throws {
        let dir = try folder()
        let wide = ProceduralRenderer().render(prompt: "a red cat under the sun", negative: "", seed: 7, width: 300, height: 150)
        let green = RGBAImage(width: 40, height: 40, fill: (0, 200, 0, 255))
        let cells = [ContactSheet.Cell(number: 1, image: try png(wide, in: dir, "0001.png"), mark: .approved),
                     ContactSheet.Cell(number: 2, image: try png(green, in: dir, "0002.png"), mark: .rejected),
                     ContactSheet.Cell(number: 3, image: nil, mark: .failed)]
        let data = try ContactSheet.render(cells: cells)
        XCTAssertEqual(data, try ContactSheet.render(cells: cells), "deterministic")
        let sheet = try PNGCodec.decode(data).image
        let grid = ContactSheet.gridSize(count: 3)
        XCTAssertEqual([sheet.width, sheet.height], [grid.width, grid.height])
        let side = grid.cell

        // 300×150 fitted into 256×256: 256×128, centred, the cell background above it.
        let (x1, y1) = grid.origin(of: 0)
        XCTAssertEqual(rgb(sheet.pixel(x: x1 + side / 2, y: y1 + 40)), rgb(ContactSheet.cellBackground))
        XCTAssertNotEqual(rgb(sheet.pixel(x: x1 + side / 2, y: y1 + side / 2)), rgb(ContactSheet.cellBackground))

        // Rejected: red frame on every edge, red cross through the middle, the image between.
        let (x2, y2) = grid.origin(of: 1)
        let red = rgb(ContactSheet.rejectedColor)
        for (x, y) in [(x2 + side / 2, y2), (x2 + side / 2, y2 + side - 1), (x2, y2 + side / 2), (x2 + side - 1, y2 + side / 2),
                       (x2 + side / 2, y2 + side / 2)] {
            XCTAssertEqual(rgb(sheet.pixel(x: x, y: y)), red, "(\(x), \(y))")
        }
        XCTAssertEqual(rgb(sheet.pixel(x: x2 + side / 2, y: y2 + side / 4)), [0, 200, 0])

        // Failed: grey, with no image and no red.
        let (x3, y3) = grid.origin(of: 2)
        XCTAssertEqual(rgb(sheet.pixel(x: x3 + side / 2, y: y3 + side / 4)), rgb(ContactSheet.failedColor))
        XCTAssertEqual(rgb(sheet.pixel(x: x3 + side - 2, y: y3 + side / 2)), rgb(ContactSheet.failedColor))

        // The empty fourth slot of the 2×2 grid is sheet background.
        let (x4, y4) = grid.origin(of: 3)
        XCTAssertEqual(rgb(sheet.pixel(x: x4 + side / 2, y: y4 + side / 2)), rgb(ContactSheet.sheetBackground))
    }

    /// A one-item sheet draws the image at 1:1: the cell holds exactly the source's pixels.
    func testAOneItemSheetCopiesTheImageExactly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sheet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let side = ContactSheet.maxCell
        let source = ProceduralRenderer().render(prompt: "a red owl", negative: "", seed: 3, width: side, height: side)
        let file = folder.appendingPathComponent("0001.png")
        try PNGCodec.encode(source).write(to: file)
        let sheet = try PNGCodec.decode(ContactSheet.render(cells: [.init(number: 1, image: file, mark: .approved)])).image
        let (x0, y0) = ContactSheet.gridSize(count: 1).origin(of: 0)
        // Compare below the item-number label in the top-left corner.
        for y in stride(from: 40, to: side, by: 7) {
            for x in stride(from: 0, to: side, by: 5) {
                let s = (y * side + x) * 4, d = ((y0 + y) * sheet.width + x0 + x) * 4
                XCTAssertEqual(Array(sheet.pixels[d..<d + 4]), Array(source.pixels[s..<s + 4]), "(\(x), \(y))")
            }
        }
    }

    func testImagesOverTheLimitsOrUnreadableAreGreyCellsNotFailures() throws {
        let dir = try folder()
        let big = try png(RGBAImage(width: 200, height: 20, fill: (0, 0, 255, 255)), in: dir, "big.png")
        let junk = dir.appendingPathComponent("junk.png")
        try Data("not a png".utf8).write(to: junk)
        let limits = PNGLimits(maxWidth: 100, maxHeight: 100)
        let data = try ContactSheet.render(cells: [.init(number: 1, image: big, mark: .approved),
                                                   .init(number: 2, image: junk, mark: .approved)], limits: limits)
        let sheet = try PNGCodec.decode(data).image
        let grid = ContactSheet.gridSize(count: 2)
        for index in 0..<2 {
            let (x, y) = grid.origin(of: index)
            XCTAssertEqual(rgb(sheet.pixel(x: x + grid.cell / 2, y: y + grid.cell / 4)), rgb(ContactSheet.failedColor))
        }
    }
}
