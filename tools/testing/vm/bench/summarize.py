#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fold the BENCH lines of a bench.sh session into one comparison.

  summarize.py SESSION_DIR CSV MARKDOWN GNUPLOT_DATA

SESSION_DIR holds one run folder per VM boot, named r<round>-<kernel>
(kernel: stock or ours), each with the guest's 'output'.  Per workload and
kernel the value is the median over rounds of the per-round medians; the
spread is (max - min) / median of those per-round medians, in percent.
The ratio is ours / stock: below 1.0 we are faster.  The cdev_* rows
(the device cdev bound to iommufd, IOMMU_IOAS_MAP/UNMAP) also get
"cdev/container": ours through the cdev over ours through the container
and type1v2 (the row without the prefix); a kernel that offers no cdev
path (its "# cdev: not offered" line) is named under the table.
Prints the table, writes it as CSV and as Markdown, and writes the ratios
for gnuplot (workload, ratio) in the order of the table.
"""
import os
import re
import statistics
import sys

KERNELS = ("stock", "ours")
LINE = re.compile(r"^BENCH (\S+) (\S+) (\S+) (\S+)\s*$")


def collect(session):
    """{kernel: {workload: [median per round]}}, workload order, info."""
    data = {k: {} for k in KERNELS}
    order = []
    info = {k: {"rounds": 0, "release": "?", "failed": 0, "nocdev": None}
            for k in KERNELS}
    for name in sorted(os.listdir(session)):
        m = re.fullmatch(r"r(\d+)-(\w+)", name)
        if not m or m.group(2) not in KERNELS:
            continue
        kernel = m.group(2)
        info[kernel]["rounds"] += 1
        path = os.path.join(session, name, "output")
        try:
            with open(path, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            lines = []
        status = os.path.join(session, name, "status")
        if not os.path.exists(status) or open(status).read().strip() != "0":
            info[kernel]["failed"] += 1
        for line in lines:
            if line.startswith("# kernel "):
                info[kernel]["release"] = line.split()[2]
            if line.startswith("# cdev: not offered by this kernel: "):
                info[kernel]["nocdev"] = line.split(": ", 2)[2]
            m = LINE.match(line)
            if not m:
                continue
            work = m.group(1)
            if work not in order:
                order.append(work)
            values = data[kernel].setdefault(work, [])
            try:
                values.append(float(m.group(2)))
            except ValueError:
                pass  # n/a in this round
    return data, order, info


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
    data, order, info = collect(session)
    rows = []
    for work in order:
        s_med, s_spr = fold(data["stock"].get(work, []))
        o_med, o_spr = fold(data["ours"].get(work, []))
        ratio = o_med / s_med if s_med and o_med is not None else None
        cdev = None
        if work.startswith("cdev_"):
            c_med, _ = fold(data["ours"].get(work[len("cdev_"):], []))
            if c_med and o_med is not None:
                cdev = o_med / c_med
        rows.append((work, s_med, o_med, ratio, s_spr, o_spr,
                     len(data["stock"].get(work, [])),
                     len(data["ours"].get(work, [])), cdev))

    def pct(v):
        return "n/a" if v is None else "%.0f%%" % v

    head = ("workload", "stock", "ours", "ours/stock", "spread stock",
            "spread ours", "rounds s/o", "cdev/container")
    table = [head]
    for w, sm, om, r, ss, os_, ns, no, cd in rows:
        table.append((w, human(sm), human(om),
                      "n/a" if r is None else "%.2f" % r,
                      pct(ss), pct(os_), "%d/%d" % (ns, no),
                      "" if cd is None else "%.2f" % cd))
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for i, r in enumerate(table):
        print("  ".join(c.ljust(widths[j]) if j == 0 else c.rjust(widths[j])
                        for j, c in enumerate(r)))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    for k in KERNELS:
        print("%s: %s, %d boots, %d without a clean exit"
              % (k, info[k]["release"], info[k]["rounds"], info[k]["failed"]))
    nocdev = ["%s (%s)" % (k, info[k]["nocdev"]) for k in KERNELS
              if info[k]["nocdev"]]
    note = ("cdev_* rows: the device cdev bound to an iommufd, an IOAS "
            "attached, IOMMU_IOAS_MAP/UNMAP (each checked: bytes unmapped, "
            "pages pinned and released); cdev/container is ours through "
            "the cdev over ours through the container and type1v2.")
    if nocdev:
        note += (" No cdev path, so n/a: %s; the rows show ours only."
                 % ", ".join(nocdev))
    print(note)

    with open(csv_path, "w") as f:
        f.write("workload,stock_median_ns,ours_median_ns,ratio_ours_over_stock,"
                "stock_spread_pct,ours_spread_pct,stock_rounds,ours_rounds,"
                "ratio_cdev_over_container\n")
        for w, sm, om, r, ss, os_, ns, no, cd in rows:
            cells = [w]
            for v, fmt in ((sm, "%.0f"), (om, "%.0f"), (r, "%.4f"),
                           (ss, "%.1f"), (os_, "%.1f")):
                cells.append("" if v is None else fmt % v)
            cells += [str(ns), str(no), "" if cd is None else "%.4f" % cd]
            f.write(",".join(cells) + "\n")

    with open(md_path, "w") as f:
        f.write("| " + " | ".join(head) + " |\n")
        f.write("|" + "|".join([":--"] + ["--:"] * (len(head) - 1)) + "|\n")
        for r in table[1:]:
            f.write("| " + " | ".join(r) + " |\n")
        f.write("\nKernels: stock %s, ours %s; %d + %d boots "
                "(%d + %d without a clean exit).\n"
                % (info["stock"]["release"], info["ours"]["release"],
                   info["stock"]["rounds"], info["ours"]["rounds"],
                   info["stock"]["failed"], info["ours"]["failed"]))
        f.write("\n%s\n" % note)

    with open(dat_path, "w") as f:
        for w, sm, om, r, *_ in rows:
            if r is not None:
                f.write("%s %.4f\n" % (w, r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
