import Foundation
import DropForgeCore
import DropForgeStore

extension ExecutionRecord {
    /// A new execution that runs with `settings` — nil when the manifest could not be resolved,
    /// and the execution goes straight to `failures/`. The first execution's id is the job's id;
    /// later ones are `<job>.2`, `<job>.3`, … (DESIGN §1).
    public static func make(jobID: String, number: Int, parent: String?, settings: JobSettings?, now: Date) -> ExecutionRecord {
        ExecutionRecord(
            id: number == 1 ? jobID : "\(jobID).\(number)", jobID: jobID, number: number, parentID: parent, status: .queued,
            settings: settings.flatMap { try? JSONCoding.encode($0) },
            baseSeed: Int64(settings?.params.seed ?? UInt32.random(in: 0...UInt32.max)),
            failure: nil, outboxPath: nil,
            qualityEnabled: settings?.quality.enabled ?? false,
            qualityBarrier: settings.map { $0.quality.enabled && $0.quality.checks.contains(.duplicate) } ?? false,
            metadataEnabled: settings?.metadata.enabled ?? false,
            createdAt: now, finishedAt: nil)
    }
}
