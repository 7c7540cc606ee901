// swift-tools-version:6.1
// Keyward: a Kubernetes operator for certificates and secret rotation.
//
// Module graph: A → B means A imports B. Every target's dependencies below are exactly its imports (nothing
// declared unused, nothing used through another target): `bash scripts/check-imports.sh` checks it and `--graph`
// prints every edge. Left out here: KeywardCore (imported almost everywhere) and KubernetesClient beside
// KubernetesResources; every reconciler module also imports KubernetesResources. External packages in parentheses.
//
//   Foundation        KeywardCore → CDirectoryEntry (a whole-entry readdir: Foundation's Process.run over-reads glibc's)
//   Kubernetes-free   KeywardPKI (swift-certificates, swift-crypto)   SecretGenerators (swift-crypto)
//                     RotationStrategies → SecretGenerators   AtomicDirectory → CFilesystemSync (syncfs)
//                     CertificateGate → KeywardPKI
//                     DNSUpdate (RFC 2136 updates + TSIG, DNS queries; swift-nio, swift-crypto)
//                     TLSProbe → KeywardPKI, CCurl (served-chain probes)
//                     ACME (RFC 8555 client; swift-crypto, swift-certificates) → KubernetesClient for its libcurl
//                     transport only (CurlTransport, HTTPRequest/HTTPResponse, TLSSettings), no Kubernetes types
//                     Notifications (signed webhooks, Alertmanager; swift-crypto, swift-log) → KubernetesClient for
//                     its libcurl transport only
//   Kubernetes access KubernetesClient → CCurl (libcurl), CLibYAML (libyaml)
//                     KubernetesResources → KubernetesClient
//   API model         KeywardAPI → KubernetesResources, KeywardPKI, RotationStrategies, SecretGenerators, TLSProbe
//   Machinery         ControllerRuntime → KubernetesResources (informers, queue, leases, events, ManagerBuilder, the
//                     HTTP endpoint, KeywardMetrics; swift-prometheus, hummingbird, swift-service-lifecycle)
//   Reconcilers       CertificateController → ControllerRuntime, KeywardAPI, KeywardPKI, AtomicDirectory, DNSUpdate, TLSProbe,
//                     ACME (swift-certificates, swift-crypto, swift-prometheus; hummingbird for the HTTP-01 listener)
//                     SecretRotationController → ControllerRuntime, KeywardAPI, RotationStrategies, SecretGenerators
//                     NotificationController → ControllerRuntime, KeywardAPI, RotationStrategies, Notifications
//                     StandaloneStore → ControllerRuntime, KeywardAPI, AtomicDirectory
//                     SecretSync → KubernetesResources, AtomicDirectory
//   Commands          KeywardCommands → CertificateController, SecretRotationController, NotificationController,
//                     Notifications, StandaloneStore, SecretSync, CertificateGate, TLSProbe, AtomicDirectory, ControllerRuntime,
//                     KeywardAPI, KeywardPKI, RotationStrategies; keyward → KeywardCommands
//   Test and tools    KubeAPIServer (Yams, Hummingbird) ← keyward-apiserver; KeywardTestSupport → KeywardCore; keyward-bench →
//                     CertificateController, KeywardCommands, KubeAPIServer, CCurl (the runtime floor), ...; keyward-fuzz → CFuzzDriver,
//                     DNSUpdate, KeywardAPI, KeywardPKI, StandaloneStore
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "keyward",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "keyward", targets: ["keyward"]),
        .executable(name: "keyward-apiserver", targets: ["keyward-apiserver"]),
        .executable(name: "keyward-bench", targets: ["keyward-bench"]),
        .executable(name: "keyward-fuzz", targets: ["keyward-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // MARK: Kubernetes-free building blocks

        /// Durations, clocks and small shared value types; depends only on the readdir fix below.
        .target(name: "KeywardCore", dependencies: ["CDirectoryEntry"], swiftSettings: swiftSettings),
        /// A `readdir` that returns whole `struct dirent`s: Foundation's Process.run() over-reads glibc's entries.
        .target(name: "CDirectoryEntry", linkerSettings: [.linkedLibrary("dl")]),

        /// Keys, certificate issuance, CRLs, chain verification. No Kubernetes knowledge.
        .target(
            name: "KeywardPKI",
            dependencies: [
                "KeywardCore",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),

        /// Atomic multi-file directory output (the kubelet's `..data` symlink swap).
        .target(name: "AtomicDirectory", dependencies: ["KeywardCore", "CFilesystemSync"], swiftSettings: swiftSettings),
        /// `syncfs(2)`, which Swift's Glibc module does not declare: the group commit's one flush per round.
        .target(name: "CFilesystemSync"),

        /// Password, token, UUID, key and basic-auth generators from a cryptographic RNG.
        .target(
            name: "SecretGenerators",
            dependencies: [
                "KeywardCore", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),

        /// Rotation strategies (immediate, staged, dual-write, blue-green) as a pure state machine over Secret data.
        .target(
            name: "RotationStrategies",
            dependencies: ["KeywardCore", "SecretGenerators", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),

        /// The `wait-for-certs` gate: decides whether certificate files on disk are ready to serve.
        .target(
            name: "CertificateGate",
            dependencies: ["KeywardCore", "KeywardPKI", .product(name: "X509", package: "swift-certificates")],
            swiftSettings: swiftSettings
        ),

        /// Signed webhook notifications and Alertmanager pushes for alert-class transitions: cooldown, retries, dead
        /// letters. KubernetesClient for its libcurl transport only; no Kubernetes types.
        .target(
            name: "Notifications",
            dependencies: [
                "KeywardCore", "KubernetesClient", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        /// RFC 8555 ACME client (JWS, nonces, accounts, orders, revocation, ARI). Uses KubernetesClient only for
        /// its libcurl transport (CurlTransport, HTTPRequest, HTTPResponse, TLSSettings); no Kubernetes knowledge.
        .target(
            name: "ACME",
            dependencies: [
                "KeywardCore", "KubernetesClient",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),

        /// DNS messages, RFC 2136 dynamic updates signed with TSIG, and authoritative TXT lookups (ACME DNS-01).
        .target(
            name: "DNSUpdate",
            dependencies: [
                "KeywardCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        /// Served-certificate probes: a TLS handshake only (libcurl), the chain as sent, typed failures.
        .target(
            name: "TLSProbe",
            dependencies: ["CCurl", "KeywardCore", "KeywardPKI", .product(name: "X509", package: "swift-certificates")],
            swiftSettings: swiftSettings
        ),

        // MARK: Kubernetes access

        /// Typed C wrappers over libcurl (curl_easy_setopt is variadic and unusable from Swift).
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),

        /// libyaml's parser API from the system (Debian's libyaml-dev). Its own module name, so it never meets the
        /// private copy Yams bundles as `CYaml`.
        .systemLibrary(name: "CLibYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),

        /// Kubernetes API machinery and a client over libcurl's multi interface.
        .target(
            name: "KubernetesClient",
            dependencies: [
                "CCurl",
                "CLibYAML",
                "KeywardCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        /// Built-in Kubernetes resource models (core, apps, coordination).
        .target(name: "KubernetesResources", dependencies: ["KubernetesClient", "KeywardCore"], swiftSettings: swiftSettings),

        /// Keyward's custom resources: Certificate and SecretRotation. Types the Kubernetes-free modules define
        /// (rotation phases and strategies, generator options, SAN syntax) are used here, not mirrored.
        .target(
            name: "KeywardAPI",
            dependencies: [
                "KubernetesResources", "KubernetesClient", "KeywardCore", "RotationStrategies", "SecretGenerators",
                "KeywardPKI", "TLSProbe",
            ],
            swiftSettings: swiftSettings
        ),

        /// Informers, work queue, leader election, events, metrics: the machinery under every reconciler.
        .target(
            name: "ControllerRuntime",
            dependencies: [
                "KubernetesResources",
                "KubernetesClient",
                "KeywardCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Reconcilers

        /// Issues, renews, rotates and revokes `Certificate`s into Secrets, CRLs and shared-volume files.
        .target(
            name: "CertificateController",
            dependencies: [
                "ControllerRuntime", "KeywardAPI", "KeywardPKI", "AtomicDirectory", "KubernetesResources", "KubernetesClient", "DNSUpdate",
                "KeywardCore", "ACME", "TLSProbe", .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Prometheus", package: "swift-prometheus"),
                // The ACME HTTP-01 challenge listener (Signers/ACME/HTTP01/Listener) is a service of its own.
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        /// Generates and rotates Secret values on a schedule with verification, rollback and consumer tracking.
        .target(
            name: "SecretRotationController",
            dependencies: [
                "ControllerRuntime", "KeywardAPI", "RotationStrategies", "SecretGenerators", "KeywardCore",
                "KubernetesResources", "KubernetesClient", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        /// Notifications from status: alert classes read from Certificates and SecretRotations, an alert controller
        /// feeding the notifier, and the cluster's notification state (a ConfigMap).
        .target(
            name: "NotificationController",
            dependencies: ["Notifications", "ControllerRuntime", "KeywardAPI", "KubernetesResources", "KubernetesClient",
                           "RotationStrategies", .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: swiftSettings
        ),

        /// The `keyward sync` sidecar: mirrors a Secret into an atomic directory and runs a reload action.
        .target(
            name: "SecretSync",
            dependencies: ["KubernetesResources", "KubernetesClient", "AtomicDirectory", "KeywardCore"],
            swiftSettings: swiftSettings
        ),

        /// Standalone mode: a file-backed `ResourceStore` (manifests in, Secrets and status out) for running the
        /// reconcilers without a cluster.
        .target(
            name: "StandaloneStore",
            dependencies: [
                "ControllerRuntime", "KeywardAPI", "KubernetesResources", "KubernetesClient", "KeywardCore",
                "AtomicDirectory", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),

        /// The `keyward` command line: controller, run, status, wait-for-certs, sync, renew/revoke/rotate.
        .target(
            name: "KeywardCommands",
            dependencies: [
                "NotificationController", "Notifications", "CertificateController", "SecretRotationController", "SecretSync",
                "StandaloneStore", "CertificateGate", "AtomicDirectory",
                "ControllerRuntime", "KeywardAPI", "KeywardPKI", "KubernetesClient", "KubernetesResources", "KeywardCore",
                "RotationStrategies", "TLSProbe", .product(name: "X509", package: "swift-certificates"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Test infrastructure

        /// A faithful Kubernetes API server for tests and development (HTTPS, watches, CRDs).
        .target(
            name: "KubeAPIServer",
            dependencies: [
                "KeywardCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP2", package: "swift-nio-extras"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "keyward-apiserver",
            dependencies: [
                "KubeAPIServer", "KeywardCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        /// Test helpers shared by test targets: runs real tools (openssl, pkilint, kubectl) with bounded waits.
        .target(name: "KeywardTestSupport", dependencies: ["KeywardCore"], swiftSettings: swiftSettings),

        // MARK: Executables

        .executableTarget(
            name: "keyward",
            dependencies: ["KeywardCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "keyward-bench",
            dependencies: [
                "ACME", "CCurl", "KeywardTestSupport", "KeywardCommands", "ControllerRuntime", "CertificateController", "KeywardAPI", "KubernetesResources",
                "KeywardCore", "KeywardPKI", "KubernetesClient", "KubeAPIServer", "RotationStrategies",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        /// libFuzzer's entry point when scripts/fuzz.sh links it; a corpus replayer otherwise.
        .target(name: "CFuzzDriver"),
        /// Fuzz targets for what Keyward parses from outside: PEM/DER, watch streams, durations, manifests, kubeconfigs.
        .executableTarget(
            name: "keyward-fuzz",
            dependencies: [
                "CFuzzDriver", "KeywardPKI", "KeywardAPI", "KeywardCore", "KubernetesClient", "KubernetesResources",
                "StandaloneStore", "DNSUpdate", .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests

        .testTarget(name: "KeywardCoreTests", dependencies: ["KeywardCore", "KeywardTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "KeywardPKITests",
            dependencies: [
                "KeywardPKI", "KeywardTestSupport", .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AtomicDirectoryTests", dependencies: ["AtomicDirectory", "KeywardCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SecretGeneratorsTests",
            dependencies: [
                "SecretGenerators", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KubernetesClientTests",
            dependencies: ["KeywardTestSupport", "KubernetesClient", "KubernetesResources", "KubeAPIServer", "KeywardCore"],
            exclude: ["Fixtures"],  // read from the source tree by path (Fixtures.swift)
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ControllerRuntimeTests",
            dependencies: ["KeywardTestSupport", "ControllerRuntime", "KubeAPIServer", "KubernetesClient", "KubernetesResources", "KeywardCore",
                           .product(name: "Logging", package: "swift-log"), .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CertificateControllerTests",
            dependencies: ["KeywardTestSupport", "TLSProbe", "CertificateController", "ACME", "ControllerRuntime", "KubeAPIServer", "KubernetesClient", "KeywardAPI",
                           "KeywardPKI", "KubernetesResources", "KeywardCore", "StandaloneStore",
                           .product(name: "X509", package: "swift-certificates"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KubeAPIServerTests", dependencies: ["KeywardTestSupport", "KubeAPIServer", "KeywardCore"], swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RotationStrategiesTests", dependencies: ["RotationStrategies", "SecretGenerators"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TLSProbeTests",
            dependencies: ["TLSProbe", "KeywardTestSupport", "KeywardPKI", "KeywardCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CertificateGateTests", dependencies: ["CertificateGate", "KeywardPKI", "KeywardCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SecretRotationControllerTests",
            dependencies: ["KeywardTestSupport", "SecretRotationController", "RotationStrategies", "ControllerRuntime", "KubeAPIServer",
                           "KubernetesClient", "KubernetesResources", "KeywardAPI", "KeywardCore", "SecretGenerators",
                           .product(name: "Prometheus", package: "swift-prometheus")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SecretSyncTests",
            dependencies: ["KeywardTestSupport", "SecretSync", "KubeAPIServer", "KubernetesClient", "KubernetesResources",
                           "AtomicDirectory", "KeywardCore", "KeywardPKI"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KeywardCommandsTests",
            dependencies: ["KeywardTestSupport", "KeywardCommands", "StandaloneStore", "CertificateController", "KeywardPKI", "KeywardAPI",
                           "Notifications", "NotificationController", "AtomicDirectory",
                           "KeywardCore", "KubeAPIServer", "KubernetesClient", "KubernetesResources", "ControllerRuntime",
                           "RotationStrategies", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "X509", package: "swift-certificates")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NotificationsTests",
            dependencies: ["Notifications", "KeywardTestSupport", "KeywardCore",
                           .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ACMETests",
            dependencies: ["ACME", "KeywardTestSupport", "KeywardCore",
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "_CryptoExtras", package: "swift-crypto"),
                           .product(name: "X509", package: "swift-certificates"),
                           .product(name: "SwiftASN1", package: "swift-asn1")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DNSUpdateTests",
            dependencies: ["DNSUpdate", "KeywardTestSupport", "KeywardCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KeywardAPITests",
            dependencies: ["KeywardAPI", "KubernetesClient", "KeywardCore", "RotationStrategies", "SecretGenerators", "KeywardTestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
