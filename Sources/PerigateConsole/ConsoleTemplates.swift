import Mustache

/// The console's Mustache templates (compiled into the binary: nothing to install beside it).
/// Every page extends `layout`; `{{…}}` escapes HTML.
enum ConsoleTemplates {
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in all { try library.register(text, named: name) }
        return library
    }

    static let all: [(String, String)] = [
        ("layout", layout), ("login", login), ("notice", notice), ("dashboard", dashboard), ("messages", messages),
        ("message", message), ("deliveries", deliveries), ("partners", partners), ("audit", audit), ("flow", flow),
        ("code", code), ("party", party), ("sender", sender), ("pages", pages), ("flowchart", flowchart),
    ]

    /// A code with its Dutch explanation beside it (``CodeText``).
    static let code = """
        <code>{{code}}</code>{{#explanation}} <span class="uitleg">{{.}}</span>{{/explanation}}
        """

    /// A name with what it stands for (URA, subscription id) in its title (``PartyText``).
    static let party = """
        <span title="{{identifier}}">{{name}}</span>
        """

    /// A sender: its name, the URA beside it.
    static let sender = """
        <span title="{{identifier}}">{{name}}</span>{{#identifier}} <small class="muted">{{.}}</small>{{/identifier}}
        """

    /// "vorige / volgende" (``PageLinks``).
    static let pages = """
        {{#any}}<p class="pages">{{#previous}}<a href="{{.}}" rel="prev">« vorige</a> {{/previous}}pagina {{number}}{{#next}} <a href="{{.}}" rel="next">volgende »</a>{{/next}}</p>{{/any}}
        """

    static let style = """
        body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f7f9}
        header{background:#154273;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center;flex-wrap:wrap}
        header a{color:#fff;text-decoration:none;padding:.2rem .4rem}header a[aria-current]{border-bottom:3px solid #ffb612}
        header .who{margin-left:auto}header form{display:inline}main{padding:1rem 1.2rem;max-width:80rem}
        table{border-collapse:collapse;background:#fff;margin:.4rem 0 1.2rem;width:100%}th,td{border:1px solid #ccd;padding:.3rem .5rem;text-align:left;vertical-align:top}
        th{background:#e8ecf2}.bad{color:#a00;font-weight:bold}.ok{color:#060;font-weight:bold}.muted{color:#666}
        form.inline{display:inline}fieldset{background:#fff;border:1px solid #ccd;margin-bottom:1rem}label{margin-right:.8rem}
        button{background:#154273;color:#fff;border:0;padding:.3rem .8rem;border-radius:3px;cursor:pointer}button.danger{background:#a00}
        .notice{background:#fff;border-left:4px solid #154273;padding:.6rem 1rem}pre{white-space:pre-wrap;background:#fff;padding:.6rem;border:1px solid #ccd}
        td,pre,code{overflow-wrap:anywhere;word-break:break-word}.uitleg{color:#444;font-size:.9em}.pages a{margin:0 .4rem}
        figure.flow{background:#fff;border:1px solid #ccd;margin:0 0 1rem;padding:.4rem}svg.flow text{font-size:10px;fill:#1b1b1b}
        """

    static let layout = """
        <!doctype html>
        <html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Perigate beheer</title><style>\(style)</style></head>
        <body><header><strong>Perigate beheer</strong>
        <nav>{{#nav}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a>{{/nav}}</nav>
        <span class="who">{{name}} ({{role}})
        <form method="post" action="/console/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Uitloggen</button></form></span>
        </header><main><h1>{{title}}</h1>{{$body}}{{/body}}</main></body></html>
        """

    static let login = """
        <!doctype html>
        <html lang="nl"><head><meta charset="utf-8"><title>Inloggen · Perigate beheer</title><style>\(style)</style></head>
        <body><header><strong>Perigate beheer</strong></header><main><h1>Inloggen</h1>
        {{#expired}}<p class="notice">Uw sessie is verlopen. Log opnieuw in.</p>{{/expired}}
        {{#loggedOut}}<p class="notice">U bent uitgelogd.</p>{{/loggedOut}}
        {{#problem}}<p class="notice bad" role="alert">{{problem}}</p>{{/problem}}
        <form method="post" action="/console/login"><fieldset>
        <p><label for="gebruiker">Gebruikersnaam</label><input id="gebruiker" name="gebruiker" autocomplete="username" required></p>
        <p><label for="wachtwoord">Wachtwoord</label><input id="wachtwoord" name="wachtwoord" type="password" autocomplete="current-password" required></p>
        <button type="submit" id="inloggen">Inloggen</button></fieldset></form>
        <p class="muted">Alleen voor beheerders van de gateway. Elke inlog en elke pagina wordt vastgelegd in het auditlog.</p>
        </main></body></html>
        """

    static let notice = """
        {{<layout}}{{$body}}<p class="notice">{{page.text}}</p><p><a href="/console">Overzicht</a></p>{{/body}}{{/layout}}
        """

    static let dashboard = """
        {{<layout}}{{$body}}{{#page}}
        <h2>Berichten</h2>
        <table id="counts"><thead><tr><th>Berichttype</th><th>Versie</th><th>Uitkomst</th><th>Laatste uur</th><th>Laatste 24 uur</th></tr></thead><tbody>
        {{#counts}}<tr><td>{{kind}}</td><td>{{version}}</td><td>{{status}}</td><td>{{hour}}</td><td>{{day}}</td></tr>{{/counts}}
        {{^counts}}<tr><td colspan="5" class="muted">Geen berichten in de laatste 24 uur.</td></tr>{{/counts}}
        </tbody></table>
        <p><a href="/console/flow">Berichtenstroom per soort: laatste 24 uur en 7 dagen</a></p>
        <h2>Weigeringen per reden (laatste 24 uur)</h2>
        <table id="reasons"><thead><tr><th>Foutcode</th><th>Aantal</th></tr></thead><tbody>
        {{#reasons}}<tr><td>{{#code}}{{>code}}{{/code}}</td><td>{{count}}</td></tr>{{/reasons}}
        {{^reasons}}<tr><td colspan="2" class="muted">Geen weigeringen.</td></tr>{{/reasons}}
        </tbody></table>
        <h2>Wachtrij per abonnement</h2>
        <table><thead><tr><th>Abonnement</th><th>Partner</th><th>Wachtend</th><th>Oudste</th><th>Faalt sinds</th></tr></thead><tbody>
        {{#queues}}<tr><td>{{#subscription}}{{>party}}{{/subscription}}</td><td>{{#partner}}{{>party}}{{/partner}}</td><td>{{pending}}</td><td>{{oldest}}</td><td>{{#failingSince}}<span class="bad">{{.}}</span>{{/failingSince}}{{^failingSince}}–{{/failingSince}}</td></tr>{{/queues}}
        </tbody></table>
        <h2>Onbestelbaar</h2>
        <p id="dead-letters"><a href="/console/deliveries">{{deadLetters}} onbestelbare afleveringen</a></p>
        <h2>Auditketen</h2>
        {{#chain}}<p id="chain">{{lines}} regels.
        {{#checked}}Laatste controle {{checkedAt}} door {{checkedBy}}: {{#intact}}<span class="ok">in orde</span>{{/intact}}{{^intact}}<span class="bad">GEBROKEN, {{problem}}</span>{{/intact}}.{{/checked}}
        {{^checked}}Sinds de start van deze node niet gecontroleerd. <a href="/console/audit">Nu controleren</a>{{/checked}}</p>{{/chain}}
        {{/page}}{{/body}}{{/layout}}
        """

    static let messages = """
        {{<layout}}{{$body}}{{#page}}
        {{^clientSearch}}<form method="get" action="/console/messages"><fieldset><legend>Zoeken</legend>
        <label>Bericht-id begint met <input name="id" value="{{query.id}}" size="30"></label>
        <label>Berichttype <select name="soort">{{#kinds}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/kinds}}</select></label>
        <label>Afzender (URA) <input name="afzender" value="{{query.sender}}" size="10"></label>
        <label>Uitkomst <select name="status">{{#statuses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}</select></label>
        <label>Van <input name="van" type="date" value="{{query.from}}"></label>
        <label>Tot en met <input name="tot" type="date" value="{{query.to}}"></label>
        <button type="submit" id="zoeken">Zoeken</button></fieldset></form>{{/clientSearch}}
        <table id="results"><thead><tr><th>Ontvangen</th><th>Id</th><th>Berichttype</th><th>Uitkomst</th><th>Afzender</th><th>Grootte</th></tr></thead><tbody>
        {{#results}}<tr><td>{{receivedAt}}</td><td><a href="/console/messages/{{id}}">{{id}}</a></td><td>{{kind}}</td><td{{^accepted}} class="bad"{{/accepted}}>{{status}}</td><td>{{#sender}}{{>sender}}{{/sender}}</td><td>{{size}}</td></tr>{{/results}}
        {{^results}}<tr><td colspan="6" class="muted">Geen berichten gevonden.</td></tr>{{/results}}
        </tbody></table>
        {{#links}}{{>pages}}{{/links}}
        {{#limitReached}}<p class="muted">De nieuwste 100 treffers.</p>{{/limitReached}}
        {{/page}}
        {{#isLogAdministrator}}<form method="post" action="/console/messages/client"><fieldset><legend>Berichten van één cliënt (logbeheerder)</legend>
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>BSN <input name="bsn" inputmode="numeric" size="11" required autocomplete="off"></label>
        <label>Reden <input name="reden" size="50" required minlength="10"></label>
        <button type="submit" id="zoek-bsn">Zoeken op BSN</button>
        <p class="muted">Zoeken op BSN wordt met uw reden vastgelegd en is zichtbaar in het toegangslog van de cliënt.</p></fieldset></form>{{/isLogAdministrator}}
        {{/body}}{{/layout}}
        """

    static let message = """
        {{<layout}}{{$body}}{{#page}}
        <table><tbody>
        <tr><th>Id</th><td>{{id}}</td></tr><tr><th>Ontvangen</th><td>{{receivedAt}}</td></tr>
        <tr><th>Berichttype</th><td>{{kind}}</td></tr><tr><th>Schema</th><td>{{schema}}</td></tr>
        <tr><th>Uitkomst</th><td id="status"{{^accepted}} class="bad"{{/accepted}}>{{status}}</td></tr>
        <tr><th>Afzender</th><td id="sender">{{#sender}}{{>sender}}{{/sender}}</td></tr><tr><th>Grootte</th><td>{{size}}</td></tr>
        </tbody></table>
        <h2>Validatierapport</h2>
        <table id="issues"><thead><tr><th>Ernst</th><th>Code</th><th>Melding</th><th>Plaats</th></tr></thead><tbody>
        {{#issues}}<tr><td{{#isError}} class="bad"{{/isError}}>{{severity}}</td><td>{{#code}}{{>code}}{{/code}}</td><td>{{message}}</td><td>{{location}}</td></tr>{{/issues}}
        {{^issues}}<tr><td colspan="4" class="muted">Geen meldingen.</td></tr>{{/issues}}
        </tbody></table>
        <h2>Ontvangstbewijs</h2>
        {{#receipt}}<p>Cliëntreferentie {{clientReference}}, {{warnings}} waarschuwingen.</p><pre>{{json}}</pre>{{/receipt}}
        {{^receipt}}<p class="muted">Geweigerd: de afzender kreeg een foutmelding met dit rapport, geen ontvangstbewijs.</p>{{/receipt}}
        <h2>Afleveringen</h2>
        <table id="deliveries"><thead><tr><th>Aflevering</th><th>Naar</th><th>Status</th><th>Pogingen</th><th>Laatste fout</th></tr></thead><tbody>
        {{#deliveries}}<tr><td>{{id}}</td><td>{{#target}}{{>party}}{{/target}} ({{#partner}}{{>party}}{{/partner}})</td><td>{{status}}</td><td>{{attemptCount}}
        {{#attempts}}<br><span class="muted">#{{number}} {{time}} HTTP {{status}} {{milliseconds}} ms {{#error}}{{>code}}{{/error}}</span>{{/attempts}}</td><td>{{#lastError}}{{>code}}{{/lastError}}</td></tr>{{/deliveries}}
        {{^deliveries}}<tr><td colspan="5" class="muted">Geen afleveringen.</td></tr>{{/deliveries}}
        </tbody></table>
        {{/page}}{{/body}}{{/layout}}
        """

    static let deliveries = """
        {{<layout}}{{$body}}
        <h2>Onbestelbaar</h2>
        <table id="dead"><thead><tr><th>Aflevering</th><th>Bericht</th><th>Naar</th><th>Pogingen</th><th>Laatste fout</th><th></th></tr></thead><tbody>
        {{#page.dead}}<tr><td>{{id}}</td><td><a href="/console/messages/{{messageId}}">bericht</a></td><td>{{#target}}{{>party}}{{/target}} ({{#partner}}{{>party}}{{/partner}})</td><td>{{attemptCount}}</td><td>{{#lastError}}{{>code}}{{/lastError}}</td>
        <td>{{#isOperator}}<form class="inline" method="post" action="/console/deliveries/{{id}}/retry"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Opnieuw proberen</button></form>{{/isOperator}}</td></tr>{{/page.dead}}
        {{^page.dead}}<tr><td colspan="6" class="muted">Geen onbestelbare afleveringen.</td></tr>{{/page.dead}}
        </tbody></table>
        {{#page.deadLinks}}{{>pages}}{{/page.deadLinks}}
        <h2>Falende abonnementen</h2>
        <table id="failing"><thead><tr><th>Abonnement</th><th>Partner</th><th>Faalt sinds</th><th>Reden</th><th>Opnieuw versturen</th></tr></thead><tbody>
        {{#page.failing}}<tr><td><span title="abonnement {{id}}">{{url}}</span></td><td>{{#partner}}{{>party}}{{/partner}}</td><td>{{failingSince}}</td><td>{{#disabledReason}}{{>code}}{{/disabledReason}}</td>
        <td>{{#isOperator}}<form class="inline" method="post" action="/console/subscriptions/{{id}}/replay"><input type="hidden" name="csrf" value="{{csrf}}">
        <label>sinds <input name="sinds" type="date" value="{{page.since}}"></label><button type="submit">Opnieuw versturen</button></form>{{/isOperator}}</td></tr>{{/page.failing}}
        {{^page.failing}}<tr><td colspan="5" class="muted">Alle abonnementen leveren af.</td></tr>{{/page.failing}}
        </tbody></table>
        {{#page.failingLinks}}{{>pages}}{{/page.failingLinks}}
        <h2>Wachtrij</h2>
        <table><thead><tr><th>Abonnement</th><th>Partner</th><th>Wachtend</th><th>Oudste</th></tr></thead><tbody>
        {{#page.queues}}<tr><td>{{#subscription}}{{>party}}{{/subscription}}</td><td>{{#partner}}{{>party}}{{/partner}}</td><td>{{pending}}</td><td>{{oldest}}</td></tr>{{/page.queues}}
        </tbody></table>
        {{/body}}{{/layout}}
        """

    static let partners = """
        {{<layout}}{{$body}}
        <h2>Partners</h2>
        <table id="partners"><thead><tr><th>Id</th><th>Naam</th><th>Soort</th><th>URA</th><th>AGB</th><th>Sinds</th><th>Status</th><th></th></tr></thead><tbody>
        {{#page.partners}}<tr><td>{{id}}</td><td>{{name}}</td><td>{{type}}</td><td>{{ura}}</td><td>{{agb}}</td><td>{{createdAt}}</td>
        <td>{{#active}}<span class="ok">actief</span>{{/active}}{{^active}}<span class="bad">uitgeschakeld</span>{{/active}}</td>
        <td>{{#isOperator}}<form class="inline" method="post" action="/console/partners/{{id}}/{{#active}}disable{{/active}}{{^active}}enable{{/active}}"><input type="hidden" name="csrf" value="{{csrf}}">
        {{#active}}<button type="submit" class="danger">Uitschakelen</button>{{/active}}{{^active}}<button type="submit">Inschakelen</button>{{/active}}</form>{{/isOperator}}</td></tr>{{/page.partners}}
        {{^page.partners}}<tr><td colspan="8" class="muted">Nog geen partners.</td></tr>{{/page.partners}}
        </tbody></table>
        {{#page.partnerLinks}}{{>pages}}{{/page.partnerLinks}}
        <h2>Abonnementen</h2>
        <table id="subscriptions"><thead><tr><th>Id</th><th>Partner</th><th>Adres</th><th>Berichttypen</th><th>Formaat</th><th>Status</th><th></th></tr></thead><tbody>
        {{#page.subscriptions}}<tr><td>{{id}}</td><td>{{#partner}}{{>party}}{{/partner}}</td><td>{{url}}</td><td>{{kinds}}</td><td>{{format}}</td>
        <td>{{#active}}<span class="ok">actief</span>{{/active}}{{^active}}<span class="bad">uitgeschakeld</span> {{#disabledReason}}{{>code}}{{/disabledReason}}{{/active}}</td>
        <td>{{#isOperator}}<form class="inline" method="post" action="/console/subscriptions/{{id}}/{{#active}}disable{{/active}}{{^active}}enable{{/active}}"><input type="hidden" name="csrf" value="{{csrf}}">
        {{#active}}<button type="submit" class="danger">Uitschakelen</button>{{/active}}{{^active}}<button type="submit">Inschakelen</button>{{/active}}</form>{{/isOperator}}</td></tr>{{/page.subscriptions}}
        {{^page.subscriptions}}<tr><td colspan="7" class="muted">Nog geen abonnementen.</td></tr>{{/page.subscriptions}}
        </tbody></table>
        {{#page.subscriptionLinks}}{{>pages}}{{/page.subscriptionLinks}}
        {{#isOperator}}<p class="muted">Uitschakelen van een abonnement annuleert zijn wachtende afleveringen; inschakelen wist de foutstatus.</p>{{/isOperator}}
        {{/body}}{{/layout}}
        """

    static let audit = """
        {{<layout}}{{$body}}{{#page}}
        <h2>Hash-keten</h2>
        <p id="chain">{{lines}} regels in het auditlog.
        {{#checked}}Laatste controle {{checkedAt}} door {{checkedBy}} ({{checkedLines}} regels): {{#intact}}<span class="ok">in orde</span>{{/intact}}{{^intact}}<span class="bad">GEBROKEN, {{problem}}</span>{{/intact}}.{{/checked}}
        {{^checked}}Sinds de start van deze node niet gecontroleerd.{{/checked}}</p>
        {{/page}}
        <form method="post" action="/console/audit/verify"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="controleer">Nu controleren</button></form>
        {{#isLogAdministrator}}<h2>Toegangslog van één cliënt exporteren</h2>
        <form method="post" action="/console/audit/export"><fieldset><input type="hidden" name="csrf" value="{{csrf}}">
        <label>BSN <input name="bsn" inputmode="numeric" size="11" required autocomplete="off"></label>
        <label>Reden <input name="reden" size="50" required minlength="10"></label>
        <label>Formaat <select name="formaat"><option value="nen">NEN 7513 (JSON-regels)</option><option value="fhir">FHIR AuditEvent-bundel</option></select></label>
        <button type="submit" id="exporteer">Exporteren</button>
        <p class="muted">De export wordt met uw reden vastgelegd en is zichtbaar in het toegangslog van de cliënt.</p></fieldset></form>{{/isLogAdministrator}}
        {{^isLogAdministrator}}<p class="muted">Exporteren voor een cliënt kan alleen een logbeheerder.</p>{{/isLogAdministrator}}
        {{/body}}{{/layout}}
        """
}
