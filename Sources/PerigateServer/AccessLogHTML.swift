import PerigateCore

/// The client's access log as a printable HTML page (Dutch, no scripts, no external resources).
enum AccessLogHTML {
    static func page(title: String, intro: String, sections: [(heading: String, entries: [AccessLogEntry])]) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="nl"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}\
            th,td{border:1px solid #999;padding:4px 6px;text-align:left;vertical-align:top}th{background:#eee}\
            @media print{body{margin:0}}</style></head><body>
            <h1>\(escape(title))</h1><p>\(escape(intro))</p>

            """
        for section in sections {
            if !section.heading.isEmpty { html += "<h2>\(escape(section.heading))</h2>\n" }
            guard !section.entries.isEmpty else {
                html += "<p>Geen vermeldingen.</p>\n"
                continue
            }
            html += "<table><thead><tr><th>Wanneer</th><th>Organisatie</th><th>Rol</th><th>Namens</th><th>Gegevens</th>"
                + "<th>Handeling</th><th>Grondslag</th><th>Noodprocedure</th><th>Uitkomst</th><th>Aantal</th></tr></thead><tbody>\n"
            for entry in section.entries {
                let cells = [entry.time, entry.organisation, entry.role, entry.responsible ?? "", entry.data, entry.action, entry.basis,
                             entry.emergency, entry.outcome, String(entry.count)]
                html += "<tr>" + cells.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n"
            }
            html += "</tbody></table>\n"
        }
        return html + "</body></html>\n"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
