import Foundation
import Testing
import PerigateCore
import PerigateTestSupport

/// Message ids are the sender's (issue 17): another partner's id never gives 409, reveals or
/// reserves anything; a message reads back only for the partner that sent it.
@Suite("Message ids per sender and read-back by partner")
struct MessageOwnershipTests {
    static func sample(_ name: String) throws -> String {
        try String(contentsOf: TestSupport.samples.appendingPathComponent("valid/\(name)"), encoding: .utf8)
    }

    @Test("the same berichtId from two partners: both accepted as their own; duplicates and conflicts per sender; read-back per partner")
    func idsPerSender() async throws {
        let gateway = try await TestGateway.start(extraOrganisations: [("hospitalTwo", "ziekenhuis", "27654321")])
        let referral = try Self.sample("verwijzing-1-hypertensie-regulier.xml")
        let id = "4f6c2a1e-8b3d-4c1a-9e2f-1a2b3c4d5e01"
        #expect(referral.contains("<berichtId>\(id)</berichtId>"))
        let first = try await gateway.send("POST", "v1/messages", token: gateway.tokens["midwife"], body: Data(referral.utf8))
        #expect(first.status == 202)

        // The hospital's own back-referral with the midwife's id: its own message, not a 409.
        let backReferral = try Self.sample("terugverwijzing-1-na-bevalling.xml")
            .replacingOccurrences(of: "c3d1b8ef-62a5-4f9f-b1d4-8e8d1e2f3a03", with: id)
        let taken = try await gateway.send("POST", "v1/messages", token: gateway.tokens["hospital"], body: Data(backReferral.utf8))
        #expect(taken.status == 202, "\(taken.text.prefix(300))")
        #expect(taken.json["messageId"] as? String == id)
        #expect(taken.json["kind"] as? String == "terugverwijzing")

        // Re-sends are duplicates of each sender's own message; a changed one conflicts with its own only.
        let again = try await gateway.send("POST", "v1/messages", token: gateway.tokens["midwife"], body: Data(referral.utf8))
        #expect(again.status == 202)
        #expect(again.json["kind"] as? String == "verwijzing")
        let hospitalAgain = try await gateway.send("POST", "v1/messages", token: gateway.tokens["hospital"], body: Data(backReferral.utf8))
        #expect(hospitalAgain.status == 202)
        #expect(hospitalAgain.json["kind"] as? String == "terugverwijzing")
        let changed = backReferral.replacingOccurrences(of: "</berichtId>", with: "</berichtId><!-- changed -->")
        let conflict = try await gateway.send("POST", "v1/messages", token: gateway.tokens["hospital"], body: Data(changed.utf8))
        #expect(conflict.status == 409)

        // Each partner reads back its own message under the same id; a partner sharing the URA reads nothing.
        let midwifeRaw = try await gateway.send("GET", "v1/messages/\(id)/raw", token: gateway.tokens["midwife"], contentType: nil)
        #expect(midwifeRaw.status == 200)
        #expect(midwifeRaw.text == referral)
        let hospitalRaw = try await gateway.send("GET", "v1/messages/\(id)/raw", token: gateway.tokens["hospital"], contentType: nil)
        #expect(hospitalRaw.status == 200)
        #expect(hospitalRaw.text == backReferral)
        let status = try await gateway.send("GET", "v1/messages/\(id)", token: gateway.tokens["hospital"], contentType: nil)
        #expect(status.json["id"] as? String == id)
        #expect(status.json["kind"] as? String == "terugverwijzing")
        let sameURA = try await gateway.send("GET", "v1/messages/\(id)/raw", token: gateway.tokens["hospitalTwo"], contentType: nil)
        #expect(sameURA.status == 404)
        try await gateway.stop()
    }
}
