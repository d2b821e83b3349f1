import Foundation
import XCTest
@testable import DropForgeCards
@testable import DropForgeMedia

/// The CHARX reader (central directory + zlib), on the fuzz inputs and on archives no zip tool
/// writes. `CharXTests` covers the format rules; this covers the reading machinery.
final class CharXReaderTests: XCTestCase {
    private let card = Array(#"{"spec":"chara_card_v3","data":{"name":"Ké"}}"#.utf8)

    private func assertThrows(_ expected: CharXError, _ data: Data, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try CharX.read(data), file: file, line: line) { error in
            XCTAssertEqual(error as? CharXError, expected, "\(error)", file: file, line: line)
        }
    }

    // MARK: - Fuzz inputs

    /// Every zip among the card target's seeds and regressions reads or throws a `CharXError`,
    /// quickly, and known ones end as they should.
    func testEveryCharXFuzzInputReadsOrThrowsACharXError() throws {
        let known: [String: CharXError?] = [
            "captain-mei-lin.charx": nil,
            "charx-comment-past-end": .notAZip,
        ]
        let zips = try FuzzReplayTests.inputs(of: .card).filter {
            try Data(contentsOf: $0).starts(with: CardFile.zipSignature)
        }
        XCTAssertTrue(zips.contains { $0.path.contains("/Regressions/") }, "no CHARX regressions found")
        for url in zips {
            let name = url.lastPathComponent
            let data = try Data(contentsOf: url)
            let start = Date()
            var outcome: CharXError?
            do {
                _ = try CharX.read(data)
            } catch let error as CharXError {
                outcome = error
            } catch {
                XCTFail("\(name): not a CharXError: \(error)")
            }
            XCTAssertLessThan(Date().timeIntervalSince(start), 5, name)
            if let expected = known[name] { XCTAssertEqual(outcome, expected, name) }
        }
    }

    /// ZIPFoundation leaked a copy of the file per failed read of such an archive (the regression
    /// above); 100 failed reads of a 1 MiB one must not grow the process by anything like 100 MiB.
    func testFailedReadsDoNotKeepMemory() throws {
        var data = TestZip.archive([.stored("card.json", Array(repeating: 0x20, count: 1 << 20))], comment: [1, 2, 3])
        data.removeLast()
        func readMany() { for _ in 0..<100 { XCTAssertThrowsError(try CharX.read(Data(data))) } }
        readMany() // warm up the allocator
        let before = try Self.residentBytes()
        readMany()
        let grown = try Self.residentBytes() - before
        XCTAssertLessThan(grown, 32 << 20, "resident memory grew by \(grown) bytes over 100 failed reads")
    }

