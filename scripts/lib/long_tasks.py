#!/usr/bin/env python3
"""What the long tasks of a Chrome trace are made of.

Usage: python3 scripts/lib/long_tasks.py TRACE.json [MIN_MS]

The trace is one `E2E_FLOOD_TRACE=path scripts/browser-bench.sh --smoke` writes
(end2end/bench/flood.spec.ts). For each page's main thread (CrRendererMain): how many tasks it
ran, how many script calls from the browser it took (`FunctionCall`: event handlers, timers,
frames), and every task of MIN_MS (default 100) or longer with the trace events inside it,
by total time and count (nested events count in their parents too).
"""
import collections
import json
import sys


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        trace = json.load(f)
    least_us = float(sys.argv[2] if len(sys.argv) == 3 else 100) * 1000
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    threads = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("ph") == "M" and e.get("name") == "thread_name"
        and e.get("args", {}).get("name") == "CrRendererMain"
    }
    for thread in sorted(threads):
        done = sorted(
            (e for e in events
             if (e.get("pid"), e.get("tid")) == thread and e.get("ph") == "X" and "dur" in e),
            key=lambda e: (e["ts"], -e["dur"]),
        )
        tasks = [e for e in done if e["name"] == "RunTask"]
        if not tasks:
            continue
        calls = sum(1 for e in done if e["name"] == "FunctionCall")
        start = tasks[0]["ts"]
        longest = max(tasks, key=lambda e: e["dur"])
        print(f"main thread {thread}: {len(tasks)} tasks, {calls} script calls, "
              f"longest {longest['dur'] / 1000:.0f} ms")
        for task in (t for t in tasks if t["dur"] >= least_us):
            end = task["ts"] + task["dur"]
            total, count = collections.Counter(), collections.Counter()
            for e in done:
                if task["ts"] <= e["ts"] < end and e is not task:
                    total[e["name"]] += e["dur"]
                    count[e["name"]] += 1
            print(f"  task at {(task['ts'] - start) / 1000:.0f} ms: {task['dur'] / 1000:.0f} ms")
            for name, us in total.most_common(8):
                print(f"    {name:42s} {us / 1000:8.1f} ms  x{count[name]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
