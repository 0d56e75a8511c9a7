#!/usr/bin/env bash
# Structural checks on the Rust sources; exits 1 naming every offender (0 with --warn, which
# prints the same report without failing).
#
#  bollard   No .rs file outside server/src/docker/ uses bollard (tests/ and benches/ may, to
#            set up scenarios): the engine's client and models stay in that room.
#  size      No file under server/src, frontend/src, xtask/src or fuzz/src has more than
#            400 lines before its first `#[cfg(test)]` line.
#  cycles    No import cycle between the files of one crate. Edges come from `use` trees and
#            inline paths starting with `crate::`, `super::` or `self::`, in the code before
#            `#[cfg(test)]`. `crate::a::b::C` is the file a/b.rs or a/b/mod.rs (a.rs or
#            a/mod.rs when b is an item there); an item a module re-exports (`pub use`) leads
#            to that module's file and on to the file that defines it. A module using its own submodules is containment,
#            not an import, so a room's mod.rs and its parts (which use `super::`) are no
#            cycle; a cycle always crosses between rooms or between siblings.
#
# Usage: scripts/check-structure.sh [--warn] [bollard|size|cycles]...
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
warn=0
checks=()
for arg in "$@"; do
    case "$arg" in
        --warn) warn=1 ;;
        bollard | size | cycles) checks+=("$arg") ;;
        *) echo "usage: $0 [--warn] [bollard|size|cycles]..." >&2; exit 2 ;;
    esac
