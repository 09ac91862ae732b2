#!/usr/bin/env bash
# Create (or reuse) the project's Python venv at <repo>/.venv with the pinned peers of
# tests/requirements.txt (botocore, boto3, moto[server]). Idempotent: a marker file holding the
# requirement hash makes a second run a no-op. Fails loudly on any error.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
req="$root/tests/requirements.txt"
marker="$venv/.picolambda-requirements.sha256"

die() { echo "python-env: error: $*" >&2; exit 1; }

[ -f "$req" ] || die "missing $req"

# Python 3.11 (what the vectors were produced with); fall back to any python3 >= 3.9.
py=""
for cand in "${PYTHON:-}" python3.11 python3; do
    [ -n "$cand" ] || continue
    if command -v "$cand" >/dev/null 2>&1 &&
        "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' 2>/dev/null; then
        py="$cand"
        break
    fi
done
[ -n "$py" ] || die "no python3 (>= 3.9) found; install python3.11 and python3.11-venv"

# The hash covers the requirements and the interpreter version, so a change to either rebuilds.
want="$( { cat "$req"; "$py" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)"

if [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ] && [ -x "$venv/bin/python" ] &&
    "$venv/bin/python" -c 'import botocore, boto3, moto' >/dev/null 2>&1; then
    :
else
    if [ -d "$venv" ] && ! [ -x "$venv/bin/python" ]; then
        rm -rf "$venv"
    fi
    if ! [ -x "$venv/bin/python" ]; then
        "$py" -m venv "$venv" || die "'$py -m venv' failed (on Debian: apt-get install python3-venv)"
    fi
    rm -f "$marker"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
        -r "$req" || die "pip install -r tests/requirements.txt failed"
    "$venv/bin/python" -c 'import botocore, boto3, moto' || die "installed packages do not import"
    echo "$want" >"$marker"
fi

ver="$("$venv/bin/python" -c 'import botocore; print(botocore.__version__)')" ||
    die "botocore does not import from $venv"
echo "python-env: ok (.venv, botocore $ver)"
