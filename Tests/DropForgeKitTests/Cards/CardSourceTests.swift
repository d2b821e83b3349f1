import XCTest
@testable import DropForgeKit
@testable import DropForgeCards

final class CardSourceTests: XCTestCase {

    // MARK: - DESIGN §3 example

    func testDesignExampleCaptainMeiLin() {
        let text = """
            # Captain Mei Lin
            ## Description
            Captain Mei Lin commands the airship Kestrel.
            ## First message
            "You're late, navigator." Lin hands {{user}} a chart.
            ## Tags
            airship, captain

            """
        let expected = CardSource(
            name: "Captain Mei Lin",
            fields: [
                .description: "Captain Mei Lin commands the airship Kestrel.",
                .firstMessage: "\"You're late, navigator.\" Lin hands {{user}} a chart.",
            ],
            tags: ["airship", "captain"]
        )
        XCTAssertEqual(CardSource.parse(text), expected)
    }

    // MARK: - Headings and aliases

    func testEveryFieldAlias() {
        let cases: [(String, CardSourceField)] = [
            ("Description", .description),
            ("Personality", .personality), ("Personality summary", .personality),
            ("Scenario", .scenario),
            ("First message", .firstMessage), ("Greeting", .firstMessage),
            ("First mes", .firstMessage), ("first_mes", .firstMessage),
            ("Example messages", .exampleMessages), ("Example dialogue", .exampleMessages),
            ("Examples", .exampleMessages), ("mes_example", .exampleMessages),
            ("System prompt", .systemPrompt), ("system_prompt", .systemPrompt),
            ("Post-history instructions", .postHistoryInstructions),
            ("Post history instructions", .postHistoryInstructions),
            ("Jailbreak", .postHistoryInstructions),
            ("Creator notes", .creatorNotes), ("Creator's notes", .creatorNotes),
            ("Creator\u{2019}s notes", .creatorNotes), ("Notes", .creatorNotes),
        ]
        for (heading, field) in cases {
            for spelling in [heading, heading.uppercased(), "  \(heading.lowercased()):  ", "\(heading)::"] {
                let source = CardSource.parse("# N\n## \(spelling)\nvalue of \(heading)\n")
                XCTAssertEqual(source.fields, [field: "value of \(heading)"], "heading '\(spelling)'")
                XCTAssertEqual(source.unmatchedSections, [], "heading '\(spelling)'")
            }
        }
    }

    func testListSectionAliases() {
        for heading in ["Alternate greetings", "Alternate greeting", "Alt greetings", "ALT  GREETINGS:"] {
            XCTAssertEqual(CardSource.parse("## \(heading)\nHi there").alternateGreetings, ["Hi there"], heading)
        }
        for heading in ["Tags", "tags:"] {
            XCTAssertEqual(CardSource.parse("## \(heading)\na, b").tags, ["a", "b"], heading)
        }
        for heading in ["Lore", "Lorebook", "World info", "Character book", "world   INFO :"] {
            XCTAssertEqual(CardSource.parse("## \(heading)\n### Kestrel\nAn airship.").lore,
                           [CardSourceLoreEntry(name: "Kestrel", keys: ["Kestrel"], content: "An airship.")],
                           heading)
        }
    }

    func testHeadingSyntax() {
        let text = """
            #Not a heading
            ####### seven hashes is text
                # four spaces of indent is text
            Text with a # inside.
            #tag
            # Mei ##
            ## Personality ##
            Calm # not a heading.
               ## Scenario
            On deck.
            """
        let source = CardSource.parse(text)
        XCTAssertEqual(source.name, "Mei")
        XCTAssertEqual(source.preamble, """
            #Not a heading
            ####### seven hashes is text
                # four spaces of indent is text
            Text with a # inside.
            #tag
            """)
        XCTAssertEqual(source.fields[.personality], "Calm # not a heading.")
        XCTAssertEqual(source.fields[.scenario], "On deck.")
    }

    // MARK: - Alternate greetings

    func testAlternateGreetingsBySubheading() {
        let text = """
            # Lin
            ## Alternate greetings
            ### Storm
            The wind howls.
            ---
            {{char}} grips the wheel.

            ### Harbour
            "Welcome aboard, {{user}}."
            ###
            ### Empty one

            ## Tags
            x
            """
        let source = CardSource.parse(text)
        XCTAssertEqual(source.alternateGreetings, [
            "The wind howls.\n---\n{{char}} grips the wheel.",
            "\"Welcome aboard, {{user}}.\"",
        ])
        XCTAssertEqual(source.tags, ["x"])
    }

    func testAlternateGreetingsBySeparator() {
        let text = """
            ## Alt greetings

            First greeting,
            two lines.
            ---
            Second greeting.
            ---
            ---
            ```
            ---
            ```
             ---
            """
        XCTAssertEqual(CardSource.parse(text).alternateGreetings, [
            "First greeting,\ntwo lines.",
            "Second greeting.",
            "```\n---\n```\n ---",
        ])
    }

