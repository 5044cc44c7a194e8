#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs a command with a real OS keychain: a private D-Bus session with an unlocked GNOME
# Keyring (the Secret Service QtKeychain talks to on Linux). Exit 77 (skipped) without them.
set -euo pipefail
for tool in dbus-run-session gnome-keyring-daemon secret-tool; do
  command -v "$tool" >/dev/null || { echo "with_keyring: $tool is missing (scripts/install-deps.sh --test installs it)"; exit 77; }
done
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export HOME="$home" XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" XDG_RUNTIME_DIR="$home/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
exec dbus-run-session -- bash -c 'eval "$(printf "quarry-test\n" | gnome-keyring-daemon --unlock --components=secrets)"; exec "$@"' keyring "$@"
