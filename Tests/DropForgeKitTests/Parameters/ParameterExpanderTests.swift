import XCTest
@testable import DropForgeKit

final class ParameterExpanderTests: XCTestCase {
    private func spec(_ template: String = "A {style} illustration of {keyword}",
                      keywords: [String] = ["tabby cat", "black cat"],
                      vars: [TemplateVariable] = [TemplateVariable(name: "style", values: ["watercolor", "ink"])],
                      pick: PickMode = .sequential, count: Int? = nil,
                      ratios: [String] = ["1:1"]) -> ParameterSpec {
        ParameterSpec(template: template, keywords: .list(keywords), vars: vars, pick: pick, count: count,
                      aspectRatios: ratios, size: 768, seed: 42, negative: "blurry, text")
    }

    func testExpansionOrderKeywordsOuterLastVarFastest() throws {
        let vars = [TemplateVariable(name: "style", values: ["watercolor", "ink"]),
                    TemplateVariable(name: "light", values: ["soft", "hard", "rim"])]
        let plans = try ParameterExpander.expand(spec("{keyword} {style} {light}", vars: vars), baseSeed: 1)
        XCTAssertEqual(plans.count, 2 * 2 * 3)
        XCTAssertEqual(plans.prefix(7).map(\.prompt), [
            "tabby cat watercolor soft", "tabby cat watercolor hard", "tabby cat watercolor rim",
            "tabby cat ink soft", "tabby cat ink hard", "tabby cat ink rim",
            "black cat watercolor soft",
        ])
        XCTAssertEqual(plans.last?.prompt, "black cat ink rim")
        XCTAssertEqual(plans.map(\.index), Array(0..<12))
        XCTAssertEqual(plans[4].values, ["keyword": "tabby cat", "style": "ink", "light": "hard"])
        XCTAssertEqual(plans[6].keyword, "black cat")
    }

    func testSequentialWrapsAround() throws {
        let plans = try ParameterExpander.expand(spec(count: 6), baseSeed: 7)
        XCTAssertEqual(plans.map(\.prompt), [
            "A watercolor illustration of tabby cat", "A ink illustration of tabby cat",
            "A watercolor illustration of black cat", "A ink illustration of black cat",
            "A watercolor illustration of tabby cat", "A ink illustration of tabby cat",
        ])
    }

    func testCountSmallerThanCombinations() throws {
        let plans = try ParameterExpander.expand(spec(count: 3), baseSeed: 7)
        XCTAssertEqual(plans.count, 3)
        XCTAssertEqual(plans[2].prompt, "A watercolor illustration of black cat")
    }

    func testNoKeywordsGivesOneEmptyRow() throws {
        let plans = try ParameterExpander.expand(spec("A {style} sky", keywords: []), baseSeed: 0)
        XCTAssertEqual(plans.map(\.prompt), ["A watercolor sky", "A ink sky"])
        XCTAssertEqual(plans[0].keyword, "")
        XCTAssertThrowsError(try ParameterExpander.expand(spec(keywords: []), baseSeed: 0)) { error in
            XCTAssertTrue("\(error)".contains("{keyword}"), "\(error)")
        }
    }

    func testRandomIsDeterministicPerSeed() throws {
        let vars = [TemplateVariable(name: "style", values: ["a", "b", "c", "d", "e"]),
                    TemplateVariable(name: "mood", values: ["1", "2", "3", "4"])]
        let s = spec("{keyword} {style} {mood}", vars: vars, pick: .random, count: 30)
        let first = try ParameterExpander.expand(s, baseSeed: 42)
        let again = try ParameterExpander.expand(s, baseSeed: 42)
        let other = try ParameterExpander.expand(s, baseSeed: 43)
        XCTAssertEqual(first, again)
        XCTAssertNotEqual(first.map(\.prompt), other.map(\.prompt))
        // 40 combinations, 30 items: dealt without repeats from a shuffled deck.
        XCTAssertEqual(Set(first.map(\.prompt)).count, 30)
        // Not simply the sequential order.
        let sequential = try ParameterExpander.expand(spec("{keyword} {style} {mood}", vars: vars, count: 30), baseSeed: 42)
        XCTAssertNotEqual(first.map(\.prompt), sequential.map(\.prompt))
    }

    func testRandomBeyondCombinationCountUsesEveryCombination() throws {
        let plans = try ParameterExpander.expand(spec(pick: .random, count: 9), baseSeed: 5)
        XCTAssertEqual(plans.count, 9)
        XCTAssertEqual(Set(plans.prefix(4).map(\.prompt)).count, 4)
        XCTAssertEqual(Set(plans.prefix(8).map(\.prompt)).count, 4)
    }

