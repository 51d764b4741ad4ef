#!/usr/bin/env python3
"""Prints the README's per-scene tables from the shipped reports (Assets/models/SCENE-report.json and
-surprise.json; bounce's are Assets/default-model-*.json), and the check on a second held-out set
(docs/eval/second-set-SCENE-*.json).

    python3 scripts/scene_table.py

ReadmeResultsTests checks that every number in the tables is the report's, at the printed rounding."""
import json

SCENES = ["bounce", "billiards", "tower", "pendulum", "ramp", "push"]
TYPES = {"teleport": "teleport", "vanish": "vanish", "passThrough": "pass-through", "immutability": "immutability"}


def report(scene, kind):
    path = f"Assets/default-model-{kind}.json" if scene == "bounce" else f"Assets/models/{scene}-{kind}.json"
    with open(path) as f:
        return json.load(f)


def num(v, digits=3):
    return "—" if v is None else f"{v:.{digits}f}"


def interval(ci):
    return "—" if ci is None else f"{ci[0]:.3f}–{ci[1]:.3f}"


def main():
    print("| scene (`Assets/models/`) | episodes | position R² | 95 % interval | angle R² | 95 % interval | velocity R² "
          "| k = 5: model | copy-last | const. velocity | k = 10: model | 95 % interval | copy-last | const. velocity "
          "| ÷ copy-last | ÷ actions zeroed |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for s in SCENES:
        r = report(s, "report")
        p = r["probe"]
        ci = p["position_error_ci95"]["10"]
        zeroed = p.get("ratio_to_no_actions")
        cells = [str(r["prediction_episodes"]), num(p["position_r2"]), interval(p["position_r2_ci95"]),
                 num(p.get("angle_r2")), interval(p.get("angle_r2_ci95")), num(p.get("velocity_r2")),
                 num(p["position_error"]["5"]), num(p["baseline_copy_last"]["5"]), num(p["baseline_constant_velocity"]["5"]),
                 num(p["position_error"]["10"]), f"{ci[0]:.3f}–{ci[1]:.3f}", num(p["baseline_copy_last"]["10"]),
                 num(p["baseline_constant_velocity"]["10"]), num(p["ratio_to_copy_last"]["10"]),
                 num(zeroed["10"]) if zeroed else "—"]
        print(f"| {s} | " + " | ".join(cells) + " |")
    print()
    print("| scene, violation (`Assets/models/`) | pairs | accuracy | 95 % interval | pixel baseline | untrained (mean ± 1.96 SD) |")
    print("|---|---|---|---|---|---|")
    for s in SCENES:
        for t, v in sorted(report(s, "surprise")["surprise"].items()):
            ci, u = v["pairwise_accuracy_ci95"], v["untrained"]["pairwise_accuracy"]["range95"]
            print(f"| {s}, {TYPES[t]} | {v['pairs']} | {v['pairwise_accuracy']:.3f} | {ci[0]:.3f}–{ci[1]:.3f} "
                  f"| {v['pixel_baseline']:.3f} | {u[0]:.3f}–{u[1]:.3f} |")
    print()
    print("| scene (second set, `docs/eval/`) | episodes | position R² | 95 % interval | angle R² | 95 % interval "
          "| k = 10: model | copy-last | const. velocity | ÷ copy-last | ÷ actions zeroed | pairs per type "
          "| teleport | vanish | pass-through | immutability |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for s in SCENES[1:]:
        with open(f"docs/eval/second-set-{s}-report.json") as f:
            r = json.load(f)
        with open(f"docs/eval/second-set-{s}-surprise.json") as f:
            v = json.load(f)["surprise"]
        p = r["probe"]
        zeroed = p.get("ratio_to_no_actions")
        cells = [str(r["prediction_episodes"]), num(p["position_r2"]), interval(p["position_r2_ci95"]),
                 num(p.get("angle_r2")), interval(p.get("angle_r2_ci95")), num(p["position_error"]["10"]),
                 num(p["baseline_copy_last"]["10"]), num(p["baseline_constant_velocity"]["10"]), num(p["ratio_to_copy_last"]["10"]),
                 num(zeroed["10"]) if zeroed else "—", str(min(x["pairs"] for x in v.values()))]
        cells += [num(v[t]["pairwise_accuracy"]) if t in v else "—" for t in TYPES]
        print(f"| {s} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
