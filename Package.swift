// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "kiln",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kiln", targets: ["kiln"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Tests only: generators, seeds and shrinking for the property-based test of the daemon.
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // libinotifytools, as Debian's libinotifytools0-dev installs it (no pkg-config file).
        .systemLibrary(
            name: "CInotifyTools",
            providers: [.apt(["libinotifytools0-dev"])]
        ),
        // renameat2, which Glibc's Swift module does not import: moves that never replace, and atomic swaps.
        .target(name: "CLinuxFiles"),
        // The workspace protocol: specs, statuses, stages, settings, and the reconcile decision. Pure: it depends on
        // nothing that touches a file, a process or the clock (Tests/KilnProtocolTests/PurityTests checks the source).
        .target(
            name: "KilnProtocol",
            dependencies: [
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The workspace on disk: reading copies, atomic writes, moves that never replace, the journal, the store.
        .target(
            name: "KilnWorkspace",
            dependencies: [
                "KilnProtocol", "CLinuxFiles",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        // inotify on one dedicated thread, turned into hints about where to look.
        .target(
            name: "KilnWatch",
            dependencies: ["CInotifyTools", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strict
        ),
        // Real builds with uv (or venv + pip), the environment store, interpreter discovery.
        .target(
            name: "KilnBuild",
            dependencies: [
                "KilnProtocol", "KilnWorkspace", "CLinuxFiles",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        // The daemon's read-only view over HTTP: the environments as JSON, their logs, and Prometheus metrics. It reads
        // what is on disk through KilnWorkspace; it keeps nothing that the disk cannot rebuild.
        .target(
            name: "KilnWeb",
            dependencies: [
                "KilnProtocol", "KilnWorkspace",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // `kiln serve`: watcher, reconciler, builds and rescans as services in one group.
        .target(
            name: "KilnDaemon",
            dependencies: [
                "KilnProtocol", "KilnWorkspace", "KilnWatch", "KilnBuild", "KilnWeb",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The CLI: one file per subcommand, thin over the libraries.
        .executableTarget(
            name: "kiln",
            dependencies: [
                "KilnProtocol", "KilnWorkspace", "KilnBuild", "KilnDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // What the test targets share: the seeded generator behind fuzzing and fault injection.
        .target(name: "KilnTestSupport", swiftSettings: strict),
        .testTarget(
            name: "KilnProtocolTests",
            dependencies: ["KilnProtocol", "KilnTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(name: "KilnWatchTests", dependencies: ["KilnWatch"], swiftSettings: strict),
        .testTarget(name: "KilnBuildTests", dependencies: ["KilnBuild"], swiftSettings: strict),
        .testTarget(name: "KilnWebTests", dependencies: ["KilnWeb", "KilnProtocol"], swiftSettings: strict),
        .testTarget(
            name: "KilnIntegrationTests",
            dependencies: [
                "KilnProtocol", "KilnWorkspace", "KilnTestSupport", "kiln",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        // Every `kiln` command against temp workspaces whose state the tests write as the daemon would: no daemon.
        .testTarget(
            name: "KilnCLITests",
            dependencies: ["KilnProtocol", "KilnWorkspace", "KilnTestSupport", "kiln"],
            swiftSettings: strict
        ),
    ]
)

// libFuzzer targets, one per parser a user's file reaches: only when `scripts/fuzz.sh` builds with KILN_FUZZ=1 (and
// `-sanitize=fuzzer`, whose runtime holds the driver they call), so `swift build` and `swift test` never see them.
if Context.environment["KILN_FUZZ"] == "1" {
    package.targets.append(.target(name: "CFuzzerDriver", path: "Fuzz/CFuzzerDriver"))
    for name in ["FuzzTOMLGate", "FuzzSpec", "FuzzRequirement"] {
        package.targets.append(
            .executableTarget(
                name: name,
                dependencies: ["KilnProtocol", "CFuzzerDriver"],
                path: "Fuzz/\(name)",
                swiftSettings: strict
            )
        )
        package.products.append(.executable(name: name, targets: [name]))
    }
}
