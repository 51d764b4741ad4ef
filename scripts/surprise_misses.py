#!/usr/bin/env python3
"""Where surprise pairs are lost, from the per-clip CSV of `tumble eval --clips`:

    tumble eval --checkpoint Assets/models/pendulum.safetensors --data data/pendulum-violations --untrained 0 \\
        --clips pendulum.csv
    python3 scripts/surprise_misses.py pendulum.csv [more.csv ...]

Per violation type: the pairs, those the model does not win (possible twin at least as surprising, max over steps)
and how many of those are exact ties; how much the impossible clip's surprise exceeds its twin's at the violation
frame (median), against the twin's largest step (median), and how often the first is the smaller. A violation
that adds less than the possible clip's largest step is won only by what follows it."""
import csv
import statistics
import sys


def main(paths):
    for path in paths:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        steps = [k for k in rows[0] if k[0] == "t" and k[1:].isdigit()]
        first = int(steps[0][1:])
        twins = {}
        for r in rows:
            twins.setdefault(r["pair"], {})["possible" if r["type"] == "possible" else "impossible"] = r
        by_type = {}
        for pair, t in twins.items():
            if set(t) != {"possible", "impossible"}:
                sys.exit(f"{path}: pair {pair} lacks a twin")
            p, i = t["possible"], t["impossible"]
            frame = int(i["violation_frame"])
            ps, qs = [float(p[s]) for s in steps], [float(i[s]) for s in steps]
            entry = by_type.setdefault(i["type"], {"added": [], "largest": [], "lost": 0, "ties": 0})
            entry["added"].append(qs[frame - first] - ps[frame - first])
            entry["largest"].append(max(ps))
            if max(ps) >= max(qs):
                entry["lost"] += 1
                entry["ties"] += max(ps) == max(qs)
        print(f"{path}")
        print("  type            pairs  not won (ties)  added at violation  twin's largest  added < largest")
        for kind, e in sorted(by_type.items()):
            below = sum(a < b for a, b in zip(e["added"], e["largest"])) / len(e["added"])
            print(f"  {kind:<15} {len(e['added']):>5}  {e['lost']:>7} ({e['ties']:>3})  "
                  f"{statistics.median(e['added']):>18.2g}  {statistics.median(e['largest']):>14.2g}  {100 * below:>14.0f} %")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
