#!/usr/bin/env bash
# Make sure headless Chromium is installed: tests/test_render.py opens rendered digests in it.
# Idempotent; installs Debian's `chromium` package only when the binary is missing, and fails
# loudly when it cannot, so the browser test never runs without its browser.
set -euo pipefail

browser="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$browser" ]; then
    echo "Chromium at $browser"
    exit 0
fi

echo "installing chromium (apt-get)"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
        echo "ERROR: $browser is missing and installing it needs root (no sudo)" >&2
        exit 1
    }
    sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo_cmd[@]}" apt-get update -qq \
    || ! "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
    echo "ERROR: could not install chromium with apt-get" >&2
    exit 1
fi
if [ ! -x "$browser" ]; then
    echo "ERROR: chromium was installed but $browser does not exist; set CHROMIUM" >&2
    exit 1
fi
echo "Chromium installed at $browser"
