import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PerigateCore
import PerigateSQLite
import Testing

/// The bad-input suite against the real binary (`perigate serve`, default 16 MiB body limit):
/// every hostile or broken request gets its 4xx with a problem+json body, the server stays up
/// with bounded memory (its own RSS, read from /proc), and nothing is stored but the rejection
/// receipt and its audit line.
@Suite("Bad input against perigate serve")
struct BadInputTests {
    struct Case {
        var name: String
        var body: Data
        var status: Int
        var code: String
        var contentType = "application/xml"
        var encoding: String?
        /// Whether the refusal is kept as a rejection receipt (ingest-level refusals are; refusals
        /// of the HTTP request itself — size, type, encoding — happen before any message exists).
        var receipt = true
    }

    static let sample = CLITests.root.appendingPathComponent("Samples/valid/verwijzing-1-hypertensie-regulier.xml")

    static func cases() throws -> [Case] {
        let valid = try String(contentsOf: sample, encoding: .utf8)
        var laughs = "<!ENTITY l0 \"lol\">"
        for level in 1...9 { laughs += "<!ENTITY l\(level) \"" + String(repeating: "&l\(level - 1);", count: 10) + "\">" }
        let deep = String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000)
        let hugeAttribute = valid.replacingOccurrences(of: "versie=\"1.0\"", with: "versie=\"1.0\" x=\"" + String(repeating: "A", count: 12_000_000) + "\"")
        let samples = CLITests.root.appendingPathComponent("Samples/invalid")
        return [
            Case(name: "malformed XML", body: Data("<verwijzing><open>".utf8), status: 400, code: "message.malformed"),
            Case(name: "wrong namespace", body: Data(valid.replacingOccurrences(of: "urn:perigate:verwijzing:1", with: "urn:perigate:verwijzing:9").utf8),
                 status: 422, code: "message.unsupported"),
            Case(name: "wrong version", body: Data(valid.replacingOccurrences(of: "versie=\"1.0\"", with: "versie=\"7.0\"").utf8),
                 status: 422, code: "message.unsupported"),
            Case(name: "XXE (file)", body: Data("<?xml version=\"1.0\"?><!DOCTYPE v [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><v>&x;</v>".utf8),
                 status: 400, code: "message.malformed"),
            Case(name: "XXE (network)", body: Data("<?xml version=\"1.0\"?><!DOCTYPE v SYSTEM \"http://127.0.0.1:9/evil.dtd\"><v/>".utf8),
                 status: 400, code: "message.malformed"),
            Case(name: "billion laughs", body: Data("<?xml version=\"1.0\"?><!DOCTYPE z [\(laughs)]><z>&l9;</z>".utf8), status: 400, code: "message.malformed"),
            Case(name: "quadratic blowup", body: Data(("<?xml version=\"1.0\"?><!DOCTYPE v [<!ENTITY a \"" + String(repeating: "A", count: 50_000)
                                                       + "\">]><v x=\"" + String(repeating: "&a;", count: 20_000) + "\"/>").utf8),
                 status: 400, code: "message.malformed"),
            Case(name: "100 MB body", body: Data(repeating: UInt8(ascii: " "), count: 100_000_000), status: 413, code: "message.too-large", receipt: false),
            Case(name: "deep nesting", body: Data(deep.utf8), status: 413, code: "message.too-complex"),
            Case(name: "100,000 attributes on one element", body: Data(("<verwijzing " + (0..<100_000).map { "a\($0)=\"x\"" }
                                                                        .joined(separator: " ") + "/>").utf8),
                 status: 413, code: "message.too-complex"),
            Case(name: "gzip bomb", body: try Self.gzippedZeros(1_000_000_000), status: 413, code: "message.too-large",
                 encoding: "gzip", receipt: false),
            Case(name: "invalid UTF-8", body: try Data(contentsOf: samples.appendingPathComponent("kraamzorgoverdracht-invalid-utf8.xml")),
                 status: 400, code: "message.malformed"),
            Case(name: "wrong content type", body: Data(valid.utf8), status: 415, code: "request.content-type", contentType: "application/json", receipt: false),
            Case(name: "huge attribute", body: Data(hugeAttribute.utf8), status: 400, code: "message.malformed"),
            Case(name: "BSN failing the elfproef", body: try Data(contentsOf: samples.appendingPathComponent("verwijzing-bsn-elfproef.xml")),
                 status: 422, code: "message.invalid"),
            Case(name: "valid XML of an unknown kind", body: try Data(contentsOf: samples.appendingPathComponent("unknown-kind.xml")),
                 status: 422, code: "message.unsupported"),
        ]
    }

    /// `bytes` zero bytes, gzipped by the system's gzip (never held in memory uncompressed).
    static func gzippedZeros(_ bytes: Int) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "head -c \(bytes) /dev/zero | gzip -c -1"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let compressed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return compressed
    }

    /// The server's resident memory in KiB (`VmRSS`, or the peak `VmHWM`).
    static func memory(_ pid: Int32, _ field: String) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first { Int($0) != nil } ?? "0") ?? 0
    }

    @Test("every bad input gets its 4xx and problem+json; the server stays up with bounded memory; only rejections are stored")
    func suite() async throws {
        let serve = try ServeProcess.start()
        defer { serve.killIfRunning() }
        let pid = serve.process.processIdentifier
        // Warm up with one valid message, then measure.
        let (_, first) = try await URLSession.shared.data(for: serve.request("POST", "v1/messages", body: try Data(contentsOf: Self.sample)))
        #expect((first as? HTTPURLResponse)?.statusCode == 202)
        let before = Self.memory(pid, "VmRSS")
        var rejections: [String] = []
        var receiptless = 0
        for bad in try Self.cases() {
            var request = serve.request("POST", "v1/messages", body: bad.body)
            request.setValue(bad.contentType, forHTTPHeaderField: "Content-Type")
            if let encoding = bad.encoding { request.setValue(encoding, forHTTPHeaderField: "Content-Encoding") }
            let reply: (Data, URLResponse)
            do { reply = try await URLSession.shared.data(for: request) } catch {
                Issue.record("\(bad.name): no answer (\(error))")
                continue
            }
            let http = reply.1 as? HTTPURLResponse
            let json = (try? JSONSerialization.jsonObject(with: reply.0)) as? [String: Any] ?? [:]
            #expect(http?.statusCode == bad.status, "\(bad.name): \(http?.statusCode ?? 0) \(String(decoding: reply.0.prefix(300), as: UTF8.self))")
            #expect(json["code"] as? String == bad.code, "\(bad.name)")
            let contentType: String = http?.value(forHTTPHeaderField: "Content-Type") ?? ""
            #expect(contentType.hasPrefix("application/problem+json"), "\(bad.name)")
            #expect(json["status"] as? Int == bad.status && (json["detail"] as? String)?.isEmpty == false, "\(bad.name)")
            #expect(!String(decoding: reply.0, as: UTF8.self).contains("root:"), "\(bad.name): nothing of /etc/passwd comes back")
            if bad.receipt {
                let id = json["rejectionId"] as? String
                #expect(id?.hasPrefix("rejected-") == true, "\(bad.name): a rejection receipt")
                if let id { rejections.append(id) }
            } else {
                receiptless += 1
            }
            // Still up after every case.
            let (_, health) = try await URLSession.shared.data(for: URLRequest(url: URL(string: "http://127.0.0.1:\(serve.port)/health")!))
            #expect((health as? HTTPURLResponse)?.statusCode == 200, "\(bad.name): the server went down")
        }
        let after = Self.memory(pid, "VmRSS"), peak = Self.memory(pid, "VmHWM")
        print("bad-input suite: server RSS \(before / 1024) MiB before, \(after / 1024) MiB after, peak \(peak / 1024) MiB")
        #expect(peak < before + 200 * 1024, "peak memory grew by \((peak - before) / 1024) MiB (100 MB body, 1 GB gzip bomb refused at 16 MiB)")
        #expect(after < before + 100 * 1024, "memory stays grown by \((after - before) / 1024) MiB")
        kill(pid, SIGTERM)
        serve.process.waitUntilExit()

        // Stored: the one valid message, a rejection receipt per ingest-level refusal, nothing else.
        let store = try await SQLiteMessageStore.open(path: serve.database)
        for id in rejections {
            let kept = try await store.message(id: id)
            #expect(kept != nil && kept?.isAccepted == false, "\(id)")
        }
        #expect(try await store.messages(bsn: "999990007").count == 1, "only the valid message about her")
        let imports = try await store.auditEntries(after: 0, limit: 1000).filter { $0.event == "message.import" }
        #expect(imports.filter { $0.outcome == "success" }.count == 1)
        #expect(imports.filter { $0.outcome == "refused" }.map(\.object).sorted() == rejections.map { "message:\($0)" }.sorted(),
                "one audit line per rejection receipt")
        try await store.close()
        #expect(receiptless == 3)
    }
}
