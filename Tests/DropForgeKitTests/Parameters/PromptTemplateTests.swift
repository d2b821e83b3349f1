import XCTest
@testable import DropForgeKit

final class PromptTemplateTests: XCTestCase {
    func testFillsKeywordVarsAndCollapsesWhitespace() throws {
        let t = PromptTemplate("  A {style}\n\n illustration of   {keyword}, {mood} ")
        XCTAssertEqual(try t.fill(keyword: "cat", vars: ["style": "ink", "mood": ""]), "A ink illustration of cat,")
    }

    func testUnknownPlaceholderNamesItAndKnownNames() {
        let t = PromptTemplate("A {colour} {keyword}", field: "template")
        XCTAssertThrowsError(try t.fill(keyword: "cat", vars: ["style": "ink"], columns: ["Animal": "cat"])) { error in
            XCTAssertTrue(error is ParameterError)
            let text = "\(error)"
            XCTAssertTrue(text.contains("{colour}"), text)
            XCTAssertTrue(text.contains("keyword") && text.contains("style") && text.contains("Animal"), text)
        }
    }

    func testNonIdentifierAndDoubleBracesUntouched() throws {
        let t = PromptTemplate("{{user}} meets {{char}} {keyword} { } {\"a\": 1} {two words} {{ keyword }}")
        XCTAssertEqual(try t.fill(keyword: "cat", vars: [:]),
                       "{{user}} meets {{char}} cat { } {\"a\": 1} {two words} {{ keyword }}")
    }

    func testHeaderWithSpaceInSingleBracesWhenItMatches() throws {
        let t = PromptTemplate("{Art Style} {Colour}")
        XCTAssertEqual(try t.fill(keyword: "fox", vars: [:], columns: ["Art Style": "ink", "Colour": "red"]), "ink red")
    }

    func testVariablesWinOverColumnsAndValuesAreNotReparsed() throws {
        let t = PromptTemplate("{Colour} {keyword}")
        XCTAssertEqual(try t.fill(keyword: "{x}", vars: ["Colour": "blue"], columns: ["Colour": "red"]), "blue {x}")
    }

    func testUnclosedBracesAreText() throws {
        XCTAssertEqual(try PromptTemplate("a { b ${{ c {{ d").fill(keyword: nil, vars: [:]), "a { b ${{ c {{ d")
    }

    func testPlaceholdersList() {
        XCTAssertEqual(PromptTemplate("{keyword} ${{Col}} {{user}} {style} {keyword} { }").placeholders, ["keyword", "Col", "style"])
    }
}
