"""What a cold load of one page downloads of the site's bundle, from the release build's files.

Usage: bundle_size.py PKG_DIR ROUTE ENCODING [--css]
  PKG_DIR   target/site/pkg (the bundle is its one directory named by a digest)
  ROUTE     the split point, as frontend/src/routes.rs names it (services, login, other), or "all"
  ENCODING  br or gz: the precompressed copies bosun serves

Prints kilobytes (1000 bytes): the JS glue, the core wasm, the chunks' loader, every chunk the
route needs (the ones the page preloads, from __wasm_split_manifest.json), and the CSS with
--css. "all" counts every chunk once: what visiting every page moves.
"""

import json
import pathlib
import re
import sys


def main() -> None:
    pkg, route, encoding = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    css = "--css" in sys.argv[4:]
    dirs = [d for d in pkg.iterdir() if d.is_dir() and re.fullmatch(r"[0-9a-f]{12}", d.name)]
    if len(dirs) != 1:
        sys.exit(f"expected one bundle directory in {pkg}, found {len(dirs)}")
    bundle = dirs[0]
    manifest = json.loads((bundle / "__wasm_split_manifest.json").read_text())
    names = ["bosun.js", "bosun_bg.wasm"] + [p.name[: -len(".js.br")] + ".js" for p in bundle.glob("__wasm_split.*.js.br")]
    if css:
        names.append("bosun.css")
    if route == "all":
        chunks = sorted({c for needed in manifest.values() for c in needed})
    else:
        keys = [k for k in manifest if re.fullmatch(rf"{route}_page_[0-9]+", k)]
        if len(keys) != 1:
            sys.exit(f"the manifest has no split point {route!r}: {sorted(manifest)}")
        chunks = manifest[keys[0]]
    names += [f"{c}.wasm" for c in chunks]
    total = sum((bundle / f"{n}.{encoding}").stat().st_size for n in names)
    print(total / 1000)


if __name__ == "__main__":
    main()
