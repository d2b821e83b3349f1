import Foundation
import Yams

/// Turns the bytes of a manifest, profile or config file into a positioned `DocumentNode`.
///
/// Order matters: size, encoding, nesting and anchors are checked on raw bytes first (cheap and
/// safe), JSON syntax is checked by `JSONSerialization` (its messages are clearer for JSON
/// users), and only then is the text composed with Yams to get line/column marks. JSON is
/// composed as YAML flow syntax, so both formats share one strict reader.
struct DocumentReader {
    let file: String
    let code: String
    let maxBytes: Int

    init(file: String, code: String, maxBytes: Int) {
        self.file = file
        self.code = code
        self.maxBytes = maxBytes
    }

    func error(_ message: String, line: Int? = nil, column: Int? = nil) -> ManifestError {
        ManifestError(file: file, line: line, column: column, field: nil, message: message, code: code)
    }

    /// Reads the root node; it must be a mapping (checked by the caller through `mapping(...)`).
    /// With `problems`, the checks of the node go on past a problem (see `DocumentNode.collecting`).
    func read(_ data: Data, format: DocumentFormat, problems: ProblemCollector? = nil) throws -> DocumentNode {
        if data.count > maxBytes {
            throw error("the file is \(data.count) bytes, over the limit of \(maxBytes) bytes")
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let prescan = DocumentPrescan(file: file, code: code)
        try prescan.checkEncoding(bytes)
        bytes = try prescan.scanStructure(bytes, format: format).bytes
        if format == .json {
            try checkJSONSyntax(bytes)
            bytes = Self.joinSurrogatePairs(bytes)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.allSatisfy({ $0.isWhitespace }) {
            throw error("the file is empty", line: 1, column: 1)
        }
        let parser: Parser
        let root: Node?
        do {
            parser = try Parser(yaml: text)
            root = try parser.singleRoot()
        } catch let yamlError as YamlError {
            throw translate(yamlError, format: format)
        }
        guard let root else { throw error("the file has no content", line: 1, column: 1) }
        // The parser owns the anchors (nodes only hold weak references), so keep it alive while checking.
        try withExtendedLifetime(parser) { try rejectAnchors(root, depth: 0) }
        return DocumentNode(node: root, field: "", context: DocumentContext(file: file, code: code, problems: problems))
    }

    // MARK: JSON

    private func checkJSONSyntax(_ bytes: [UInt8]) throws {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
                ?? (error as NSError).localizedDescription
            let position = jsonErrorPosition(text, bytes: bytes)
            let cleaned = text
                .replacingOccurrences(of: #"\s*around (line \d+, column \d+|character \d+)\.?"#, with: "",
                                      options: .regularExpression)
                .trimmingCharacters(in: CharacterSet(charactersIn: ". "))
            throw self.error("invalid JSON: \(cleaned.isEmpty ? "syntax error" : cleaned)",
                             line: position?.line, column: position?.column)
        }
    }

    /// libyaml rejects JSON's UTF-16 surrogate-pair escapes (`\\ud83d\\ude00`); YAML spells the same
    /// character `\\U0001F600`. Rewriting them (inside strings only) keeps JSON composable; columns
    /// after such an escape on the same line shift left by two.
    static func joinSurrogatePairs(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(UInt8(ascii: "\\")) else { return bytes }
        func hex(_ start: Int) -> UInt32? {
            guard start + 4 <= bytes.count else { return nil }
            return UInt32(String(decoding: bytes[start..<start + 4], as: UTF8.self), radix: 16)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var inString = false
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if !inString {
                if c == UInt8(ascii: "\"") { inString = true }
                out.append(c)
                i += 1
                continue
            }
            if c == UInt8(ascii: "\"") { inString = false; out.append(c); i += 1; continue }
            if c == UInt8(ascii: "\\"), i + 1 < bytes.count {
                if bytes[i + 1] == UInt8(ascii: "u"), let high = hex(i + 2), (0xD800...0xDBFF).contains(high),
                   i + 7 < bytes.count, bytes[i + 6] == UInt8(ascii: "\\"), bytes[i + 7] == UInt8(ascii: "u"),
                   let low = hex(i + 8), (0xDC00...0xDFFF).contains(low) {
                    let scalar = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    out += Array(("\\U" + String(format: "%08X", scalar)).utf8)
                    i += 12
                    continue
                }
                out.append(c)
                out.append(bytes[i + 1])
                i += 2
                continue
            }
            out.append(c)
            i += 1
        }
        return out
    }

    /// Foundation reports either "line L, column C" or "character N" (a byte offset); end-of-file
    /// errors carry neither, so they point at the end of the text.
    private func jsonErrorPosition(_ message: String, bytes: [UInt8]) -> ManifestPosition? {
        if let match = message.range(of: #"line \d+, column \d+"#, options: .regularExpression) {
            let numbers = message[match].split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            if numbers.count == 2 { return ManifestPosition(line: numbers[0], column: numbers[1]) }
        }
        if let match = message.range(of: #"character \d+"#, options: .regularExpression),
           let offset = Int(message[match].split(separator: " ")[1]) {
            return Self.position(ofByte: offset, in: bytes)
        }
        if message.lowercased().contains("end of file") || message.lowercased().contains("end of data") {
            return Self.position(ofByte: bytes.count, in: bytes)
        }
        return nil
    }

    /// Converts a byte offset to a 1-based line and a column counted in Unicode scalars.
    static func position(ofByte offset: Int, in bytes: [UInt8]) -> ManifestPosition {
        var line = 1
        var column = 1
        var i = 0
        let end = min(offset, bytes.count)
        while i < end {
            if bytes[i] == 0x0A {
                line += 1
                column = 1
            } else if bytes[i] & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        return ManifestPosition(line: line, column: column)
    }

    // MARK: YAML

    private func translate(_ yamlError: YamlError, format: DocumentFormat) -> ManifestError {
        let label = format == .json ? "invalid JSON" : "invalid YAML"
        switch yamlError {
        case let .scanner(context, problem, mark, _),
             let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            if problem.contains("found another document") {
                return error("multiple YAML documents are not allowed in one file", line: mark.line, column: mark.column)
            }
            var message = "\(label): \(problem)"
            if let context, !context.text.isEmpty {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return error(message, line: mark.line, column: mark.column)
        case let .duplicatedKeysInMapping(duplicates, context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return error("duplicate key \(names)", line: context.mark.line, column: context.mark.column)
        case let .reader(problem, offset, _, yaml):
            let position = offset.map { Self.position(ofByte: $0, in: Array(yaml.utf8)) }
            return error("\(label): \(problem)", line: position?.line, column: position?.column)
        default:
            return error("\(label): \(yamlError)")
        }
    }

    /// Second line of defence behind the prescan: any node carrying an anchor (aliases share their
    /// anchor's node) is refused. (Explicit tags are refused by the prescan: Yams resolves tags
    /// in place while hashing keys, so the composed tree cannot tell them apart.)
    private func rejectAnchors(_ node: Node, depth: Int) throws {
        if depth > DocumentPrescan.maxDepth {
            throw error("nesting is deeper than \(DocumentPrescan.maxDepth) levels", line: node.mark?.line, column: node.mark?.column)
        }
        if node.anchor != nil {
            throw error("anchors and aliases are not allowed in manifests", line: node.mark?.line, column: node.mark?.column)
        }
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                try rejectAnchors(key, depth: depth + 1)
                try rejectAnchors(value, depth: depth + 1)
            }
        case .sequence(let sequence):
            for child in sequence { try rejectAnchors(child, depth: depth + 1) }
        case .alias:
            throw error("anchors and aliases are not allowed in manifests", line: node.mark?.line, column: node.mark?.column)
        case .scalar:
            break
        }
    }
}
