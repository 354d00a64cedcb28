import CZlib
import Foundation

/// The one zlib wrapper: compression of stored raw messages (messages are XML: typically 5–10×
/// smaller), used by both stores, and the bounded inflation of gzip request bodies, used by the
/// HTTP server.
public enum Compression {
    /// zlib refused the data (`code` is zlib's status).
    public struct Failure: Error, CustomStringConvertible {
        public var code: Int32
        public var description: String { "zlib error \(code)" }
    }

    /// Why a gzip body could not be inflated.
    public enum InflateFailure: Error, Equatable {
        /// The inflated body would exceed the limit.
        case tooLarge
        /// Not valid gzip data.
        case corrupt
    }

    /// zlib level 1 with a window sized to the message (2^9 … 2^15 bytes). zlib's start-up cost is
    /// mostly allocating and clearing its window and hash tables; for a 3 KB message the full
    /// 32 KB window made compression 4× slower for no gain (docs/performance.md). The output is
    /// an ordinary zlib stream: any window size decompresses with `uncompress`.
    public static func compress(_ data: Data) throws -> Data {
        let windowBits = Int32(min(15, max(9, (data.count - 1).bitWidth - (data.count - 1).leadingZeroBitCount)))
        var stream = z_stream()
        guard deflateInit2_(&stream, 1, Z_DEFLATED, windowBits, windowBits >= 15 ? 8 : 6, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw Failure(code: Z_STREAM_ERROR) }
        defer { deflateEnd(&stream) }
        var output = Data(count: Int(deflateBound(&stream, uLong(data.count))))
        let status = output.withUnsafeMutableBytes { out in
            data.withUnsafeBytes { input -> Int32 in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(data.count)
                stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(out.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw Failure(code: status) }
        output.count = Int(stream.total_out)
        return output
    }

    /// Decompresses to exactly `size` bytes (the stored original size).
    public static func decompress(_ data: Data, size: Int) throws -> Data {
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

    /// Inflates a gzip stream (`Content-Encoding: gzip`) with a hard output limit, so a gzip bomb
    /// (a few KB expanding to gigabytes) is stopped as soon as it passes `limit` bytes.
    public static func inflateGzip(_ compressed: Data, limit: Int) throws(InflateFailure) -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw .corrupt }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let result: Result<Data, InflateFailure> = compressed.withUnsafeBytes { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                guard output.count + produced <= limit else { return .failure(.tooLarge) }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END: return .success(output)
                case Z_OK where stream.avail_in > 0 || produced > 0: continue
                default: return .failure(.corrupt)
                }
            }
        }
        return try result.get()
    }
}
