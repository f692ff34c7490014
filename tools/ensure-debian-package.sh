#!/usr/bin/env bash
# Usage: ensure-debian-package.sh <program> <debian-package>
# Makes sure <program> (a name on PATH or an absolute path) exists, installing <debian-package>
# with apt-get when it does not. Used by test setup for tools the project drives but does not
# ship (Chromium for the console's browser tests, nginx for the gateway example).
# Fails with a message naming the package when it cannot be installed.
set -euo pipefail
program=${1:?usage: ensure-debian-package.sh <program> <debian-package>}
package=${2:?usage: ensure-debian-package.sh <program> <debian-package>}

found() { if [[ "$program" == /* ]]; then [ -x "$program" ]; else command -v "$program" >/dev/null 2>&1; fi; }

found && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-debian-package: $program is missing and apt-get is not available; install the '$package' package" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else
    echo "ensure-debian-package: $program is missing; run as root or install '$package' (apt-get install $package)" >&2
    exit 1
  fi
fi
echo "ensure-debian-package: installing $package (for $program)" >&2
# One install at a time: parallel test workers may ask for the same package.
exec 9>/tmp/rl-ensure-debian-package.lock
flock 9
found && exit 0
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null || { echo "ensure-debian-package: apt-get update failed" >&2; exit 1; }
$sudo apt-get install -y -qq --no-install-recommends "$package" >/dev/null || { echo "ensure-debian-package: apt-get install $package failed" >&2; exit 1; }
found || { echo "ensure-debian-package: $package installed but $program is still missing" >&2; exit 1; }
