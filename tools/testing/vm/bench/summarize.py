#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the boots of a bench.sh session and fold their BENCH lines into
one comparison.

  summarize.py SESSION_DIR CSV MARKDOWN GNUPLOT_DATA

SESSION_DIR holds bench.sh's plan ("kernels ...", "clocks ...", "rounds
N" lines), the workloads each clock runs (workloads.<clock>, one name a
line) and one run folder per VM boot: r<round>-<kernel> for the -icount
clock, w<round>-<kernel> for the wall clock (kernel: stock,
stock-compat or ours), each with the guest's output, status and
console.log.

The run passes only if every planned boot is there (a VM that hung is
not booted again, so its later rounds are missing), exited 0, printed no
"# FAIL" line (vfio-bench's checks of its own work), left no kernel
WARN/BUG/lockdep/... report in its console (the patterns of results.py)
and reported a number for every workload of its clock, but for these
absences, which are facts of the kernel and not of the bench:
  stock          cdev_*: built without IOMMUFD ("# cdev: not offered")
  stock-compat   map_bar_1g, unmap_bar_1g: 6.12's iommufd cannot map
                 VM_PFNMAP memory (the BAR mapping) into an IOAS
Every reason it fails is printed, and the exit status is then 1.

Per workload, clock and kernel the value is the median over rounds of
the per-round medians; the spread is (max - min) / median of those, in
percent.  The peers of ours are the stock kernels: for a container row
the faster of stock (type1) and stock-compat (iommufd's compat
container), for a cdev_* row stock's own cdev path (stock-compat; in
one-kernel mode stock).  "ours/best" is ours over that peer, below 1.0
we are faster, and "goal" says whether the row meets its goal: at most
1.0, and at most 0.5 for map_anon_1g, bar_fault_1g and
bar_fault_1g_kernel (the ratio as printed, two decimals).  A missed goal is reported, not a failure.
Prints the table, writes it as CSV and as Markdown, and the ratios for
gnuplot (label, ratio) in the order of the table.
"""
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from results import KERNEL_BAD  # noqa: E402  the harness's list of kernel reports

ORDER = ("stock", "stock-compat", "ours")
SHORT = {"stock": "s", "stock-compat": "c", "ours": "o"}
PEERS = ("stock", "stock-compat")
PREFIX = {"icount": "r", "wall": "w"}
LINE = re.compile(r"^BENCH (\S+) (\S+) (\S+) (\S+)\s*$")
GOALS = {"map_anon_1g": 0.5, "bar_fault_1g": 0.5, "bar_fault_1g_kernel": 0.5}
GOAL_DEFAULT = 1.0
# Rows a kernel may leave n/a, and why (see the docstring).
ALLOWED_NA = {
    "stock": (re.compile(r"cdev_"), "# cdev: not offered by this kernel: "),
    "stock-compat": (re.compile(r"(un)?map_bar_1g$"), None),
}


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return None


def load_plan(session):
    plan = {"kernels": [], "clocks": [], "rounds": 0}
    for line in (read(os.path.join(session, "plan")) or "").splitlines():
        key, _, rest = line.partition(" ")
        if key == "rounds":
            plan["rounds"] = int(rest)
        elif key in plan:
            plan[key] = rest.split()
    work = {}
    for clock in plan["clocks"]:
        text = read(os.path.join(session, "workloads." + clock)) or ""
        work[clock] = text.split()
    return plan, work


def check_boot(folder, kernel, workloads, problems):
    """Parse one boot; append what is wrong with it to problems."""
    name = os.path.basename(folder)
    text = read(os.path.join(folder, "output"))
    if text is None:
        problems.append("%s: no output (the VM did not come up)" % name)
        text = ""
    status = (read(os.path.join(folder, "status")) or "").strip()
    if status != "0":
        problems.append("%s: exit status %s" % (name, status or "missing (VM hung or died)"))
    values, info = {}, {"release": "?", "nocdev": None}
    for line in text.splitlines():
        if line.startswith("# kernel "):
            info["release"] = line.split()[2]
        if line.startswith("# FAIL "):
            problems.append("%s: check failed: %s" % (name, line[len("# FAIL "):]))
        if line.startswith("# cdev: not offered by this kernel: "):
            info["nocdev"] = line.split(": ", 2)[2]
        m = LINE.match(line)
        if m:
            try:
                values[m.group(1)] = float(m.group(2))
            except ValueError:
                values[m.group(1)] = None
    for line in (read(os.path.join(folder, "console.log")) or "").splitlines():
        if KERNEL_BAD.search(line):
            problems.append("%s: kernel report: %s" % (name, line.strip()))
            break
    allowed = ALLOWED_NA.get(kernel)
    for w in workloads:
        if values.get(w) is not None:
            continue
        if allowed and allowed[0].match(w) and \
                (allowed[1] is None or allowed[1] in text):
            continue
        problems.append("%s: %s %s" % (name, w, "n/a" if w in values else "missing"))
    return values, info


def fold(values):
    """(median, spread %) over rounds, or (None, None)."""
    if not values:
        return None, None
    med = statistics.median(values)
    spread = 100.0 * (max(values) - min(values)) / med if med else 0.0
    return med, spread


def human(ns):
    if ns is None:
        return "n/a"
    for unit, div in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= div:
            return "%.3g %s" % (ns / div, unit)
    return "%.0f ns" % ns


def main():
    session, csv_path, md_path, dat_path = sys.argv[1:5]
    plan, work = load_plan(session)
    kernels = [k for k in ORDER if k in plan["kernels"]]
    problems = []
    if not kernels or not plan["clocks"] or plan["rounds"] < 1:
        problems.append("no plan in %s" % session)
    data = {}      # (clock, kernel) -> {workload: [per-round medians]}
    info = {k: {"release": "?", "nocdev": None, "boots": 0} for k in kernels}
    for clock in plan["clocks"]:
        for k in kernels:
            per = data.setdefault((clock, k), {})
            for r in range(1, plan["rounds"] + 1):
                folder = os.path.join(session, "%s%d-%s" % (PREFIX[clock], r, k))
                if not os.path.isdir(folder):
                    problems.append("%s: not booted (an earlier boot of %s hung or died)"
                                    % (os.path.basename(folder), k))
                    continue
                info[k]["boots"] += 1
                values, i = check_boot(folder, k, work[clock], problems)
                info[k]["release"] = i["release"]
                info[k]["nocdev"] = info[k]["nocdev"] or i["nocdev"]
                for w, v in values.items():
                    if v is not None:
                        per.setdefault(w, []).append(v)

    rows = []
    for clock in plan["clocks"]:
        for w in work[clock]:
            med, spr, cnt = {}, {}, {}
            for k in kernels:
                vals = data[(clock, k)].get(w, [])
                med[k], spr[k] = fold(vals)
                cnt[k] = len(vals)
            peers = [(med[k], k) for k in PEERS if k in kernels and med[k]]
            best = min(peers) if peers else (None, None)
            ours = med.get("ours")
            ratio = ours / best[0] if best[0] and ours is not None else None
            goal = GOALS.get(w, GOAL_DEFAULT)
            status = "n/a" if ratio is None else \
                ("met" if round(ratio, 2) <= goal else "missed")
            cdev = None
            if w.startswith("cdev_") and "ours" in kernels:
                c_med, _ = fold(data[(clock, "ours")].get(w[len("cdev_"):], []))
                if c_med and ours is not None:
                    cdev = ours / c_med
            rows.append(dict(work=w, clock=clock, med=med, spr=spr, cnt=cnt,
                             best=best, ratio=ratio, goal=goal, status=status,
                             cdev=cdev))

    def pct(v):
        return "n/a" if v is None else "%.0f" % v

    head = (["workload", "clock"] + kernels +
            ["best peer", "ours/best", "goal", "spread % " + "/".join(SHORT[k] for k in kernels),
             "rounds " + "/".join(SHORT[k] for k in kernels), "cdev/container"])
    table = [head]
    for r in rows:
        table.append([r["work"], r["clock"]] + [human(r["med"][k]) for k in kernels] +
                     [r["best"][1] or "n/a",
                      "n/a" if r["ratio"] is None else "%.2f" % r["ratio"],
                      "%s (<= %.1f)" % (r["status"], r["goal"]),
                      "/".join(pct(r["spr"][k]) for k in kernels),
                      "/".join(str(r["cnt"][k]) for k in kernels),
                      "" if r["cdev"] is None else "%.2f" % r["cdev"]])
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for i, r in enumerate(table):
        print("  ".join(c.ljust(widths[j]) if j < 2 else c.rjust(widths[j])
                        for j, c in enumerate(r)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    missed = [r["work"] + "@" + r["clock"] for r in rows if r["status"] == "missed"]
    kern_line = "; ".join("%s %s (%d boots)" % (k, info[k]["release"], info[k]["boots"])
                          for k in kernels)
    note = ("Peers: container rows, the faster of the stock kernels' "
            "containers (type1; iommufd's compat container); cdev_* rows, "
            "stock's own cdev path.  cdev/container is ours through the cdev "
            "over ours through the container.")
    nocdev = ["%s (%s)" % (k, info[k]["nocdev"]) for k in kernels if info[k]["nocdev"]]
    if nocdev:
        note += " No cdev path, so n/a: %s." % ", ".join(nocdev)
    print("kernels: " + kern_line)
    print("goals missed: %s" % (", ".join(missed) if missed else "none"))
    print(note)

    with open(csv_path, "w") as f:
        f.write(",".join(["workload", "clock"] +
                         ["%s_median_ns" % k.replace("-", "_") for k in kernels] +
                         ["best_peer", "ratio_ours_over_best", "goal", "goal_status"] +
                         ["%s_spread_pct" % k.replace("-", "_") for k in kernels] +
                         ["%s_rounds" % k.replace("-", "_") for k in kernels] +
                         ["ratio_cdev_over_container"]) + "\n")
        for r in rows:
            cells = [r["work"], r["clock"]]
            cells += ["" if r["med"][k] is None else "%.0f" % r["med"][k] for k in kernels]
            cells += [r["best"][1] or "",
                      "" if r["ratio"] is None else "%.4f" % r["ratio"],
                      "%.1f" % r["goal"], r["status"]]
            cells += ["" if r["spr"][k] is None else "%.1f" % r["spr"][k] for k in kernels]
            cells += [str(r["cnt"][k]) for k in kernels]
            cells.append("" if r["cdev"] is None else "%.4f" % r["cdev"])
            f.write(",".join(cells) + "\n")

    with open(md_path, "w") as f:
        f.write("| " + " | ".join(head) + " |\n")
        f.write("|" + "|".join([":--", ":--"] + ["--:"] * (len(head) - 2)) + "|\n")
        for r in table[1:]:
            f.write("| " + " | ".join(r) + " |\n")
        f.write("\nKernels: %s.\n\nGoals missed: %s.\n\n%s\n"
                % (kern_line, ", ".join(missed) if missed else "none", note))

    with open(dat_path, "w") as f:
        for r in rows:
            if r["ratio"] is not None:
                f.write("%s%s %.4f\n" % (r["work"], "" if r["clock"] == "icount"
                                         else "@wall", r["ratio"]))

    if problems:
        print("\nThe run does not count (%d problems):" % len(problems))
        for p in problems:
            print("  " + p)
        return 1
    print("\nEvery boot passed its checks.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
