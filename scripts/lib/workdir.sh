# shellcheck shell=bash
#
# One fixed place to build and test a committed checkout: `bosun_stable_workdir "$@"` re-runs
# the calling script (scripts/test.sh) from a git worktree-like copy of this checkout's HEAD
# in the build cache, and returns only when it does not (then the run stays where it is).
#
# Why: every CI run starts from a fresh clone in a new directory. Cargo then rebuilds bosun's
# own crates, because their files are newer than the last build, and rustc throws away its
# incremental caches, because the working directory is part of them. In one fixed directory
# that git updates, files that did not change keep their time stamps: a crate nobody touched
# is not compiled again, and one that changed is compiled incrementally.
#
# What runs there is exactly HEAD: `git checkout --force` of the commit and `git clean -dx`
# remove every file that is not in it, except end2end/node_modules (npm reinstalls it when
# package-lock.json changes; scripts/lib/toolchain.sh). A checkout with uncommitted changes
# runs in place, as does any run with BOSUN_TEST_IN_PLACE=1. (No variable set here reaches
# bosun: it refuses BOSUN_* settings it does not know, and the tests start it.)

BOSUN_WORKDIR=${XDG_CACHE_HOME:-$HOME/.cache}/bosun/workdir

bosun_stable_workdir() {
    local here=$BOSUN_ROOT head in_place=${BOSUN_TEST_IN_PLACE:-}
    unset BOSUN_TEST_IN_PLACE
    [ -z "$in_place" ] || [ "$in_place" = 0 ] || return 0
    [ "$here" != "$BOSUN_WORKDIR" ] || return 0
    command -v git >/dev/null 2>&1 && git -C "$here" rev-parse --verify -q HEAD >/dev/null || return 0
    if [ -n "$(git -C "$here" status --porcelain --untracked-files=normal)" ]; then
        bosun__log "uncommitted changes: testing this checkout in place ($here)"
        return 0
    fi
    head=$(git -C "$here" rev-parse HEAD)
    mkdir -p "$BOSUN_WORKDIR"
    # One run at a time in the fixed directory: another one still running there keeps it, and
    # this run stays in place. (A pid file, not flock: the engine or a server started by the
    # run would inherit a lock descriptor and hold it after the run.)
    local lock=$BOSUN_WORKDIR.pid other
    other=$(cat "$lock" 2>/dev/null || true)
    if [ -n "$other" ] && [ "$other" != "$$" ] && grep -qs 'test\.sh' "/proc/$other/cmdline"; then
        bosun__log "another run (pid $other) is using $BOSUN_WORKDIR: testing this checkout in place"
        return 0
    fi
    echo "$$" >"$lock"
    if [ ! -d "$BOSUN_WORKDIR/.git" ]; then
        git init -q "$BOSUN_WORKDIR"
    fi
    git -C "$BOSUN_WORKDIR" fetch -q --no-tags "$here" HEAD
    git -C "$BOSUN_WORKDIR" checkout -q --force --detach "$head"
    git -C "$BOSUN_WORKDIR" clean -q -d -x --force -e /end2end/node_modules
    if [ "$(git -C "$BOSUN_WORKDIR" rev-parse HEAD)" != "$head" ] ||
        git -C "$BOSUN_WORKDIR" status --porcelain --untracked-files=all --ignored=matching |
        grep -qv '^!! end2end/node_modules/$'; then
        bosun__fail "$BOSUN_WORKDIR is not an exact copy of $head"
        return 1
    fi
    bosun__log "testing $head in the fixed build directory $BOSUN_WORKDIR (unchanged crates stay built)"
    cd "$BOSUN_WORKDIR"
    # The crates that change are compiled incrementally (cargo leaves LTO builds, the wasm
    # bundle's, whole).
    export CARGO_INCREMENTAL=1
    exec "$BOSUN_WORKDIR/scripts/test.sh" "$@"
}