done
if [[ ${#checks[@]} -eq 0 ]]; then checks=(bollard size cycles); fi

cd "$root"
python3 - "$warn" "${checks[@]}" <<'PY'
import os, re, subprocess, sys

warn = sys.argv[1] == "1"
checks = sys.argv[2:]
MAX_LINES = 400
SRC_DIRS = ["server/src", "frontend/src", "xtask/src", "fuzz/src"]

def rust_files():
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.rs"],
            check=True, capture_output=True, text=True).stdout.split()
        return sorted(f for f in out if os.path.isfile(f))
    except (OSError, subprocess.CalledProcessError):
        found = []
        for d, dirs, files in os.walk("."):
            dirs[:] = [x for x in dirs if x not in ("target", ".git", "node_modules")]
            found += [os.path.relpath(os.path.join(d, f)) for f in files if f.endswith(".rs")]
        return sorted(found)

def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()

def before_tests(text):
    """The file's text before its first `#[cfg(test)]` line, and that line count."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip().startswith("#[cfg(test)]"):
            return "\n".join(lines[:i]), i
    return text, len(lines) - (1 if text.endswith("\n") else 0)

CHAR = re.compile(r"'(?:\\u\{[0-9a-fA-F]+\}|\\x[0-9a-fA-F]{2}|\\.|[^\\'\n])'")
RAW = re.compile(r'(?:b|c)?r(#*)"')

def strip(text):
    """Code without comments, string contents or char literals (lines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i): depth, i = depth + 1, i + 2
                elif text.startswith("*/", i): depth, i = depth - 1, i + 2
                else:
                    if text[i] == "\n": out.append("\n")
                    i += 1
        elif (m := RAW.match(text, i)) and (i == 0 or not (text[i-1].isalnum() or text[i-1] == "_")):
            end = '"' + m.group(1)
            j = text.find(end, m.end())
            j = n if j < 0 else j + len(end)
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
        elif c == "'" and (m := CHAR.match(text, i)):
            out.append("' '")
            i = m.end()
        else:
            out.append(c)
            i += 1
    return "".join(out)

failures = []

def report(check, lines, count=None):
    if lines:
        failures.append(check)
        print(f"{check}: {len(lines) if count is None else count} problem(s)")
        for line in lines:
            print(f"  {line}")

# --- bollard ---------------------------------------------------------------------------
def check_bollard(files):
    uses = re.compile(r"\bbollard\s*::|\buse\s+bollard\b|\bextern\s+crate\s+bollard\b")
    bad = []
    for f in files:
        parts = f.split("/")
        if f.startswith("server/src/docker/") or "tests" in parts[:-1] or "benches" in parts[:-1]:
            continue
        code = strip(read(f)).split("\n")
        hits = [str(i + 1) for i, line in enumerate(code) if uses.search(line)]
        if hits:
            bad.append(f"{f} uses bollard (line {', '.join(hits[:5])}); "
                       "add a typed operation in server/src/docker/ and call that instead")
    report("bollard", bad)

# --- size ------------------------------------------------------------------------------
def check_size(files):
    bad = []
    for f in files:
        if not any(f.startswith(d + "/") for d in SRC_DIRS):
            continue
        _, count = before_tests(read(f))
        if count > MAX_LINES:
            bad.append(f"{f}: {count} lines before its tests (at most {MAX_LINES}); split it by job")
    report("size", bad)

# --- cycles ----------------------------------------------------------------------------
class Crate:
    def __init__(self, src, root_file, files):
        self.src, self.root = src, root_file
        self.modules = {}  # module path (tuple) -> file
        for f in files:
            rel = os.path.relpath(f, src)
            if f == root_file:
                self.modules[()] = f
                continue
            if rel in ("lib.rs", "main.rs") or rel.startswith("bin/"):
                continue  # another crate root (a binary beside the library)
            parts = rel[:-3].split("/")
            if parts[-1] == "mod":
                parts = parts[:-1]
            self.modules[tuple(parts)] = f
        self.module_of = {f: m for m, f in self.modules.items()}
        self.code = {f: strip(before_tests(read(f))[0]) for f in self.modules.values()}
        self.exports = {f: self.reexports(f) for f in self.modules.values()}

    def absolute(self, here, segs):
        """`crate::`/`self::`/`super::` path segments from module `here` -> absolute segments."""
        if not segs: return None
        if segs[0] == "crate": return list(segs[1:])
        if segs[0] in ("self", "super"):
            base = list(here)
            i = 0
            if segs[0] == "self": i = 1
            while i < len(segs) and segs[i] == "super":
                if not base: return None
                base.pop(); i += 1
            return base + list(segs[i:])
        # A bare path in a `use` tree: a submodule of `here` (else an external crate).
        if tuple(here) + (segs[0],) in self.modules:
            return list(here) + list(segs)
        return None

    def reexports(self, f):
        """name -> absolute path, and glob sources, for `pub use` in file f."""
        names, globs = {}, []
        here = self.module_of[f]
        for vis, tree in re.findall(r"\bpub(\s*\([^)]*\))?\s+use\s+([^;]+);", self.code[f]):
            for segs, alias, glob in expand(tree):
                a = self.absolute(here, segs)
                if a is None: continue
                if glob: globs.append(a)
                elif segs[-1] != "self": names[alias or segs[-1]] = a
                elif len(segs) > 1: names[alias or segs[-2]] = a[:-1]
        return names, globs

    def defines(self, f, name):
        return re.search(r"\b(fn|struct|enum|trait|type|const|static|mod|union|macro_rules!)\s+"
                         + re.escape(name) + r"\b", self.code[f]) is not None

    def resolve(self, segs, trail, depth=0):
        """The file defining `segs`; files that re-export it on the way are added to trail."""
        mod = ()
        i = 0
        while i < len(segs) and mod + (segs[i],) in self.modules:
            mod += (segs[i],); i += 1
        f = self.modules.get(mod)
        if f is None or i >= len(segs) or depth > 8:
            return f
        item = segs[i]
        names, globs = self.exports[f]
        if item in names:
            trail.append(f)
            return self.resolve(names[item] + list(segs[i + 1:]), trail, depth + 1) or f
        if not self.defines(f, item):
            for g in globs:
                target = self.resolve(g, [], depth + 1)
                if target and self.defines(target, item):
                    trail.append(f)
                    return self.resolve(g + list(segs[i:]), trail, depth + 1) or f
        return f

    def edges(self):
        graph = {}
        path = re.compile(r"(?<![\w:])((?:crate|self|super)(?:\s*::\s*(?:super|[A-Za-z_]\w*))+)")
        for f, code in self.code.items():
            here = self.module_of[f]
            found = []
            rest = re.sub(r"\buse\s+([^;]+);",
                          lambda m: found.extend(expand(m.group(1))) or "", code)
            found += [([s.strip() for s in p.split("::")], None, False) for p in path.findall(rest)]
            targets = set()
            for segs, _, glob in found:
                segs = [s for s in segs if s != "self"] if segs and segs[0] != "self" else segs
                a = self.absolute(here, segs)
                if a is None: continue
                trail = []
                defined = self.resolve(a, trail)
                for t in trail + [defined]:
                    if not t or t == f: continue
                    if self.module_of[t][:len(here)] == here:
                        continue  # a module using its own submodule: containment
                    targets.add(t)
            graph[f] = targets
        return graph

def expand(tree):
    """A use tree -> [(segments, alias, is_glob)]."""
    tree = re.sub(r"\s+", " ", tree).strip()
    if tree.startswith("::"): tree = tree[2:]
    out = []
    def walk(prefix, s):
        s = s.strip()
        if not s: return
        if s.endswith("}") and "{" in s:
            head, body = s.split("{", 1)
            head = [p.strip() for p in head.strip().rstrip(":").split("::") if p.strip()]
            for part in split_top(body[:-1]):
                walk(prefix + head, part)
            return
        alias = None
        m = re.match(r"(.*?)\s+as\s+(\w+)$", s)
        if m: s, alias = m.group(1), m.group(2)
        segs = prefix + [p.strip() for p in s.split("::") if p.strip()]
        if segs and segs[-1] == "*":
            out.append((segs[:-1], None, True))
        elif segs:
            out.append((segs, alias, False))
    walk([], tree)
    return out

def split_top(body):
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "{": depth += 1
        elif ch == "}": depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur); cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts

def cycles(graph):
    """Strongly connected components with more than one file (Tarjan), and one cycle in each."""
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)
    def visit(v):
        index[v] = low[v] = counter[0]; counter[0] += 1
        stack.append(v); on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: comps.append(sorted(comp))
    for v in sorted(graph):
        if v not in index: visit(v)
    found = []
    for comp in comps:
        members = set(comp)
        # Each file's shortest way back to itself, so every file shows in some listed loop.
        loops = set()
        for start in comp:
            prev, queue, back = {start: None}, [start], None
            while queue and back is None:
                v = queue.pop(0)
                for w in sorted(graph[v] & members):
                    if w == start: back = v; break
                    if w not in prev: prev[w] = v; queue.append(w)
            walk, v = [], back
            while v is not None: walk.append(v); v = prev[v]
            walk.reverse()
            i = walk.index(min(walk))
            loops.add(tuple(walk[i:] + walk[:i]))
        found.append((comp, sorted(loops, key=lambda l: (len(l), l))))
    return found

def check_cycles(files):
    bad, groups = [], 0
    for src in SRC_DIRS:
        mine = [f for f in files if f.startswith(src + "/")]
        roots = [r for r in (f"{src}/lib.rs", f"{src}/main.rs") if r in mine]
        if not roots: continue
        crate = Crate(src, roots[0], mine)
        for comp, loops in cycles(crate.edges()):
            groups += 1
            strip_src = lambda f: os.path.relpath(f, src)
            bad.append(f"{src}: {len(comp)} files import each other: {', '.join(map(strip_src, comp))}")
            for loop in loops:
                bad.append("    " + " -> ".join(map(strip_src, loop + (loop[0],))))
    report("cycles", bad, groups)

files = rust_files()
for check in checks:
    {"bollard": check_bollard, "size": check_size, "cycles": check_cycles}[check](files)
if failures:
    if warn:
        print(f"check-structure: {', '.join(failures)} would fail (--warn: not failing)")
        sys.exit(0)
    print(f"check-structure: failed: {', '.join(failures)}")
    sys.exit(1)
print("check-structure: bollard, file sizes and import cycles are fine"
      if len(checks) == 3 else f"check-structure: {', '.join(checks)} fine")
PY
