#!/usr/bin/env python3
"""How much of a body's angle its frames show to a moment read-out, with no model in between.

For each named body (its colour and state row), every frame's pixels of that colour (anti-aliased edges weighted by
how much of them the body covers) give the complex central moment of order s, mu_s = sum w (dx + i dy)^s; its direction
is what a shape with s-fold symmetry shows of its angle. A linear read-out of (cos s*theta, sin s*theta) from that
direction is fitted per body on the first half of the episodes and scored on the second half (R² pooled over bodies
and both coordinates, as `tumble eval` pools `angle_r2`). It bounds what Tumble's angle read-out (linear in the
moments of each mask's map) can reach on the same frames, and says where the rest goes.

    python3 scripts/angle_ceiling.py data/push-test --order 4 --body 1 70,130,230
    python3 scripts/angle_ceiling.py data/tower-test --order 2 --body 0 210,90,60 --body 4 160,90,210
"""
import argparse
import json
import os
import sys

import numpy as np


def coverage(frame, colour, background, tolerance):
    """How much of each pixel the body covers: an anti-aliased edge pixel is a blend of the body's colour and the
    background's, so its coverage is where it falls on the segment between them; pixels off that segment (further
    than `tolerance` from it: other bodies, their edges) count 0."""
    f = frame.astype(np.float64) - background
    axis = colour - background
    alpha = np.clip((f @ axis) / (axis @ axis), 0, 1)
    off = np.linalg.norm(f - alpha[..., None] * axis, axis=-1)
    return np.where(off <= tolerance, alpha, 0.0)


def moments(frames, colour, background, order, tolerance):
    """Per frame: (Re, Im) of mu_order over the body's coverage, divided by sum w |d|^order; NaN when absent."""
    n, h, w, _ = frames.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.full((n, 2), np.nan)
    for i in range(n):
        weight = coverage(frames[i], colour, background, tolerance)
        # Only the body's own pixels and its edge: faint blends elsewhere (other bodies' dark rims) would decide a
        # high moment, weighed by their distance to the power `order`.
        core = weight > 0.9
        if core.sum() < 3:
            continue
        cx, cy = xx[core].mean(), yy[core].mean()
        reach = np.hypot(xx[core] - cx, yy[core] - cy).max() + 1.5
        weight = np.where(np.hypot(xx - cx, yy - cy) <= reach, weight, 0.0)
        mass = weight.sum()
        cx, cy = (weight * xx).sum() / mass, (weight * yy).sum() / mass
        d = (xx - cx) + 1j * (cy - yy)                      # y up, as the world's angles
        mu = (weight * d ** order).sum()
        norm = (weight * np.abs(d) ** order).sum()
        out[i] = (mu.real / norm, mu.imag / norm)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", help="a `tumble record` directory")
    parser.add_argument("--order", type=int, required=True, help="the bodies' rotational symmetry s")
    parser.add_argument("--body", nargs=2, action="append", metavar=("ROW", "R,G,B"), required=True,
                        help="a body's state row and its colour (repeat per body)")
    parser.add_argument("--background", default="0,0,0", metavar="R,G,B", help="the colour the bodies' edges blend into")
    parser.add_argument("--tolerance", type=float, default=30,
                        help="colour distance from the body–background blend beyond which a pixel does not count")
    parser.add_argument("--every", type=int, default=2, help="use every n-th frame of an episode")
    args = parser.parse_args()

    manifest = json.load(open(os.path.join(args.dataset, "manifest.json")))
    frames, states = [], []
    for shard in manifest["shards"]:
        z = np.load(os.path.join(args.dataset, shard["file"]))
        frames.append(z["frames"][:, ::args.every])
        states.append(z["states"][:, ::args.every])
    frames, states = np.concatenate(frames), np.concatenate(states)
    episodes, steps = frames.shape[:2]
    train = np.arange(episodes) < episodes // 2
    background = np.array([float(c) for c in args.background.split(",")])

    residual = total = 0.0
    errors = []
    for row, colour in args.body:
        row, colour = int(row), np.array([float(c) for c in colour.split(",")])
        x = moments(frames.reshape((-1,) + frames.shape[2:]), colour, background, args.order,
                    args.tolerance).reshape(episodes, steps, 2)
        theta = states[:, :, row, 2].astype(np.float64)
        y = np.stack([np.cos(args.order * theta), np.sin(args.order * theta)], axis=-1)
        seen = ~np.isnan(x[..., 0])
        fit, test = seen & train[:, None], seen & ~train[:, None]
        design = lambda m: np.c_[x[m], np.ones(m.sum())]
        weights = np.linalg.lstsq(design(fit), y[fit], rcond=None)[0]
        predicted = design(test) @ weights
        e = ((predicted - y[test]) ** 2).sum(axis=1)
        ss_res, ss_tot = e.sum(), ((y[test] - y[test].mean(axis=0)) ** 2).sum()
        residual += ss_res
        total += ss_tot
        errors.append(e)
        print(f"body {row} (colour {','.join(str(int(c)) for c in colour)}): R² {1 - ss_res / ss_tot:.3f} "
              f"over {test.sum()} frames ({(~seen).sum()} frames without it)")
    errors = np.sort(np.concatenate(errors))[::-1]
    worst = errors[: max(1, len(errors) // 20)].sum() / errors.sum()
    print(f"pooled R² {1 - residual / total:.3f} over {len(errors)} held-out frames; "
          f"the worst 5 % of frames hold {worst:.0%} of the residual")


if __name__ == "__main__":
    sys.exit(main())
