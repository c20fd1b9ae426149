#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the results of a test VM run and check its kernel log.

Reads RUNDIR/results/NAME.{tap,rc} written by guest-tests.sh (or by the
host checks) and RUNDIR/console.log, then the same in every RUNDIR/vm-NAME
folder (one per VM boot, see run-tests.sh).  Every leaf result line of
TAP (kselftest) or KTAP (KUnit, nested by indentation) counts once: a
result line is a leaf unless the result line before it is indented deeper
(its children).  A test
program that printed no results, fewer than its plan, or exited with an
error counts as a failure.  Any WARNING, BUG, lockdep report, Oops or
kmemleak report fails the run, charged to the entry that was running.

Prints one line per failure and a last line "N passed, N failed, N
skipped"; exits 1 when anything failed.
"""
import os
import re
import sys

RESULT = re.compile(r'^(\s*)(not ok|ok)\s+(\d+)\b\s*-?\s*([^#]*)(#\s*(\S+).*)?$')
PLAN = re.compile(r'^(\s*)1\.\.(\d+)')
KERNEL_BAD = re.compile(
    r'(WARNING:|BUG:|Oops|Kernel panic|general protection fault|'
    r'possible circular locking|possible recursive locking|'
    r'inconsistent lock state|suspicious RCU usage|'
    r'unreferenced object|list_add corruption|list_del corruption|'
    r'UBSAN:|KASAN:|kernel BUG at|scheduling while atomic|'
    r'new suspected memory leaks|hung_task|soft lockup|'
    r'sleeping function called from invalid context)')
MARK = re.compile(r'vfio-harness: (begin|end) (\S+)')


def parse_tap(text):
    """Return (passed, failed, skipped, failures[], plan_short)."""
    results = []
    top_plan = None
    for line in text.splitlines():
        line = line.rstrip('\r')
        m = RESULT.match(line)
        if m:
            indent = len(m.group(1).expandtabs(8))
            directive = (m.group(6) or '').upper()
            results.append((indent, m.group(2), m.group(4).strip(), directive))
            continue
        p = PLAN.match(line)
        if p and len(p.group(1)) == 0 and top_plan is None:
            top_plan = int(p.group(2))
    passed = failed = skipped = 0
    failures = []
    top_count = 0
    for i, (indent, status, name, directive) in enumerate(results):
        if indent == 0:
            top_count += 1
        if i > 0 and results[i - 1][0] > indent:
            continue  # a parent: its children were counted
        if directive == 'SKIP':
            skipped += 1
        elif status == 'ok' or directive in ('XFAIL', 'TODO'):
            passed += 1
        else:
            failed += 1
            failures.append(name)
    short = top_plan is not None and top_count < top_plan
    return passed, failed, skipped, failures, short


def kernel_problems(console):
    """Return [(entry, line)] for every bad kernel message."""
    current = 'boot'
    found = []
    for line in console.splitlines():
        m = MARK.search(line)
        if m:
            current = m.group(2) if m.group(1) == 'begin' else 'between tests'
            continue
        if KERNEL_BAD.search(line):
            found.append((current, line.strip()))
    return found


def count_unit(unitdir, label):
    """Count one folder of results; return (passed, failed, skipped)."""
    total_p = total_f = total_s = 0
    resdir = os.path.join(unitdir, 'results')
    names = sorted(n[:-4] for n in os.listdir(resdir) if n.endswith('.tap')) \
        if os.path.isdir(resdir) else []
    plan = os.path.join(unitdir, 'plan')
    if os.path.exists(plan):
        wanted = [l.split()[0] for l in open(plan) if l.strip() and not l.startswith('#')]
        for w in wanted:
            if w not in names:
                print(f'FAIL {label}{w}: never ran (the VM stopped early?)')
                total_f += 1
    for name in names:
        text = open(os.path.join(resdir, name + '.tap'), errors='replace').read()
        rcfile = os.path.join(resdir, name + '.rc')
        rc = int(open(rcfile).read().strip() or 1) if os.path.exists(rcfile) else None
        p, f, s, failures, short = parse_tap(text)
        total_p += p
        total_f += f
        total_s += s
        for t in failures:
            print(f'FAIL {label}{name}: {t}')
        if p + f + s == 0:
            print(f'FAIL {label}{name}: no results (exit {rc})')
            total_f += 1
        elif short:
            print(f'FAIL {label}{name}: fewer results than planned (exit {rc})')
            total_f += 1
        elif rc not in (0, 4) and f == 0:
            # 4 is kselftest's "skip" exit code.
            print(f'FAIL {label}{name}: exit status {rc} with no failed result')
            total_f += 1
    console = os.path.join(unitdir, 'console.log')
    log = open(console, errors='replace').read() if os.path.exists(console) else ''
    for entry, line in kernel_problems(log):
        print(f'FAIL {label}kernel log during {entry}: {line}')
        total_f += 1
    leaks = os.path.join(unitdir, 'kmemleak.txt')
    if os.path.exists(leaks) and open(leaks).read().strip():
        print(f'FAIL {label}kmemleak: leaks reported, see {leaks}')
        total_f += 1
    return total_p, total_f, total_s


def main():
    """RUNDIR itself is one unit; each RUNDIR/vm-NAME (one VM boot of a
    test profile) is another."""
    rundir = sys.argv[1]
    units = [(rundir, '')]
    for d in sorted(os.listdir(rundir)):
        if d.startswith('vm-') and os.path.isdir(os.path.join(rundir, d)):
            units.append((os.path.join(rundir, d), d[3:] + '/'))
    totals = [0, 0, 0]
    for unitdir, label in units:
        for i, n in enumerate(count_unit(unitdir, label)):
            totals[i] += n
    print(f'{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped')
    return 1 if totals[1] else 0


if __name__ == '__main__':
    sys.exit(main())
