import PerigateCore

/// A code as the console shows it: the code itself and, beside it, what it means in plain Dutch.
struct CodeText {
    var code: String
    /// `nil` when the table has no text for it: then the code stands alone.
    var explanation: String?

    init(_ code: String) {
        self.code = code
        explanation = ConsoleCodes.explanation(code)
    }
}

/// The one table of codes and causes the console shows (validation issues, rejections, delivery
/// failures and cancellations, audit chain causes) with their plain-Dutch explanation.
enum ConsoleCodes {
    /// The explanation of `code`; a delivery cause with details (`timeout: no answer in time`,
    /// `HTTP 503`, `redirect not followed: 302 → x`) by its longest known beginning; `nil` when unknown.
    static func explanation(_ code: String) -> String? {
        if let text = table[code] { return text }
        if code.hasPrefix("HTTP "), let status = Int(code.dropFirst(5)) { return httpStatus(status) }
        return table.keys.filter { code.hasPrefix($0) }.max { $0.count < $1.count }.flatMap { table[$0] }
    }

    static func httpStatus(_ status: Int) -> String {
        switch status {
        case 200..<300: "de ontvanger heeft het bericht aangenomen"
        case 300..<400: "de ontvanger stuurt door naar een ander adres; dat volgt de gateway niet"
        case 408, 429: "de ontvanger is tijdelijk te druk; de gateway probeert het later opnieuw"
        case 400..<500: "de ontvanger weigert het bericht; controleer het abonnement en de ontvangende kant"
        default: "fout bij de ontvanger; de gateway probeert het later opnieuw"
        }
    }

