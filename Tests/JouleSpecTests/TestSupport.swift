import Foundation

/// True when `a` and `b` agree to a relative tolerance (decimal inputs pick up rounding in the
/// last bits when multiplied by a prefix, so exact equality would test the FPU, not Joule).
func approximatelyEqual(_ a: Double, _ b: Double, relative: Double = 1e-12) -> Bool {
    abs(a - b) <= relative * max(abs(a), abs(b))
}

/// The repository root, found from this file's path (Tests/JouleSpecTests/TestSupport.swift).
let repositoryRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The `Hardware/` library folder.
let hardwareFolder = repositoryRoot.appendingPathComponent("Hardware")

/// The broken-input corpus for hardware files.
let hardwareCorpusFolder = repositoryRoot.appendingPathComponent("Tests/Corpus/hardware")
