#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The built app as a person starts it, driven by real X input: a fresh home on its own Xvfb
# display, a query typed with xdotool, Ctrl+Enter, F6 to the results, Ctrl+A and Ctrl+C, and
# the clipboard (read with xclip) must hold the row the query made. Ctrl+Q then quits: the
# app exits 0, its sandbox child stops with it, and the app printed nothing (a Qt warning
# would be printed). Then text typed into the tab, the app killed with SIGKILL and started
# again: the tab comes back with the text. Usage: xvfb_smoke.sh QUARRY_BIN QUARRY_SANDBOX_BIN
set -euo pipefail
app=$1 sandbox=$2
for tool in Xvfb xdotool xclip; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is missing (scripts/install-deps.sh --test installs it)"
    exit 77
  fi
done

work=$(mktemp -d)
xvfb='' app_pid=''
cleanup() {
  [[ -n "$app_pid" ]] && kill -9 "$app_pid" 2>/dev/null || true
  pkill -9 -f "$work/" 2>/dev/null || true
  [[ -n "$xvfb" ]] && kill "$xvfb" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- what the app printed:"
  cat "$work/first.log" "$work/app.log" 2>/dev/null || true
  exit 1
}
mkdir -p "$work/home" && mkdir -m 700 "$work/run"

# Xvfb picks a free display and writes its number to fd 3.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$work/display" 2>"$work/xvfb.log" &
xvfb=$!
for _ in $(seq 100); do [[ -s "$work/display" ]] && break; sleep 0.1; done
[[ -s "$work/display" ]] || fail "Xvfb did not start: $(cat "$work/xvfb.log")"
export DISPLAY=":$(head -1 "$work/display")"

start_app() { # $1: log file
  env -i PATH="$PATH" HOME="$work/home" XDG_RUNTIME_DIR="$work/run" DISPLAY="$DISPLAY" LANG=C.UTF-8 \
    QUARRY_SANDBOX_BIN="$sandbox" "$app" >"$1" 2>&1 &
  app_pid=$!
}
start_app "$work/first.log"
win=$(timeout 30 xdotool search --sync --onlyvisible --name '^Quarry' | head -1) || fail "no Quarry window appeared"
xdotool windowfocus --sync "$win"
xdotool key --clearmodifiers ctrl+a
xdotool type --delay 5 "SELECT CONCAT('smoke-', CAST(6 * 7 AS STRING)) AS answer"

# Ctrl+Enter, then look: F6 moves to the results, Ctrl+A Ctrl+C copies them as TSV. Until the
# rows are there (the sandbox may still be starting): F6 back to the editor and run again.
# The typed text itself never contains "smoke-42", so a copy from the editor cannot pass.
# Each look waits a second longer (up to 5), so a slow run is not restarted over and over.
got='' wait_s=0
deadline=$((SECONDS + 90))
while ((SECONDS < deadline)); do
  xdotool key ctrl+Return
  ((wait_s < 5)) && wait_s=$((wait_s + 1))
  sleep "$wait_s"
  xdotool key F6 ctrl+a ctrl+c
  got=$(xclip -o -selection clipboard 2>/dev/null || true)
  [[ "$got" == *smoke-42* ]] && break
  xdotool key F6
done
[[ "$got" == $'answer\nsmoke-42'* ]] || fail "the grid did not show the row; the clipboard held: $got"
[[ -s "$work/first.log" ]] && fail "the app printed something (a Qt warning?)"

# Typed text outlives a kill -9: back in the editor (F6), type, wait until the tab is on disk,
# kill the app, start it again: the editor holds the text.
xdotool key F6 ctrl+a
xdotool type --delay 5 "SELECT 'survived' AS kept"
for _ in $(seq 100); do grep -rqs "survived" "$work/home/.local/share" && break; sleep 0.1; done
grep -rqs "survived" "$work/home/.local/share" || fail "the typed tab never reached the disk"
disown "$app_pid" # (else bash reports the kill)
kill -9 "$app_pid"
for _ in $(seq 50); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
for _ in $(seq 50); do pgrep -f "$work/" >/dev/null || break; sleep 0.1; done
start_app "$work/app.log"
win=$(timeout 30 xdotool search --sync --onlyvisible --name '^Quarry' | head -1) || fail "no Quarry window after the restart"
xdotool windowfocus --sync "$win"
got=''
# Copy from where the focus is; F6 moves it between the results and the editor meanwhile.
for _ in $(seq 50); do
  xdotool key ctrl+a ctrl+c
  got=$(xclip -o -selection clipboard 2>/dev/null || true)
  [[ "$got" == "SELECT 'survived' AS kept" ]] && break
  xdotool key F6
  sleep 0.2
done
[[ "$got" == "SELECT 'survived' AS kept" ]] || fail "after kill -9 the tab came back as: $got"

xdotool key ctrl+q
for _ in $(seq 150); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$app_pid" 2>/dev/null && fail "Ctrl+Q did not quit"
code=0
wait "$app_pid" || code=$?
app_pid=''
((code == 0)) || fail "the app exited with $code"
sleep 0.5
pgrep -f "$work/" >/dev/null && fail "the sandbox outlived the app"
[[ -s "$work/app.log" ]] && fail "the app printed something (a Qt warning?)"
echo "PASS: typed, Ctrl+Enter, F6, copied 'smoke-42' from the grid; the tab outlived kill -9; Ctrl+Q quit cleanly"