    func testSingleAlternateGreetingBlock() {
        XCTAssertEqual(CardSource.parse("## Alternate greeting\nOnly one.\n\nStill the same one.").alternateGreetings,
                       ["Only one.\n\nStill the same one."])
    }

    func testTextBeforeFirstGreetingSubheadingIsKept() {
        XCTAssertEqual(CardSource.parse("## Alternate greetings\nLead.\n### A\nOne.").alternateGreetings,
                       ["Lead.", "One."])
    }

    // MARK: - Tags

    func testTagsFromListsCommasAndDuplicates() {
        let text = """
            ## Tags
            - Airship, captain
            * Fantasy
            + steampunk
            1. Female
            12) adventure
            -
            airship,  , CAPTAIN
            1.5 models
            -dash
            ## Tags
            fantasy, extra
            """
        XCTAssertEqual(CardSource.parse(text).tags,
                       ["Airship", "captain", "Fantasy", "steampunk", "Female", "adventure",
                        "1.5 models", "-dash", "extra"])
    }

    // MARK: - Lore

    func testLoreWithHeadingKeys() {
        let text = """
            ## Lore
            ### Kestrel, airship , the ship
            The Kestrel is a {{char}}'s airship.

            It has two masts.
            ### Harbour
            ### , ,
            """
        XCTAssertEqual(CardSource.parse(text).lore, [
            CardSourceLoreEntry(name: "Kestrel", keys: ["Kestrel", "airship", "the ship"],
                                content: "The Kestrel is a {{char}}'s airship.\n\nIt has two masts."),
            CardSourceLoreEntry(name: "Harbour", keys: ["Harbour"], content: ""),
        ])
    }

    func testLoreWithKeysLine() {
        let text = """
            ## Lorebook
            ### The Kestrel

            Keys: Kestrel, airship, KESTREL
            The ship.
            Keys: this line is content
            ### Guild
            keys:guild,traders
            The traders' guild.
            ### Sky pirates
            Not a keys line: Keys: x
            """
        XCTAssertEqual(CardSource.parse(text).lore, [
            CardSourceLoreEntry(name: "The Kestrel", keys: ["Kestrel", "airship"],
                                content: "The ship.\nKeys: this line is content"),
            CardSourceLoreEntry(name: "Guild", keys: ["guild", "traders"], content: "The traders' guild."),
            CardSourceLoreEntry(name: "Sky pirates", keys: ["Sky pirates"], content: "Not a keys line: Keys: x"),
        ])
    }

    func testLoreTextBeforeFirstEntryIsAnEntryWithoutHeading() {
        XCTAssertEqual(CardSource.parse("## Lore\nKeys: sky\nThe sky is wide.\n### Sea\nWet.").lore, [
            CardSourceLoreEntry(name: nil, keys: ["sky"], content: "The sky is wide."),
            CardSourceLoreEntry(name: "Sea", keys: ["Sea"], content: "Wet."),
        ])
    }

    // MARK: - Code fences

    func testCodeFenceHidesHeadings() {
        let text = """
            # Lin
            ## Description
            Before.
            ```markdown
            # not a heading
            ## Personality
            ```
            ~~~~
            ## still code
            ~~~
            ### also code
            ~~~~
            After.
            ## Personality
            Brave.
            """
        let source = CardSource.parse(text)
        XCTAssertEqual(source.name, "Lin")
        XCTAssertEqual(source.fields[.description], """
            Before.
            ```markdown
            # not a heading
            ## Personality
            ```
            ~~~~
            ## still code
            ~~~
            ### also code
            ~~~~
            After.
            """)
        XCTAssertEqual(source.fields[.personality], "Brave.")
        XCTAssertEqual(source.unmatchedSections, [])
    }

    func testUnclosedFenceRunsToTheEnd() {
        let source = CardSource.parse("## Scenario\n```\n## Personality\nx")
        XCTAssertEqual(source.fields, [.scenario: "```\n## Personality\nx"])
    }

    func testFencedKeysLineIsContent() {
        XCTAssertEqual(CardSource.parse("## Lore\n### A\n```\nKeys: b\n```").lore,
                       [CardSourceLoreEntry(name: "A", keys: ["A"], content: "```\nKeys: b\n```")])
    }

    // MARK: - Line endings and text

    func testCRLFSourceKeepsCRLFInsideFields() {
        let text = "# Lin\r\n## Description\r\n\r\nLine one.\r\nLine two.\r\n\r\n## First message\r\nHi.\r\n"
            + "## Description\r\nMore.\r\n## Alternate greetings\r\nA\r\n---\r\nB\r\n"
            + "## Tags\r\na\r\nb, c\r\n## Lore\r\n### K, k2\r\nKeys: x, y\r\nBody.\r\n"
        let source = CardSource.parse(text)
        XCTAssertEqual(source.name, "Lin")
        XCTAssertEqual(source.fields[.description], "Line one.\r\nLine two.\r\n\r\nMore.")
        XCTAssertEqual(source.fields[.firstMessage], "Hi.")
        XCTAssertEqual(source.alternateGreetings, ["A", "B"])
        XCTAssertEqual(source.tags, ["a", "b", "c"])
        XCTAssertEqual(source.lore, [CardSourceLoreEntry(name: "K, k2", keys: ["x", "y"], content: "Body.")])
        XCTAssertEqual(source.unmatchedSections, [])
    }

