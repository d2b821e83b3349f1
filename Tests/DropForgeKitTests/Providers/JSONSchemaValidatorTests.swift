import Foundation
import XCTest

@testable import DropForgeKit
@testable import DropForgeJSON

final class JSONSchemaValidatorTests: XCTestCase {
    /// The metadata writer's schema (issue 4: title, description 150–250 characters, up to 15 tags).
    private let metadataSchema: JSONValue = [
        "type": "object",
        "properties": [
            "title": ["type": "string", "minLength": 1, "maxLength": 120],
            "description": ["type": "string", "minLength": 150, "maxLength": 250],
            "tags": ["type": "array", "items": ["type": "string"], "minItems": 1, "maxItems": 15],
        ],
        "required": ["title", "description", "tags"],
        "additionalProperties": false,
    ]

    private func problems(_ json: String, _ schema: JSONValue) throws -> [String] {
        JSONSchemaValidator.validate(try JSONParser.parse(json), against: schema).map(\.description)
    }

    func testConformingValueHasNoProblems() throws {
        let description = String(repeating: "a calm lake at dawn, ", count: 9)  // 189 characters
        let json = #"{"title":"Calm lake at dawn","description":"\#(description)","tags":["lake","dawn"]}"#
        XCTAssertEqual(try problems(json, metadataSchema), [])
    }

    func testWrongTypeInArrayNamesThePath() throws {
        let description = String(repeating: "x", count: 160)
        let json = #"{"title":"T","description":"\#(description)","tags":["a","b","c",4]}"#
        XCTAssertEqual(try problems(json, metadataSchema), ["$.tags[3]: expected a string, found a number"])
    }

    func testRequiredAdditionalAndLengths() throws {
        let json = #"{"title":"","tags":[],"extra":true}"#
        XCTAssertEqual(try problems(json, metadataSchema), [
            "$.description: required property is missing",
            "$.title: expected at least 1 character, found 0",
            "$.tags: expected at least 1 item, found 0",
            "$.extra: unexpected property (the schema allows no others)",
        ])
        let tags = (1...16).map { "\"t\($0)\"" }.joined(separator: ",")
        let long = String(repeating: "é", count: 251)  // counted in scalars, not bytes
        XCTAssertEqual(try problems(#"{"title":"T","description":"\#(long)","tags":[\#(tags)]}"#, metadataSchema), [
            "$.description: expected at most 250 characters, found 251",
            "$.tags: expected at most 15 items, found 16",
        ])
    }

    func testTopLevelTypeMismatchStopsThere() throws {
        XCTAssertEqual(try problems(#"["not","an","object"]"#, metadataSchema), ["$: expected an object, found an array"])
        XCTAssertEqual(try problems("null", metadataSchema), ["$: expected an object, found null"])
    }

    func testVerdictSchemaBooleanAndTypeLists() throws {
        let verdict: JSONValue = [
            "type": "object",
            "properties": ["passed": ["type": "boolean"], "reason": ["type": ["string", "null"]]],
            "required": ["passed", "reason"],
        ]
        XCTAssertEqual(try problems(#"{"passed":true,"reason":null}"#, verdict), [])
        XCTAssertEqual(try problems(#"{"passed":"yes","reason":3}"#, verdict), [
            "$.passed: expected a boolean, found a string",
            "$.reason: expected a string or null, found a number",
        ])
        // Without additionalProperties: false, extra members are fine.
        XCTAssertEqual(try problems(#"{"passed":false,"reason":"ok","score":0.3}"#, verdict), [])
    }

    func testIntegerNumberBoundsAndEnum() throws {
        let schema: JSONValue = [
            "type": "object",
            "properties": [
                "count": ["type": "integer", "minimum": 1, "maximum": 10],
                "score": ["type": "number", "minimum": 0, "maximum": 1],
                "mood": ["enum": ["calm", "tense", 3]],
            ],
        ]
        XCTAssertEqual(try problems(#"{"count":3.0,"score":0.5,"mood":"calm"}"#, schema), [], "3.0 is an integer")
        XCTAssertEqual(try problems(#"{"count":1e1,"score":1,"mood":3.0}"#, schema), [], "1e1 is 10; enum compares by value")
        XCTAssertEqual(try problems(#"{"count":2.5,"score":1.5,"mood":"happy"}"#, schema), [
            "$.count: expected an integer, found a non-integral number (2.5)",
            "$.score: expected a number <= 1, found 1.5",
            #"$.mood: expected one of "calm", "tense", 3, found "happy""#,
        ])
        XCTAssertEqual(try problems(#"{"count":0,"score":-0.25}"#, schema), [
            "$.count: expected a number >= 1, found 0",
            "$.score: expected a number >= 0, found -0.25",
        ])
    }

    func testNestedObjectsInArraysAndOddKeys() throws {
        let schema: JSONValue = [
            "type": "object",
            "properties": [
                "entries": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "properties": ["keys": ["type": "array", "items": ["type": "string"]], "odd key": ["type": "string"]],
                        "required": ["keys"],
                        "additionalProperties": ["type": "number"],
                    ],
                ],
            ],
        ]
        let json = #"{"entries":[{"keys":["a"]},{"keys":["b",null],"odd key":1,"weight":"heavy"},{}]}"#
        XCTAssertEqual(try problems(json, schema), [
            "$.entries[1].keys[1]: expected a string, found null",
            #"$.entries[1]["odd key"]: expected a string, found a number"#,
            "$.entries[1].weight: expected a number, found a string",
            "$.entries[2].keys: required property is missing",
        ])
    }

    func testUnknownKeywordsAndBooleanSchemasAreHandled() throws {
        let schema: JSONValue = [
            "type": "object",
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "description": "ignored",
            "properties": [
                "name": ["type": "string", "pattern": "^[A-Z]", "format": "email"],
                "anything": true,
                "nothing": false,
                "weird": ["type": "decimal"],
            ],
        ]
        XCTAssertEqual(try problems(#"{"name":"lower","anything":[1,{}],"weird":"x"}"#, schema), [],
                       "pattern and format are not checked; an unknown type name does not constrain")
        XCTAssertEqual(try problems(#"{"nothing":1}"#, schema), ["$.nothing: no value is allowed here"])
    }

    func testValidatorInstanceAndProblemFields() throws {
        let validator = JSONSchemaValidator(schema: ["type": "array", "items": ["type": "integer"]])
        let found = validator.validate(try JSONParser.parse(#"[1, true]"#))
        XCTAssertEqual(found, [JSONSchemaValidator.Problem(path: "$[1]", message: "expected an integer, found a boolean")])
    }
}
