import Foundation
import HTTPTypes
import NIOCore
import PerigateCore
import NIOHTTPTypes
import Synchronization

/// Open connections per client address, shared by every connection of one server: beyond
/// `maximumPerSource` a new connection from that address is closed at once, so one address (a
/// slowloris, a flood of stalled logins) cannot hold the server's sockets and memory.
final class ConnectionCounter: Sendable {
    let maximumPerSource: Int
    private let open = Mutex<[String: Int]>([:])
    private let metrics: GatewayMetrics?

    init(maximumPerSource: Int, metrics: GatewayMetrics?) {
        self.maximumPerSource = maximumPerSource
        self.metrics = metrics
    }

    /// Counts a new connection from `source`; `false` (and not counted) when that address already
    /// has its maximum.
    func admit(_ source: String) -> Bool {
        let admitted = open.withLock { open in
            let count = open[source, default: 0]
            guard count < maximumPerSource else { return false }
            open[source] = count + 1
            return true
        }
        if !admitted { metrics?.connectionRefused() }
        return admitted
    }

    func release(_ source: String) {
        open.withLock { open in
            let count = open[source, default: 0] - 1
            open[source] = count > 0 ? count : nil
        }
    }

    /// Open connections from `source` (tests).
    func count(_ source: String) -> Int {
        open.withLock { $0[source, default: 0] }
    }
}

/// Sits on every HTTP/1 connection, after the HTTP decoder:
/// - admits the connection through the shared ``ConnectionCounter`` (per client address);
/// - closes a connection whose request head has not arrived within `headTimeout` of the
///   connection's start, or within `idleTimeout` of the previous response (a slowloris dripping
///   its headers is not idle, so the idle timeout alone never fires);
/// - turns the HTTP layer's own bare `400` (a request it cannot parse: header fields too large,
///   conflicting `Content-Length` and `Transfer-Encoding`, a broken request line) into
///   `application/problem+json` with code `request.malformed-http`, like every other refusal.
final class ConnectionGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let counter: ConnectionCounter
    private let headTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private var source: String?
    private var deadline: Scheduled<Void>?
    /// The HTTP layer's own 400 is being rewritten: its `.end` carries the problem body.
    private var rewriting = false
    /// Requests whose head arrived and whose response has not ended (pipelining).
    private var unanswered = 0

    init(counter: ConnectionCounter, headTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.counter = counter
        self.headTimeout = headTimeout
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let source = GatewayContext.source(of: context.channel)
        guard counter.admit(source) else {
            context.close(promise: nil)
            return
        }
        self.source = source
        waitForHead(context, within: headTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    /// Stops the deadline and gives the connection's place back (once, whichever comes first).
    private func release() {
        deadline?.cancel()
        deadline = nil
        if let source { counter.release(source) }
        source = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            unanswered += 1
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where Self.isParserRefusal(head):
            rewriting = true
            var fields = head.headerFields
            fields[.contentType] = "application/problem+json"
            fields[.contentLength] = "\(Self.malformedBody.readableBytes)"
            context.write(wrapOutboundOut(.head(HTTPResponse(status: head.status, headerFields: fields))), promise: promise)
        case .end(let trailers) where rewriting:
            rewriting = false
            context.write(wrapOutboundOut(.body(Self.malformedBody)), promise: nil)
            context.write(wrapOutboundOut(.end(trailers)), promise: promise)
        case .end:
            context.write(data, promise: promise)
            unanswered = max(0, unanswered - 1)
            // The next request on this keep-alive connection has the idle timeout to arrive.
            if unanswered == 0 { waitForHead(context, within: idleTimeout) }
        default:
            context.write(data, promise: promise)
        }
    }

    private func waitForHead(_ context: ChannelHandlerContext, within time: TimeAmount) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: time) { channel.close(promise: nil) }
    }

    /// Hummingbird answers a request its parser refuses with exactly this: 400, no body, closing.
    static func isParserRefusal(_ head: HTTPResponse) -> Bool {
        head.status == .badRequest && head.headerFields[.contentLength] == "0" && head.headerFields[.connection] == "close"
    }

    static let malformedBody: ByteBuffer = {
        let problem = Problem(.requestMalformedHTTP, detail: "the request could not be read as HTTP (request line, header fields "
            + "too large or too many, or conflicting Content-Length and Transfer-Encoding)")
        return ByteBuffer(bytes: (try? CanonicalJSON.data(problem)) ?? Data("{}".utf8))
    }()
}
