#!/bin/sh
# A first, hand-made certificate when the mounted directory has none yet: 30 days,
# self-signed, like the files the seed stacks start with.
set -eu
dir=/etc/nginx/certs
if [ ! -s "$dir/server.crt" ] || [ ! -s "$dir/server.key" ]; then
    mkdir -p "$dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
        -subj "/CN=${CERT_NAME:-proxy.demo}" -addext "subjectAltName=DNS:${CERT_NAME:-proxy.demo}" \
        -keyout "$dir/server.key" -out "$dir/server.crt" 2>/dev/null
    chmod 0600 "$dir/server.key"
    echo "entrypoint: made a self-signed certificate for ${CERT_NAME:-proxy.demo} in $dir" >&2
fi
exec "$@"
