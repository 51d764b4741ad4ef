#!/usr/bin/env python3
"""Prints the README's Speed table from one `tumble bench --json` run (default: docs/bench.json).

    .build/release/tumble bench --json > docs/bench.json && python3 scripts/speed_table.py

ReadmeResultsTests checks that every number in the README's table is the recorded one."""
import json
import sys

# (key, decimals, unit)
ROWS = [
    ("physics_steps_per_s.bounce", 0, "physics steps/s"),
    ("physics_steps_per_s.pile500", 0, "physics steps/s"),
    ("render_frames_per_s.bounce", 0, "64×64 RGB frames/s, one core"),
    ("record_frames_per_s.bounce", 0, "frames/s, end to end to disk"),
    ("disk_limit_frames_per_s.bounce", 0, "frames/s the disk took in a separate 256 MB write + fdatasync (page cache and disk vary run to run)"),
    ("train_frames_per_s.default", 0, "frames/s, `tumble train` on the shipped config, recorded data, heads included"),
    ("train_frames_per_s.default_streaming", 0, "frames/s, the same streaming from the simulator (`--scene bounce`)"),
    ("train_frames_per_s.reference", 0, "frames/s, `tumble train` on the reference config, recorded data, heads included"),
    ("engine_train_frames_per_s", 0, "frames/s, the engine alone on the reference model (no heads, no data)"),
    ("engine_train_peak_fraction", 2, "of `sgemm_gflops`"),
    ("sgemm_gflops", 0, "GFLOP/s (OpenBLAS peak)"),
    ("encode_frames_per_s", 0, "frames/s, reference encoder, no grad"),
    ("plan_ms_per_action.median", 1, "ms per action, `tumble plan` with the shipped push model (48 samples × 2 rounds; median over its plans)"),
    ("plan_ms_per_action.p95", 1, "ms per action, the same plans' 95th percentile (a plan has 3 observations, 200 ms, to be made)"),
    ("view_frame_ms", 1, "ms per window frame, 1280×720, CPU raster, shipped default model"),
    ("view_frame_ms_model_every_frame", 1, "ms per window frame with the model run in every frame"),
    ("view_frames_per_s", 0, "frames/s implied by `view_frame_ms` (a 60 Hz display needs 60)"),
    ("view_frame_ms_masks_panels", 1, "ms per window frame with the masks overlay (M) and the panels (Tab) on"),
    ("allreduce_gb_per_s", 2, "GB/s, a step's gradient exchange between 2 local ranks (reference config)"),
    ("allreduce_ms.default", 2, "ms per step's gradient exchange (both allreduces), shipped config, 2 local ranks"),
]


def value(bench, key):
    node = bench
    for part in key.split("."):
        node = node[part]
    return node


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "docs/bench.json"
    with open(path) as f:
        bench = json.load(f)
    print("| key | value | unit |")
    print("|---|---|---|")
    for key, decimals, unit in ROWS:
        print(f"| `{key}` | {value(bench, key):,.{decimals}f} | {unit} |")


if __name__ == "__main__":
    main()
