#!/usr/bin/env python3
"""List Rust functions longer than a limit (issue 13: none in src/ over 150 lines, tests excepted).

    python3 scripts/long_functions.py [ROOT=src] [LIMIT=150]

A function runs from its `fn` line to the closing brace at the same indent (rustfmt layout);
`#[cfg(test)]` items are skipped. Prints `lines  path:line  name`, longest first."""
import os, re, signal, sys

signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under `| head`
LIMIT = int(sys.argv[2]) if len(sys.argv) > 2 else 150
root = sys.argv[1] if len(sys.argv) > 1 else "src"
fn_re = re.compile(r'^(\s*)(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)')
out = []
for dp, _, fs in os.walk(root):
    for f in fs:
        if not f.endswith(".rs"):
            continue
        p = os.path.join(dp, f)
        lines = open(p).read().split("\n")
        test_indent = None
        i = 0
        while i < len(lines):
            l = lines[i]
            if re.match(r'^\s*#\[cfg\(test\)\]', l):
                # skip the following item (mod tests { ... }) to its closing brace at same indent
                ind = len(l) - len(l.lstrip())
                j = i + 1
                while j < len(lines) and not lines[j].rstrip().endswith("{"):
                    j += 1
                k = j + 1
                while k < len(lines) and not (lines[k].startswith(" " * ind + "}") and len(lines[k]) - len(lines[k].lstrip()) == ind):
                    k += 1
                i = k + 1
                continue
            m = fn_re.match(l)
            if m:
                ind = len(m.group(1))
                # find the closing brace at the same indent
                k = i
                # single-line or declaration without body
                while k < len(lines) and not re.search(r'[{;]\s*$', lines[k]):
                    k += 1
                if k < len(lines) and lines[k].rstrip().endswith(";"):
                    i = k + 1
                    continue
                k += 1
                while k < len(lines) and not (lines[k].startswith(" " * ind + "}") and len(lines[k]) - len(lines[k].lstrip()) == ind):
                    k += 1
                n = k - i + 1
                if n > LIMIT:
                    out.append((n, p, i + 1, m.group(7)))
                i += 1  # nested fns are checked too
                continue
            i += 1
for n, p, ln, name in sorted(out, reverse=True):
    print(f"{n:5d}  {p}:{ln}  {name}")
