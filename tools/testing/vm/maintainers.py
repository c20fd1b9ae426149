#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check MAINTAINERS against the files of the repository.

Every file of the repository (tracked, or new and not ignored) must be matched by an F: pattern of some entry (and
not excluded there by an X: pattern), and every F:/X: pattern must match
at least one file, so that an entry cannot silently go stale.  Patterns
follow the kernel's rules (scripts/get_maintainer.pl): "dir/" is the
directory and everything below it, "*" and "?" match within one path
component, and a pattern naming a directory without the slash means the
same as with it.

Prints one line per finding and exits 1 when there is any.
"""
import os
import re
import subprocess
import sys


def compile_pattern(pat):
    """A predicate on repository-relative paths for one F:/X: pattern."""
    if pat.endswith('/'):
        return lambda f: f.startswith(pat)
    if any(c in pat for c in '*?['):
        rx = re.compile(''.join(
            '[^/]*' if c == '*' else '[^/]' if c == '?' else re.escape(c)
            for c in pat) + '$')
        return rx.match
    return lambda f: f == pat or f.startswith(pat + '/')


def read_entries(path):
    """[(name, [(kind, pattern, predicate)])] of the MAINTAINERS file."""
    entries = []
    name = None
    with open(path, encoding='utf-8') as fp:
        for line in fp:
            line = line.rstrip('\n')
            m = re.match(r'^([A-Z]):\s*(.*)$', line)
            if m and name is not None:
                kind, val = m.groups()
                if kind in 'FX':
                    entries[-1][1].append((kind, val, compile_pattern(val)))
            elif line and not line[0].isspace() and not m:
                name = line
                entries.append((name, []))
    # The free text before the first entry has no patterns: not an entry.
    return [e for e in entries if e[1]]


def main():
    repo = sys.argv[1] if len(sys.argv) > 1 else '.'
    os.chdir(repo)
    # Tracked files and new ones not yet added (but not ignored ones).
    files = subprocess.run(['git', 'ls-files', '--cached', '--others',
                            '--exclude-standard'], check=True,
                           capture_output=True, text=True).stdout.split()
    entries = read_entries('MAINTAINERS')
    findings = 0

    for f in files:
        owned = any(
            any(k == 'F' and p(f) for k, _, p in pats) and
            not any(k == 'X' and p(f) for k, _, p in pats)
            for _, pats in entries)
        if not owned:
            print(f'MAINTAINERS: no entry covers {f}')
            findings += 1

    for name, pats in entries:
        for kind, val, pred in pats:
            if not any(pred(f) for f in files):
                print(f'MAINTAINERS: {kind}: {val} ({name}) matches no file')
                findings += 1

    print(f'MAINTAINERS: {len(files)} files, {len(entries)} entries, '
          f'{findings} findings', file=sys.stderr)
    return 1 if findings else 0


if __name__ == '__main__':
    sys.exit(main())
