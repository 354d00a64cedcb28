import CZlib
import Foundation

/// zlib compression for stored raw messages (messages are XML: typically 5–10× smaller).
enum Compression {
    struct Failure: Error, CustomStringConvertible {
        var code: Int32
        var description: String { "zlib error \(code)" }
    }

    static func compress(_ data: Data) throws -> Data {
        var bound = compressBound(uLong(data.count))
        var output = Data(count: Int(bound))
        let status = output.withUnsafeMutableBytes { out in
            data.withUnsafeBytes { input in
                compress2(out.bindMemory(to: Bytef.self).baseAddress, &bound,
                          input.bindMemory(to: Bytef.self).baseAddress, uLong(data.count), 6)
            }
        }
        guard status == Z_OK else { throw Failure(code: status) }
        output.count = Int(bound)
        return output
    }

    /// Decompresses to exactly `size` bytes (the stored original size).
    static func decompress(_ data: Data, size: Int) throws -> Data {
        var length = uLongf(size)
        var output = Data(count: size)
        let status = output.withUnsafeMutableBytes { out in
            data.withUnsafeBytes { input in
                uncompress(out.bindMemory(to: Bytef.self).baseAddress, &length,
                           input.bindMemory(to: Bytef.self).baseAddress, uLong(data.count))
            }
        }
        guard status == Z_OK, Int(length) == size else { throw Failure(code: status == Z_OK ? Z_DATA_ERROR : status) }
        return output
    }
}
