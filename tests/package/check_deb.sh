#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The `package` test: builds the .deb with CPack from a configured and built tree, unpacks it
# into a scratch root (dpkg-deb -x, no root needed), checks the payload and runs the
# installed programs from there.
# Usage: check_deb.sh BUILD_DIR VERSION        (exit 77 = skipped: no dpkg-deb here)
set -euo pipefail
build=$1; version=$2
command -v dpkg-deb >/dev/null || { echo "dpkg-deb not found: skipped"; exit 77; }
work=$(mktemp -d)
trap 'kill "${sandbox_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >/dev/null) || fail "cpack -G DEB"
deb=$(ls "$work"/out/quarry_"$version"_*.deb 2>/dev/null | head -n1 || true)
[[ -f "$deb" ]] || fail "no quarry_${version}_*.deb produced"
echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

# Metadata: version and the dependencies dpkg-shlibdeps found in the binaries.
[[ "$(dpkg-deb -f "$deb" Version)" == "$version" ]] || fail "package version is not $version"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libqt6widgets6 libcurl4 libssl3 libqscintilla2-qt6 libsimdjson; do
  [[ "$depends" == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done

root="$work/root"
dpkg-deb -x "$deb" "$root"
for bin in quarry quarry-cli quarry-sandbox; do
  [[ -x "$root/usr/bin/$bin" ]] || fail "usr/bin/$bin missing or not executable"
done
desktop="$root/usr/share/applications/dev.quarry.Quarry.desktop"
metainfo="$root/usr/share/metainfo/dev.quarry.Quarry.metainfo.xml"
[[ -f "$desktop" ]] || fail "desktop file missing"
[[ -f "$metainfo" ]] || fail "metainfo missing"
desktop-file-validate "$desktop" || fail "desktop-file-validate"
grep -q '^MimeType=.*application/sql' "$desktop" || fail "no .sql association in the desktop file"
appstreamcli validate --no-net "$metainfo" || fail "appstreamcli validate"
grep -q "release version=\"$version\"" "$metainfo" || fail "metainfo release is not $version"
[[ -f "$root/usr/share/icons/hicolor/scalable/apps/dev.quarry.Quarry.svg" ]] || fail "scalable icon missing"
for s in 16 24 32 48 64 128 256 512; do
  icon="$root/usr/share/icons/hicolor/${s}x${s}/apps/dev.quarry.Quarry.png"
  [[ -f "$icon" ]] || fail "icon ${s}x${s} missing"
  file "$icon" | grep -q "PNG image data, $s x $s" || fail "icon ${s}x${s} is not a ${s}x${s} PNG"
done
[[ -f "$root/usr/share/doc/quarry/copyright" ]] || fail "usr/share/doc/quarry/copyright missing"

# The installed programs run and agree on the version.
for bin in quarry-cli quarry-sandbox; do
  out=$("$root/usr/bin/$bin" --version)
  [[ "$out" == "$bin $version" ]] || fail "$bin --version printed '$out'"
done

# Smoke test: the installed sandbox serves, the installed CLI queries it.
"$root/usr/bin/quarry-sandbox" --port 0 --data "$work/data" --project p > "$work/sandbox.out" 2>&1 &
sandbox_pid=$!
for _ in $(seq 100); do grep -q '^listening on' "$work/sandbox.out" && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$work/sandbox.out")
[[ -n "$url" ]] || fail "the installed quarry-sandbox did not start: $(cat "$work/sandbox.out")"
"$root/usr/bin/quarry-cli" --endpoint "$url" --project p ls >/dev/null || fail "quarry-cli ls"
answer=$("$root/usr/bin/quarry-cli" --endpoint "$url" --project p --format csv query --no-history 'SELECT 40 + 2 AS answer')
[[ "$answer" == *"42"* ]] || fail "query answered: $answer"
echo "package OK: $(basename "$deb"), installed quarry-cli and quarry-sandbox $version work"
