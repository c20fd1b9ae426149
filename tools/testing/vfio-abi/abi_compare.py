#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the userspace ABI of two versions of a uAPI header.

Usage: abi_compare.py [-v] STOCK_HEADER OUR_HEADER

The stock header is the reference.  Everything it defines must exist in ours
with the same value or layout, and ours must not define anything more.  The
result is printed as TAP, one test per category, with "# " lines naming each
item that differs.  Exit status is 0 only when every category passes.

What is compared:
  - macro names, and whether each is object-like or function-like (arity)
  - values of integer constant macros (value, signedness and size)
  - the expansion of the other object-like macros (strings, empty guards)
  - function-like macros: evaluated on sample arguments when they yield
    integer constants, else compared by expansion
  - the set of structs/unions; sizeof and _Alignof of each
  - every member of every struct/union (name, order, type, offset, size,
    bitfield position, anonymous union nesting) as seen by pahole in the
    DWARF of a probe object, on x86_64 and, when the compiler can, i386
  - every enumerator value and the sizeof of named enums
  - that the header compiles alone as C and C++, with no warning that the
    stock header does not also produce
"""

import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

CC = os.environ.get("CC", "gcc")
CXX = os.environ.get("CXX", "g++")
PAHOLE = os.environ.get("PAHOLE", "pahole")

# Kernel-only annotations that headers_install strips; the raw uAPI source
# may use them, so define them away for userspace probes.
KDEFS = ["-D__user=", "-D__force=", "-D__iomem="]
# linux/types.h needs asm/types.h; for -m32 point at the x86_64 copy, whose
# contents are the same for both ABIs.
MULTIARCH = "/usr/include/x86_64-linux-gnu"

VERBOSE = False


class Side:
    """One header plus the scratch directory its probes are built in."""

    def __init__(self, label, header, workdir):
        self.label = label
        self.header = os.path.abspath(header)
        self.dir = os.path.join(workdir, label)
        os.makedirs(self.dir, exist_ok=True)

    def path(self, name):
        return os.path.join(self.dir, name)


def run(cmd, **kw):
    if VERBOSE:
        sys.stderr.write("+ " + " ".join(cmd) + "\n")
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kw)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --------------------------------------------------------------------------
# Reporting

class Report:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def result(self, ok, title, problems=(), note=""):
        self.n += 1
        if not ok:
            self.failed += 1
        line = "%s %d - %s" % ("ok" if ok else "not ok", self.n, title)
        if note:
            line += " " + note
        print(line)
        for p in problems:
            print("#   " + p)
        sys.stdout.flush()

    def check(self, title, problems, count=None):
        note = "(%d compared)" % count if count is not None else ""
        self.result(not problems, title, problems, note)

    def skip(self, title, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, title, why))


# --------------------------------------------------------------------------
# Compiling probes

def compile_lines(side, name, prelude, lines, extra_flags, link=False):
    """Build a probe from numbered item lines, dropping those that fail.

    lines is a list of (key, code) pairs, each code a single source line.  On
    a compile error the offending item lines are replaced by their fallback
    and the build is retried.  Returns (binary_or_object, set of keys that
    failed to compile).
    """
    bad = set()
    src = side.path(name + ".c")
    out = side.path(name + (".bin" if link else ".o"))
    for _ in range(8):
        body = []
        first = prelude.count("\n") + 1
        linemap = {}
        for i, (key, code, fallback) in enumerate(lines):
            linemap[first + i] = key
            body.append(fallback if key in bad else code)
        write(src, prelude + "\n".join(body) + "\n" + POSTLUDE.get(name, ""))
        cmd = [CC] + extra_flags + ["-o", out, src]
        if not link:
            cmd.insert(1, "-c")
        r = run(cmd)
        if r.returncode == 0:
            return out, bad
        hit = set()
        for m in re.finditer(re.escape(src) + r":(\d+):(?:\d+:)? (?:fatal )?error",
                             r.stderr):
            ln = int(m.group(1))
            if ln in linemap:
                hit.add(linemap[ln])
        if not hit - bad:
            raise RuntimeError("probe %s for %s does not build:\n%s" %
                               (name, side.label, r.stderr[-3000:]))
        bad |= hit
    raise RuntimeError("probe %s for %s: too many retries" % (name, side.label))


POSTLUDE = {}


def macro_table(side, flags=()):
    """Macros the header defines: name -> (params or None, body)."""
    def dm(text):
        src = side.path("dm.c")
        write(src, text)
        r = run([CC, "-E", "-dM"] + KDEFS + list(flags) + [src])
        if r.returncode:
            raise RuntimeError("%s: preprocessing failed:\n%s" %
                               (side.label, r.stderr))
        table = {}
        for line in r.stdout.splitlines():
            m = re.match(r"#define (\w+)(\([^)]*\))?\s?(.*)$", line)
            if m:
                params = None
                if m.group(2) is not None:
                    params = [p.strip() for p in m.group(2)[1:-1].split(",")
                              if p.strip()]
                table[m.group(1)] = (params, m.group(3).strip())
        return table

    base = dm("#include <linux/types.h>\n#include <linux/ioctl.h>\n")
    full = dm("#include <linux/types.h>\n#include <linux/ioctl.h>\n"
              '#include "%s"\n' % side.header)
    return {k: v for k, v in full.items() if k not in base or base[k] != v}


def strip_comments(side):
    """The header text with comments removed and includes not expanded."""
    r = run([CC, "-fpreprocessed", "-dD", "-E", "-P", "-x", "c", side.header])
    if r.returncode:
        raise RuntimeError("%s: cannot strip comments:\n%s" % (side.label, r.stderr))
    return r.stdout


def enum_table(text):
    """(tags, enumerators) declared by the header text: enumerators in order."""
    tags = []
    names = []
    body_re = re.compile(r"\benum\s*(\w*)\s*\{([^}]*)\}", re.S)
    for m in body_re.finditer(text):
        if m.group(1):
            tags.append(m.group(1))
        for item in m.group(2).split(","):
            item = re.sub(r"#.*", "", item).strip()
            mm = re.match(r"(\w+)", item)
            if mm:
                names.append(mm.group(1))
    return tags, names


# --------------------------------------------------------------------------
# pahole

def pahole_blocks(obj):
    r = run([PAHOLE, obj])
    if r.returncode:
        raise RuntimeError("pahole failed on %s:\n%s" % (obj, r.stderr))
    blocks = collections.OrderedDict()
    cur = None
    for line in r.stdout.splitlines():
        m = re.match(r"^(struct|union) (\w+) \{$", line)
        if cur is None and m:
            cur = "%s %s" % (m.group(1), m.group(2))
            blocks[cur] = [line]
            continue
        if cur is not None:
            blocks[cur].append(line)
            if line.startswith("}"):
                cur = None
    return blocks


MEMBER_RE = re.compile(r"^(?P<decl>.*?);\s*/\*\s*(?P<pos>[^*]*?)\s*\*/$")
DECL_RE = re.compile(r"^(?P<type>.*?)\s*\b(?P<name>\w+)\s*(?P<dims>(?:\[\d*\])*)"
                     r"(?:\s*:\s*(?P<bits>\d+))?$")


def parse_block(lines):
    """pahole block -> (members dict in order, summary dict, normalized text)."""
    members = collections.OrderedDict()
    summary = {}
    stack = []
    anon = 0
    for raw in lines[1:]:
        line = raw.strip()
        if not line:
            continue
        if line.startswith("/*"):
            m = re.match(r"/\* size: (\d+)", line)
            if m:
                summary["size"] = int(m.group(1))
            m = re.search(r"members: (\d+)", line)
            if m:
                summary["members"] = int(m.group(1))
            continue
        if re.match(r"^(struct|union) \{$", line):
            anon += 1
            stack.append("anonymous %s #%d" % (line.split()[0], anon))
            continue
        if line.startswith("}") and stack:
            stack.pop()
            continue
        if line.startswith("}"):
            summary["tail"] = " ".join(line.split())
            continue
        m = MEMBER_RE.match(line)
        if not m:
            members["?line%d" % len(members)] = {"raw": line}
            continue
        decl = m.group("decl")
        attr = ""
        am = re.search(r"\s+(__attribute__\(\(.*\)\))$", decl)
        if am:
            attr = am.group(1)
            decl = decl[:am.start()]
        d = DECL_RE.match(decl)
        if not d:
            members["?line%d" % len(members)] = {"raw": line}
            continue
        pos = m.group("pos").split()
        rec = {
            "type": " ".join((d.group("type") + " " + d.group("dims")).split()),
            "attr": attr,
            "bits": d.group("bits") or "",
            "in": " > ".join(stack),
            "offset": pos[0].rstrip(":") if pos else "?",
            "bitoffset": pos[1] if len(pos) == 3 else "",
            "size": pos[-1] if pos else "?",
        }
        members[d.group("name")] = rec
    text = [" ".join(l.split()) for l in lines if l.strip()]
    return members, summary, text


def compare_layouts(stock_blocks, our_blocks, names, arch):
    problems = []
    for name in names:
        if name not in stock_blocks:
            problems.append("%s: no debug info for stock (probe error)" % name)
            continue
        if name not in our_blocks:
            problems.append("%s [%s]: missing in ours" % (name, arch))
            continue
        sm, ss, st = parse_block(stock_blocks[name])
        om, os_, ot = parse_block(our_blocks[name])
        here = []
        for mem in sm:
            if mem not in om:
                here.append("%s.%s [%s]: member missing in ours" % (name, mem, arch))
        for mem in om:
            if mem not in sm:
                here.append("%s.%s [%s]: member not in stock" % (name, mem, arch))
        common_s = [m for m in sm if m in om]
        common_o = [m for m in om if m in sm]
        if common_s != common_o:
            here.append("%s [%s]: member order differs: stock %s, ours %s" %
                        (name, arch, ",".join(common_s), ",".join(common_o)))
        for mem in common_s:
            for field in ("type", "attr", "offset", "size", "bits",
                          "bitoffset", "in", "raw"):
                a = sm[mem].get(field, "")
                b = om[mem].get(field, "")
                if a != b:
                    here.append("%s.%s [%s]: %s is '%s' in ours, stock '%s'" %
                                (name, mem, arch, field, b, a))
        for field in ("size", "members", "tail"):
            if ss.get(field) != os_.get(field):
                here.append("%s [%s]: %s is %s in ours, stock %s" %
                            (name, arch, field, os_.get(field), ss.get(field)))
        if not here and st != ot:
            diff = [l for l in ot if l not in st][:3]
            here.append("%s [%s]: pahole output differs: %s" %
                        (name, arch, " | ".join(diff)))
        problems.extend(here)
    return problems


def probe_object(side, flags, tag, enum_tags=()):
    src = side.path("layout_%s.c" % tag)
    text = ("#include <linux/types.h>\n#include <linux/ioctl.h>\n"
            '#include "%s"\n' % side.header)
    # Anchor named enums so their DWARF is emitted too.
    for t in enum_tags:
        text += "enum %s *__abi_enum_%s;\n" % (t, t)
    write(src, text)
    obj = side.path("layout_%s.o" % tag)
    r = run([CC, "-c", "-g", "-fno-eliminate-unused-debug-types"] + KDEFS +
            list(flags) + ["-o", obj, src])
    if r.returncode:
        return None, r.stderr
    return obj, ""


def baseline_blocks(side, flags, tag):
    src = side.path("base_%s.c" % tag)
    write(src, "#include <linux/types.h>\n#include <linux/ioctl.h>\n")
    obj = side.path("base_%s.o" % tag)
    r = run([CC, "-c", "-g", "-fno-eliminate-unused-debug-types"] + list(flags) +
            ["-o", obj, src])
    if r.returncode:
        return {}
    return pahole_blocks(obj)


# --------------------------------------------------------------------------
# Values: one generated program per side prints every integer item.

PRELUDE = r"""
#include <stdio.h>
#include <stddef.h>
#include <linux/types.h>
#include <linux/ioctl.h>
#include "%s"
#define P(key, e) printf("%%s %%lld %%d %%zu\n", key, (long long)(e), \
			 (__typeof__(e))-1 < 0, sizeof(e))
