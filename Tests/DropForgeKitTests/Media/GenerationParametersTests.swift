import XCTest
@testable import DropForgeKit
@testable import DropForgeMedia

final class GenerationParametersTests: XCTestCase {
    func testFormat() {
        let text = GenerationParameters.a1111Text(prompt: "a tabby cat, soft light", negative: "blurry, text",
                                                  settings: [("Steps", "20"), ("Sampler", "Euler a"), ("CFG scale", "7")], seed: 42, width: 768, height: 432, model: "local")
        XCTAssertEqual(text, """
        a tabby cat, soft light
        Negative prompt: blurry, text
        Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 768x432, Model: local
        """)
    }

    func testOmitsEmptyValues() {
        let text = GenerationParameters.a1111Text(prompt: "sky", negative: "", settings: [("Sampler", ""), ("CFG scale", "7.5")],
                                                  seed: 0, width: 64, height: 64, model: "")
        XCTAssertEqual(text, "sky\nCFG scale: 7.5, Seed: 0, Size: 64x64", "no Steps when the provider has none")
    }

    func testRoundTripWithQuotedValues() {
        let text = GenerationParameters.a1111Text(prompt: "line one\nline two, more", negative: "bad hands,\nextra fingers",
                                                  settings: [("Steps", "30"), ("Sampler", "DPM++ 2M Karras"), ("CFG scale", "6.5")],
                                                  seed: 4_000_000_000,
                                                  width: 512, height: 768, model: "sd: \"xl\", v1.0")
        XCTAssertTrue(text.hasSuffix(#"Model: "sd: \"xl\", v1.0""#), text)
        let parsed = GenerationParameters.parse(text)
        XCTAssertEqual(parsed.prompt, "line one\nline two, more")
        XCTAssertEqual(parsed.negative, "bad hands,\nextra fingers")
        XCTAssertEqual(parsed.fields, ["Steps": "30", "Sampler": "DPM++ 2M Karras", "CFG scale": "6.5",
                                       "Seed": "4000000000", "Size": "512x768", "Model": "sd: \"xl\", v1.0"])
    }

    func testParseRealA1111Text() {
        let text = """
        masterpiece, 1girl
        Negative prompt: lowres
        Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7.0, Seed: 123, Size: 832x1216, Model hash: abc123, Model: anything, Lora hashes: "a: 1f, b: 2e", Version: v1.10.1
        """
        let parsed = GenerationParameters.parse(text)
        XCTAssertEqual(parsed.prompt, "masterpiece, 1girl")
        XCTAssertEqual(parsed.negative, "lowres")
        XCTAssertEqual(parsed.fields["Lora hashes"], "a: 1f, b: 2e")
        XCTAssertEqual(parsed.fields["Version"], "v1.10.1")
        XCTAssertEqual(parsed.fields["Schedule type"], "Karras")
        XCTAssertEqual(parsed.fields.count, 10)
    }

    func testParsePromptOnlyAndUnicodeEscapes() {
        XCTAssertEqual(GenerationParameters.parse("just a prompt: nothing else").prompt, "just a prompt: nothing else")
        XCTAssertEqual(GenerationParameters.parse("just a prompt: nothing else").fields, [:])
        let parsed = GenerationParameters.parse(#"p\#nSteps: 1, Seed: 2, Size: 3x4, Model: "caf\u00e9 \ud83d\ude00, x""#)
        XCTAssertEqual(parsed.fields["Model"], "café 😀, x")
    }
}
