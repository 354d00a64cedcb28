import CZlib
import Foundation

/// `Content-Encoding: gzip` request bodies, inflated with a hard output limit so a gzip bomb
/// (a few KB expanding to gigabytes) is stopped as soon as it passes the limit.
enum GzipBody {
    enum Failure: Error, Equatable {
        /// The inflated body would exceed the limit.
        case tooLarge
        /// Not valid gzip data.
        case corrupt
    }

    static func inflate(_ compressed: Data, limit: Int) throws -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw Failure.corrupt }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        return try compressed.withUnsafeBytes { (input: UnsafeRawBufferPointer) -> Data in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                guard output.count + produced <= limit else { throw Failure.tooLarge }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END: return output
                case Z_OK: if stream.avail_in == 0 && produced == 0 { throw Failure.corrupt }
                case Z_BUF_ERROR where stream.avail_in == 0: throw Failure.corrupt
                default: throw Failure.corrupt
                }
            }
        }
    }
}
