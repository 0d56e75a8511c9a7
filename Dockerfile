# bosun as a container. Two ways to get the binary in:
#
#   docker build --target prebuilt -t bosun .   # copies target/release/bosun and target/site,
#                                               # built on the host by `scripts/build.sh --release`
#   docker build -t bosun .                     # builds everything inside (needs a registry
#                                               # for the rust image and crates.io)
#
# Stages are ordered so that the legacy builder (Docker 20.10 without BuildKit) stops at
# `prebuilt` without touching the Rust stages; BuildKit skips unused stages anyway.

ARG DEBIAN_IMAGE=debian:bookworm-slim

# Debian only lends the parts: the image itself is `scratch` plus the binary, the shared
# libraries it links (glibc alone), the CA certificates and the site.
FROM ${DEBIAN_IMAGE} AS parts
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
COPY scripts/image-root.sh /usr/local/bin/image-root

FROM scratch AS runtime-base
# bosun's allocator settings are built into the binary (.cargo/config.toml).
ENV BOSUN_DATA_DIR=/data \
    BOSUN_LISTEN=0.0.0.0:8443 \
    LEPTOS_SITE_ROOT=/app/site
VOLUME /data
EXPOSE 8443
# Root inside the container: the mounted Docker socket is owned by root (or the docker group).
ENTRYPOINT ["/usr/local/bin/bosun"]
# bosun asks itself (its /healthz on loopback): no shell or curl in the image.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/bosun", "healthcheck"]

FROM parts AS prebuilt-root
COPY target/release/bosun /root-fs/usr/local/bin/bosun
RUN image-root /root-fs/usr/local/bin/bosun /root-fs

FROM runtime-base AS prebuilt
COPY --from=prebuilt-root /root-fs /
COPY target/site /app/site

FROM rust:1-bookworm AS build
RUN rustup target add wasm32-unknown-unknown \
    && apt-get update && apt-get install -y --no-install-recommends nodejs npm
WORKDIR /src
COPY . .
RUN (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) \
    && PATH="/src/end2end/node_modules/.bin:$PATH" \
       cargo run --locked --manifest-path xtask/Cargo.toml -- build --release

FROM parts AS runtime-root
COPY --from=build /src/target/release/bosun /root-fs/usr/local/bin/bosun
RUN image-root /root-fs/usr/local/bin/bosun /root-fs

FROM runtime-base AS runtime
COPY --from=runtime-root /root-fs /
COPY --from=build /src/target/site /app/site
