import Foundation

/// A checked mapping: every key is known. Getters treat a missing key or an explicit null as
/// "not given", so profiles and defaults can fill the gap.
struct DocumentMapping {
    struct Entry {
        let key: String
        let keyNode: DocumentNode
        let value: DocumentNode
    }

    let node: DocumentNode
    let entries: [Entry]

    /// The value node for `key`, nil when absent or null.
    func value(_ key: String) -> DocumentNode? {
        guard let entry = entries.first(where: { $0.key == key }), !entry.value.isNull else { return nil }
        return entry.value
    }

    /// One field's check, recorded and skipped in a manifest (see `DocumentNode.collecting`).
    func field<T>(_ read: () throws -> T?) throws -> T? { try node.collecting(read) }

    func has(_ key: String) -> Bool { value(key) != nil }

    /// Where the field path `node.field + key` would be; used for "missing" errors.
    func fieldPath(_ key: String) -> String { node.field.isEmpty ? key : "\(node.field).\(key)" }

    func required(_ key: String) throws -> DocumentNode {
        if let value = value(key) { return value }
        throw ManifestError(file: node.context.file, line: node.position?.line, column: node.position?.column,
                            field: fieldPath(key), message: "missing required field '\(key)'", code: node.context.code)
    }

    func string(_ key: String) throws -> String? { try value(key)?.string() }
    func nonEmptyString(_ key: String) throws -> String? { try value(key)?.nonEmptyString() }
    func bool(_ key: String) throws -> Bool? { try value(key)?.bool() }
    func int(_ key: String, in range: ClosedRange<Int>? = nil) throws -> Int? { try value(key)?.int(in: range) }
    func stringList(_ key: String) throws -> [String]? { try value(key)?.stringList() }

    func oneOf<Value: RawRepresentable & CaseIterable>(_ key: String, _ type: Value.Type) throws -> Value? where Value.RawValue == String {
        try value(key)?.oneOf(type)
    }

    func subset<Value: RawRepresentable & CaseIterable>(_ key: String, of type: Value.Type) throws -> [Value]? where Value.RawValue == String {
        try value(key)?.subset(of: type)
    }

    func mapping(_ key: String, allowed: [String]) throws -> DocumentMapping? {
        try value(key)?.mapping(allowed: allowed)
    }

    /// Position of `key`'s value (for later, e.g. resolution errors about a file it names).
    func position(_ key: String) -> ManifestPosition? { value(key)?.position }

    /// Throws when both keys are given: they are alternatives (`template` / `template_file`).
    func exclusive(_ first: String, _ second: String) throws {
        if has(first), let other = value(second) {
            try node.report(other.error("give either '\(first)' or '\(second)', not both"))
        }
    }
}
