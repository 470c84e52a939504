import Foundation
import Testing

@Suite("Several nodes: Kamailio in front, records in PostgreSQL")
struct ClusterDemoTests {
    @Test("a node killed and the database stopped mid-run: no completed call without a record, no call disturbed on the others")
    func clusterDemo() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = root.appendingPathComponent("scripts/cluster-demo")
        process.arguments = ["--small", "--json"]
        var environment = ProcessInfo.processInfo.environment
        environment["IVR_BIN"] = IVRProcess.executable.path
        environment["CLUSTER_BASE_PORT"] = "6160"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let figures = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(String(decoding: data, as: UTF8.self))")
        func number(_ key: String) -> Double? { (figures[key] as? NSNumber)?.doubleValue }
        let offered = try #require(number("calls_offered")), completed = try #require(number("calls_completed"))
        let dropped = try #require(number("calls_dropped_with_killed_node"))
        // Every call is completed but those the killed node held; each completed call has its record.
        #expect(completed + dropped == offered, "\(figures)")
        #expect(number("calls_disturbed_on_surviving_nodes") == 0, "\(figures)")
        #expect(number("completed_calls_without_record") == 0 && number("records_in_postgres") == completed, "\(figures)")
        #expect(number("records_still_in_journals") == 0, "\(figures)")
        // `ivr report --db postgres://…` counts every node's calls; each caller pressed 1 and heard the answer.
        #expect(number("report_calls") == completed, "\(figures)")
        #expect((figures["report_outcomes"] as? [String: Int]) == ["contained": Int(completed)], "\(figures)")
        // Kamailio stops sending new calls to the dead node within 5 s; any it sent went on to another node.
        #expect((number("dead_node_taken_out_after_s") ?? 99) < 5, "\(figures)")
        #expect((number("last_call_to_dead_node_after_s") ?? 0) < 5, "\(figures)")
        #expect(number("new_calls_to_dead_node") == number("new_calls_to_dead_node_offered_to_another"), "\(figures)")
        // Every node took calls, and the killed node took calls again once it was back.
        let perNode = try #require(figures["records_per_node"] as? [String: Int])
        #expect(Set(perNode.keys) == ["ivr-1", "ivr-2", "ivr-3"] && perNode.values.allSatisfy { $0 > 0 }, "\(figures)")
        #expect((number("calls_to_node_after_it_came_back") ?? 0) > 0, "\(figures)")
    }
}
