import Foundation
import PerigateCore
import PerigateXML

/// Reads messages from files or standard input without ever holding more than the size limit
/// (+1 byte) in memory, so an oversized file is refused without being loaded.
public struct MessageFileReader: Sendable {
    public var maximumBytes: Int

    public init(maximumBytes: Int = SafeXMLParser.defaultMaximumBytes) {
        self.maximumBytes = maximumBytes
    }

    /// A read that failed, with a message naming the file (never its contents).
    public struct ReadError: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Reads `path` (`-` for standard input). Returns at most `maximumBytes + 1` bytes: the parser
    /// then reports the message as too large.
    public func read(_ path: String) throws -> Data {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ReadError(path: path, reason: "no such file")
            }
            guard !isDirectory.boolValue else { throw ReadError(path: path, reason: "is a directory") }
            guard let opened = FileHandle(forReadingAtPath: path) else {
                throw ReadError(path: path, reason: "cannot be read (permissions?)")
            }
            handle = opened
        }
        defer { if path != "-" { try? handle.close() } }
        var data = Data()
        let limit = maximumBytes + 1
        while data.count < limit {
            guard let chunk = try handle.read(upToCount: min(1 << 20, limit - data.count)), !chunk.isEmpty else { break }
            data.append(chunk)
        }
        return data
    }
}