    func testCSVColumnsFill() throws {
        let table = KeywordTable(headers: ["Animal", "Colour", "Art Style"],
                                 rows: [["fox", "red", "ukiyo-e"], ["owl", "grey"]])
        let s = ParameterSpec(template: "${{Art Style}} {keyword}, {Colour} fur, ${{Colour}}, {{user}} { }",
                              keywords: table, negative: "no ${{Animal}}")
        let plans = try ParameterExpander.expand(s, baseSeed: 0)
        XCTAssertEqual(plans.map(\.prompt), ["ukiyo-e fox, red fur, red, {{user}} { }", "owl, grey fur, grey, {{user}} { }"])
        XCTAssertEqual(plans.map(\.negative), ["no fox", "no owl"])
        XCTAssertEqual(plans[0].values, ["Animal": "fox", "Colour": "red", "Art Style": "ukiyo-e"])
        XCTAssertEqual(plans[1].values["Art Style"], "")
    }

    func testCSVHeaderIsCaseSensitive() {
        let table = KeywordTable(headers: ["Animal", "Colour"], rows: [["fox", "red"]])
        XCTAssertThrowsError(try ParameterExpander.expand(ParameterSpec(template: "${{colour}}", keywords: table), baseSeed: 0)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("colour") && text.contains("Colour"), text)
        }
    }

    func testAspectRatiosCycleAndSize() throws {
        let plans = try ParameterExpander.expand(spec(count: 5, ratios: ["16:9", "2:3", "1:1"]), baseSeed: 0)
        XCTAssertEqual(plans.map(\.aspectRatio), ["16:9", "2:3", "1:1", "16:9", "2:3"])
        XCTAssertEqual(plans.map { "\($0.width)x\($0.height)" }, ["768x432", "512x768", "768x768", "768x432", "512x768"])
    }

    func testSeedsPerItemWrap() throws {
        let plans = try ParameterExpander.expand(spec(count: 4), baseSeed: UInt32.max - 1)
        XCTAssertEqual(plans.map(\.seed), [UInt32.max - 1, UInt32.max, 0, 1])
        let normal = try ParameterExpander.expand(spec(count: 3), baseSeed: 42)
        XCTAssertEqual(normal.map(\.seed), [42, 43, 44])
    }

    func testNegativeIsFilled() throws {
        var s = spec(count: 1)
        s.negative = "  no {style}\n  text "
        XCTAssertEqual(try ParameterExpander.expand(s, baseSeed: 0)[0].negative, "no watercolor text")
    }

    func testBadInputErrors() {
        XCTAssertThrowsError(try ParameterExpander.expand(spec(ratios: ["wide"]), baseSeed: 0)) {
            XCTAssertTrue("\($0)".contains("wide"))
        }
        XCTAssertThrowsError(try ParameterExpander.expand(spec(vars: [TemplateVariable(name: "style", values: [])]), baseSeed: 0)) {
            XCTAssertTrue("\($0)".contains("style"))
        }
        XCTAssertThrowsError(try ParameterExpander.expand(spec(count: 0), baseSeed: 0))
        XCTAssertThrowsError(try ParameterExpander.expand(spec(vars: [TemplateVariable(name: "style", values: ["a"]),
                                                                     TemplateVariable(name: "style", values: ["b"])]), baseSeed: 0))
    }

    func testItemPlanCodableRoundTrip() throws {
        let plan = try ParameterExpander.expand(spec(count: 1), baseSeed: 9)[0]
        let data = try JSONEncoder().encode(plan)
        XCTAssertEqual(try JSONDecoder().decode(ItemPlan.self, from: data), plan)
    }
}

extension ParameterExpanderTests {
    /// The pixel count intake checks against `limits.job_pixels` is the one expansion makes,
    /// without listing the items.
    func testTotalPixelsIsWhatExpansionMakes() throws {
        let cases = [spec(count: 5, ratios: ["1:1", "16:9"]), spec(ratios: ["3:2", "1:1", "9:16"]), spec(count: 1, ratios: ["2:1"]),
                     spec(count: 7, ratios: ["1:1", "4:3", "1:8"])]
        for spec in cases {
            let plans = try ParameterExpander.expand(spec, baseSeed: 1)
            let total = ParameterExpander.totalPixels(spec)
            XCTAssertEqual(total.items, plans.count)
            XCTAssertEqual(total.pixels, plans.map { $0.width * $0.height }.reduce(0, +), "\(spec.aspectRatios) × \(plans.count)")
        }
        var huge = spec(count: nil)
        huge.vars = (0..<40).map { TemplateVariable(name: "v\($0)", values: Array(repeating: "x", count: 1000)) }
        XCTAssertEqual(ParameterExpander.totalPixels(huge).pixels, Int.max, "saturates instead of overflowing")
    }

    /// Every problem at once, without making an item.
    func testProblemsListsEveryUnknownPlaceholder() {
        let problems = ParameterExpander.problems(spec("{colour} {keyword} ${{Hue}} {style}", vars: [TemplateVariable(name: "color", values: ["red"])]))
        XCTAssertEqual(problems.map(\.field), ["template", "template", "template"])
        XCTAssertEqual(problems.map(\.message).map { String($0.prefix(22)) },
                       ["placeholder {colour} h", "placeholder ${{Hue}} n", "placeholder {style} ha"])
        XCTAssertEqual(ParameterExpander.problems(spec()), [])
    }
}
