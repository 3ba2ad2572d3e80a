#!/usr/bin/env bash
# Set up nwbzarr in ./.venv with a Python >= 3.12 found on this machine, then run a task.
#   bash scripts/dev.sh demo    install nwbzarr and run the demo on an embedded example
#   bash scripts/dev.sh test    install nwbzarr with its test extra and run the whole test suite
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    local candidates=(python3.13 python3.12 python3 python)
    if command -v pyenv >/dev/null 2>&1; then
        local root
        root=$(pyenv root)
        for v in "$root"/versions/3.1[2-9]*; do
            [ -x "$v/bin/python" ] && candidates+=("$v/bin/python")
        done
    fi
    for c in "${candidates[@]}"; do
        if "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
            echo "$c"
            return 0
        fi
    done
    echo "nwbzarr needs Python >= 3.12; none found (tried ${candidates[*]})" >&2
    return 1
}

task=${1:-test}
shift || true
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
    rm -rf .venv
    "$(find_python)" -m venv .venv
fi
pip_install() { .venv/bin/python -m pip install --quiet --disable-pip-version-check "$@"; }

case "$task" in
    demo)
        pip_install -e ".[plot]"
        exec .venv/bin/nwbzarr demo "$@"
        ;;
    test)
        pip_install -e ".[test]"
        set +e
        .venv/bin/python -m pytest "$@"
        code=$?
        set -e
        # pytest exits 5 when it collected nothing: that is a failure of the suite, not a pass.
        exit $code
        ;;
    *)
        echo "usage: bash scripts/dev.sh demo|test [args...]" >&2
        exit 2
        ;;
esac
