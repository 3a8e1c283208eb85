#!/usr/bin/env bash
# Debian's Chromium at /usr/bin/chromium, for the browser tests (tests/browser/) and
# scripts/lighthouse_budget.py. Playwright's own browser downloads are not used:
# they need a host that only the package registries can replace.
#
# Idempotent: exits 0 at once when /usr/bin/chromium is there. Otherwise installs
# the `chromium` package with apt-get (through sudo when not root).
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ -x "$CHROMIUM" ]]; then
    exit 0
fi

fail() {
    echo "install_chromium.sh: $*" >&2
    echo "install_chromium.sh: the browser tests need Debian's chromium package at $CHROMIUM." >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "$CHROMIUM is missing and apt-get is not available (not Debian/Ubuntu?); install Chromium so that $CHROMIUM exists."

if [[ "$(id -u)" -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    # Ask for a password only when someone can type it; in CI fail instead of hanging.
    if [[ -t 0 ]]; then SUDO=(sudo); else SUDO=(sudo -n); fi
else
    fail "$CHROMIUM is missing, and installing it needs root: run this script as root, or install sudo."
fi

echo "install_chromium.sh: installing Debian's chromium package (apt-get) ..." >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q || fail "apt-get update failed."
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium \
    || fail "apt-get install chromium failed."

[[ -x "$CHROMIUM" ]] || fail "the chromium package is installed but $CHROMIUM is not there (on Ubuntu the package is a snap stub; use a Debian image)."
"$CHROMIUM" --version >/dev/null 2>&1 || fail "$CHROMIUM is installed but does not start ($CHROMIUM --version failed)."
echo "install_chromium.sh: $("$CHROMIUM" --version 2>/dev/null)" >&2
