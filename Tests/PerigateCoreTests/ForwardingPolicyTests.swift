import Foundation
import Testing
import PerigateCore

@Suite("Webhook signatures and retry schedule")
struct ForwardingPolicyTests {
    /// The test vector of the Standard Webhooks specification.
    @Test("the Standard Webhooks test vector signs to the published value; rotation sends both signatures")
    func signature() {
        let body = Data(#"{"test": 2432232314}"#.utf8)
        let header = WebhookSignature.header(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body,
                                             secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        #expect(header == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        let next = WebhookSignature.newSecret()
        let both = WebhookSignature.header(id: "msg_1", timestamp: 1, body: body, secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", next])
        #expect(both.split(separator: " ").count == 2)
        #expect(WebhookSignature.verify(header: both, id: "msg_1", timestamp: 1, body: body, secret: next))
        #expect(!WebhookSignature.verify(header: both, id: "msg_1", timestamp: 2, body: body, secret: next))
        #expect(WebhookSignature.key(of: "not-a-secret") == nil)
    }

    @Test("backoff 5 s, 30 s, 2 min … then every 2 h, jitter within 10 %, Retry-After honoured, dead after 3 days")
    func schedule() throws {
        let schedule = RetrySchedule()
        let created = Date(timeIntervalSince1970: 1_795_608_000)
        func delay(_ attempts: Int, random: Double, retryAfter: TimeInterval? = nil, now: Date = created) -> TimeInterval? {
            schedule.nextAttempt(after: attempts, createdAt: created, now: now, retryAfter: retryAfter, random: { random })?.timeIntervalSince(now)
        }
        #expect(delay(1, random: 0.5) == 5)
        #expect(delay(2, random: 0.5) == 30)
        #expect(delay(3, random: 0.5) == 120)
        #expect(delay(6, random: 0.5) == 3600)
        #expect(delay(7, random: 0.5) == 7200)
        #expect(delay(20, random: 0.5) == 7200)
        #expect(try #require(delay(2, random: 0)) >= 27 && delay(2, random: 0.999)! <= 33)
        #expect(delay(1, random: 0.5, retryAfter: 90) == 90)
        #expect(delay(2, random: 0.5, retryAfter: 10) == 30)
        #expect(delay(30, random: 0.5, now: created.addingTimeInterval(3 * 86_400 - 3600)) == nil)
        #expect(delay(30, random: 0.5, now: created.addingTimeInterval(3 * 86_400 - 7300)) == 7200)
        #expect([200, 204, 410, 408, 409, 429, 400, 404, 500, 503].map { RetrySchedule.verdict(status: $0) }
                == [.delivered, .delivered, .gone, .retry, .retry, .retry, .permanent, .permanent, .retry, .retry])
        #expect(RetrySchedule.verdict(status: nil) == .retry)
    }
}
