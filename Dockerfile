# syntax=docker/dockerfile:1
# The Keyward image: one static-stdlib `keyward` binary on Debian slim (controller, sync sidecar, wait-for-certs,
# standalone run). Build from the repository root (docs/packaging.md):
#   docker build -t ghcr.io/keyward/keyward:0.1.0 .
#   docker buildx build --platform linux/amd64,linux/arm64 -t ghcr.io/keyward/keyward:0.1.0 --push .
ARG SWIFT_VERSION=6.3.1
ARG DEBIAN_RELEASE=bookworm

FROM swift:${SWIFT_VERSION}-${DEBIAN_RELEASE} AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libcurl4-openssl-dev libyaml-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The Swift runtime and Foundation are linked in; only glibc, libstdc++, libcurl and libyaml stay dynamic. lld packs
# the relative relocations (DT_RELR, glibc 2.36+; bookworm has 2.36): 25 KB of them instead of 3.4 MB read at every
# start, and 4.5 MiB less resident memory at idle (docs/benchmarks.md). scripts/check-link-flags.sh tries these flags.
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --product keyward --static-swift-stdlib -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/keyward" /out/keyward

FROM debian:${DEBIAN_RELEASE}-slim
# libcurl4: the Kubernetes client's HTTP; libyaml-0-2: its YAML reader (kubeconfigs, standalone manifests);
# ca-certificates: verifying HTTPS endpoints (verify.http, ACME); tzdata: SecretRotation schedules in IANA time zones.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libcurl4 libyaml-0-2 ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/keyward /usr/local/bin/keyward
# Numeric, so Kubernetes can check runAsNonRoot without reading /etc/passwd. 65532 is the conventional "nonroot".
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/keyward"]
CMD ["--help"]
