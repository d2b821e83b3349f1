import Foundation

/// Cheap byte-level defences that run *before* a document is handed to libyaml.
///
/// Composing is recursive and aliases can multiply work, so hostile input has to be stopped
/// while it is still a flat byte array: invalid UTF-8 and NUL bytes are reported with their
/// position, nesting deeper than `maxDepth` (flow brackets outside quotes plus block
/// indentation) is refused so a 10 000-deep file cannot overflow the stack, and YAML anchors
/// and aliases are refused so an alias bomb never reaches the composer. Explicit tags are
/// refused too: field types come from the schema.
struct DocumentPrescan {
    /// Deepest nesting a manifest may use; real manifests need about 5.
    static let maxDepth = 64

    let file: String
    let code: String

    func error(_ message: String, line: Int?, column: Int?) -> ManifestError {
        ManifestError(file: file, line: line, column: column, field: nil, message: message, code: code)
    }

    // MARK: Encoding

    /// Throws at the first invalid UTF-8 sequence or NUL byte, naming its line and column.
    func checkEncoding(_ bytes: [UInt8]) throws {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        var line = 1
        var column = 1
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar.value == 0 {
                    throw error("NUL bytes are not allowed (byte offset \(offset))", line: line, column: column)
                }
                offset += UTF8.width(scalar)
                if scalar == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .emptyInput:
                break decoding
            case .error:
                throw error("the file is not valid UTF-8 (first invalid byte at offset \(offset))",
                            line: line, column: column)
            }
        }
    }

    // MARK: Structure

    /// What the structure scan learnt: the bytes to compose (tabs outside JSON strings become spaces).
    struct Outcome {
        var bytes: [UInt8]
    }

    /// Scans nesting depth and anchors/aliases without building anything.
    ///
    /// This is a lexer-lite, not a YAML parser: it follows quotes (also across lines), comments,
    /// block scalars (`|`, `>`: their content lines are skipped), flow brackets and block
    /// indentation, and treats `&x` / `*x` at the start of a node as an anchor or alias.
    func scanStructure(_ input: [UInt8], format: DocumentFormat) throws -> Outcome {
        var bytes = input
        var flowDepth = 0
        var lineDepth = 0          // block depth of the current line (kept while inside flow)
        var indentStack: [Int] = []
        var inDouble = false
        var inSingle = false
        var blockScalarParent: Int? = nil
        var lineStart = 0
        var lineNumber = 0
        let count = bytes.count

        func column(of index: Int, lineStart: Int) -> Int {
            var col = 1
            var i = lineStart
            while i < index {
                if bytes[i] & 0xC0 != 0x80 { col += 1 }
                i += 1
            }
            return col
        }
        func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }

        while lineStart <= count {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            if lineStart == count { break }

            var i = lineStart
            var spaces = 0
            while i < lineEnd && bytes[i] == 0x20 { i += 1; spaces += 1 }
            var rest = i
            while rest < lineEnd && isBlank(bytes[rest]) { rest += 1 }
            let blankLine = rest == lineEnd

            if let parent = blockScalarParent {
                if blankLine || spaces > parent { continue }
                blockScalarParent = nil
            }
            let inQuote = inDouble || inSingle
            var atNodeStart = !inQuote
            let blockContext = flowDepth == 0 && !inQuote
            if blockContext {
                if blankLine || bytes[rest] == UInt8(ascii: "#") { continue }
                while let last = indentStack.last, last > spaces { indentStack.removeLast() }
                if indentStack.last != spaces { indentStack.append(spaces) }
                lineDepth = indentStack.count
                if lineDepth + flowDepth > Self.maxDepth {
                    throw tooDeep(line: lineNumber, column: spaces + 1)
                }
            } else {
                i = lineStart
            }

            scan: while i < lineEnd {
                let c = bytes[i]
                let next: UInt8? = i + 1 < lineEnd ? bytes[i + 1] : nil
                let nextEndsToken = next == nil || isBlank(next!)
                    || (flowDepth > 0 && (next == UInt8(ascii: ",") || next == UInt8(ascii: "]") || next == UInt8(ascii: "}")))
                if inDouble {
                    if c == UInt8(ascii: "\\") { i += 2; continue }
                    if c == UInt8(ascii: "\"") { inDouble = false; atNodeStart = false }
                    i += 1
                    continue
                }
                if inSingle {
                    if c == UInt8(ascii: "'") {
                        if next == UInt8(ascii: "'") { i += 2; continue }
                        inSingle = false
                        atNodeStart = false
                    }
                    i += 1
                    continue
                }
                switch c {
                case 0x20, 0x0D:
                    break
                case 0x09:
                    // JSON allows tabs between tokens; libyaml may not, and a space keeps columns identical.
                    if format == .json { bytes[i] = 0x20 }
                case UInt8(ascii: "#"):
                    if i == lineStart || isBlank(bytes[i - 1]) { break scan }
                    atNodeStart = false
                case UInt8(ascii: "\""):
                    if atNodeStart { inDouble = true }
                case UInt8(ascii: "'"):
                    if atNodeStart { inSingle = true }
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    if atNodeStart || flowDepth > 0 {
                        flowDepth += 1
                        if lineDepth + flowDepth > Self.maxDepth {
                            throw tooDeep(line: lineNumber, column: column(of: i, lineStart: lineStart))
                        }
                        atNodeStart = true
                    }
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    if flowDepth > 0 { flowDepth -= 1 }
                    atNodeStart = false
                case UInt8(ascii: ","):
                    if flowDepth > 0 { atNodeStart = true }
                case UInt8(ascii: ":"):
                    if flowDepth > 0 || nextEndsToken { atNodeStart = true } else { atNodeStart = false }
                case UInt8(ascii: "-"), UInt8(ascii: "?"):
                    if atNodeStart && nextEndsToken {
                        if flowDepth == 0 {
                            lineDepth += 1
                            if lineDepth > Self.maxDepth {
                                throw tooDeep(line: lineNumber, column: column(of: i, lineStart: lineStart))
                            }
                        }
                    } else {
                        atNodeStart = false
                    }
                case UInt8(ascii: "&"), UInt8(ascii: "*"):
                    if atNodeStart && !nextEndsToken {
                        throw error("anchors and aliases are not allowed in manifests",
                                    line: lineNumber, column: column(of: i, lineStart: lineStart))
                    }
                    atNodeStart = false
                case UInt8(ascii: "|"), UInt8(ascii: ">"):
                    if atNodeStart && flowDepth == 0 {
                        blockScalarParent = spaces
                        break scan
                    }
                    atNodeStart = false
                case UInt8(ascii: "!"):
                    // An explicit tag (`!!int "5"`): types come from the schema, not from tags.
                    if atNodeStart {
                        throw error("YAML tags (like !!str) are not allowed in manifests",
                                    line: lineNumber, column: column(of: i, lineStart: lineStart))
                    }
                    atNodeStart = false
                default:
                    atNodeStart = false
                }
                i += 1
            }
        }
        return Outcome(bytes: bytes)
    }

    private func tooDeep(line: Int, column: Int) -> ManifestError {
        error("nesting is deeper than \(Self.maxDepth) levels", line: line, column: column)
    }
}
