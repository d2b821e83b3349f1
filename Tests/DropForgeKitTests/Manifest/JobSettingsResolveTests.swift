import Foundation
import XCTest
@testable import DropForgeKit

final class JobSettingsResolveTests: XCTestCase {
    private var roots: [URL] = []

    override func tearDown() {
        for root in roots { try? FileManager.default.removeItem(at: root) }
        roots = []
        super.tearDown()
    }

    private func root(_ files: [String: String] = [:]) throws -> URL {
        let root = try ManifestFixtures.makeRoot(files)
        roots.append(root)
        return root
    }

    private func resolve(_ yaml: String, file: String = "cozy.yaml", root: URL,
                         config: DropforgeConfig = DropforgeConfig()) throws -> JobSettings {
        try ManifestLoader.load(Data(yaml.utf8), fileName: file, rootDirectory: root, config: config).settings
    }

    private func resolveError(_ yaml: String, root: URL, config: DropforgeConfig = DropforgeConfig(),
                              line: UInt = #line) -> ManifestError? {
        do {
            _ = try resolve(yaml, root: root, config: config)
            XCTFail("expected an error", line: line)
        } catch let problems as ManifestProblems {
            return problems.errors.first
        } catch {
            XCTFail("unexpected \(error)", line: line)
        }
        return nil
    }

    func testDefaults() throws {
        let settings = try resolve("version: 1\nkind: images\nparams: {template: \"a cat\"}\n", root: try root())
        XCTAssertEqual(settings, JobSettings(kind: .images, name: "cozy", params: .init(template: "a cat")))
        XCTAssertEqual(settings.params.aspectRatios, ["1:1"])
        XCTAssertEqual(settings.params.size, 768)
        XCTAssertNil(settings.params.count)
        XCTAssertEqual(settings.params.keywords, KeywordTable(headers: ["keyword"], rows: []))
        XCTAssertEqual(settings.quality.checks, [.decode, .dimensions, .blank, .duplicate])
        XCTAssertEqual(settings.export.formats, [.png, .csv, .json])
        XCTAssertEqual(settings.generate.provider, "local")
        XCTAssertEqual(settings.metadata.writer, "local")
        XCTAssertNil(settings.profileName)
    }

    /// `generate:` settings key by key, the manifest's over the profile's; `text.max_tokens` the same.
    func testGenerationSettingsAndMaxTokensMergeKeyByKey() throws {
        let root = try root([
            "config/profiles/default.yaml": """
            generate: {steps: 30, sampler_name: "DPM++ 2M", override_settings: {sd_model_checkpoint: base, CLIP_stop_at_last_layers: 2}}
            text: {max_tokens: {metadata: 800, card: 3000}}
            """,
        ])
        let settings = try resolve("""
            version: 1
            kind: images
            params: {template: "a cat"}
            generate: {steps: 40, cfg_scale: 6.5, scheduler: karras, quality: hd, override_settings: {sd_model_checkpoint: pony}}
            text: {max_tokens: {card: 2000}}
            """, root: root)
        XCTAssertEqual(settings.generate.settings, GenerationSettings(
            steps: 40, cfgScale: 6.5, sampler: "DPM++ 2M", scheduler: "karras",
            overrideSettings: ["sd_model_checkpoint": .string("pony"), "CLIP_stop_at_last_layers": .number(2)], quality: "hd"))
        XCTAssertEqual(settings.text?.maxTokens, MaxTokens([.metadata: 800, .card: 2000]))
        let error = resolveError("version: 1\nkind: images\nparams: {template: a}\ngenerate: {steps: 0}\n", root: try self.root())
        XCTAssertEqual(error?.field, "generate.steps")
        let nested = resolveError("version: 1\nkind: images\nparams: {template: a}\ngenerate: {override_settings: {a: [1]}}\n", root: try self.root())
        XCTAssertEqual(nested?.field, "generate.override_settings.a")
    }

