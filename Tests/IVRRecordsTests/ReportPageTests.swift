import Foundation
import Testing
@testable import IVRRecords

@Suite("The report as an HTML page")
struct ReportPageTests {
    @Test("the page is well formed, self-contained, and shows the figures with charts")
    func page() throws {
        let store = try RecordStore(path: RecordFixtures.temporaryDatabase())
        try store.save(RecordFixtures.week)
        let html = try store.report().html(title: "IVR report <help-desk>", scope: "Calls in test.sqlite")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>IVR report &lt;help-desk&gt;</title>"))
        for figure in ["20.0 %", "40.0 %", "19.4 s", "sales-vip", "language &gt; main &gt; billing", "28.6 %"] {
            #expect(html.contains(figure), "missing \(figure)")
        }
        #expect(html.components(separatedBy: "<svg").count - 1 >= 5)
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))
        #expect(unbalancedTags(html).isEmpty, "\(unbalancedTags(html))")
    }

    /// Tags opened and not closed (or closed and not opened), void elements aside.
    private func unbalancedTags(_ html: String) -> [String] {
        let void: Set<String> = ["meta", "br", "img", "hr", "link", "input"]
        var open: [String] = []
        var problems: [String] = []
        let pattern = try! NSRegularExpression(pattern: #"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>"#)
        let text = html as NSString
        for match in pattern.matches(in: html, range: NSRange(location: 0, length: text.length)) {
            let closing = text.substring(with: match.range(at: 1)) == "/"
            let name = text.substring(with: match.range(at: 2)).lowercased()
            let selfClosing = text.substring(with: match.range(at: 3)) == "/"
            if void.contains(name) || selfClosing { continue }
            if !closing { open.append(name); continue }
            if open.last == name { open.removeLast() } else { problems.append("</\(name)> after <\(open.last ?? "")>") }
        }
        return problems + open.map { "<\($0)> not closed" }
    }
}
