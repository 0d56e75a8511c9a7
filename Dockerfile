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

FROM ${DEBIAN_IMAGE} AS runtime-base
# libssl3: the passkey checks (webauthn-rs) use OpenSSL.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libssl3 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
# glibc's malloc raises its mmap threshold after the first large free, so each sign-in's
# argon2 working memory (19 MiB) would stay resident; a fixed threshold hands it back.
ENV BOSUN_DATA_DIR=/data \
    BOSUN_LISTEN=0.0.0.0:8443 \
    LEPTOS_SITE_ROOT=/app/site \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072
VOLUME /data
EXPOSE 8443
# Root inside the container: the mounted Docker socket is owned by root (or the docker group).
ENTRYPOINT ["/usr/local/bin/bosun"]
# bosun asks itself (its /healthz on loopback): no shell or curl needed in the image.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/bosun", "healthcheck"]

FROM runtime-base AS prebuilt
COPY target/release/bosun /usr/local/bin/bosun
COPY target/site /app/site

FROM rust:1-bookworm AS build
RUN rustup target add wasm32-unknown-unknown \
    && apt-get update && apt-get install -y --no-install-recommends nodejs npm
WORKDIR /src
COPY . .
RUN (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) \
    && PATH="/src/end2end/node_modules/.bin:$PATH" \
       cargo run --locked --manifest-path xtask/Cargo.toml -- build --release

FROM runtime-base AS runtime
COPY --from=build /src/target/release/bosun /usr/local/bin/bosun
COPY --from=build /src/target/site /app/site
