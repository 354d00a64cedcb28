import Foundation
import Logging
import Synchronization

/// Process log lines as JSON objects, one per line on standard error (`--log-format json`), for
/// log collectors: `time`, `level`, `label`, `message`, `source` and the metadata (request id,
/// route template, status…). The same rule as the text format: no patient data is ever logged.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    private static let lock = Mutex(())

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var object: [String: Any] = ["time": Date().formatted(.iso8601), "level": event.level.rawValue, "label": label,
                                     "message": event.message.description, "source": event.source]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) {
            object[key] = value.description
        }
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        data.append(UInt8(ascii: "\n"))
        Self.lock.withLock { _ in FileHandle.standardError.write(data) }
    }
}
