#!/usr/bin/env bash
# Refreshes the icons bosun draws (frontend/icons/*.svg) from the lucide-static package on
# npm, at the pinned version, with its licence. frontend/build.rs inlines them at build time
# as SVG markup: no icon font, no CDN, no request from the browser.
# Usage: scripts/icons.sh   (then commit frontend/icons/)
set -euo pipefail
version=1.87.0
icons=(layers list-checks scroll-text archive shield-check link history users settings user
    ellipsis play square rotate-ccw scaling circle-arrow-up undo-2 search
    sun moon monitor external-link)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "lucide-static@$version" >/dev/null && tar xzf "lucide-static-$version.tgz")
out="$root/frontend/icons"
rm -rf "$out" && mkdir -p "$out"
cp "$work/package/LICENSE" "$out/LICENSE"
for name in "${icons[@]}"; do
    cp "$work/package/icons/$name.svg" "$out/$name.svg"
done
echo "lucide-static $version: ${#icons[@]} icons in $out"
