#!/bin/sh
# Writes to both streams so log tests can tell stdout from stderr. Whatever a test puts
# into /tmp/say (docker exec … sh -c 'echo hi > /tmp/say') is printed on the next tick.
echo "demo-worker started (stdout)"
echo "demo-worker started (stderr)" >&2
n=0
while :; do
    n=$((n + 1))
    echo "worker tick $n stdout"
    echo "worker tick $n stderr" >&2
    if [ -f /tmp/say ]; then
        cat /tmp/say
        rm -f /tmp/say
    fi
    sleep 1
done
