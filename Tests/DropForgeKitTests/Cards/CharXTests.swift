import XCTest
@testable import DropForgeKit
@testable import DropForgeCards

final class CharXTests: XCTestCase {
    private var tempDirectory: URL!

    override func setUpWithError() throws {
        tempDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("charx-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: tempDirectory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: tempDirectory)
    }

    // MARK: - Fixtures

    private let cardJSON = Data(#"{"spec":"chara_card_v3","spec_version":"3.0","data":{"name":"Ké","assets":[{"type":"icon","uri":"embeded://assets/icon/image/main.png","name":"main","ext":"png"}],"extensions":{"x":{"keep":true}}}}"#.utf8)

    private var sampleAssets: [CharXAsset] {
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        png.append(Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) }))
        return [
            CharXAsset(path: "assets/icon/image/main.png", data: png),
            CharXAsset(path: "assets/other/text/notes.txt", data: Data(String(repeating: "hello ", count: 500).utf8)),
            CharXAsset(path: "assets/other/empty/empty.bin", data: Data()),
        ]
    }

    private let fixedDate = Date(timeIntervalSince1970: 1_700_000_000)

    /// Runs a python3 script with the temp directory as working directory; returns stdout.
    @discardableResult
    private func python(_ script: String) throws -> String {
        let scriptURL = tempDirectory.appendingPathComponent("script-\(UUID().uuidString).py")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        return try run("/usr/bin/env", ["python3", scriptURL.path])
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = tempDirectory
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "CharXTests", code: Int(process.terminationStatus), userInfo: [
                NSLocalizedDescriptionKey: "\(executable) \(arguments) failed: \(String(decoding: errData, as: UTF8.self))",
            ])
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func file(_ name: String) throws -> Data {
        try Data(contentsOf: tempDirectory.appendingPathComponent(name))
    }

    private func assertThrows(_ expected: CharXError, _ body: () throws -> Void,
                              file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual(error as? CharXError, expected, "\(error)", file: file, line: line)
        }
    }

    // MARK: - Round trip and reproducibility

    func testWriteThenReadGivesBackCardAndAssets() throws {
        let bytes = try CharX.write(cardJSON: cardJSON, assets: sampleAssets, modificationDate: fixedDate)
        let archive = try CharX.read(bytes)
        XCTAssertEqual(archive.cardJSON, cardJSON)
        XCTAssertEqual(archive.cardEntryPath, "card.json")
        XCTAssertEqual(archive.assets, sampleAssets)
        XCTAssertEqual(archive.asset(forURI: "embeded://assets/icon/image/main.png")?.data, sampleAssets[0].data)
    }

    func testWriteIsReproducible() throws {
        let first = try CharX.write(cardJSON: cardJSON, assets: sampleAssets, modificationDate: fixedDate)
        let second = try CharX.write(cardJSON: cardJSON, assets: sampleAssets, modificationDate: fixedDate)
        XCTAssertEqual(first, second)
        let later = try CharX.write(cardJSON: cardJSON, assets: sampleAssets,
                                    modificationDate: fixedDate.addingTimeInterval(86_400))
        XCTAssertNotEqual(first, later, "the modification date must be what is written")
    }

    func testSystemUnzipSeesCardAtRootAndMediaStored() throws {
        let bytes = try CharX.write(cardJSON: cardJSON, assets: sampleAssets, modificationDate: fixedDate)
        let url = tempDirectory.appendingPathComponent("out.charx")
        try bytes.write(to: url)
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/unzip") {
            let listing = try run("/usr/bin/unzip", ["-Z1", url.path])
            XCTAssertEqual(listing.split(separator: "\n").map(String.init),
                           ["card.json"] + sampleAssets.map(\.path))
            XCTAssertEqual(Data(try run("/usr/bin/unzip", ["-p", url.path, "card.json"]).utf8), cardJSON)
            _ = try run("/usr/bin/unzip", ["-tq", url.path])
        }
        // Python's zipfile checks CRCs and tells us the compression method of each entry.
        let report = try python("""
        import zipfile
        with zipfile.ZipFile("out.charx") as z:
            assert z.testzip() is None
            for i in z.infolist():
                print(i.filename, i.compress_type, i.date_time[0])
        """)
        XCTAssertEqual(report.split(separator: "\n").map(String.init), [
            "card.json 8 2023",
            "assets/icon/image/main.png 0 2023",
            "assets/other/text/notes.txt 8 2023",
            "assets/other/empty/empty.bin 8 2023",
        ])
    }

    // MARK: - Reading zips made by other tools

    func testReadsFolderZippedOnAMac() throws {
        try python("""
        import zipfile
        with zipfile.ZipFile("mac.charx", "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("__MACOSX/._card.json", b"junk")
            z.writestr("MyChar/", b"")
            z.writestr("MyChar/card.json", b'{"spec":"chara_card_v3"}')
            z.writestr("MyChar/._card.json", b"junk")
            z.writestr("MyChar/assets/icon/image/main.png", b"PNGDATA" * 100, zipfile.ZIP_STORED)
            z.writestr("__MACOSX/MyChar/assets/icon/image/._main.png", b"junk")
            z.writestr("MyChar/assets/other/text/a.txt", b"note")
        """)
        let archive = try CharX.read(try file("mac.charx"))
        XCTAssertEqual(archive.cardEntryPath, "MyChar/card.json")
        XCTAssertEqual(archive.cardJSON, Data(#"{"spec":"chara_card_v3"}"#.utf8))
        XCTAssertEqual(archive.assets.map(\.path),
                       ["MyChar/assets/icon/image/main.png", "MyChar/assets/other/text/a.txt"])
        XCTAssertEqual(archive.assets[0].data, Data(String(repeating: "PNGDATA", count: 100).utf8))
        XCTAssertEqual(archive.asset(forURI: "embedded://assets/other/text/a.txt")?.data, Data("note".utf8))
    }

    func testRootCardWinsOverNestedOneAndSuffixMustBeWholeName() throws {
        try python("""
        import zipfile
        with zipfile.ZipFile("two.charx", "w") as z:
            z.writestr("mycard.json", b"not the card")
            z.writestr("Other/card.json", b"nested")
            z.writestr("card.json", b"root")
        """)
        let archive = try CharX.read(try file("two.charx"))
        XCTAssertEqual(archive.cardJSON, Data("root".utf8))
        XCTAssertEqual(archive.assets.map(\.path), ["mycard.json", "Other/card.json"])
    }

    func testReadsStreamedZipWithDataDescriptors() throws {
        // Streaming writers (and JS zip libraries) put sizes and CRC after the data (flag bit 3).
        try python("""
        import zipfile, io
        class Unseekable(io.RawIOBase):
            def __init__(self, f): self.f = f
            def writable(self): return True
            def write(self, b): return self.f.write(b)
        with open("streamed.charx", "wb") as f:
            with zipfile.ZipFile(Unseekable(f), "w", zipfile.ZIP_DEFLATED) as z:
                with z.open("card.json", "w") as e: e.write(b'{"spec":"chara_card_v3"}' * 50)
                with z.open("assets/other/text/a.txt", "w") as e: e.write(b"abc" * 1000)
        with zipfile.ZipFile("streamed.charx") as z:
            assert all(i.flag_bits & 8 for i in z.infolist())
        """)
        let archive = try CharX.read(try file("streamed.charx"))
        XCTAssertEqual(archive.cardJSON, Data(String(repeating: #"{"spec":"chara_card_v3"}"#, count: 50).utf8))
        XCTAssertEqual(archive.assets, [CharXAsset(path: "assets/other/text/a.txt",
                                                   data: Data(String(repeating: "abc", count: 1000).utf8))])
    }

    func testMissingCardJSON() throws {
        try python("""
        import zipfile
        with zipfile.ZipFile("nocard.charx", "w") as z:
            z.writestr("mycard.json", b"{}")
            z.writestr("Card.json", b"{}")
            z.writestr("__MACOSX/card.json", b"{}")
            z.writestr("._card.json", b"{}")
        """)
        assertThrows(.noCardJSON) { _ = try CharX.read(try file("nocard.charx")) }
        XCTAssertEqual(CharXError.noCardJSON.description, "CHARX has no card.json")
    }

    /// Found by `make fuzz` (Fuzz/Regressions/card/charx-comment-past-end): an end record whose
    /// comment runs past the end of the file made ZIPFoundation throw and leak its in-memory copy
    /// of the file; the reader (no longer ZIPFoundation) still refuses it.
    func testEndRecordWhoseCommentRunsPastTheEndIsNotAZip() throws {
        var data = try CharX.write(cardJSON: Data("{\"spec\":\"chara_card_v3\"}".utf8), assets: [],
                                   modificationDate: Date(timeIntervalSince1970: 0))
        XCTAssertNoThrow(try CharX.read(data))
        let end = try XCTUnwrap(CharXCentralDirectory.endRecordOffset(in: data).map(Int.init))
        data[end + 20] = 0xFF
        data[end + 21] = 0xFF
        assertThrows(.notAZip) { _ = try CharX.read(data) }
    }

    func testNotAZip() throws {
        assertThrows(.notAZip) { _ = try CharX.read(Data("{\"spec\":\"chara_card_v3\"}".utf8)) }
        assertThrows(.notAZip) { _ = try CharX.read(Data()) }
        // A real PNG card is the likeliest wrong file.
        let pngData = try? Data(contentsOf: RealCards.url("default_Seraphina.png"))
        if let pngData {
            assertThrows(.notAZip) { _ = try CharX.read(pngData) }
        }
        XCTAssertEqual(CharXError.notAZip.description, "not a CHARX file (not a zip archive)")
    }

    // MARK: - Hostile archives

    func testZipBombRejectedOnDeclaredSizeQuickly() throws {
        try python("""
        import zipfile
        zeros = bytes(100 * 1024 * 1024)
        with zipfile.ZipFile("bomb.charx", "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("card.json", b"{}")
            z.writestr("assets/other/bin/zeros.bin", zeros)
        with zipfile.ZipFile("cardbomb.charx", "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("card.json", zeros)
        """)
        let bomb = try file("bomb.charx")
        XCTAssertLessThan(bomb.count, 1_000_000)
        let started = Date()
        let small = CharXLimits(maxCardBytes: 1 << 20, maxAssetBytes: 1 << 20, maxTotalBytes: 4 << 20, maxEntries: 10)
        assertThrows(.assetTooLarge(path: "assets/other/bin/zeros.bin", limit: 1 << 20)) {
            _ = try CharX.read(bomb, limits: small)
        }
        let big = CharXLimits(maxCardBytes: 1 << 20, maxAssetBytes: 1 << 30, maxTotalBytes: 8 << 20, maxEntries: 10)
        assertThrows(.totalTooLarge(limit: 8 << 20)) { _ = try CharX.read(bomb, limits: big) }
        XCTAssertThrowsError(try CharX.read(try file("cardbomb.charx"))) { error in
            XCTAssertEqual(error as? CharXError, .cardTooLarge(limit: 16 << 20))
            XCTAssertEqual("\(error)", "card.json in CHARX is over the 16 MiB limit")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 2, "limits must be checked before inflating")
    }

    func testEntryThatInflatesPastItsDeclaredSizeIsRejected() throws {
        // 1 MiB of zeros deflated, then both headers patched to claim 1000 bytes.
        try python("""
        import zipfile, struct
        with zipfile.ZipFile("liar.charx", "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("card.json", b"{}")
            z.writestr("assets/other/bin/liar.bin", bytes(1024 * 1024))
        b = bytearray(open("liar.charx", "rb").read())
        name = b"assets/other/bin/liar.bin"
        local = b.find(b"PK\\x03\\x04" , b.find(b"PK\\x03\\x04") + 4)
        assert b[local + 30: local + 30 + len(name)] == name
        struct.pack_into("<I", b, local + 22, 1000)
        cd = b.find(b"PK\\x01\\x02")
        while b[cd + 46: cd + 46 + len(name)] != name:
            cd = b.find(b"PK\\x01\\x02", cd + 1)
        struct.pack_into("<I", b, cd + 24, 1000)
        open("liar.charx", "wb").write(b)
        """)
        let liar = try file("liar.charx")
        XCTAssertThrowsError(try CharX.read(liar)) { error in
            guard case .damagedEntry(let path, let reason)? = error as? CharXError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(path, "assets/other/bin/liar.bin")
            XCTAssertTrue(reason.contains("declared size"), reason)
        }
        // With a per-asset limit below the real size the limit is what stops it.
        let limits = CharXLimits(maxCardBytes: 1024, maxAssetBytes: 500, maxTotalBytes: 1 << 20, maxEntries: 10)
        XCTAssertThrowsError(try CharX.read(liar, limits: limits))
    }

    func testUnterminatedDeflateStreamFailsInsteadOfHanging() throws {
        // A non-final stored deflate block claiming 65535 bytes in an 8-byte entry: the decoder
        // runs out of input. ZIPFoundation's own Linux loop would spin here forever.
        try python("""
        import zipfile, struct
        raw = bytes([0x00, 0xff, 0xff, 0x00, 0x00]) + b"abc"
        with zipfile.ZipFile("endless.charx", "w") as z:
            z.writestr("card.json", raw)
        b = bytearray(open("endless.charx", "rb").read())
        struct.pack_into("<H", b, 8, 8)
        cd = b.find(b"PK\\x01\\x02")
        struct.pack_into("<H", b, cd + 10, 8)
        open("endless.charx", "wb").write(b)
        """)
        XCTAssertThrowsError(try CharX.read(try file("endless.charx"))) { error in
            guard case .damagedEntry(let path, _)? = error as? CharXError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, "card.json")
        }
    }

    func testCorruptedStoredDataFailsCRC() throws {
        try python("""
        import zipfile
        with zipfile.ZipFile("crc.charx", "w") as z:
            z.writestr("card.json", b'{"spec":"chara_card_v3"}')
        b = bytearray(open("crc.charx", "rb").read())
        b[30 + len("card.json") + 3] ^= 0xFF
        open("crc.charx", "wb").write(b)
        """)
        assertThrows(.damagedEntry(path: "card.json", reason: "CRC-32 mismatch")) {
            _ = try CharX.read(try file("crc.charx"))
        }
    }

    func testUnsafeEntryNamesAreRejected() throws {
        try python("""
        import zipfile
        with zipfile.ZipFile("dotdot.charx", "w") as z:
            z.writestr("card.json", b"{}")
            z.writestr("../x", b"evil")
        with zipfile.ZipFile("abs.charx", "w") as z:
            z.writestr("card.json", b"{}")
            z.writestr(zipfile.ZipInfo("/etc/x"), b"evil")
        with zipfile.ZipFile("nested.charx", "w") as z:
            z.writestr("card.json", b"{}")
            z.writestr("assets/../../x", b"evil")
        """)
        XCTAssertThrowsError(try CharX.read(try file("dotdot.charx"))) { error in
            XCTAssertEqual(error as? CharXError, .unsafePath("../x"))
            XCTAssertEqual("\(error)", "unsafe path in CHARX: ../x")
        }
        assertThrows(.unsafePath("/etc/x")) { _ = try CharX.read(try file("abs.charx")) }
        assertThrows(.unsafePath("assets/../../x")) { _ = try CharX.read(try file("nested.charx")) }
    }

    func testEntryCountAndTotalLimits() throws {
        try python("""
        import zipfile
        with zipfile.ZipFile("many.charx", "w") as z:
            z.writestr("card.json", b"{}")
            for i in range(20):
                z.writestr("assets/other/bin/%d.bin" % i, bytes(100))
        """)
        let many = try file("many.charx")
        assertThrows(.tooManyEntries(limit: 10)) {
            _ = try CharX.read(many, limits: CharXLimits(maxEntries: 10))
        }
        assertThrows(.totalTooLarge(limit: 1000)) {
            _ = try CharX.read(many, limits: CharXLimits(maxTotalBytes: 1000))
        }
        XCTAssertEqual(try CharX.read(many, limits: CharXLimits(maxEntries: 21)).assets.count, 20)
    }

    // MARK: - Writing rules and URIs

    func testWriteRejectsBadAssetPaths() {
        assertThrows(.unsafePath("../x.png")) {
            _ = try CharX.write(cardJSON: cardJSON, assets: [CharXAsset(path: "../x.png", data: Data())],
                                modificationDate: fixedDate)
        }
        assertThrows(.unsafePath("/x.png")) {
            _ = try CharX.write(cardJSON: cardJSON, assets: [CharXAsset(path: "/x.png", data: Data())],
                                modificationDate: fixedDate)
        }
        let twice = [CharXAsset(path: "assets/a.png", data: Data()), CharXAsset(path: "assets/a.png", data: Data())]
        XCTAssertThrowsError(try CharX.write(cardJSON: cardJSON, assets: twice, modificationDate: fixedDate))
        XCTAssertThrowsError(try CharX.write(cardJSON: cardJSON, assets: [CharXAsset(path: "card.json", data: Data())],
                                             modificationDate: fixedDate))
    }

    func testAssetURIs() {
        XCTAssertEqual(CharX.assetURI(forPath: "assets/icon/image/main.png"), "embeded://assets/icon/image/main.png")
        XCTAssertEqual(CharX.assetPath(fromURI: "embeded://assets/icon/image/main.png"), "assets/icon/image/main.png")
        XCTAssertEqual(CharX.assetPath(fromURI: "embedded://assets/x.png"), "assets/x.png")
        XCTAssertEqual(CharX.assetPath(fromURI: "EMBEDED://assets/x.png"), "assets/x.png")
        XCTAssertNil(CharX.assetPath(fromURI: "ccdefault:"))
        XCTAssertNil(CharX.assetPath(fromURI: "https://example.com/a.png"))
        XCTAssertNil(CharX.assetPath(fromURI: "http://example.com/a.png"))
        XCTAssertNil(CharX.assetPath(fromURI: "data:image/png;base64,AAAA"))
        XCTAssertNil(CharX.assetPath(fromURI: "embeded://../etc/passwd"))
        XCTAssertNil(CharX.assetPath(fromURI: "embeded://"))
    }
}