    func testPrecedenceManifestOverProfileOverDefault() throws {
        let root = try root([
            "config/profiles/default.yaml": """
            description: house style
            params:
              template: "profile template {keyword}"
              keywords: [owl]
              count: 7
              size: 512
              negative: ugly
            quality:
              checks: [decode]
            export:
              formats: [png, xlsx]
            """,
        ])
        let settings = try resolve("version: 1\nkind: images\nname: Cozy Cats\nparams:\n  count: 3\n", root: root)
        XCTAssertEqual(settings.profileName, "default")
        XCTAssertEqual(settings.name, "cozy-cats")
        XCTAssertEqual(settings.params.template, "profile template {keyword}")  // profile
        XCTAssertEqual(settings.params.count, 3)                                 // manifest
        XCTAssertEqual(settings.params.size, 512)                                // profile
        XCTAssertEqual(settings.params.negative, "ugly")                         // profile
        XCTAssertEqual(settings.params.aspectRatios, ["1:1"])                    // default
        XCTAssertEqual(settings.quality.checks, [.decode])                       // profile
        XCTAssertEqual(settings.quality.enabled, true)                           // default
        XCTAssertEqual(settings.export.formats, [.png, .xlsx])                   // profile

        // A template_file in the manifest beats an inline template in the profile.
        let withFile = try self.root([
            "config/profiles/default.yaml": "params: {template: from profile}\n",
            "config/templates/cats.txt": "from file {keyword}\n",
        ])
        let fromFile = try resolve("version: 1\nkind: images\nparams: {template_file: templates/cats.txt, keywords: [owl]}\n", root: withFile)
        XCTAssertEqual(fromFile.params.template, "from file {keyword}\n")
        XCTAssertEqual(fromFile.params.templateSource, "templates/cats.txt")
    }

    func testNamedProfileMustExist() throws {
        let error = resolveError("version: 1\nkind: images\nprofile: fancy\nparams: {template: x}\n", root: try root())
        XCTAssertManifestError(error, line: 3, column: 10, field: "profile", contains: "profile 'fancy' not found")
    }

    func testProfileIsStrictToo() throws {
        let root = try root(["config/profiles/default.yaml": "params:\n  szie: 512\n"])
        let error = resolveError("version: 1\nkind: images\nparams: {template: x}\n", root: root)
        XCTAssertEqual(error?.file, "config/profiles/default.yaml")
        XCTAssertEqual(error?.code, "profile_invalid")
        XCTAssertManifestError(error, line: 2, column: 3, field: "params.szie", contains: "did you mean 'size'?")
    }

    func testMissingTemplate() throws {
        let error = resolveError("version: 1\nkind: images\nparams:\n  count: 2\n", root: try root())
        XCTAssertManifestError(error, line: 4, column: 3, field: "params.template", contains: "missing required field 'template'")
    }

    func testKeywordsFromTextFile() throws {
        let root = try root(["config/keywords/cats.txt": "# cats\ntabby cat\n\n  black cat  \n#skip\nginger cat"])
        let settings = try resolve("version: 1\nkind: images\nparams: {template: x, keywords_file: keywords/cats.txt}\n", root: root)
        XCTAssertEqual(settings.params.keywords, .list(["tabby cat", "black cat", "ginger cat"]))
        XCTAssertEqual(settings.params.keywordsSource, "keywords/cats.txt")
    }

    func testKeywordsFromCSVFile() throws {
        let root = try root(["config/keywords/cats.csv": "Name,Colour\r\n\"Tabby, the cat\",orange\r\n\r\nBlack cat,\"black\"\r\n"])
        let settings = try resolve("version: 1\nkind: images\nparams: {template: x, keywords_file: keywords/cats.csv}\n", root: root)
        XCTAssertEqual(settings.params.keywords, KeywordTable(headers: ["Name", "Colour"],
                                                              rows: [["Tabby, the cat", "orange"], ["Black cat", "black"]]))
    }

    func testRaggedCSVNamesFileAndRow() throws {
        let root = try root(["config/keywords/cats.csv": "name,colour\ntabby,orange\nblack\n"])
        let error = resolveError("version: 1\nkind: images\nparams:\n  template: x\n  keywords_file: keywords/cats.csv\n", root: root)
        XCTAssertManifestError(error, line: 5, column: 18, field: "params.keywords_file",
                               contains: "keywords/cats.csv row 3 has 1 field but the header has 2")
    }

    func testMissingFileAndWrongExtension() throws {
        let root = try root(["config/keywords/cats.md": "x"])
        XCTAssertManifestError(resolveError("version: 1\nkind: images\nparams:\n  template_file: templates/none.txt\n", root: root),
                               line: 4, column: 18, field: "params.template_file", contains: "not found")
        XCTAssertManifestError(resolveError("version: 1\nkind: images\nparams:\n  template: x\n  keywords_file: keywords/cats.md\n", root: root),
                               line: 5, column: 18, field: "params.keywords_file", contains: "must be a .txt or .csv file")
    }

    func testSymlinkOutOfTheRootIsRejected() throws {
        let outside = try self.root(["secret.txt": "top secret"])
        let root = try root()
        try FileManager.default.createDirectory(at: root.appendingPathComponent("config/keywords"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("config/keywords/cats.txt"),
                                                   withDestinationURL: outside.appendingPathComponent("secret.txt"))
        let error = resolveError("version: 1\nkind: images\nparams:\n  template: x\n  keywords_file: keywords/cats.txt\n", root: root)
        XCTAssertManifestError(error, line: 5, column: 18, field: "params.keywords_file", contains: "leads outside the root")

        // A symlink that stays inside the root is fine.
        try Data("inside\n".utf8).write(to: root.appendingPathComponent("config/real.txt"))
        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("config/keywords/ok.txt"),
                                                   withDestinationURL: root.appendingPathComponent("config/real.txt"))
        let settings = try resolve("version: 1\nkind: images\nparams: {template: x, keywords_file: keywords/ok.txt}\n", root: root)
        XCTAssertEqual(settings.params.keywords, .list(["inside"]))
    }

