#!/usr/bin/env bash
# Render a shiftcast report in headless Chromium, save a screenshot, and check that the browser
# sees every chart with data in it.
#
#   scripts/screenshot.sh out/report.html shot.png
#
# The check reads the DOM as Chromium parsed it (--dump-dom) and counts, for each
# <svg class="chart">, the data marks (elements with class="mark"). It fails (exit 1) when the
# page has no chart, when any chart has no mark, or when the screenshot is missing.
# WINDOW=1400,4000 sets the window (and screenshot) size.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 REPORT.html SHOT.png" >&2
  exit 2
fi
report=$1
shot=$2
window=${WINDOW:-1400,4000}
[ -f "$report" ] || { echo "$report: no such file" >&2; exit 1; }

browser=""
for b in /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
  [ -x "$b" ] && { browser=$b; break; }
done
if [ -z "$browser" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing chromium (apt-get install -y chromium)..." >&2
    apt-get install -y chromium >/dev/null
    browser=/usr/bin/chromium
  else
    echo "chromium not found: install it with 'sudo apt-get install -y chromium'" >&2
    exit 1
  fi
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
url="file://$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --user-data-dir="$profile" --hide-scrollbars)

"$browser" "${flags[@]}" --screenshot="$shot" --window-size="$window" "$url" >/dev/null 2>"$profile/screenshot.log" || {
  cat "$profile/screenshot.log" >&2
  exit 1
}
[ -s "$shot" ] || { echo "no screenshot was written to $shot" >&2; exit 1; }

"$browser" "${flags[@]}" --dump-dom "$url" 2>"$profile/dom.log" >"$profile/dom.html" || {
  cat "$profile/dom.log" >&2
  exit 1
}

# One tag per line, then per chart: its id and the number of marks inside it.
sed 's/</\n</g' "$profile/dom.html" | awk '
  /^<svg[ >]/ && /class="chart"/ {
    inside = 1; marks = 0; id = "?"
    if (match($0, /id="[^"]*"/)) id = substr($0, RSTART + 4, RLENGTH - 5)
    next
  }
  inside && /class="mark"/ { marks++ }
  inside && /^<\/svg>/ {
    inside = 0; charts++
    printf "%-24s %6d marks\n", id, marks
    if (marks == 0) { empty++; print "  EMPTY: " id > "/dev/stderr" }
  }
  END {
    if (charts == 0) { print "no <svg class=\"chart\"> found in the page" > "/dev/stderr"; exit 1 }
    if (empty > 0) { printf "%d of %d charts are empty\n", empty, charts > "/dev/stderr"; exit 1 }
    printf "%d charts, all with data; screenshot saved\n", charts
  }'
