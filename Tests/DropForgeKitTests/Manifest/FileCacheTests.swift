import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeCore

/// Files parsed once per process and kept until they change (size, mtime, ctime, inode).
final class FileCacheTests: XCTestCase {
    private func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Writes `text` in place (same inode) and dates the file `age` seconds back.
    private func write(_ text: String, to url: URL, age: TimeInterval) throws {
        let handle = FileManager.default.fileExists(atPath: url.path)
            ? try FileHandle(forWritingTo: url) : { FileManager.default.createFile(atPath: url.path, contents: nil); return try? FileHandle(forWritingTo: url) }()!
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: url.path)
    }

    /// A cache that keeps even a file changed a moment ago, and a loader that reads the file.
    private func cacheAndReader() -> (FileCache<Int, String>, (URL) -> String?) {
        let cache = FileCache<Int, String>(racyInterval: 0)
        return (cache, { url in cache.value(path: url.path, context: 0) { (try? String(contentsOf: url, encoding: .utf8)) ?? "" } })
    }

    func testAnUnchangedFileIsReadOnce() throws {
        let url = try folder().appendingPathComponent("a.txt")
        try write("one", to: url, age: 100)
        let (cache, read) = cacheAndReader()
        XCTAssertEqual(read(url), "one")
        XCTAssertEqual(read(url), "one")
        XCTAssertEqual(read(url), "one")
        XCTAssertEqual(cache.loads, 1, "a hit costs a stat, no read")
    }

    func testARewriteOfTheSameSizeIsSeen() throws {
        let url = try folder().appendingPathComponent("a.txt")
        try write("one", to: url, age: 100)
        let (cache, read) = cacheAndReader()
        XCTAssertEqual(read(url), "one")
        try write("two", to: url, age: 50)   // in place: same inode, same size, another mtime
        XCTAssertEqual(read(url), "two")
        XCTAssertEqual(cache.loads, 2)
    }

    func testAFileRenamedOverItIsSeenEvenWithTheSameSizeAndMtime() throws {
        let folder = try folder()
        let url = folder.appendingPathComponent("a.txt")
        let date = Date().addingTimeInterval(-100)
        try Data("one".utf8).write(to: url)
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: url.path)
        let (cache, read) = cacheAndReader()
        XCTAssertEqual(read(url), "one")
        let other = folder.appendingPathComponent("b.txt")
        try Data("two".utf8).write(to: other)
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: other.path)
        XCTAssertEqual(rename(other.path, url.path), 0)   // a new inode
        XCTAssertEqual(read(url), "two")
        XCTAssertEqual(cache.loads, 2)
    }

    func testAMetadataChangeAloneIsSeen() throws {
        let url = try folder().appendingPathComponent("a.txt")
        try write("one", to: url, age: 100)
        let (cache, read) = cacheAndReader()
        XCTAssertEqual(read(url), "one")
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-100)], ofItemAtPath: url.path)
        XCTAssertEqual(read(url), "one")
        XCTAssertEqual(cache.loads, 2, "touch -d changes the ctime: read again, to be safe")
    }

    func testADeletedFileIsGoneAndARecreatedOneIsRead() throws {
        let url = try folder().appendingPathComponent("a.txt")
        try write("one", to: url, age: 100)
        let (cache, read) = cacheAndReader()
        XCTAssertEqual(read(url), "one")
        try FileManager.default.removeItem(at: url)
        XCTAssertNil(read(url), "no file: no value, and the entry is dropped")
        try write("one", to: url, age: 100)
        XCTAssertEqual(read(url), "one")
        XCTAssertEqual(cache.loads, 2)
    }

    func testAFileChangedJustNowIsNotKept() throws {
        let url = try folder().appendingPathComponent("a.txt")
        try Data("one".utf8).write(to: url)
        let cache = FileCache<Int, String>(racyInterval: 60)
        let read = { cache.value(path: url.path, context: 0) { (try? String(contentsOf: url, encoding: .utf8)) ?? "" } }
        XCTAssertEqual(read(), "one")
        XCTAssertEqual(read(), "one")
        XCTAssertEqual(cache.loads, 2, "a second write within the clock's tick would keep the stamp: read every time")
    }

    func testAnotherContextIsAMiss() throws {
        let url = try folder().appendingPathComponent("a.txt")
        try write("one", to: url, age: 100)
        let cache = FileCache<Int, String>(racyInterval: 0)
        XCTAssertEqual(cache.value(path: url.path, context: 1) { "limit 1" }, "limit 1")
        XCTAssertEqual(cache.value(path: url.path, context: 2) { "limit 2" }, "limit 2")
        XCTAssertEqual(cache.value(path: url.path, context: 2) { "again" }, "limit 2")
    }

    func testManyThreadsShareTheCache() throws {
        let url = try folder().appendingPathComponent("a.txt")
        try write("one", to: url, age: 100)
        let (cache, read) = cacheAndReader()
        DispatchQueue.concurrentPerform(iterations: 200) { _ in XCTAssertEqual(read(url), "one") }
        XCTAssertLessThanOrEqual(cache.loads, 8, "at most a few threads race to the first load")
    }

    // MARK: The files intake reads

    func testThePlainProfileNameCheckAgreesWithThePattern() {
        let pattern = #"^[A-Za-z0-9_-][A-Za-z0-9._-]*$"#
        for name in ["default", "draft", "my.profile", "-x", "_x", "A9", ".hidden", "a b", "default\n", "é", "", "a/b", "x.."] {
            let matches = name.range(of: pattern, options: .regularExpression) != nil
            if Profile.isPlainName(name) { XCTAssertTrue(matches, name) }
            if name.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x0A }) { XCTAssertEqual(Profile.isPlainName(name), matches, name) }
        }
    }

    func testProfilesTemplateAndKeywordFilesAreParsedOnceAndReadAgainWhenRewritten() throws {
        let root = try folder()
        let layout = RootLayout(root: root)
        try RootInitializer(layout: layout).initialize(copyExamples: false)
        let config = try DropforgeConfig.load(from: layout.configFile)
        let profile = layout.config.appendingPathComponent("profiles/cache-test.yaml")
        let keywords = layout.config.appendingPathComponent("keywords/cache-test.txt")
        let template = layout.config.appendingPathComponent("templates/cache-test.txt")
        try FileManager.default.createDirectory(at: keywords.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: template.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("params:\n  size: 64\n".utf8).write(to: profile)
        try Data("owl\nfox\n".utf8).write(to: keywords)
        try Data("a {keyword}\n".utf8).write(to: template)
        let manifest = Data("""
            version: 1
            kind: images
            profile: cache-test
            params:
              template_file: templates/cache-test.txt
              keywords_file: keywords/cache-test.txt

            """.utf8)
        let resolver = ManifestResolver(layout: layout, config: config)
        let counts = { [Profile.cache.loads, JobSettings.templateFiles.loads, JobSettings.keywordFiles.loads] }

        // Files younger than the cache's racy interval are read every time …
        var before = counts()
        _ = try resolver.resolve(data: manifest, fileName: "m.yaml")
        _ = try resolver.resolve(data: manifest, fileName: "m.yaml")
        XCTAssertEqual(zip(counts(), before).map { $0 - $1 }, [2, 2, 2])

        // … and once they are older, parsed once.
        Thread.sleep(forTimeInterval: Profile.cache.racyInterval + 0.1)
        before = counts()
        let first = try resolver.resolve(data: manifest, fileName: "m.yaml")
        for _ in 0..<5 { XCTAssertEqual(try resolver.resolve(data: manifest, fileName: "m.yaml"), first) }
        XCTAssertEqual(zip(counts(), before).map { $0 - $1 }, [1, 1, 1], "one parse each, then stat only")
        XCTAssertEqual(first.params.size, 64)
        XCTAssertEqual(first.params.keywords, .list(["owl", "fox"]))
        XCTAssertEqual(first.params.template, "a {keyword}\n")

        // Rewritten in place with the same sizes: seen at once.
        try Data("params:\n  size: 32\n".utf8).write(to: profile)
        try Data("cat\nemu\n".utf8).write(to: keywords)
        try Data("b {keyword}\n".utf8).write(to: template)
        let second = try resolver.resolve(data: manifest, fileName: "m.yaml")
        XCTAssertEqual(second.params.size, 32)
        XCTAssertEqual(second.params.keywords, .list(["cat", "emu"]))
        XCTAssertEqual(second.params.template, "b {keyword}\n")

        // Deleted: the same errors as without a cache.
        try FileManager.default.removeItem(at: keywords)
        XCTAssertThrowsError(try resolver.resolve(data: manifest, fileName: "m.yaml")) { error in
            let error = (error as? ManifestProblems)?.errors.first
            XCTAssertEqual(error?.field, "params.keywords_file")
            XCTAssertTrue(error?.message.contains("not found") ?? false, "\(String(describing: error))")
        }
        try FileManager.default.removeItem(at: profile)
        XCTAssertThrowsError(try resolver.resolve(data: manifest, fileName: "m.yaml")) { error in
            XCTAssertEqual((error as? ManifestProblems)?.errors.first?.field, "profile")
        }

        // The providers' instruction templates: the root's own file, else the built-in one.
        let prompts = PromptTemplates(layout: layout)
        let own = layout.config.appendingPathComponent("templates/\(PromptTemplates.promptWriter)")
        let builtIn = try String(contentsOf: own, encoding: .utf8)
        try Data("mine: {keyword}".utf8).write(to: own)
        XCTAssertEqual(prompts.text(PromptTemplates.promptWriter, ["keyword": "owl"]), "mine: owl")
        try Data("your: {keyword}".utf8).write(to: own)
        XCTAssertEqual(prompts.text(PromptTemplates.promptWriter, ["keyword": "owl"]), "your: owl")
        try FileManager.default.removeItem(at: own)
        XCTAssertEqual(prompts.text(PromptTemplates.promptWriter, ["keyword": "owl"]),
                       PromptTemplates.fill(builtIn, ["keyword": "owl"]))
    }
}