    func testNonASCIIAndPlaceholdersAreVerbatim() {
        let text = """
            \u{FEFF}# Éloïse 🌙
            ## Description
              Éloïse\u{2019}s ship — “Kestrel” 🚀 {{char}} meets {{user}}.\u{20}\u{20}
            Zweite Zeile: 日本語.
            ## Tags
            café, CAFÉ, 🌙
            ## Lore
            ### Lune, 月
            La lune.
            """
        let source = CardSource.parse(text)
        XCTAssertEqual(source.name, "Éloïse 🌙")
        XCTAssertEqual(source.fields[.description],
                       "  Éloïse\u{2019}s ship — “Kestrel” 🚀 {{char}} meets {{user}}.  \nZweite Zeile: 日本語.")
        XCTAssertEqual(source.tags, ["café", "🌙"])
        XCTAssertEqual(source.lore, [CardSourceLoreEntry(name: "Lune", keys: ["Lune", "月"], content: "La lune.")])
    }

    func testExampleMessagesKeptVerbatim() {
        let example = "<START>\n{{user}}: Where are we?\n{{char}}: *checks the chart* Over the sea.\n\n<START>\n{{char}}: ## not a heading"
        let source = CardSource.parse("# Lin\n## Example dialogue\n\n\(example)\n\n\n")
        XCTAssertEqual(source.fields[.exampleMessages], example)
    }

    // MARK: - Structure

    func testNoHeadingsIsAllDescription() {
        let source = CardSource.parse("\n\nA quiet navigator.\n\nLoves maps.\n\n")
        XCTAssertNil(source.name)
        XCTAssertEqual(source.fields, [.description: "A quiet navigator.\n\nLoves maps."])
        XCTAssertEqual(source.preamble, "A quiet navigator.\n\nLoves maps.")
    }

    func testEmptyDocument() {
        XCTAssertEqual(CardSource.parse(""), CardSource())
        XCTAssertEqual(CardSource.parse("\n  \n"), CardSource())
    }

    func testPreambleIsDescriptionOnlyWithoutDescriptionSection() {
        let withoutSection = CardSource.parse("# Lin\nA captain.\n## Personality\nStern.")
        XCTAssertEqual(withoutSection.preamble, "A captain.")
        XCTAssertEqual(withoutSection.fields, [.description: "A captain.", .personality: "Stern."])

        let withSection = CardSource.parse("# Lin\nA captain.\n## Description\nThe real one.")
        XCTAssertEqual(withSection.preamble, "A captain.")
        XCTAssertEqual(withSection.fields, [.description: "The real one."])
    }

    func testUnmatchedSectionsAreReportedAndSkipped() {
        let text = """
            # Lin
            ## Appearance
            Tall.
            ## Personality
            Stern.
            # Other
            Ignored text.
            ## Scenario
            Deck.
            # Lin again
            ##
            """
        let source = CardSource.parse(text)
        XCTAssertEqual(source.name, "Lin")
        XCTAssertEqual(source.unmatchedSections, ["## Appearance", "# Other", "# Lin again", "##"])
        XCTAssertEqual(source.fields, [.personality: "Stern.", .scenario: "Deck."])
        XCTAssertNil(source.preamble)
    }

    func testEmptySectionsAreAbsent() {
        let text = """
            # Lin
            ## Description

            ## Personality
            \u{20}\u{20}
            ## Scenario
            ## Alternate greetings
            ---
            ## Tags
            - ,
            ## Lore
            ## System prompt
            """
        let source = CardSource.parse(text)
        XCTAssertEqual(source, CardSource(name: "Lin"))
        XCTAssertNil(source.fields[.description])
    }

    func testSubheadingsOutsideListSectionsAreText() {
        let source = CardSource.parse("## Scenario\n### Setting\nThe sky.\n#### Detail\nClouds.")
        XCTAssertEqual(source.fields[.scenario], "### Setting\nThe sky.\n#### Detail\nClouds.")
    }

    func testHeadingLevelParsing() {
        XCTAssertEqual(CardSourceLine.atxHeading("## Foo ## "), .init(level: 2, title: "Foo"))
        XCTAssertEqual(CardSourceLine.atxHeading("# Foo#"), .init(level: 1, title: "Foo#"))
        XCTAssertEqual(CardSourceLine.atxHeading("###"), .init(level: 3, title: ""))
        XCTAssertEqual(CardSourceLine.atxHeading("#\tTab"), .init(level: 1, title: "Tab"))
        XCTAssertNil(CardSourceLine.atxHeading("#Foo"))
        XCTAssertNil(CardSourceLine.atxHeading("    # Foo"))
    }
}
