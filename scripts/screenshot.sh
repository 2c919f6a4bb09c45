#!/usr/bin/env bash
# Render a shiftcast report in headless Chromium, save a full-page screenshot per width, and
# check what the browser shows (scripts/browser/check.mjs): no horizontal scroll, every chart
# with data and a value on hover, no console errors.
#
#   scripts/screenshot.sh out/report.html SHOT_DIR [WIDTH ...]     (default widths 1400 400)
#
# Writes SHOT_DIR/report-WIDTH.png, each the whole page (not a fixed window). Exit 1 when a
# check fails. Needs /usr/bin/chromium (apt-get install chromium) and node; installs
# playwright-core into scripts/browser/node_modules on first use.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 REPORT.html SHOT_DIR [WIDTH ...]" >&2
  exit 2
fi
here="$(cd "$(dirname "$0")" && pwd)"
[ -f "$1" ] || { echo "$1: no such file" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { echo "chromium not found: install it with 'apt-get install -y chromium'" >&2; exit 1; }
if [ ! -d "$here/browser/node_modules/playwright-core" ]; then
  (cd "$here/browser" && npm ci --no-audit --no-fund --loglevel=error)
fi
exec node "$here/browser/check.mjs" "$@"
