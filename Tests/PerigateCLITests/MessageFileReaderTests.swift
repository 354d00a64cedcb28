import Foundation
import PerigateCore
import PerigateTestSupport
@testable import Perigate
import Testing

@Suite("Reading message files")
struct MessageFileReaderTests {
    @Test("an oversized file is read only up to the limit + 1 byte, and then refused as too large")
    func capped() throws {
        let url = try TestSupport.temporaryDirectory().appendingPathComponent("big.xml")
        try Data(repeating: UInt8(ascii: "x"), count: 3 << 20).write(to: url)
        let data = try MessageFileReader(maximumBytes: 1_000_000).read(url.path)
        #expect(data.count == 1_000_001)
        let report = TestSupport.validator(maximumBytes: 1_000_000).validate(data)
        #expect(report.issues.map(\.code) == ["xml.too-large"])
    }

    @Test("a small file is read whole")
    func whole() throws {
        let url = TestSupport.samples.appendingPathComponent("valid/verwijzing-1-hypertensie-regulier.xml")
        #expect(try MessageFileReader().read(url.path) == Data(contentsOf: url))
    }

    @Test("missing files and directories give a clear error naming the path")
    func errors() throws {
        #expect(throws: MessageFileReader.ReadError(path: "/nonexistent/x.xml", reason: "no such file")) {
            try MessageFileReader().read("/nonexistent/x.xml")
        }
        let directory = try TestSupport.temporaryDirectory().path
        #expect(throws: MessageFileReader.ReadError(path: directory, reason: "is a directory")) {
            try MessageFileReader().read(directory)
        }
    }
}
