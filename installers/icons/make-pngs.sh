#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Renders the PNG icons (hicolor sizes) from the SVG. Run after editing the SVG and commit the
# results; builds do not need rsvg-convert (Debian package librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")"
for s in 16 24 32 48 64 128 256 512; do
  mkdir -p "png/${s}x${s}"
  rsvg-convert -w "$s" -h "$s" dev.quarry.Quarry.svg -o "png/${s}x${s}/dev.quarry.Quarry.png"
done
# Windows: an .ico holding PNG images (valid since Windows Vista).
python3 - <<'PY'
import struct
sizes = [16, 24, 32, 48, 64, 256]
images = [open(f"png/{s}x{s}/dev.quarry.Quarry.png", "rb").read() for s in sizes]
out = struct.pack("<HHH", 0, 1, len(sizes))
offset = 6 + 16 * len(sizes)
for s, data in zip(sizes, images):
    out += struct.pack("<BBBBHHII", s % 256, s % 256, 0, 0, 1, 32, len(data), offset)
    offset += len(data)
open("../windows/quarry.ico", "wb").write(out + b"".join(images))
PY
