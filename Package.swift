// swift-tools-version:6.1
import PackageDescription

/// Layers, lowest first: Common (SplitMix64, atomic writes, SHA-256, ordered JSON, parallel-for; Foundation and
/// Crypto only) → C shims → Physics → Observation; CBLAS → Tensor; both and CMPI → WorldModel → Viewer → tumble.
/// A lower layer never imports a higher one.
/// Release builds keep Swift's bounds, overflow and precondition checks (-O), except in the two CPU
/// rasterisers (Observation, Viewer), where `tumble bench` shows them costing far more than 3 % (README, Speed).
/// `scripts/test` sets TUMBLE_CHECKED=1, so the test suite runs every module with its checks.
let fast: [SwiftSetting] = [.unsafeFlags(["-wmo"], .when(configuration: .release))]
/// Tensor also compiles the C kernels it imports from CBLAS (static inline, AVX-512). Swift's importer builds
/// imported C at -Os, which keeps their __m512 accumulator arrays in memory: 2–3× slower than at -O2.
let tensor: [SwiftSetting] = [.unsafeFlags(["-wmo", "-Xcc", "-O2"], .when(configuration: .release))]
let raster: [SwiftSetting] = Context.environment["TUMBLE_CHECKED"] != nil
    ? fast : [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]

let package = Package(
    name: "Tumble",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tumble", targets: ["tumble"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // C and system-library shims
        .target(
            name: "CBox2D",
            path: "Sources/CBox2D",
            cxxSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("box2d"), .linkedLibrary("stdc++")]
        ),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas"),
        .systemLibrary(name: "CSDL2", path: "Sources/CSDL2", pkgConfig: "sdl2"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib"),
        // Open MPI (Debian's libopenmpi-dev): linked always, initialised only under mpirun/srun (README, Scaling out).
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c"),

        // Building blocks every layer shares
        .target(name: "Common", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: fast),

        // Simulation and data
        .target(name: "Physics", dependencies: ["Common", "CBox2D", "Yams"], swiftSettings: fast),
        .target(name: "Observation", dependencies: ["Common", "Physics", "CZlib"], swiftSettings: raster),

        // Learning
        .target(name: "Tensor", dependencies: ["Common", "CBLAS"], swiftSettings: tensor),
        .target(name: "WorldModel", dependencies: ["Common", "Tensor", "Observation", "CMPI", "Yams"], swiftSettings: fast),

        // Acting: sampling MPC over the world model (`tumble plan`, the window's goal mode)
        .target(name: "Planning", dependencies: ["Common", "Physics", "Observation", "WorldModel"], swiftSettings: fast),

        // Showing
        .target(name: "Viewer", dependencies: ["WorldModel", "Planning", "CSDL2"], swiftSettings: raster),

        .executableTarget(
            name: "tumble",
            dependencies: [
                "Physics", "Observation", "Tensor", "WorldModel", "Planning", "Viewer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fast
        ),

        .testTarget(name: "CommonTests", dependencies: ["Common"]),
        .testTarget(name: "PhysicsTests", dependencies: ["Common", "Physics"]),
        .testTarget(name: "ObservationTests", dependencies: ["Common", "Observation"]),
        .testTarget(name: "TensorTests", dependencies: ["Common", "Tensor"]),
        .testTarget(name: "WorldModelTests", dependencies: ["Common", "WorldModel"]),
        .testTarget(name: "PlanningTests", dependencies: ["Common", "Planning"]),
        .testTarget(name: "ViewerTests", dependencies: ["Viewer"]),
        .testTarget(name: "TumbleCLITests", dependencies: ["tumble"]),
    ],
    swiftLanguageModes: [.v5]
)

// libFuzzer targets for the file readers (Fuzz/README.md). Only `scripts/fuzz` builds them, with
// TUMBLE_FUZZ=1 and -sanitize=fuzzer: the normal build and test run never see this target.
if Context.environment["TUMBLE_FUZZ"] != nil {
    package.targets.append(.executableTarget(
        name: "tumble-fuzz",
        dependencies: ["Common", "Physics", "Observation", "Tensor", "WorldModel", "Planning"],
        path: "Fuzz/Sources",
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]
    ))
}