    private static func residentBytes() throws -> Int {
        let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
        return (Int(statm[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    // MARK: - Outcomes the old workarounds were for

    func testNonFinalStoredBlockEndingAtEOFIsADamagedEntry() {
        // A stored block claiming 65535 bytes, with 3 present and no final block after it.
        var entry = TestZip.Entry.deflated("card.json", [])
        entry.payload = [0x00, 0xFF, 0xFF, 0x00, 0x00] + Array("abc".utf8)
        entry.size = 0xFFFF
        assertThrows(.damagedEntry(path: "card.json", reason: "its deflate data ends too early"),
                     TestZip.archive([entry]))
    }

    func testCommentRunningPastTheEndIsNotAZip() {
        var data = TestZip.archive([.deflated("card.json", card)], comment: Array("hello".utf8))
        XCTAssertNoThrow(try CharX.read(data))
        data.removeLast(2)
        assertThrows(.notAZip, data)
    }

    func testBytesAfterTheDeflateStreamAreIgnored() throws {
        var entry = TestZip.Entry.deflated("card.json", card)
        entry.payload += Array("trailing garbage".utf8)
        XCTAssertEqual(try CharX.read(TestZip.archive([entry])).cardJSON, Data(card))
    }

    func testCorruptDeflateIsADamagedEntry() {
        var entry = TestZip.Entry.deflated("card.json", card)
        entry.payload = [0xFF] + entry.payload // block type 3 does not exist
        assertThrows(.damagedEntry(path: "card.json", reason: "its deflate data is corrupt (invalid block type)"),
                     TestZip.archive([entry]))
    }

    // MARK: - Entry facts from the central directory

    func testZIP64ArchiveReads() throws {
        let big = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        let data = TestZip.archive([.deflated("card.json", card), .stored("assets/icon/image/a.png", big),
                                    .deflated("assets/other/bin/b.bin", big)], zip64: true)
        XCTAssertEqual(try Self.pythonZipReport(data), "3 zip64 ok\n", "Python's zipfile is the independent check")
        let archive = try CharX.read(data)
        XCTAssertEqual(archive.cardJSON, Data(card))
        XCTAssertEqual(archive.assets, [CharXAsset(path: "assets/icon/image/a.png", data: Data(big)),
                                        CharXAsset(path: "assets/other/bin/b.bin", data: Data(big))])
    }

    /// Python's zipfile on `data`: the entry count, whether the end records are ZIP64, and its CRC test.
    private static func pythonZipReport(_ data: Data) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("charx-reader-\(UUID().uuidString).zip")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1]) as z:
                data = open(sys.argv[1], "rb").read()
                print(len(z.infolist()), "zip64" if b"PK\\x06\\x06" in data else "classic", "ok" if z.testzip() is None else "bad")
            """, url.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let report = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: report, as: UTF8.self)
    }

    func testNamesAreUTF8WithFlagBit11AndCodePage437Without() throws {
        var cp437 = TestZip.Entry.stored("x", Array("note".utf8))
        cp437.name = Array("assets/caf".utf8) + [0x82] + Array(".txt".utf8)
        var utf8 = TestZip.Entry.stored("assets/ké.txt", Array("utf8".utf8))
        utf8.flags = 1 << 11
        let archive = try CharX.read(TestZip.archive([.stored("card.json", card), cp437, utf8]))
        XCTAssertEqual(archive.assets.map(\.path), ["assets/café.txt", "assets/ké.txt"])

        var invalid = TestZip.Entry.stored("x", [])
        invalid.name = [0x61, 0xFF]
        invalid.flags = 1 << 11
        assertThrows(.unsafePath(""), TestZip.archive([.stored("card.json", card), invalid]))
    }

    func testOnlyRegularFilesAreRead() throws {
        var link = TestZip.Entry.stored("assets/link", Array("/etc/passwd".utf8))
        link.attributes = 0o120777 << 16
        var dosFolder = TestZip.Entry.stored("assets/folder", [])
        dosFolder.versionMadeBy = 0x0014
        dosFolder.attributes = 0x10
        let archive = try CharX.read(TestZip.archive([.stored("card.json", card), link, dosFolder,
                                                      .stored("assets/file", [1])]))
        XCTAssertEqual(archive.assets.map(\.path), ["assets/file"])
    }

    func testDeclaredSizesAreCheckedChunkByChunk() {
        // 1 MiB of zeros declared as 100 KiB: inflating stops at the chunk that passes it.
        var liar = TestZip.Entry.deflated("assets/other/bin/zeros.bin", Array(repeating: 0, count: 1 << 20))
        liar.size = 100 << 10
        assertThrows(.damagedEntry(path: "assets/other/bin/zeros.bin",
                                   reason: "it inflates past its declared size of 102400 bytes"),
                     TestZip.archive([.stored("card.json", card), liar]))
    }

    // MARK: - Round trip

    /// What `CharX.write` (ZIPFoundation) writes, the reader gives back byte for byte: several
    /// 64 KiB inflate chunks, stored media, an empty entry.
    func testWrittenArchiveRoundTripsByteForByte() throws {
        var noise = [UInt8](repeating: 0, count: 300_000)
        var seed: UInt32 = 12345
        for index in noise.indices {
            seed = seed &* 1_103_515_245 &+ 12345
            noise[index] = UInt8(truncatingIfNeeded: seed >> 16)
        }
        let text = Array(String(repeating: "line of lore, ", count: 20_000).utf8)
        let assets = [
            CharXAsset(path: "assets/icon/image/main.png", data: Data(noise)),
            CharXAsset(path: "assets/other/text/lore.txt", data: Data(text)),
            CharXAsset(path: "assets/other/bin/noise.bin", data: Data(noise)),
            CharXAsset(path: "assets/other/empty/empty.bin", data: Data()),
        ]
        let bytes = try CharX.write(cardJSON: Data(card), assets: assets, modificationDate: Date(timeIntervalSince1970: 0))
        let archive = try CharX.read(bytes)
        XCTAssertEqual(archive.cardJSON, Data(card))
        XCTAssertEqual(archive.assets, assets)
    }
}
