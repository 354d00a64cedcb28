import Foundation
import Testing

/// The docs say what is: no shipped feature described as future, and every `perigate` command
/// and flag README and docs/ name exists in the real binary (its `--help`).
@Suite("Docs say what is")
struct DocsTests {
    static var files: [URL] {
        let docs = CLITests.root.appendingPathComponent("docs")
        let pages = (try? FileManager.default.contentsOfDirectory(at: docs, includingPropertiesForKeys: nil)) ?? []
        return [CLITests.root.appendingPathComponent("README.md")] + pages.filter { $0.pathExtension == "md" }.sorted { $0.path < $1.path }
    }

    /// Words that announced features before they shipped.
    static let future = ["--pack", "coming release", "in coming", "later release", "not there yet", "work in progress", "a later issue",
                         "the coming ", "in a future version"]

    @Test("no page describes a feature as future or missing with the words that announced them")
    func noFutureTense() throws {
        #expect(Self.files.count > 10)
        for file in Self.files {
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            for (number, line) in lines.enumerated() {
                for phrase in Self.future where line.lowercased().contains(phrase) {
                    Issue.record("\(file.lastPathComponent):\(number + 1) says \"\(phrase)\": \(line)")
                }
            }
        }
    }

    /// The subcommands a `--help` lists.
    static func subcommands(_ help: String) -> Set<String> {
        guard let section = help.range(of: "SUBCOMMANDS:") else { return [] }
        return Set(help[section.upperBound...].split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("    ") else { return nil }
            return line.split(separator: " ").first.map { String($0).replacingOccurrences(of: "(default)", with: "") }
        })
    }

    @Test("every perigate command and flag the docs name exists")
    func commandsAndFlagsExist() throws {
        let top = try CLITests.run(["--help"])
        let commands = Self.subcommands(top.output)
        #expect(commands.contains("serve") && commands.contains("audit"), "\(top.output)")
        var helps: [String: String] = [:]
        func help(_ path: [String]) throws -> String {
            let key = path.joined(separator: " ")
            if let known = helps[key] { return known }
            let run = try CLITests.run(path + ["--help"])
            helps[key] = run.output
            return run.output
        }
        var checked = 0
        for file in Self.files {
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            for (number, line) in lines.enumerated() {
                for segment in Self.segments(String(line)) {
                    // `perigate partner list | revoke ID | bind-cert …`: alternatives after the first name other subcommands.
                    let alternatives = segment.components(separatedBy: " | ")
                    let words = alternatives[0].split(separator: " ").map(String.init)
                    guard words.count >= 2, commands.contains(words[1]) else { continue }
                    let commandHelp = try help([words[1]])
                    let subcommands = Self.subcommands(commandHelp)
                    // `perigate record FILE…` runs its default subcommand (`merge (default)` in the help).
                    let fallback = commandHelp.split(separator: "\n").first { $0.hasPrefix("  ") && $0.contains("(default)") }
                        .flatMap { $0.split(separator: " ").first.map { [words[1], String($0)] } } ?? [words[1]]
                    for (index, alternative) in alternatives.enumerated() {
                        let first = index == 0 ? (words.count >= 3 ? words[2] : "") : String(alternative.split(separator: " ").first ?? "")
                        let path = subcommands.contains(first) ? [words[1], first] : fallback
                        let text = try help(path)
                        #expect(!text.isEmpty, "\(file.lastPathComponent):\(number + 1): perigate \(path.joined(separator: " ")) has no help")
                        for flag in Self.flags(alternative) where !text.contains(flag) {
                            Issue.record("\(file.lastPathComponent):\(number + 1): perigate \(path.joined(separator: " ")) has no \(flag): \(line)")
                        }
                        checked += 1
                    }
                }
            }
        }
        print("docs: \(checked) perigate commands checked against --help in \(Self.files.count) pages")
        #expect(checked > 50)
    }

    /// Each `perigate …` on a line: up to the next `perigate `, a closing backtick (when it started
    /// in one) or a shell comment.
    static func segments(_ line: String) -> [String] {
        var result: [String] = []
        var rest = line[...]
        while let start = rest.range(of: "perigate ") {
            let inCode = start.lowerBound > rest.startIndex && rest[rest.index(before: start.lowerBound)] == "`"
            var segment = rest[start.lowerBound...]
            let after = segment.index(segment.startIndex, offsetBy: "perigate ".count)
            if let next = segment[after...].range(of: "perigate ") { segment = segment[..<next.lowerBound] }
            if inCode, let close = segment.firstIndex(of: "`") { segment = segment[..<close] }
            if let comment = segment.range(of: " #") { segment = segment[..<comment.lowerBound] }
            result.append(String(segment))
            rest = rest[after...]
        }
        return result
    }

    static func flags(_ segment: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: "(?<![\\w-])--[a-z][a-z0-9-]*")
        let range = NSRange(segment.startIndex..., in: segment)
        return pattern.matches(in: segment, range: range).compactMap { Range($0.range, in: segment).map { String(segment[$0]) } }
    }
}
