import Foundation

extension IVRReport {
    /// The report as one self-contained HTML page: figures, tables and bar charts in inline
    /// SVG, no script and nothing fetched from the network.
    public func html(title: String, scope: String) -> String {
        var body = "<h1>\(escape(title))</h1>\n<p class=\"scope\">\(escape(scope))</p>\n"
        body += "<div class=\"cards\">"
        for (label, value) in [("Calls", "\(calls)"), ("Containment", percent(containmentRate)),
                               ("Abandonment", percent(abandonmentRate)), ("Average handling time", seconds(averageHandlingSeconds))] {
            body += "<div class=\"card\"><div class=\"value\">\(escape(value))</div><div class=\"label\">\(label)</div></div>"
        }
        body += "</div>\n"
        guard calls > 0 else { return page(title: title, body: body) }

        body += section("Outcomes", barChart(outcomes.map { ($0.outcome, Double($0.calls), "\($0.calls) (\(percent($0.share)))") }))
        body += section("Where callers hang up",
                        "<p>\(abandonedInMenus) in menus, \(abandonedInQueue) in queue, \(abandonedElsewhere) elsewhere.</p>"
                        + barChart(abandonment.map { ("\($0.node) (\($0.kind))", Double($0.calls), "\($0.calls)") }))
        if !transfers.isEmpty {
            body += section("Transfers", table(["Queue", "Priority", "Calls"],
                                               transfers.map { [$0.queue, "\($0.priority)", "\($0.calls)"] }))
        }
        if !menus.isEmpty {
            body += section("Menus", table(
                ["Menu", "Entries", "No-input", "No-match", "Average time", "Keys", "Speech", "Confidence", "Hang-ups"],
                menus.map { [$0.node, "\($0.entries)", percent($0.noInputRate), percent($0.noMatchRate), seconds($0.averageSeconds),
                             "\($0.keyChoices)", "\($0.speechChoices)", $0.meanConfidence.map { String(format: "%.2f", $0) } ?? "-",
                             "\($0.hangUps)"] })
                + "<h3>No-match rate per menu</h3>"
                + barChart(menus.map { ($0.node, $0.noMatchRate, percent($0.noMatchRate)) }, maximum: 1)
                + "<h3>No-input rate per menu</h3>"
                + barChart(menus.map { ($0.node, $0.noInputRate, percent($0.noInputRate)) }, maximum: 1))
        }
        body += section("Recognition", """
            <p>\(percent(recognition.speechShare)) of menu choices by speech (\(recognition.speechChoices) spoken, \
            \(recognition.keyChoices) keyed); mean confidence \(recognition.meanConfidence.map { String(format: "%.2f", $0) } ?? "-"); \
            no-match \(percent(recognition.noMatchRate)) of menu turns.</p>
            """)
        body += section("Funnel: calls reaching each node",
                        barChart(funnel.map { ($0.node, Double($0.calls), "\($0.calls) (\(percent($0.share)))") }))
        body += section("Paths and how long each takes",
                        barChart(paths.map { ($0.path, $0.averageSeconds, "\(seconds($0.averageSeconds)) × \($0.calls)") })
                        + table(["Path", "Calls", "Share", "Average", "Min", "Max"],
                                paths.map { [$0.path, "\($0.calls)", percent($0.share), seconds($0.averageSeconds),
                                             seconds($0.minSeconds), seconds($0.maxSeconds)] }))
        return page(title: title, body: body)
    }
}

private func page(title: String, body: String) -> String {
    """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <title>\(escape(title))</title>
    <style>
    body { font-family: sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
    .scope { color: #666; }
    .cards { display: flex; gap: 1em; flex-wrap: wrap; }
    .card { border: 1px solid #ccc; border-radius: 6px; padding: 0.8em 1.2em; min-width: 9em; }
    .value { font-size: 1.8em; font-weight: bold; }
    .label { color: #666; }
    table { border-collapse: collapse; margin: 0.5em 0; }
    th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: right; }
    th:first-child, td:first-child { text-align: left; }
    svg text { font-size: 12px; font-family: sans-serif; }
    </style>
    </head>
    <body>
    \(body)</body>
    </html>

    """
}

private func section(_ heading: String, _ content: String) -> String {
    "<section>\n<h2>\(escape(heading))</h2>\n\(content)\n</section>\n"
}

private func table(_ header: [String], _ rows: [[String]]) -> String {
    var html = "<table>\n<tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>\n"
    for row in rows { html += "<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
    return html + "</table>"
}

/// Horizontal bars: a label, a bar as long as the value, the value's text.
private func barChart(_ bars: [(label: String, value: Double, text: String)], maximum: Double? = nil) -> String {
    let rowHeight = 22, labelWidth = 260, barWidth = 380, width = labelWidth + barWidth + 140
    let top = max(maximum ?? 0, bars.map(\.value).max() ?? 0)
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(rowHeight * bars.count + 4)\" role=\"img\">\n"
    for (index, bar) in bars.enumerated() {
        let y = index * rowHeight + 2
        let length = top > 0 ? Int((bar.value / top * Double(barWidth)).rounded()) : 0
        let label = bar.label.count > 40 ? "…" + bar.label.suffix(39) : bar.label
        svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 15)\" text-anchor=\"end\">\(escape(label))</text>"
        svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(max(length, 1))\" height=\"\(rowHeight - 6)\" fill=\"#4a7ebb\"><title>\(escape(bar.label)): \(escape(bar.text))</title></rect>"
        svg += "<text x=\"\(labelWidth + max(length, 1) + 6)\" y=\"\(y + 15)\">\(escape(bar.text))</text>\n"
    }
    return svg + "</svg>"
}

private func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
