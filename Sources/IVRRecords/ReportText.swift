import Foundation

extension IVRReport {
    /// The report as a person reads it on a terminal.
    public var text: String {
        var lines: [String] = []
        func add(_ line: String = "") { lines.append(line) }
        add("calls: \(calls)")
        guard calls > 0 else { return lines.joined(separator: "\n") + "\n" }
        add("containment: \(percent(containmentRate)) (\(count(contained, "call")) served in the IVR)")
        add("abandonment: \(percent(abandonmentRate)) (\(count(abandoned, "call")): \(abandonedInMenus) in menus, "
            + "\(abandonedInQueue) in queue, \(abandonedElsewhere) elsewhere)")
        add("average handling time: \(seconds(averageHandlingSeconds))")
        add()
        add("outcomes:")
        for outcome in outcomes { add("  \(pad(outcome.outcome, 14)) \(pad(String(outcome.calls), 7, right: true))  \(percent(outcome.share))") }
        if !abandonment.isEmpty {
            add()
            add("hang-ups by place:")
            for place in abandonment { add("  \(pad(place.node, 22)) \(pad(place.kind, 10)) \(pad(String(place.calls), 7, right: true))") }
        }
        if !transfers.isEmpty {
            add()
            add("transfers (queue, priority, calls):")
            for transfer in transfers { add("  \(pad(transfer.queue, 22)) \(pad(String(transfer.priority), 3, right: true)) \(pad(String(transfer.calls), 7, right: true))") }
        }
        if !menus.isEmpty {
            add()
            add("menus:    entries  no-input  no-match  avg time   keys  speech  confidence  hang-ups")
            for menu in menus {
                add("  \(pad(menu.node, 16)) \(pad(String(menu.entries), 6, right: true))  \(pad(percent(menu.noInputRate), 8, right: true))"
                    + "  \(pad(percent(menu.noMatchRate), 8, right: true))  \(pad(seconds(menu.averageSeconds), 8, right: true))"
                    + "  \(pad(String(menu.keyChoices), 5, right: true))  \(pad(String(menu.speechChoices), 6, right: true))"
                    + "  \(pad(menu.meanConfidence.map { String(format: "%.2f", $0) } ?? "-", 10, right: true))"
                    + "  \(pad(String(menu.hangUps), 8, right: true))")
            }
        }
        add()
        add("recognition: \(percent(recognition.speechShare)) of choices by speech (\(recognition.speechChoices) spoken, "
            + "\(recognition.keyChoices) keyed), mean confidence \(recognition.meanConfidence.map { String(format: "%.2f", $0) } ?? "-"), "
            + "no-match \(percent(recognition.noMatchRate)) of menu turns")
        add()
        add("funnel (calls reaching each node):")
        for step in funnel { add("  \(pad(step.node, 22)) \(pad(String(step.calls), 7, right: true))  \(percent(step.share))") }
        add()
        add("paths (calls, share, average, min-max):")
        for path in paths {
            add("  \(pad(String(path.calls), 6, right: true))  \(pad(percent(path.share), 6, right: true))  \(pad(seconds(path.averageSeconds), 7, right: true))"
                + "  \(seconds(path.minSeconds))-\(seconds(path.maxSeconds))  \(path.path)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `1 call`, `2 calls`.
private func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }

/// `0.4567` → `45.7 %`.
func percent(_ value: Double) -> String { String(format: "%.1f %%", value * 100) }

/// `12.345` → `12.3 s`.
func seconds(_ value: Double) -> String { String(format: "%.1f s", value) }

private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let fill = String(repeating: " ", count: max(0, width - text.count))
    return right ? fill + text : text + fill
}
