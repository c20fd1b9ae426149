#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Structure checks of our kernel code, from the source (every
architecture's files at once, whatever the kernel configuration):

  static      a function or variable that is not static, not exported,
              and named in no other file of ours: it should be static
  prototype   a prototype or extern declaration in one of our files with
              no definition of that name anywhere in our files
  cycle       .c files that depend on each other in a cycle (file A uses
              a non-static function or variable defined in file B, and
              B, maybe through others, uses one of A's).  The cycles that
              exist are listed in check-cycles.known, one per line as the
              sorted file names of its strongly connected component; a
              component that is not a subset of a known one is a finding.

Prints one line per finding and exits 1 when there is any.  Needs
universal-ctags.
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
KNOWN = os.path.join(HERE, "check-cycles.known")


def our_files():
    out = []
    for root, _, names in os.walk(os.path.join(REPO, "drivers/vfio")):
        out += [os.path.relpath(os.path.join(root, n), REPO)
                for n in names if n.endswith((".c", ".h"))]
    inc = os.path.join(REPO, "include/linux")
    out += ["include/linux/" + n for n in os.listdir(inc)
            if n.startswith("vfio") and n.endswith(".h")]
    return sorted(out)


def tags(files):
    cmd = ["ctags", "--output-format=json", "--languages=C",
           "--language-force=C", "--kinds-C=fvpx", "--fields=+nKfSe",
           "--extras=+F", "-o", "-"] + files
    res = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True,
                         check=True)
    return [t for t in map(json.loads, res.stdout.splitlines())
            if t.get("_type") == "tag"]


COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'",
                     re.S)
IDENT = re.compile(r"\b[A-Za-z_]\w*\b")


def code_lines(path):
    """The file's lines without comments and string literals."""
    with open(os.path.join(REPO, path), encoding="utf-8") as f:
        text = f.read()
    text = COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return text.split("\n")


def main():
    files = our_files()
    all_tags = tags(files)
    cfiles = [f for f in files if f.endswith(".c")]

    # Identifier uses per file: name -> {file: set(line numbers)}.
    uses = {}
    for f in files:
        for n, line in enumerate(code_lines(f), 1):
            for name in IDENT.findall(line):
                uses.setdefault(name, {}).setdefault(f, set()).add(n)

    exported = {name for f in cfiles for line in code_lines(f)
                for name in re.findall(
                    r"\bEXPORT_SYMBOL(?:_GPL)?(?:_FOR_MODULES)?\s*\(\s*(\w+)",
                    line)}

    # Lines where a name is declared or defined, which are not uses.
    decl_lines = {}
    for t in all_tags:
        decl_lines.setdefault(t["name"], set()).add((t["path"], t["line"]))

    def used_outside(name, home):
        for f, lines in uses.get(name, {}).items():
            if f == home:
                continue
            if any((f, n) not in decl_lines[name] for n in lines):
                return True
        return False

    findings = []
    defs = {}	# non-static definitions in .c files: name -> {file}
    defined = set()
    for t in all_tags:
        if t["kind"] in ("function", "variable"):
            defined.add(t["name"])
        if (t["kind"] in ("function", "variable") and not t.get("file")
                and t["path"].endswith(".c") and not t["name"].startswith("__")
                and not static_after_type(t)):
            defs.setdefault(t["name"], set()).add(t["path"])

    for name, homes in sorted(defs.items()):
        if name in exported:
            continue
        for home in sorted(homes):
            if not used_outside(name, home):
                findings.append("%s: static: '%s' is used in this file only"
                                % (home, name))

    # Prototypes in .c files are mostly macro calls to ctags; check the
    # headers.  A variable with an attribute (bool x __read_mostly;) is
    # not seen by ctags as a definition: look for it in the source.
    for t in all_tags:
        if (t["kind"] in ("prototype", "externvar") and
                t["path"].endswith(".h") and t["name"] not in defined and
                not defined_in_source(t["name"], cfiles)):
            findings.append("%s:%d: prototype: '%s' is declared but never "
                            "defined" % (t["path"], t["line"], t["name"]))

    # File graph of the .c files through their non-static symbols.
    edges = {f: set() for f in cfiles}
    for name, homes in defs.items():
        for f in uses.get(name, {}):
            if f.endswith(".c") and f not in homes:
                for h in homes:
                    edges[f].add(h)

    for comp in sccs(edges):
        if len(comp) < 2:
            continue
        findings += check_cycle(sorted(comp), edges, defs, uses)

    for line in findings:
        print(line)
    return 1 if findings else 0


def static_after_type(tag):
    """A variable of an inline struct type: 'static const struct {' on an
    earlier line, '} name[] = {' on the tag's line."""
    if tag["kind"] != "variable" or not tag["pattern"].startswith("/^}"):
        return False
    with open(os.path.join(REPO, tag["path"]), encoding="utf-8") as f:
        lines = f.read().split("\n")
    for line in reversed(lines[:tag["line"] - 1]):
        if line[:1] not in ("", "\t", " ", "}", "#", "/", "*"):
            return line.startswith("static")
    return False


MACRO = re.compile(r"^#define\s+(\w+)\(([^)]*)\)((?:.*\\\n)*.*)", re.M)


def macro_definitions(cfiles):
    """Names that macros with ## define where our .c files use them:
    '#define M(bits) int f##bits(...)' and 'M(8);' define f8."""
    names = set()
    for f in cfiles:
        text = "\n".join(code_lines(f))
        for m in MACRO.finditer(text):
            params = [a.strip() for a in m.group(2).split(",")]
            pasted = re.findall(r"(\w*)##(\w+)", m.group(3))
            if not pasted:
                continue
            for call in re.finditer(r"^%s\(([^)]*)\)" % m.group(1), text,
                                    re.M):
                args = dict(zip(params,
                                (a.strip() for a in call.group(1).split(","))))
                for prefix, param in pasted:
                    names.add(prefix + args.get(param, param))
    return names


def defined_in_source(name, cfiles):
    if name in macro_definitions(cfiles):
        return True
    pat = re.compile(r"^(?!extern\b)[A-Za-z_].*\b%s\b\s*(?:__\w+\s*)?[=;\[]"
                     % re.escape(name), re.M)
    for f in cfiles:
        if pat.search("\n".join(code_lines(f))):
            return True
    return False


def load_known():
    known = []
    if os.path.exists(KNOWN):
        with open(KNOWN, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].split()
                if line:
                    known.append(set(line))
    return known


def check_cycle(comp, edges, defs, uses):
    inside = set(comp)
    desc = []
    for f in comp:
        for h in sorted(edges[f] & inside):
            names = sorted(n for n, homes in defs.items()
                           if h in homes and f in uses.get(n, {}))
            desc.append("  %s -> %s (%s)" % (f, h, ", ".join(names[:4]) +
                                             (", ..." if len(names) > 4 else "")))
    print("cycle: " + " ".join(comp) + "\n" + "\n".join(desc),
          file=sys.stderr)
    if any(inside <= k for k in load_known()):
        return []
    return ["%s: cycle: new cycle between %s (not in %s)" %
            (comp[0], " ".join(comp), os.path.relpath(KNOWN, REPO))]


def sccs(graph):
    """Tarjan's strongly connected components, iteratively."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    out.append(comp)
    return out


if __name__ == "__main__":
    sys.exit(main())
