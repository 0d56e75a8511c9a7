#!/usr/bin/env python3
"""Writes the symbol ordering list of bosun's release link (server/link/hot-symbols.txt).

usage: hot_symbols.py BINARY OUT START.callgrind PAGES.callgrind

BINARY is the unstripped release binary both runs were made with; the START run is a start
and a sign-in, the PAGES run the same and then the first pages. Every function the binary
ran in them, first the start's, then the ones the pages added: the linker lays them out in
this order at the front of `.text`, so what a running server keeps resident is packed.
"""

import subprocess
import sys


def executed(path, binary):
    """Functions of `binary` with a cost in a callgrind output (names as the linker sees them)."""
    names, ob, fn = [], None, None
    seen = set()
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("ob="):
                ob = line[3:].strip()
            elif line.startswith("fn="):
                # Recursion levels are marked `name'2`.
                fn = line[3:].strip().split("'")[0]
            elif line[:1].isdigit() and fn and ob == binary and fn not in seen:
                seen.add(fn)
                names.append(fn)
    return names


def main():
    binary, out, start, pages = sys.argv[1:5]
    nm = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True)
    code = {p[2] for p in (line.split() for line in nm.stdout.splitlines()) if len(p) == 3 and p[1] in "tTwW"}
    first = [n for n in executed(start, binary) if n in code]
    known = set(first)
    then = [n for n in executed(pages, binary) if n in code and n not in known]
    if len(first) < 1000:
        sys.exit(f"only {len(first)} functions ran at start: was the binary built with its symbols?")
    with open(out, "w") as f:
        f.write("# Made by scripts/hot-symbols.sh: the code a start and a sign-in run, then what the\n")
        f.write("# first pages add. The release link lays it out first (server/build.rs).\n")
        f.write("\n".join(first + then) + "\n")
    print(f"{len(first)} functions at start and sign-in, {len(then)} more for the pages -> {out}")


if __name__ == "__main__":
    main()
