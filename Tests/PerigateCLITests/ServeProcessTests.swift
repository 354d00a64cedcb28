import Foundation
import Testing

@Suite("Test harness: child processes")
struct ServeProcessTests {
    /// `/bin/sh -c script`, started, with its standard output on a pipe.
    static func shell(_ script: String) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        return (process, output)
    }

    @Test("a child that prints no line is killed after the deadline: its start fails instead of hanging the suite")
    func firstLineDeadline() throws {
        let (process, output) = try Self.shell("exec sleep 30")
        let started = ContinuousClock.now
        let printed = ServeProcess.firstLine(of: process, on: output, within: 1)
        process.waitUntilExit()
        #expect(printed == "")
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
        #expect(ContinuousClock.now - started < .seconds(25), "stopped by the deadline, not by sleep's end")
    }

    @Test("the first line of a child that prints one")
    func firstLine() throws {
        let (process, output) = try Self.shell("echo 'perigate listening on http://127.0.0.1:1234'; exec sleep 30")
        defer { kill(process.processIdentifier, SIGKILL) }
        #expect(ServeProcess.firstLine(of: process, on: output, within: 20) == "perigate listening on http://127.0.0.1:1234\n")
    }
}
