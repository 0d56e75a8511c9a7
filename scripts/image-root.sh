#!/bin/sh
# Used inside the Dockerfile: gathers what the bosun binary at $1 needs to run on `scratch`
# into the root $2: the shared libraries it links (glibc), the CA certificates, an
# empty /tmp and the /data mount point. Nothing else: no shell, no package manager.
set -eu
bin=$1
root=$2
mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/data"
chmod 1777 "$root/tmp"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
# `ldd` names each library and the loader by path; copy the files themselves, not links.
for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
    cp --parents -L "$lib" "$root"
done
# The binary starts there, or the image is not built.
chroot "$root" /usr/local/bin/bosun --version >/dev/null
