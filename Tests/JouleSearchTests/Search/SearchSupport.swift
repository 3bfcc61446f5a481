import Foundation
import JouleSearch
import JouleSpec
import YAML

/// The repository root, from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// A catalog over the repository's libraries.
let repositoryCatalog = Catalog(roots: [repositoryRoot.path])

/// Decodes a sweep from text, as if it were a file in the repository root.
func sweep(_ text: String) throws -> SweepSpec {
    var spec = try YAMLDecoder().decode(SweepSpec.self, from: text, path: "test-sweep.yaml")
    spec.path = repositoryRoot.appendingPathComponent("test-sweep.yaml").path
    return spec
}

/// A fresh temporary folder.
func temporaryFolder() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("joule-search-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}
