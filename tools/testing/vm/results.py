#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the results of a test run and check its kernel logs.

A run folder (run-tests.sh) holds host/ (host-side checks) and one folder
per architecture, ARCH/, with ARCH/results (build and harness steps) and
ARCH/vm-NAME (one VM boot each: plan, results/NAME.{tap,rc,kmemleak},
console.log, kmemleak.txt).  A folder with a results/ of its own at the
top (the harness self-test's runs) is counted as one unit.

Strict on purpose, so that a broken kernel cannot read as green:
- every leaf result counts once; a parent "not ok" is a failure of its
  own even when all its children passed;
- output without a plan, a plan whose count differs from the results, a
  duplicate result number, "Bail out!", "not ok ... # SKIP", and
  "# TODO" or "# XFAIL" are failures;
- a skip is a pass of nothing: it must be listed in the expectations file
  (tools/testing/vm/expected, "skip" lines), else it is a failure;
- a program named in the plan that left no results, or that exited with
  an error and no failed result, is a failure;
- WARN, BUG, Oops, lockdep, KASAN, UBSAN, KFENCE, hung task, soft lockup,
  RCU stall, dropped printk messages, kmemleak switching itself off,
  unbalanced runtime PM enables, and
  IOMMU faults not listed as expected ("klog" lines) fail the run,
  charged to the entry that was running, as does any kmemleak report
  not listed as expected ("leak" lines, matched against the object's
  backtrace).

Prints one line per failure and per unexpected result, a line per
architecture, and a last line "N passed, N failed, N skipped"; exits 1
when anything failed.
"""
import os
import re
import sys

RESULT = re.compile(r'^(\s*)(not ok|ok)\s+(\d+)\b\s*-?\s*([^#]*?)\s*(#\s*(\S+)\s*(.*))?$')
PLAN = re.compile(r'^(\s*)1\.\.(\d+)')
BAIL = re.compile(r'^\s*Bail out!')
KERNEL_BAD = re.compile(
    r'(WARNING:|BUG:|Oops|Kernel panic|general protection fault|'
    r'possible circular locking|possible recursive locking|'
    r'inconsistent lock state|suspicious RCU usage|'
    r'unreferenced object|list_add corruption|list_del corruption|'
    r'UBSAN:|KASAN:|KFENCE:|kernel BUG at|scheduling while atomic|'
    r'blocked for more than \d+ seconds|'
    r'soft lockup|rcu_\w+ detected stalls|rcu: INFO:|'
    r'printk messages dropped|kmemleak: .*disabled|Kernel memory leak detector disabled|'
    r'sleeping function called from invalid context|'
    r'Unbalanced pm_runtime_enable|ODEBUG:|'
    r'DMAR: \[DMA|DMAR: DRHD: handling fault|arm-smmu-v3.*event|'
    r'EEH: .*(failure|frozen))')
MARK = re.compile(r'vfio-harness: (begin|end) (\S+)')
HERE = os.path.dirname(os.path.abspath(__file__))


def load_expected(path=os.path.join(HERE, 'expected')):
    """Return {'skip': [...], 'klog': [...], 'leak': [...]} of
    (arch, entry, regex)."""
    exp = {'skip': [], 'klog': [], 'leak': [], 'stock': []}
    if not os.path.exists(path):
        return exp
    for line in open(path):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        kind, arch, entry, regex = line.split(None, 4)[:4]
        exp[kind].append((arch, re.compile(entry), re.compile(regex)))
    return exp


def expected(exp, kind, arch, entry, text):
    return any((a == 'all' or a == arch) and e.fullmatch(entry) and r.search(text)
               for a, e, r in exp[kind])


class Tap:
    """The counts of one TAP or KTAP text."""

    def __init__(self, text):
        self.passed = self.failed = self.skipped = 0
        self.failures = []   # names of failed results, with why
        self.skips = []      # names of skipped results
        self.problems = []   # structural faults (plan, numbering, bail out)
        self.outcomes = []   # (name, 'pass' | 'fail' | 'skip') of each result
        self.parse(text)

    def parse(self, text):
        results = []       # (indent, ok, number, name, directive)
        plans = {}         # indent -> [planned counts]
        counts = {}        # indent -> results seen since that level's plan
        numbers = {}       # indent -> numbers seen at that level
        top_plan = False
        for line in text.splitlines():
            line = line.rstrip('\r')
            if BAIL.match(line):
                self.problems.append(line.strip())
                continue
            p = PLAN.match(line)
            if p:
                ind = len(p.group(1).expandtabs(8))
                # A new plan at a level closes the subtests below it.
                for deeper in [i for i in counts if i > ind]:
                    self.check_count(plans, counts, deeper)
                    del counts[deeper]
                    numbers.pop(deeper, None)
                top_plan = top_plan or ind == 0
                if counts.get(ind) and ind not in plans:
                    # A trailing plan (TAP allows it last): it counts the
                    # results already seen at this level.
                    plans[ind] = int(p.group(2))
                    self.check_count(plans, counts, ind)
                    del counts[ind]
                    continue
                if ind in counts:
                    self.check_count(plans, counts, ind)
                plans[ind] = int(p.group(2))
                counts[ind] = 0
                numbers[ind] = set()
                continue
            m = RESULT.match(line)
            if not m:
                continue
            ind = len(m.group(1).expandtabs(8))
            for deeper in [i for i in counts if i > ind]:
                self.check_count(plans, counts, deeper)
                del counts[deeper]
                numbers.pop(deeper, None)
            num = int(m.group(3))
            seen = numbers.setdefault(ind, set())
            if num in seen:
                self.problems.append(f'duplicate result number {num}: {line.strip()}')
            seen.add(num)
            counts[ind] = counts.get(ind, 0) + 1
            results.append((ind, m.group(2) == 'ok', num, m.group(4).strip(),
                            (m.group(6) or '').upper(), (m.group(7) or '').strip()))
        for ind in list(counts):
            self.check_count(plans, counts, ind)
        if not top_plan and results:
            self.problems.append('no plan (1..N) at the top level')
        for i, (ind, ok, num, name, directive, why) in enumerate(results):
            parent = i > 0 and results[i - 1][0] > ind
            self.outcomes.append((name, 'skip' if directive == 'SKIP' and ok
                                  else 'pass' if ok and not directive else 'fail'))
            if directive == 'SKIP':
                if ok and not parent:
                    self.skipped += 1
                    self.skips.append((name, why))
                elif not ok:
                    self.failed += 1
                    self.failures.append(f'{name} (not ok with SKIP)')
                continue
            if directive in ('TODO', 'XFAIL'):
                self.failed += 1
                self.failures.append(f'{name} (# {directive} is not a pass)')
                continue
            if parent:
                # Its children were counted; a failed parent fails on
                # its own even when they all passed.
                if not ok:
                    self.failed += 1
                    self.failures.append(f'{name} (parent not ok)')
                continue
            if ok:
                self.passed += 1
            else:
                self.failed += 1
                self.failures.append(name)

    def check_count(self, plans, counts, ind):
        if ind in plans and counts.get(ind, 0) != plans[ind]:
            self.problems.append(f'plan 1..{plans[ind]} at indent {ind}, '
                                 f'{counts.get(ind, 0)} results')
        plans.pop(ind, None)


def unexpected_leaks(report, exp, arch, entry):
    """The kmemleak report's objects (one block each, "unreferenced
    object" to the end of its backtrace) that no "leak" line expects."""
    blocks = re.split(r'(?m)^(?=unreferenced object )', report)
    return [b for b in blocks if b.startswith('unreferenced object ')
            and not expected(exp, 'leak', arch, entry, b)]


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


def read(path):
    return open(path, errors='replace').read() if os.path.exists(path) else ''


def count_unit(unitdir, label, arch, exp, outcomes):
    """Count one folder of results; return [passed, failed, skipped].
    Appends (arch, entry, test, outcome) of every result to @outcomes."""
    tot = [0, 0, 0]

    def fail(msg):
        print(f'FAIL {label}{msg}')
        tot[1] += 1

    resdir = os.path.join(unitdir, 'results')
    names = sorted(n[:-4] for n in os.listdir(resdir) if n.endswith('.tap')) \
        if os.path.isdir(resdir) else []
    plan = os.path.join(unitdir, 'plan')
    if os.path.exists(plan):
        for line in open(plan):
            w = line.split()
            if w and not w[0].startswith('#') and w[0] not in names:
                fail(f'{w[0]}: never ran (the VM stopped early?)')
    for name in names:
        text = read(os.path.join(resdir, name + '.tap'))
        rctext = read(os.path.join(resdir, name + '.rc')).strip()
        rc = int(rctext) if rctext.lstrip('-').isdigit() else None
        t = Tap(text)
        if name.startswith('client-'):
            # Client steps name measured values; the entry as a whole is
            # what compares between runs.
            outcomes.append((arch, name, 'all', 'fail' if t.failed else 'pass'))
        else:
            outcomes.extend((arch, name, '_'.join(n.split()) or '-', o)
                            for n, o in t.outcomes)
        if t.problems or (not t.outcomes and rc not in (0, 4)):
            outcomes.append((arch, name, '-', 'fail'))
        tot[0] += t.passed
        tot[1] += t.failed
        for f in t.failures:
            print(f'FAIL {label}{name}: {f}')
        for why in t.problems:
            fail(f'{name}: {why}')
        for sname, why in t.skips:
            if expected(exp, 'skip', arch, name, sname):
                tot[2] += 1
            else:
                fail(f'{name}: {sname}: unexpected skip ({why})')
        if t.passed + t.failed + len(t.skips) == 0 and not t.problems:
            fail(f'{name}: no results (exit {rc})')
        elif rc not in (0, 4) and t.failed == 0:
            # 4 is kselftest's "skip" exit code.
            fail(f'{name}: exit status {rc} with no failed result')
        leak = unexpected_leaks(read(os.path.join(resdir, name + '.kmemleak')),
                                exp, arch, name)
        if leak:
            fail(f'{name}: kmemleak report after it or an entry before it ({len(leak)} objects, '
                 f'see {os.path.join(resdir, name + ".kmemleak")})')
    for entry, line in kernel_problems(read(os.path.join(unitdir, 'console.log'))):
        if not expected(exp, 'klog', arch, entry, line):
            fail(f'kernel log during {entry}: {line}')
    leaks = os.path.join(unitdir, 'kmemleak.txt')
    # The last scan's objects cannot be charged to one entry: an expected
    # leak is matched against any entry of this unit.
    last = read(leaks)
    for e in names:
        last = ''.join(unexpected_leaks(last, exp, arch, e))
    if last:
        fail(f'kmemleak: {last.count("unreferenced object")} objects reported '
             f'after the last entry, see {leaks}')
    return tot


def units_of(rundir):
    """(folder, label, arch) of every unit of a run folder."""
    if os.path.isdir(os.path.join(rundir, 'results')) or \
            os.path.exists(os.path.join(rundir, 'plan')):
        yield rundir, '', os.environ.get('ARCH', 'x86_64')
    for d in sorted(os.listdir(rundir)):
        sub = os.path.join(rundir, d)
        if not os.path.isdir(sub) or d in ('results', 'bin', 'tools'):
            continue
        if d.startswith('vm-'):
            yield sub, d[3:] + '/', os.environ.get('ARCH', 'x86_64')
            continue
        arch = d
        if os.path.isdir(os.path.join(sub, 'results')):
            yield sub, f'{d}/', arch
        for v in sorted(os.listdir(sub)):
            if v.startswith('vm-') and os.path.isdir(os.path.join(sub, v)):
                yield os.path.join(sub, v), f'{d}/{v[3:]}/', arch


def load_outcomes(path):
    """{(arch, entry, test): outcome} of an outcomes file (--dump)."""
    res = {}
    for line in open(path):
        w = line.split()
        if len(w) == 4 and not line.startswith('#'):
            res[tuple(w[:3])] = w[3]
    return res


def compare_stock(outcomes, stock, exp):
    """Fail every result that differs from the stock kernel's run of the
    same test, unless the expectations list it ("stock" lines)."""
    failed = compared = 0
    arches = {k[0] for k in stock}
    unknown = []
    for arch, entry, test, ours in outcomes:
        theirs = stock.get((arch, entry, test))
        if theirs is None:
            # A test added since the stock run of its architecture.
            if arch in arches and not entry.startswith('kunit-') and \
               entry not in ('harness-selftest', 'module-unload'):
                unknown.append(f'{arch}/{entry}: {test}')
            continue
        compared += 1
        if theirs == ours:
            continue
        if expected(exp, 'stock', arch, entry, test):
            continue
        print(f'FAIL {arch}/{entry}: {test}: {ours} here, {theirs} on stock 6.12 '
              f'(not a listed deliberate difference)')
        failed += 1
    print(f'stock parity: {compared} results compared with stock 6.12, '
          f'{len(unknown)} without a stock outcome yet '
          f'(added since the last make test-stock)')
    for u in unknown[:20]:
        print(f'  no stock outcome: {u}')
    return failed


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('rundir')
    ap.add_argument('--dump', metavar='FILE',
                    help='write "ARCH ENTRY TEST OUTCOME" of every result')
    ap.add_argument('--stock', metavar='FILE',
                    help='outcomes of the same suite on stock 6.12 (--dump of a '
                         'stock run): every unlisted difference fails')
    args = ap.parse_args()
    exp = load_expected()
    per_arch = {}
    outcomes = []
    for unitdir, label, arch in units_of(args.rundir):
        c = count_unit(unitdir, label, arch, exp, outcomes)
        acc = per_arch.setdefault(arch, [0, 0, 0])
        for i in range(3):
            acc[i] += c[i]
    if args.dump:
        with open(args.dump, 'w') as f:
            f.write('# ARCH ENTRY TEST OUTCOME (results.py --dump)\n')
            for o in sorted(set(outcomes)):
                f.write(' '.join(o) + '\n')
    if args.stock and os.path.exists(args.stock):
        n = compare_stock(outcomes, load_outcomes(args.stock), exp)
        per_arch.setdefault('stock-parity', [0, 0, 0])[1] += n
    totals = [sum(c[i] for c in per_arch.values()) for i in range(3)]
    if len(per_arch) > 1:
        for arch, c in per_arch.items():
            print(f'{arch}: {c[0]} passed, {c[1]} failed, {c[2]} skipped')
    print(f'{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped')
    return 1 if totals[1] else 0


if __name__ == '__main__':
    sys.exit(main())
