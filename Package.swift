// swift-tools-version:6.0
// Joule: an analytical energy and performance model for ML accelerators, and a co-design explorer.
// Module walls (DESIGN.md): YAML, Numerics <- JouleSpec <- JouleEval <- JouleSystem <- JouleSearch <- Joule <- JouleCLI.
import PackageDescription

let package = Package(
    name: "Joule",
    products: [
        .executable(name: "joule", targets: ["JouleCLI"]),
        .library(name: "Joule", targets: ["Joule"]),
        .executable(name: "joule-bench", targets: ["JouleBench"]),
    ],
    targets: [
        // System libraries: module.modulemap + shim.h, nothing else.
        .systemLibrary(
            name: "CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(
            name: "CGSL", pkgConfig: "gsl",
            providers: [.apt(["libgsl-dev"])]),
        .systemLibrary(
            name: "CLAPACKE", pkgConfig: "lapacke",
            providers: [.apt(["liblapacke-dev"])]),
        .systemLibrary(
            name: "CEditLine", pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]),

        .target(name: "YAML", dependencies: ["CYAML"]),
        .target(name: "Numerics", dependencies: ["CGSL", "CLAPACKE"]),
        .target(name: "JouleSpec", dependencies: ["YAML", "Numerics"]),
        .target(name: "JouleEval", dependencies: ["JouleSpec"]),
        .target(name: "JouleSystem", dependencies: ["JouleEval", "JouleSpec", "YAML"]),
        .target(name: "JouleSearch", dependencies: ["JouleEval", "JouleSpec", "JouleSystem", "Numerics"]),
        .target(name: "Joule", dependencies: ["JouleSpec", "JouleEval", "JouleSystem", "JouleSearch"]),
        .executableTarget(name: "JouleCLI", dependencies: ["Joule", "YAML", "CEditLine"]),
        .executableTarget(
            name: "JouleBench", dependencies: ["Joule", "YAML"], path: "Benchmarks", exclude: ["results.md"]),

        .testTarget(name: "YAMLTests", dependencies: ["YAML"]),
        .testTarget(name: "NumericsTests", dependencies: ["Numerics"]),
        .testTarget(name: "JouleSpecTests", dependencies: ["JouleSpec", "YAML"]),
        .testTarget(name: "JouleEvalTests", dependencies: ["JouleEval", "JouleSpec", "YAML"]),
        .testTarget(name: "JouleSystemTests", dependencies: ["JouleSystem", "JouleEval", "JouleSpec", "YAML"]),
        .testTarget(name: "JouleSearchTests", dependencies: ["JouleSearch"]),
        .testTarget(name: "JouleCLITests", dependencies: ["Joule"]),
    ]
)
