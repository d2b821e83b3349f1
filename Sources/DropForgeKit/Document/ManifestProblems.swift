import Foundation
import Synchronization

/// Every problem found in one manifest — and in the profile and files it names — in file order.
///
/// `validate`, `submit` and intake report all of them in one run (issue 17): a person fixing a
/// manifest should not have to run dropforge once per mistake. Problems in the manifest come
/// first, by line and column; problems in other files (a profile) follow, each file in the
/// order it was first mentioned.
public struct ManifestProblems: Error, CustomStringConvertible, Sendable, Equatable {
    /// Never empty.
    public let errors: [ManifestError]

    public init(_ errors: [ManifestError]) {
        precondition(!errors.isEmpty, "ManifestProblems needs at least one problem")
        var files: [String] = []
        for error in errors where !files.contains(error.file) { files.append(error.file) }
        self.errors = errors.enumerated().sorted { a, b in
            let (x, y) = (a.element, b.element)
            let fileA = files.firstIndex(of: x.file) ?? 0, fileB = files.firstIndex(of: y.file) ?? 0
            if fileA != fileB { return fileA < fileB }
            if (x.line ?? 0) != (y.line ?? 0) { return (x.line ?? 0) < (y.line ?? 0) }
            if (x.column ?? 0) != (y.column ?? 0) { return (x.column ?? 0) < (y.column ?? 0) }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// The code of the first problem: what `error.json` files the whole manifest under.
    public var code: String { errors[0].code }

    /// One `file:line:column: field: message` line per problem.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Where the checks of one manifest put the problems they find instead of stopping at the
/// first; shared by every `DocumentNode` of the file (see `DocumentNode.collecting`) and by
/// settings resolution.
final class ProblemCollector: Sendable {
    private let found = Mutex<[ManifestError]>([])

    func add(_ error: ManifestError) { found.withLock { $0.append(error) } }

    var errors: [ManifestError] { found.withLock { $0 } }

    /// Runs one check; a `ManifestError` it throws is recorded and the value left unset, so the
    /// checks after it still run.
    func collecting<T>(_ check: () throws -> T?) rethrows -> T? {
        do {
            return try check()
        } catch let error as ManifestError {
            add(error)
            return nil
        }
    }

    /// Whether a problem was already found at `field` or inside it (`params.vars` covers
    /// `params.vars.style[0]`): later checks that build on that field would only repeat it.
    func hasProblem(under fields: [String]) -> Bool {
        errors.contains { error in
            guard let field = error.field else { return false }
            return fields.contains { field == $0 || field.hasPrefix($0 + ".") || field.hasPrefix($0 + "[") }
        }
    }

    /// Throws everything found, in file order; returns when nothing was.
    func throwIfAny() throws {
        let errors = errors
        if !errors.isEmpty { throw ManifestProblems(errors) }
    }
}