    func testTemplateFileMustBeUTF8() throws {
        let root = try root()
        try FileManager.default.createDirectory(at: root.appendingPathComponent("config/templates"), withIntermediateDirectories: true)
        try Data([0x61, 0x0A, 0x62, 0xFF]).write(to: root.appendingPathComponent("config/templates/bad.txt"))
        let error = resolveError("version: 1\nkind: images\nparams: {template_file: templates/bad.txt}\n", root: root)
        XCTAssertManifestError(error, line: 3, column: 25, field: "params.template_file", contains: "templates/bad.txt:2:2: the file is not valid UTF-8")
    }

    func testProviderNamesAreChecked() throws {
        let root = try root()
        var config = DropforgeConfig()
        config.providers["gpu-box"] = ProviderConfig(type: .a1111, baseURL: "http://127.0.0.1:7860")
        config.providers["ollama"] = ProviderConfig(type: .openaiChat, baseURL: "http://127.0.0.1:11434/v1")

        XCTAssertManifestError(resolveError("version: 1\nkind: images\nparams: {template: x}\ngenerate:\n  provider: gpu-bx\n", root: root, config: config),
                               line: 5, column: 13, field: "generate.provider",
                               contains: "unknown provider 'gpu-bx' (config/dropforge.yaml defines: gpu-box, ollama); did you mean 'gpu-box'?")
        XCTAssertManifestError(resolveError("version: 1\nkind: images\nparams: {template: x}\nquality:\n  vision: gpu-box\n", root: root, config: config),
                               line: 5, column: 11, field: "quality.vision", contains: "is an image provider and cannot write text")
        XCTAssertManifestError(resolveError("version: 1\nkind: images\nparams: {template: x}\nmetadata: {writer: gpt}\n", root: root),
                               line: 4, column: 20, field: "metadata.writer", contains: "config/dropforge.yaml no providers")

        // A caller may narrow the available types; by default every configured provider resolves.
        let manifest = try ManifestFixtures.parse("version: 1\nkind: images\nparams: {template: x, writer: ollama}\ngenerate: {provider: gpu-box}\n")
        XCTAssertThrowsError(try JobSettings.resolve(manifest: manifest, manifestFile: "cats.yaml", profile: nil, rootDirectory: root,
                                                     config: config, availableProviderTypes: [.a1111])) { error in
            XCTAssertTrue("\(error)".contains("provider 'ollama' (type openai-chat) is not available"), "\(error)")
        }
        let settings = try JobSettings.resolve(manifest: manifest, manifestFile: "cats.yaml", profile: nil, rootDirectory: root, config: config)
        XCTAssertEqual(settings.params.writer, "ollama")
        XCTAssertEqual(settings.generate.provider, "gpu-box")
    }

    func testSettingsSnapshotRoundTripsThroughJSON() throws {
        let root = try root(["config/keywords/k.csv": "a,b\n1,2\n"])
        let settings = try resolve(ManifestFixtures.fullYAML.replacingOccurrences(of: "profile: default\n", with: "")
            .replacingOccurrences(of: "  keywords: [tabby cat, black cat]", with: "  keywords_file: keywords/k.csv"), root: root)
        let decoded = try JSONDecoder().decode(JobSettings.self, from: JSONEncoder().encode(settings))
        XCTAssertEqual(decoded, settings)
        XCTAssertEqual(settings.name, "cozy-cats")
        XCTAssertEqual(settings.manifestID, "cats-2026-11-21")
        XCTAssertEqual(settings.priority, .high)
        XCTAssertEqual(settings.params.seed, 42)
    }
}

extension JobSettingsResolveTests {
    /// The parameter expansion's checks run on resolve, positioned at the setting that wrote
    /// the template, even when it comes from the profile.
    func testTemplateProblemsPointAtTheirSource() throws {
        let root = try root(["config/profiles/default.yaml": "params:\n  template: \"a {hue} {keyword}\"\n"])
        let error = resolveError("version: 1\nkind: images\nparams: {keywords: [owl]}\n", root: root)
        XCTAssertManifestError(error, line: 2, column: 13, field: "params.template", contains: "placeholder {hue} has no value; known names: keyword")
        XCTAssertEqual(error?.file, "config/profiles/default.yaml")
        XCTAssertEqual(error?.code, "parameters_invalid")
    }
}
