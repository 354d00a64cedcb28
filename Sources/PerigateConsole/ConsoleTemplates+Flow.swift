/// The flow page's templates: the page, and one kind's inline SVG bar chart (no script).
extension ConsoleTemplates {
    static let flow = """
        {{<layout}}{{$body}}{{#page}}
        <svg width="0" height="0" aria-hidden="true" style="position:absolute"><defs>
        <pattern id="arcering" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <rect width="6" height="6" fill="#fff"/><line x1="0" y1="0" x2="0" y2="6" stroke="#a00" stroke-width="3"/></pattern></defs></svg>
        <p id="legend"><svg width="14" height="14" aria-hidden="true"><rect width="14" height="14" fill="#154273"/></svg> geaccepteerd (vol)
        <svg width="14" height="14" aria-hidden="true"><rect width="14" height="14" fill="url(#arcering)" stroke="#a00"/></svg> geweigerd (gearceerd);
        het getal boven een staaf is het aantal. Tijden in Nederlandse tijd.</p>
        {{#empty}}<p class="muted">Geen berichten in de laatste 7 dagen.</p>{{/empty}}
        {{^empty}}<h2>Laatste 24 uur</h2>
        <div id="day">{{#day}}{{>flowchart}}{{/day}}</div>
        <h2>Laatste 7 dagen</h2>
        <div id="week">{{#week}}{{>flowchart}}{{/week}}</div>{{/empty}}
        {{/page}}{{/body}}{{/layout}}
        """

    /// One kind's bars (``FlowChart``): solid for accepted, hatched for rejected, the number above
    /// each bar and in its `<title>`.
    static let flowchart = """
        <figure class="flow"><figcaption><strong>{{kind}}</strong>, {{caption}}: {{accepted}} geaccepteerd, {{rejected}} geweigerd</figcaption>
        <svg class="flow" role="img" aria-label="{{kind}}, {{caption}}: {{accepted}} geaccepteerd, {{rejected}} geweigerd" width="{{width}}" height="160" viewBox="0 0 {{width}} 160">
        <line x1="40" y1="136" x2="{{width}}" y2="136" stroke="#1b1b1b"/><line x1="40" y1="16" x2="40" y2="136" stroke="#1b1b1b"/>
        <text x="36" y="20" text-anchor="end">{{maximum}}</text><text x="36" y="136" text-anchor="end">0</text>
        {{#bars}}<rect x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}" {{#rejected}}fill="url(#arcering)" stroke="#a00"{{/rejected}}{{^rejected}}fill="#154273"{{/rejected}}><title>{{title}}</title></rect>{{#labelled}}<text x="{{x}}" y="{{y}}" dy="-2">{{count}}</text>{{/labelled}}{{/bars}}
        {{#ticks}}<text x="{{x}}" y="150" text-anchor="middle">{{label}}</text>{{/ticks}}
        </svg></figure>
        """
}