    static let table: [String: String] = [
        // Parsing and the schema (PerigateXML).
        "xml.malformed": "het bericht is geen geldige XML",
        "xml.too-large": "het bericht is groter dan de gateway toelaat",
        "xml.too-complex": "het bericht is te complex (te diep genest of te veel elementen of attributen)",
        "xml.doctype-forbidden": "het bericht bevat een DOCTYPE; dat is om veiligheidsredenen niet toegestaan",
        "xml.parser-unavailable": "de XML-lezer van de gateway kon niet starten (storing aan de kant van de gateway)",
        "schema.invalid": "het bericht voldoet niet aan het XSD-schema van dit berichttype",
        "schema.unavailable": "het schema kon niet worden gebruikt (storing aan de kant van de gateway)",
        "schema.compile": "het schema kon niet worden ingelezen (storing aan de kant van de gateway)",
        "schema.required": "voor dit berichttype is geen openbaar XSD-schema; de beheerder moet het afgesproken schema registreren",
        "schema.not-installed": "het XSD-schema van deze versie is niet geïnstalleerd op deze gateway",
        "schema.not-validated": "niet tegen een schema gevalideerd: op keuze van de beheerder aangenomen (ingest.acceptWithoutSchema)",
        // Kind and version.
        "message.unknown-kind": "onbekend berichttype: de gateway kent dit bericht niet",
        "message.unsupported-version": "deze versie van het berichttype neemt de gateway niet (meer) aan",
        "message.ambiguous-version": "meer dan één catalogusregel herkent dit bericht; de beheerder moet de catalogi eenduidig maken",
        "message.deprecated-version": "verouderde versie: nog aangenomen, binnenkort niet meer",
        // Content checks.
        "bsn.elfproef": "het BSN klopt niet (elfproef)",
        "date.in-future": "een datum ligt in de toekomst",
        "date.order": "datums staan in een onmogelijke volgorde",
        "date.due-date-implausible": "de uitgerekende datum is niet aannemelijk",
        "value.impossible": "een waarde is onmogelijk",
        "value.implausible": "een waarde is onwaarschijnlijk (waarschuwing)",
        "check.failed": "een inhoudelijke controle kon niet worden uitgevoerd",
        "mapping.not-valid": "alleen geldige berichten worden verwerkt",
        "mapping.no-mapper": "dit berichttype kan de gateway nog niet verwerken",
        "mapping.missing-field": "een verplicht gegeven ontbreekt (bijvoorbeeld het BSN van de moeder)",
        "mapping.relative-date": "een relatieve datum zonder peildatum",
        "mapping.reference-date": "de ingestelde peildatum is ongeldig",
        "mapping.invalid-date": "een datum is geen geldige datum",
        "store.damaged": "een opgeslagen bericht is beschadigd",
        // Sender and access.
        "auth.sender-mismatch": "de afzender in het bericht is niet de ingelogde partner",
        "access.partner-type": "dit soort organisatie neemt niet deel aan de uitwisseling",
        "access.no-care-relationship": "geen zorgrelatie met deze cliënt bekend",
        "access.no-consent": "geen toestemming voor uitwisseling vastgelegd",
        "access.consent-withdrawn": "de cliënt heeft haar toestemming ingetrokken",
        "access.other-client": "deze toegang hoort bij een andere cliënt",
        "access.client-only": "dit mag alleen de cliënt zelf",
        "access.emergency-not-allowed": "noodtoegang is voor dit soort organisatie niet toegestaan",
        // Rejections as the sender got them (problem codes).
        "message.conflict": "conflict: zelfde bericht-id, andere inhoud (HTTP 409); het eerdere bericht blijft staan",
        "message.id-invalid": "bericht-id leeg, langer dan 256 bytes of met stuurtekens",
        "message.malformed": "onleesbaar bericht",
        "message.too-large": "bericht te groot",
        "message.too-complex": "bericht te complex",
        "message.unsupported": "onbekend berichttype of niet-ondersteunde versie",
        "message.invalid": "ongeldig bericht",
        "message.schema-required": "geen schema geregistreerd voor dit berichttype",
        "message.sender-mismatch": "afzender komt niet overeen met de ingelogde partner",
        "message.no-mapper": "berichttype kan nog niet worden verwerkt",
        "message.consent-refused": "deze partner mag geen toestemming vastleggen",
        "message.partner-type": "dit soort organisatie neemt niet deel aan de uitwisseling",
        // Deliveries: cancellations, refusals and causes without an HTTP answer.
        "delivery.subscription-inactive": "geannuleerd: het abonnement of de partner is uitgeschakeld",
        "delivery.message-missing": "geannuleerd: het bericht is niet meer aanwezig",
        "delivery.not-forwarded": "een geadresseerde ontvanger krijgt dit bericht niet (geen partner of geen toestemming)",
        "410 Gone": "de ontvanger meldt dat dit adres niet meer bestaat; het abonnement is uitgeschakeld",
        "connection refused": "verbinding geweigerd: de ontvanger luistert niet",
        "connection reset by the receiver": "de ontvanger verbrak de verbinding",
        "connection closed by the receiver before it answered": "de ontvanger sloot de verbinding zonder antwoord",
        "host unreachable": "de server van de ontvanger is onbereikbaar",
        "network unreachable": "het netwerk van de ontvanger is onbereikbaar",
        "timeout": "geen (tijdig) antwoord van de ontvanger",
        "TLS": "de beveiligde verbinding (TLS) kwam niet tot stand",
        "redirect not followed": "de ontvanger stuurt door naar een ander adres; dat volgt de gateway niet",
        "network error (errno": "netwerkfout",
        // Why a subscription was disabled.
        "every attempt failed since": "uitgeschakeld door de gateway: elke aflevering mislukte te lang",
        "the receiver answered 410 Gone": "uitgeschakeld door de gateway: de ontvanger meldt dat dit adres niet meer bestaat",
        "disabled by operator": "uitgeschakeld door een beheerder",
        // Audit chain causes.
        "audit.chain-broken": "de hash-keten van het auditlog is gebroken",
        "audit.shorter-than-witnessed": "het auditlog is korter dan een getuige eerder zag",
        "audit.checkpoint-mismatch": "een checkpoint past niet bij het auditlog",
        "audit.checkpoint-bad-signature": "een checkpoint heeft een ongeldige handtekening",
        "audit.checkpoint-other-key": "een checkpoint is met een andere sleutel ondertekend",
        "audit.no-checkpoint": "nog geen ondertekend checkpoint",
        "audit.no-trusted-key": "geen vertrouwde sleutel om checkpoints te controleren",
        "audit.unprotected-tail": "de nieuwste regels zijn nog niet door een checkpoint beschermd",
        "audit.foreign-line": "in de keten staan regels die geen logregel van de gateway zijn: buiten de gateway om in de database gezet",
        "audit.index-mismatch": "bij een regel staan een cliënt, tijd of organisatie om op te zoeken die niet in de regel zelf staan: in de database veranderd, zodat zoeken de regel mist",
        "audit.unsealed": "vastgelegde regels zijn al te lang niet in de keten opgenomen, of in de wachtrij staat iets wat geen logregel is",
        "audit.purge-unsigned": "een opschoning van het auditlog is niet ondertekend",
        "audit.purge-unproven": "een opschoning van het auditlog is niet bewezen",
        "audit.purge-too-young": "er zijn regels opgeschoond die nog bewaard moesten blijven",
    ]
}
