#!/bin/sh
# Writes to both streams so log tests can tell stdout from stderr.
echo "demo-worker started (stdout)"
echo "demo-worker started (stderr)" >&2
n=0
while :; do
    n=$((n + 1))
    echo "worker tick $n stdout"
    echo "worker tick $n stderr" >&2
    sleep 1
done
