#!/usr/bin/env python3
"""Prints the README's planning table from the shipped plan report (Assets/models/push-plan.json, made by
`tumble plan --checkpoint Assets/models/push.safetensors --scene push --episodes 200 --seed 5151 --json ...`), with
the second held-out set's rows from docs/eval/second-set-push-plan.json.

    python3 scripts/plan_table.py

ReadmeResultsTests checks that every number in the table is the report's, at the printed rounding."""
import json
import sys

ROWS = [("model (the shipped push model)", None), ("simulator as model", "simulator"), ("random actions", "random"),
        ("scripted controller (true states)", "scripted")]
# The second held-out set (`--seed 6262 --controllers model,simulator`), looked at only to check the first.
SECOND = "docs/eval/second-set-push-plan.json"
SECOND_ROWS = [("model, second set (seed 6262)", None), ("simulator as model, second set", "simulator")]


def num(v, digits):
    return "—" if v is None else f"{v:.{digits}f}"


def main(path="Assets/models/push-plan.json"):
    with open(path) as f:
        r = json.load(f)
    print("| `push-plan.json` | episodes | success | 95 % interval | ms per action (median) | p95 | steps to success (median) "
          "| final distance (median, m) |")
    print("|---|---|---|---|---|---|---|---|")
    with open(SECOND) as f:
        second = json.load(f)
    for label, key, s in [(l, k, r if k is None else r["baselines"][k]) for l, k in ROWS] + \
            [(l, k, second if k is None else second["baselines"][k]) for l, k in SECOND_ROWS]:
        ms = s.get("ms_per_action", {})
        print(f"| {label} | {s['episodes']} | {num(s['success_rate'], 3)} | {num(s['success_ci95'][0], 3)}–{num(s['success_ci95'][1], 3)} "
              f"| {num(ms.get('median'), 1)} | {num(ms.get('p95'), 1)} | {num(s['steps_to_success']['median'], 0)} "
              f"| {num(s['final_distance']['median'], 2)} |")


BUDGETS = [(16, 1), (32, 2), (48, 2), (96, 3)]


def budgets():
    """The success/time trade-off: the simulator as model on 50 episodes (seed 7373) per budget, and the model's
    planning time per action on 5 of them (docs/eval/plan-budget-*.json)."""
    print("| `plan-budget-*.json`: samples × rounds | simulator as model: episodes | success | 95 % interval "
          "| model: ms per action (median) | p95 |")
    print("|---|---|---|---|---|---|")
    for n, i in BUDGETS:
        with open(f"docs/eval/plan-budget-simulator-{n}x{i}.json") as f:
            sim = json.load(f)["baselines"]["simulator"]
        with open(f"docs/eval/plan-budget-model-{n}x{i}.json") as f:
            model = json.load(f)
        default = " (default)" if (n, i) == (48, 2) else ""
        print(f"| {n} × {i}{default} | {sim['episodes']} | {num(sim['success_rate'], 3)} "
              f"| {num(sim['success_ci95'][0], 3)}–{num(sim['success_ci95'][1], 3)} "
              f"| {num(model['ms_per_action']['median'], 1)} | {num(model['ms_per_action']['p95'], 1)} |")


if __name__ == "__main__":
    main(*sys.argv[1:])
    print()
    budgets()
