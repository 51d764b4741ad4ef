#!/usr/bin/env python3
"""Prints the README's "Scaling on paper" table from one `tumble bench --json` run (default: docs/bench.json).

    python3 scripts/scaling_table.py [docs/bench.json]

Ring-allreduce cost model (Patarasuk & Yuan): T(S) = 2(K-1)a + 2(K-1)/K * S/b. A data-parallel step sums the
probe's and decoder's gradients (allreduce_heads_bytes) while the main backward runs, then the rest after it, so
only the part of the heads' sum that outlasts the main backward is exposed. Nodes are this machine: the step is
the bench's single-process train_frames_per_s, and the main backward's share of a step's compute is
MAIN_BACKWARD_SHARE, measured with `--profile` under `mpirun -np 2` (README). ReadmeResultsTests checks the
README against this output."""
import json
import math
import sys

ALPHA = 30e-6                                   # s per message step: MPI over TCP on Ethernet
LINKS = [1.25e9, 12.5e9]                        # bytes/s at 10 and 100 Gbit/s
MAIN_BACKWARD_SHARE = 0.44                      # the least of both configs' measured 0.44-0.46
CONFIGS = [  # name, README label, frames a step (batch_clips x clip_length), clips, InfoMax marginal exchange
    ("default", "shipped", 16 * 8, 16, True),
    ("reference", "reference", 32 * 8, 32, False),
]


def ring(size, k, link):
    return 2 * (k - 1) * ALPHA + 2 * (k - 1) / k * size / link


def exposed(bench, name, k, compute, link, infomax):
    total, heads = bench["allreduce_bytes"][name], bench["allreduce_heads_bytes"][name]
    hidden = MAIN_BACKWARD_SHARE * compute
    heads_ms = ring(heads, k, link) * 1e3
    main_ms = ring(total - heads, k, link) * 1e3
    marginal_ms = math.ceil(math.log2(k)) * ALPHA * 1e3 if infomax else 0.0
    return heads_ms, hidden, max(0.0, heads_ms - hidden) + main_ms + marginal_ms, main_ms, marginal_ms


def rows(bench):
    out = []
    for name, label, frames, clips, infomax in CONFIGS:
        step = frames / bench["train_frames_per_s"][name] * 1e3
        for scaling, k, compute in [(f"global batch {clips} (strong)", 8, step / 8),
                                    (f"{clips} clips per node (weak)", 8, step),
                                    (f"{clips} clips per node (weak)", 64, step)]:
            cells = [f"{label}, {scaling}", str(k), f"{compute:.1f}"]
            for link in LINKS:
                _, _, shown, _, _ = exposed(bench, name, k, compute, link, infomax)
                efficiency = compute / (compute + shown)
                cells += [f"{shown:.2f}", f"{100 * efficiency:.1f} %"]
            out.append((name, label, k, compute, step, cells, infomax))
    return out


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "docs/bench.json"
    with open(path) as f:
        bench = json.load(f)
    table = rows(bench)
    for name, label, frames, _, _ in CONFIGS:
        step = frames / bench["train_frames_per_s"][name] * 1e3
        print(f"{label}: step {frames} frames / {bench['train_frames_per_s'][name]:.0f} frames/s = {step:.1f} ms; "
              f"{bench['allreduce_bytes'][name]:,} bytes, heads {bench['allreduce_heads_bytes'][name]:,}")
    for name, label, k, compute, step, cells, infomax in table:
        if k == 8 and "strong" in cells[0]:
            heads_ms, hidden, shown, main_ms, marginal_ms = exposed(bench, name, k, compute, LINKS[0], infomax)
            print(f"{label} K=8 10 Gbit/s: heads {heads_ms:.2f} ms under {hidden:.2f} ms of main backward; "
                  f"exposed main {main_ms:.2f} + marginal {marginal_ms:.2f} = {shown:.2f} ms; "
                  f"{compute:.1f} / ({compute:.1f} + {shown:.2f}) = {100 * compute / (compute + shown):.1f} %")
    for name, label, frames, clips, infomax in CONFIGS:
        step = frames / bench["train_frames_per_s"][name] * 1e3
        one_clip = step / clips
        _, _, shown, _, _ = exposed(bench, name, 64, one_clip, LINKS[0], infomax)
        fast = step / 8 / 8
        _, _, fast_shown, _, _ = exposed(bench, name, 8, fast, LINKS[0], infomax)
        print(f"{label}: K=64 strong, one clip per node: {one_clip:.1f} ms against {shown:.2f} ms exposed = "
              f"{100 * one_clip / (one_clip + shown):.0f} %; K=8 on nodes 8x faster: {fast:.2f} ms against {fast_shown:.2f} ms = "
              f"{100 * fast / (fast + fast_shown):.0f} %")
    print()
    print("| config, scaling | K | compute ms | exposed allreduce ms, 10 Gbit/s | efficiency, 10 Gbit/s | exposed allreduce ms, 100 Gbit/s | efficiency, 100 Gbit/s |")
    print("|---|---|---|---|---|---|---|")
    for *_, cells, _ in table:
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
