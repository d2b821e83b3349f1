import XCTest
@testable import DropForgeKit

final class LocalMetadataWriterTests: XCTestCase {
    let writer = LocalMetadataWriter()
    let prompt = "A watercolor illustration of a tabby cat sleeping on a sunny windowsill, soft morning light, cozy atmosphere, masterpiece, 8k, highly detailed"

    func testNormalPrompt() {
        let m = writer.write(prompt: prompt, keyword: "tabby cat", values: ["style": "watercolor", "keyword": "tabby cat"])
        let titleWords = m.title.split(separator: " ")
        XCTAssertTrue((3...12).contains(titleWords.count), m.title)
        XCTAssertEqual(m.title, "Watercolor Illustration Tabby Cat Sleeping Sunny Windowsill")
        XCTAssertFalse(m.title.lowercased().contains("masterpiece"))
        XCTAssertTrue(LocalMetadataWriter.descriptionRange.contains(m.description.count), "\(m.description.count): \(m.description)")
        XCTAssertTrue(m.description.hasPrefix("A watercolor illustration of a tabby cat"), m.description)
        XCTAssertFalse(m.description.contains("8k"), m.description)
        XCTAssertEqual(Array(m.tags.prefix(4)), ["tabby cat", "tabby", "cat", "watercolor"])
        XCTAssertTrue(m.tags.contains("windowsill"))
        XCTAssertFalse(m.tags.contains("masterpiece"))
        XCTAssertFalse(m.tags.contains("8k"))
        assertTagRules(m.tags)
    }

    func testDeterministic() {
        let values = ["b": "ink, charcoal", "a": "moody", "c": "golden hour"]
        let m1 = writer.write(prompt: prompt, keyword: "black cat", values: values)
        let m2 = LocalMetadataWriter().write(prompt: prompt, keyword: "black cat", values: values)
        XCTAssertEqual(m1, m2)
        // Values come in key order, commas split them.
        XCTAssertEqual(Array(m1.tags.prefix(7)), ["black cat", "black", "cat", "moody", "ink", "charcoal", "golden hour"])
    }

    func testManyWordsCapTagsAndTitle() {
        let long = (1...60).map { "word\(String(UnicodeScalar(UInt8(97 + $0 % 26))))\($0 % 7)" }.joined(separator: " ")
            + ", " + String(repeating: "lush green forest canopy with rivers, ", count: 10)
        let m = writer.write(prompt: long, keyword: "Forest", values: [:])
        XCTAssertEqual(m.tags.count, LocalMetadataWriter.maxTags)
        XCTAssertEqual(m.tags.first, "forest")
        assertTagRules(m.tags)
        XCTAssertTrue((3...12).contains(m.title.split(separator: " ").count), m.title)
        XCTAssertLessThanOrEqual(m.description.count, 250)
        XCTAssertTrue(m.description.hasSuffix("…"))
    }

    func testShortPromptStillHasThreeWordTitle() {
        let m = writer.write(prompt: "cat", keyword: "", values: [:])
        XCTAssertEqual(m.title, "Cat Digital Artwork")
        XCTAssertEqual(m.tags, ["cat"])
        XCTAssertFalse(m.description.isEmpty)
        let keywordOnly = writer.write(prompt: "", keyword: "red fox", values: ["mood": "calm"])
        XCTAssertEqual(keywordOnly.title, "Red Fox Calm")
        XCTAssertEqual(keywordOnly.tags, ["red fox", "red", "fox", "calm"])
        let empty = writer.write(prompt: "", keyword: "", values: [:])
        XCTAssertEqual(empty.title, "Untitled Digital Artwork")
        XCTAssertEqual(empty.tags, [])
    }

    func testTitleHasNoTrailingPunctuation() {
        let m = writer.write(prompt: "Portrait of an old sailor!!! dramatic, rain...", keyword: "sailor", values: [:])
        XCTAssertEqual(m.title, "Portrait Old Sailor Rain")
        XCTAssertTrue(m.title.last!.isLetter)
    }

    private func assertTagRules(_ tags: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThanOrEqual(tags.count, 15, file: file, line: line)
        XCTAssertEqual(Set(tags).count, tags.count, "duplicates in \(tags)", file: file, line: line)
        for tag in tags {
            XCTAssertFalse(tag.isEmpty, file: file, line: line)
            XCTAssertEqual(tag, tag.lowercased(), file: file, line: line)
            XCTAssertFalse(MetadataWords.stopWords.contains(tag), tag, file: file, line: line)
            XCTAssertFalse(tag.contains(","), tag, file: file, line: line)
        }
    }
}
