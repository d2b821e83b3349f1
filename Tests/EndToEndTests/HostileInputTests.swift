import DropForgeKit
import Foundation
import XCTest
import DropForgeMedia

/// A corpus of hostile manifests, PNGs and cards dropped into a running `watch`: each ends as a
/// failure with a clear error in bounded time, nothing reaches `results/`, and the daemon keeps
/// running (DESIGN §9). The files are made here, so the corpus needs no binary fixtures.
final class HostileInputTests: XCTestCase {
    /// A small valid PNG, and the same with its text chunks as given.
    static func png(text: [PNGTextChunk] = []) throws -> Data {
        let image = try LocalImageProvider().generate(ImageRequest(prompt: "red circles", negative: "", width: 16, height: 16, seed: 1))
        return text.isEmpty ? image.png : try PNGCodec.encode(image.pixels!, text: text)
    }

    /// A PNG chunk with its length and CRC, from the independent reader's CRC.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        func be(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
        return be(UInt32(data.count)) + body + be(IndependentPNGReader.crc32(body))
    }

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Hostile files the card manifests point at, under `config/`.
    static func hostileFiles() throws -> [String: Data] {
        let good = try png()
        var brokenCRC = [UInt8](good)
        brokenCRC[brokenCRC.count - 20] ^= 0xFF  // inside the last IDAT or its CRC
        let huge = signature + chunk("IHDR", [0, 1, 0x86, 0xA0, 0, 1, 0x86, 0xA0, 8, 6, 0, 0, 0])  // 100000 × 100000
            + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + chunk("IEND", [])
        let bomb = try png(text: [PNGTextChunk(keyword: "chara", text: String(repeating: "A", count: 40 << 20), kind: .zTXt)])
        let badBase64 = try png(text: [PNGTextChunk(keyword: "chara", text: "!!!not base64 at all###", kind: .tEXt)])
        let notACard = try png(text: [PNGTextChunk(keyword: "chara", text: Data(#"{"hello": "world"}"#.utf8).base64EncodedString(), kind: .tEXt)])
        var bigCard = Data("{\"spec\":\"chara_card_v2\",\"data\":{\"name\":\"".utf8)
        bigCard.append(Data(repeating: 0x61, count: 20 << 20))
        bigCard.append(Data("\"}}".utf8))
        return [
            "cards/huge-base64.png": try hugeBase64Card(good),
            "cards/truncated.png": good.prefix(good.count / 2),
            "cards/broken-crc.png": Data(brokenCRC),
            "cards/huge-ihdr.png": Data(huge),
            "cards/ztxt-bomb.png": bomb,
            "cards/bad-base64.png": badBase64,
            "cards/not-a-card.png": notACard,
            "cards/not-a-card.json": Data(#"{"spec": "chara_card_v2", "data": "nope"}"#.utf8),
            "cards/big.json": bigCard,
            "cards/garbage.charx": Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }),
            "art/huge-ihdr.png": Data(huge),
            "art/truncated.png": good.prefix(good.count - 30),
        ]
    }

    /// A PNG whose `chara` tEXt chunk is 100 MB of valid base64 that decodes to one (75 MB)
    /// Character Card V2 JSON: far over `card_json_bytes`, and meant to be refused before it is
    /// decoded. The chunk's CRC is right, so it is the size that must stop it.
    static func hugeBase64Card(_ good: Data) throws -> Data {
        var prefix = #"{"spec":"chara_card_v2","data":{"name":""#
        while prefix.utf8.count % 3 != 0 { prefix += "a" }
        var text = Data("chara".utf8) + Data([0])
        text.append(Data(prefix.utf8).base64EncodedData())
        text.append(Data(String(repeating: "YWFh", count: (100 << 20) / 4).utf8))  // "aaa", 25 M times
        text.append(Data(#""}}"#.utf8).base64EncodedData())
        var out = Data(good.dropLast(12))  // everything up to IEND
        try PNGChunkWriter.append(PNGChunk(type: "tEXt", data: text), to: &out)
        try PNGChunkWriter.append(PNGChunk(type: "IEND", data: Data()), to: &out)
        return out
    }

    /// Manifests: (file name, bytes).
    static func hostileManifests(root: URL) -> [(String, Data)] {
        func text(_ name: String, _ body: String) -> (String, Data) { (name, Data(body.utf8)) }
        let images = { (params: String) in "version: 1\nkind: images\nparams: {\(params)}\n" }
        let card = { (fields: String) in "version: 1\nkind: card\ncard: {source_material: \"## Description\\nA test.\", \(fields)}\n" }
        var garbage = [UInt8](repeating: 0, count: 2048)
        for index in garbage.indices { garbage[index] = UInt8(truncatingIfNeeded: index &* 7919 &+ 13) }
        var cases: [(String, Data)] = [
            ("garbage.json", Data(garbage)),
            ("garbage.yaml", Data(garbage)),
            ("invalid-utf8.yaml", Data([0x76, 0x65, 0x72, 0x73, 0x69, 0x6F, 0x6E, 0x3A, 0x20, 0xC3, 0x28, 0xFF, 0xFE, 0x0A])),
            ("ten-megabytes.json", Data(("{\"version\": 1, \"pad\": \"" + String(repeating: "x", count: 10 << 20) + "\"}").utf8)),
            ("deep.json", Data((String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)).utf8)),
            ("deep.yaml", Data((String(repeating: "- ", count: 50_000) + "x\n").utf8)),
            text("alias-bomb.yaml", """
                a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
                b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
                c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
                d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
                e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
                f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
                g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
                version: 1
                kind: images
                params: {template: "x", keywords: *g}
                """),
            text("empty.json", ""),
            text("whitespace.yaml", "   \n\t\n"),
            text("null.json", "null"),
            text("list.yaml", "- version: 1\n- kind: images\n"),
            text("wrong-types.json", #"{"version": "one", "kind": 5, "name": [], "params": "lots"}"#),
            text("wrong-types.yaml", "version: [1]\nkind: {a: b}\nparams: {template: 7, keywords: 3, count: cats, size: true}\n"),
            text("version-2.yaml", "version: 2\nkind: images\nparams: {template: x}\n"),
            text("unknown-kind.yaml", "version: 1\nkind: video\n"),
            text("unknown-key.yaml", "version: 1\nkind: images\nparamz: {template: x}\n"),
            text("negative-count.yaml", images("template: x, count: -5")),
            text("huge-count.yaml", images("template: x, count: 1000000000000")),
            text("count-1001.yaml", images("template: x, count: 1001")),
            text("zero-size.yaml", images("template: x, size: 0")),
            text("huge-size.yaml", images("template: x, size: 100000")),
            text("bad-ratio.yaml", images("template: x, aspect_ratios: [\"1:0\"]")),
            text("nan-ratio.yaml", images("template: x, aspect_ratios: [\"a:b\"]")),
            text("negative-seed.yaml", images("template: x, seed: -1")),
            text("unknown-placeholder.yaml", images("template: \"a {nothing} here\"")),
            text("dotdot-keywords.yaml", images("template: \"{keyword}\", keywords_file: ../../etc/passwd")),
            text("absolute-keywords.yaml", images("template: \"{keyword}\", keywords_file: /etc/passwd")),
            text("symlink-keywords.yaml", images("template: \"{keyword}\", keywords_file: keywords/escape.txt")),
            text("missing-keywords.yaml", images("template: \"{keyword}\", keywords_file: keywords/none.txt")),
            text("nul-name.json", #"{"version": 1, "kind": "images", "name": "a\u0000b", "params": {"template": "x"}}"#),
            text("newline-name.json", #"{"version": 1, "kind": "images", "name": "a\nb", "params": {"template": "x"}}"#),
            text("nul-path.json", #"{"version": 1, "kind": "images", "params": {"template": "{keyword}", "keywords_file": "k\u0000.txt"}}"#),
            text("unknown-provider.yaml", images("template: x") + "generate: {provider: nowhere}\n"),
            text("unknown-profile.yaml", "version: 1\nkind: images\nprofile: nope\nparams: {template: x}\n"),
            text("bad-format.yaml", images("template: x") + "export: {formats: [docx]}\n"),
            text("card-no-source.yaml", "version: 1\nkind: card\ncard: {spec: v9}\n"),
            text("card-truncated.yaml", card("input_card: cards/truncated.png")),
            text("card-broken-crc.yaml", card("input_card: cards/broken-crc.png")),
            text("card-huge-ihdr.yaml", card("input_card: cards/huge-ihdr.png")),
            text("card-ztxt-bomb.yaml", card("input_card: cards/ztxt-bomb.png")),
            text("card-huge-base64.yaml", card("input_card: cards/huge-base64.png")),
            text("card-bad-base64.yaml", card("input_card: cards/bad-base64.png")),
            text("card-not-a-card.yaml", card("input_card: cards/not-a-card.png")),
            text("card-not-a-card-json.yaml", card("input_card: cards/not-a-card.json")),
            text("card-big.yaml", card("input_card: cards/big.json")),
            text("card-garbage-charx.yaml", card("input_card: cards/garbage.charx")),
            text("card-avatar-huge.yaml", card("avatar: {image: art/huge-ihdr.png}")),
            text("card-avatar-truncated.yaml", card("avatar: {image: art/truncated.png}")),
            text("card-dotdot.yaml", card("input_card: ../secret.json")),
            text("card-source-dir.yaml", "version: 1\nkind: card\ncard: {source_file: cards}\n"),
        ]
        cases.append(("name\nwith-newline.yaml", Data(images("template: x").utf8)))
        cases.append(("tabs\tand spaces.json", Data(#"{"version": 1, "kind": "images", "params": {"template": "x", "count": "2"}}"#.utf8)))
        return cases
    }

    /// The peak resident set (`VmHWM` in /proc/<pid>/status), in bytes.
    static func peakResidentBytes(pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        let kilobytes = try XCTUnwrap(Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? ""))
        return kilobytes * 1024
    }

    /// The documented bound on the daemon's peak RSS through the hostile corpus: 256 MiB, the
    /// default `limits.decoded_bytes`. An input card file is read whole (refused unread only above
    /// that limit), so the 100 MB card costs its size once; everything else is refused before it
    /// is inflated or decoded. Measured: ~155 MiB in a debug build (about 50 MiB of it baseline).
    static let memoryBound = 256 << 20

    func testEveryHostileFileFailsClearlyAndTheDaemonKeepsRunning() throws {
        let root = try TestRoot()
        let files = try Self.hostileFiles()
        for (path, data) in files {
            let url = root.layout.config.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        try FileManager.default.createSymbolicLink(atPath: root.layout.config.appendingPathComponent("keywords/escape.txt").path,
                                                   withDestinationPath: "/etc/hostname")
        let manifests = Self.hostileManifests(root: root.url)
        XCTAssertGreaterThanOrEqual(manifests.count + files.count, 50, "a corpus of at least 50 hostile files")

        let watch = try root.start(["watch"])
        defer { watch.signal(SIGKILL) }
        let started = Date()
        for (name, data) in manifests {
            let temp = root.layout.inboxTemp.appendingPathComponent(name)
            try data.write(to: temp)
            XCTAssertEqual(rename(temp.path, root.layout.inbox.appendingPathComponent(name).path), 0, name)
        }
        let done = root.wait(90) { root.failures.count + root.results.count >= manifests.count }
        XCTAssertTrue(done, "\(root.failures.count + root.results.count) of \(manifests.count) ended")
        XCTAssertLessThan(Date().timeIntervalSince(started), 90)
        XCTAssertTrue(watch.process.isRunning, "the daemon keeps running")

        // Names with NUL or a newline are made folder-safe and run; everything else fails.
        XCTAssertEqual(try root.publishedManifests().count, manifests.count, "each ends exactly once")
        let sanitized = try root.results.map {
            try root.json(root.layout.results.appendingPathComponent($0).appendingPathComponent("job.json"))["manifest"] as? String ?? $0
        }
        XCTAssertEqual(Set(sanitized), ["nul-name.json", "newline-name.json", "name\nwith-newline.yaml"])
        XCTAssertTrue(root.results.allSatisfy { $0.allSatisfy { $0.isLetter || $0.isNumber || "-._".contains($0) } }, "\(root.results)")
        XCTAssertEqual(root.failures.count, manifests.count - 3)
        var codes: [String: String] = [:]
        var messages: [String: String] = [:]
        for folder in root.failures {
            let error = try root.json(root.layout.failures.appendingPathComponent(folder).appendingPathComponent("error.json"))
            let summary = try root.json(root.layout.failures.appendingPathComponent(folder).appendingPathComponent("job.json"))
            let manifest = summary["manifest"] as? String ?? folder
            let message = error["message"] as? String ?? ""
            XCTAssertGreaterThan(message.count, 15, "\(manifest): a message that says what: \(message)")
            XCTAssertLessThan(message.count, 2000, "\(manifest): the message stays readable")
            codes[manifest] = "\(error["code"] ?? "?")"
            messages[manifest] = message
        }
        XCTAssertEqual(codes["ten-megabytes.json"], "manifest_invalid")
        XCTAssertEqual(codes["card-ztxt-bomb.yaml"], "input_card_invalid")
        XCTAssertEqual(codes["card-avatar-huge.yaml"], "items_failed")
        XCTAssertEqual(codes["card-huge-base64.yaml"], "input_card_invalid")
        print("card-huge-base64.yaml: \(messages["card-huge-base64.yaml"] ?? "")")
        print("card-ztxt-bomb.yaml: \(messages["card-ztxt-bomb.yaml"] ?? "")")
        XCTAssertEqual(root.processing, [])

        // Still alive and still working: a good manifest after the storm.
        try root.drop("good.yaml", imagesManifest(name: "good"))
        XCTAssertTrue(root.wait(20) { root.results.count == 4 }, "the daemon still works")
        // Bounded memory: the daemon's peak resident set over the whole storm (the largest inputs:
        // a 100 MB card file, a 40 MB zTXt bomb, a 20 MB card JSON, a 10 MB manifest).
        let peak = try Self.peakResidentBytes(pid: watch.process.processIdentifier)
        print("hostile inputs: daemon peak RSS (VmHWM) \(peak >> 20) MiB")
        XCTAssertLessThan(peak, Self.memoryBound, "peak RSS \(peak >> 20) MiB is over the \(Self.memoryBound >> 20) MiB bound")
        watch.signal(SIGTERM)
        XCTAssertTrue(watch.waitForExit(20))
        XCTAssertEqual(watch.result().status, 0)
    }
}