#define F(key) printf("%%s FAIL\n", key)
int main(void)
{
"""
POSTLUDE["values"] = "\treturn 0;\n}\n"
POSTLUDE["ice"] = "}\n"


def values(side, items):
    """items: list of (key, expr).  Returns dict key -> (value, signed, size)."""
    lines = [(k, "\tP(%s, %s);" % (c_string(k), e), "\tF(%s);" % c_string(k))
             for k, e in items]
    binary, bad = compile_lines(side, "values", PRELUDE % side.header, lines,
                                ["-std=gnu11", "-w"] + KDEFS, link=True)
    r = run([binary])
    if r.returncode:
        raise RuntimeError("%s: value probe crashed: %s" % (side.label, r.stderr))
    out = {}
    for line in r.stdout.splitlines():
        parts = line.split(" ")
        if parts[-1] == "FAIL":
            out[" ".join(parts[:-1])] = None
        else:
            out[" ".join(parts[:-3])] = (int(parts[-3]), parts[-2] == "1",
                                         int(parts[-1]))
    return out


def is_ice(side, exprs):
    """Which of exprs are integer constant expressions with this header."""
    # A case label must be an integer constant expression; strings and
    # empty macros are rejected while (1 << 31) is still accepted.
    lines = [(e, "\tswitch (x) { case (%s): break; }" % e, "") for e in exprs]
    _, bad = compile_lines(side, "ice",
                           "#include <linux/types.h>\n#include <linux/ioctl.h>\n"
                           '#include "%s"\nvoid f(int x);\nvoid f(int x)\n{\n'
                           % side.header, lines, ["-std=gnu11", "-w"] + KDEFS)
    return [e for e in exprs if e not in bad]


def expansions(side, items):
    """items: list of (key, text).  Returns key -> normalized expansion."""
    src = side.path("expand.c")
    text = '#include "%s"\n' % side.header
    for i, (_, t) in enumerate(items):
        text += "@@@%d@@@ %s @@@end@@@\n" % (i, t)
    write(src, text)
    r = run([CC, "-E", "-P"] + KDEFS + [src])
    out = {}
    for m in re.finditer(r"@@@(\d+)@@@(.*?)@@@end@@@", r.stdout, re.S):
        out[items[int(m.group(1))][0]] = " ".join(m.group(2).split())
    return out


def fmt(v):
    if v is None:
        return "missing/not an integer constant"
    val, signed, size = v
    return "%d (0x%x, %s, %d bytes)" % (val, val & ((1 << (8 * size)) - 1),
                                        "signed" if signed else "unsigned", size)


# --------------------------------------------------------------------------

def self_contained(side, lang, flags):
    """Warnings and errors when the header is compiled alone."""
    src = side.path("alone." + ("cc" if lang == "c++" else "c"))
    write(src, '#include "%s"\n' % side.header)
    compiler = CXX if lang == "c++" else CC
    r = run([compiler, "-fsyntax-only", "-x", lang] + KDEFS + flags + [src])
    msgs = []
    for line in r.stderr.splitlines():
        m = re.search(r":\d+:\d+: (warning|error): (.*)$", line)
        if m:
            msgs.append("%s: %s" % (m.group(1), m.group(2)))
    return r.returncode, msgs


SAMPLES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0xf, 0x10, 0xff, 0x7fffffff, -1]


def main(argv):
    global VERBOSE
    args = list(argv)
    if args and args[0] == "-v":
        VERBOSE = True
        args.pop(0)
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    work = tempfile.mkdtemp(prefix="vfio-abi.")
    try:
        return compare(args[0], args[1], work)
    finally:
        if os.environ.get("VFIO_ABI_KEEP"):
            sys.stderr.write("probes kept in %s\n" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def compare(stock_hdr, our_hdr, work):
    rep = Report()
    stock = Side("stock", stock_hdr, work)
    ours = Side("ours", our_hdr, work)

    # 1. Builds alone, C and C++, with no warning that stock lacks.
    for lang, title, flags in (
            ("c", "header compiles alone as C (-Wall -Wextra -Werror)",
             ["-std=gnu11", "-Wall", "-Wextra", "-Werror"]),
            ("c", "header adds no -std=c99 -pedantic warning over stock",
             ["-std=c99", "-pedantic", "-Wall", "-Wextra"]),
            ("c++", "header compiles alone as C++ (-Wall -Wextra -Werror)",
             ["-std=c++17", "-Wall", "-Wextra", "-Werror"]),
            ("c++", "header adds no C++ -pedantic warning over stock",
             ["-std=c++17", "-pedantic", "-Wall", "-Wextra"])):
        rc_o, msgs_o = self_contained(ours, lang, flags)
        rc_s, msgs_s = self_contained(stock, lang, flags)
        extra = collections.Counter(msgs_o) - collections.Counter(msgs_s)
        problems = ["ours: %s" % m for m in sorted(extra)]
        if rc_o and not rc_s:
            problems.insert(0, "ours fails to compile, stock compiles")
        rep.check(title, problems)

    # 2. Macros.
    sm = macro_table(stock)
    om = macro_table(ours)
    problems = ["%s: missing in ours" % n for n in sorted(sm) if n not in om]
    problems += ["%s: defined in ours, not in stock" % n
                 for n in sorted(om) if n not in sm]
    for n in sorted(set(sm) & set(om)):
        ps, po = sm[n][0], om[n][0]
        if (ps is None) != (po is None) or (ps and len(ps) != len(po)):
            problems.append("%s: stock is %s, ours is %s" % (
                n, "object-like" if ps is None else "function-like/%d" % len(ps),
                "object-like" if po is None else "function-like/%d" % len(po)))
    rep.check("macro name set", problems, len(sm))

    objlike = sorted(n for n in sm if sm[n][0] is None)
    funclike = sorted(n for n in sm if sm[n][0] is not None)
    int_macros = is_ice(stock, objlike)
    other_macros = [n for n in objlike if n not in int_macros]

    # Function-like: sample calls that fold to constants, else expansions.
    fcalls = []
    fexpand = []
    for n in funclike:
        k = len(sm[n][0])
        probe = "%s(%s)" % (n, ", ".join(["0"] * k))
        if k and is_ice(stock, [probe]):
            for s in SAMPLES:
                fcalls.append("%s(%s)" % (n, ", ".join([str(s)] * k)))
        else:
            fexpand.append(n)

    # 3. Enums.
    s_tags, s_enums = enum_table(strip_comments(stock))
    o_tags, o_enums = enum_table(strip_comments(ours))

    # 4. Structs and unions known to the stock header (x86_64 pahole).
    s_obj, err = probe_object(stock, [], "x86_64", s_tags)
    if not s_obj:
        raise RuntimeError("stock probe does not build:\n" + err)
    base = baseline_blocks(stock, [], "x86_64")
    s_blocks = pahole_blocks(s_obj)
    aggregates = [n for n in s_blocks if n not in base]

    items = [(n, n) for n in int_macros] + [(c, c) for c in fcalls]
    items += [("enum constant " + e, e) for e in s_enums]
    items += [("sizeof(enum %s)" % t, "sizeof(enum %s)" % t) for t in s_tags]
    for a in aggregates:
        items.append(("sizeof(%s)" % a, "sizeof(%s)" % a))
        items.append(("_Alignof(%s)" % a, "_Alignof(%s)" % a))
    sv = values(stock, items)
    ov = values(ours, items)

    def value_problems(keys):
        out = []
        for k in keys:
            if sv.get(k) is None:
                out.append("%s: stock probe did not evaluate (checker bug)" % k)
            elif ov.get(k) != sv[k]:
                out.append("%s: ours %s, stock %s" % (k, fmt(ov.get(k)), fmt(sv[k])))
        return out

    rep.check("integer macro values (ioctl numbers, flags, ids)",
              value_problems(int_macros), len(int_macros))

    se = expansions(stock, [(n, n) for n in other_macros] +
                    [(n, "%s(%s)" % (n, ", ".join("__arg%d" % i for i in
                                                   range(len(sm[n][0])))))
                     for n in fexpand])
    oe = expansions(ours, [(n, n) for n in other_macros if n in om] +
                    [(n, "%s(%s)" % (n, ", ".join("__arg%d" % i for i in
                                                   range(len(sm[n][0])))))
                     for n in fexpand if n in om])
    problems = []
    for n in other_macros + fexpand:
        if n not in om:
            problems.append("%s: missing in ours" % n)
        elif oe.get(n) != se.get(n):
            problems.append("%s: ours expands to '%s', stock to '%s'" %
                            (n, oe.get(n), se.get(n)))
    rep.check("non-integer macro expansions (strings, guards)", problems,
              len(other_macros) + len(fexpand))

    rep.check("function-like macros on sample arguments", value_problems(fcalls),
              len(fcalls))

    # Aggregates: the set, then size/alignment, then members.
    o_obj, err = probe_object(ours, [], "x86_64", [t for t in s_tags if t in o_tags])
    if not o_obj:
        rep.check("struct/union set", ["ours does not build: " + err.strip()[-500:]])
        o_blocks = {}
    else:
        o_base = baseline_blocks(ours, [], "x86_64")
        o_blocks = pahole_blocks(o_obj)
        o_aggr = [n for n in o_blocks if n not in o_base]
        problems = ["%s: missing in ours" % a for a in aggregates if a not in o_aggr]
        problems += ["%s: defined in ours, not in stock" % a
                     for a in o_aggr if a not in aggregates]
        rep.check("struct/union set", problems, len(aggregates))

    size_keys = [k for a in aggregates
                 for k in ("sizeof(%s)" % a, "_Alignof(%s)" % a)]
    rep.check("struct/union sizeof and alignment (x86_64)",
              value_problems(size_keys), len(aggregates))

    nmembers = sum(len(parse_block(s_blocks[a])[0]) for a in aggregates)
    rep.check("struct/union members: name, order, type, offset, size (x86_64)",
              compare_layouts(s_blocks, o_blocks, aggregates, "x86_64"), nmembers)

    m32 = ["-m32", "-I" + MULTIARCH]
    s32, err32 = probe_object(stock, m32, "i386", s_tags)
    if not s32:
        rep.skip("struct/union layout on i386 (-m32)",
                 "compiler cannot build -m32 objects")
    else:
        o32, err = probe_object(ours, m32, "i386", [t for t in s_tags if t in o_tags])
        if not o32:
            rep.check("struct/union layout on i386 (-m32)",
                      ["ours does not build with -m32: " + err.strip()[-500:]])
        else:
            rep.check("struct/union layout on i386 (-m32)",
                      compare_layouts(pahole_blocks(s32), pahole_blocks(o32),
                                      aggregates, "i386"), len(aggregates))

    problems = ["enum %s: missing in ours" % t for t in s_tags if t not in o_tags]
    problems += ["enum %s: defined in ours, not in stock" % t
                 for t in o_tags if t not in s_tags]
    problems += ["%s: enumerator defined in ours, not in stock" % e
                 for e in o_enums if e not in s_enums]
    enum_keys = ["enum constant " + e for e in s_enums]
    enum_keys += ["sizeof(enum %s)" % t for t in s_tags]
    problems += value_problems(enum_keys)
    rep.check("enum constants and enum sizes", problems, len(s_enums))

    print("1..%d" % rep.n)
    print("# %s: %d of %d checks passed (%d macros, %d structs/unions, "
          "%d members, %d enumerators)" % (
              "PASS" if not rep.failed else "FAIL", rep.n - rep.failed, rep.n,
              len(sm), len(aggregates), nmembers, len(s_enums)))
    return 1 if rep.failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except RuntimeError as e:
        print("Bail out! %s" % e)
        sys.exit(2)
