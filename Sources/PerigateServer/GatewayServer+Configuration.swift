import PerigateXML

extension GatewayServer {
    /// The HTTP server's settings, each default stated here once (`perigate serve` reads the
    /// keys named in docs/operations.md into this; nothing else states a default).
    public struct Configuration: Sendable {
        /// Largest accepted request body (and decompressed body) in bytes. Default 16 MiB
        /// (`maxBodyBytes`).
        public var maximumBodyBytes: Int = SafeXMLParser.defaultMaximumBytes
        /// Longest time one request may take before it is answered 503. Default 30 s
        /// (`requestTimeoutSeconds`).
        public var requestTimeout: Duration = .seconds(30)
        /// Requests handled at once; more are answered 503 with Retry-After. Default 256
        /// (`maxConcurrentRequests`).
        public var maximumConcurrentRequests: Int = 256
        /// Requests outside the partner API (`/v1/…`) handled at once — the operator console and other
        /// pages anyone can reach — with a budget of their own, so they never take the partner API's
        /// slots. Default 32 (`maxConcurrentPublicRequests`).
        public var maximumConcurrentPublicRequests: Int = 32
        /// Longest time one such request may take (a stalled login form). Default 10 s
        /// (`publicRequestTimeoutSeconds`).
        public var publicRequestTimeout: Duration = .seconds(10)
        /// Before an idle keep-alive connection is closed, and the longest wait for the next
        /// request's head on it. Default 60 s (`idleTimeoutSeconds`).
        public var idleTimeout: Duration = .seconds(60)
        /// Longest time from a new connection to its first complete request head (a slowloris
        /// dripping header bytes is closed after it). Default 10 s (`requestHeadTimeoutSeconds`).
        public var requestHeadTimeout: Duration = .seconds(10)
        /// Connections open at once from one client address; more are closed at once. Default 64
        /// (`maxConnectionsPerSource`).
        public var maximumConnectionsPerSource: Int = 64
        /// How long a token or certificate lookup is remembered: a revocation takes effect within it
        /// (zero: look up on every request). Default 2 s (`partnerCacheMilliseconds`).
        public var partnerCacheLifetime: Duration = .seconds(2)

        /// The defaults, with any of them replaced.
        public init(maximumBodyBytes: Int? = nil, requestTimeout: Duration? = nil, maximumConcurrentRequests: Int? = nil,
                    idleTimeout: Duration? = nil, partnerCacheLifetime: Duration? = nil, maximumConcurrentPublicRequests: Int? = nil,
                    publicRequestTimeout: Duration? = nil, requestHeadTimeout: Duration? = nil, maximumConnectionsPerSource: Int? = nil) {
            if let requestHeadTimeout { self.requestHeadTimeout = requestHeadTimeout }
            if let maximumConnectionsPerSource { self.maximumConnectionsPerSource = maximumConnectionsPerSource }
            if let maximumConcurrentPublicRequests { self.maximumConcurrentPublicRequests = maximumConcurrentPublicRequests }
            if let publicRequestTimeout { self.publicRequestTimeout = publicRequestTimeout }
            if let maximumBodyBytes { self.maximumBodyBytes = maximumBodyBytes }
            if let requestTimeout { self.requestTimeout = requestTimeout }
            if let maximumConcurrentRequests { self.maximumConcurrentRequests = maximumConcurrentRequests }
            if let idleTimeout { self.idleTimeout = idleTimeout }
            if let partnerCacheLifetime { self.partnerCacheLifetime = partnerCacheLifetime }
        }
    }
}
