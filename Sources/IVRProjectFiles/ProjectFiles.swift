import Foundation

/// Where the project's own files are found (`models/`, `prompts/`): under `$IVR_HOME` when set,
/// else in the current folder or a folder above the running program (the project of a
/// `.build/release/ivr`), else in `share/ivr` beside an installed program's `bin/`.
public enum ProjectFiles {
    /// The first existing `relativePath` in those places, or nil.
    public static func locate(_ relativePath: String) -> String? {
        searchFolders.map { ($0 as NSString).appendingPathComponent(relativePath) }
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The folders searched, in order.
    public static var searchFolders: [String] {
        if let home = ProcessInfo.processInfo.environment["IVR_HOME"], !home.isEmpty { return [home] }
        var folders = [FileManager.default.currentDirectoryPath]
        var folder = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<5 {
            folder.deleteLastPathComponent()
            folders.append(folder.path)
        }
        let installed = URL(fileURLWithPath: folders[1]).deletingLastPathComponent().appendingPathComponent("share/ivr")
        return folders + [installed.path]
    }
}
