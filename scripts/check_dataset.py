#!/usr/bin/env python3
"""Check a Tumble dataset directory with NumPy alone (no Tumble code).

    python3 scripts/check_dataset.py DATASET_DIR [--json]

Verifies what a consumer relies on: manifest format and version, each shard's SHA-256, that
numpy.load reads every shard, array names/dtypes/shapes against the manifest, episode seeds against
the manifest's rule, and for violation datasets the pair layout (2p possible with violation_frame
-1, 2p+1 impossible, same seed and actions, identical frames before violation_frame and a
different frame at it). Exits 1 with one line per problem, 0 with a summary otherwise. Shard
`file` entries must name files inside DATASET_DIR; a damaged or hostile file is a problem line,
never a traceback.
"""
import hashlib
import json
import os
import sys

import numpy as np

MASK64 = (1 << 64) - 1


def episode_seed(base, index):
    """SplitMix64 output `index` of the stream started at `base` (the manifest's seeds.rule)."""
    z = (base + (index + 1) * 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def plain_file_name(name):
    """A shard name must stay inside the dataset directory: no path, no '..', not absolute."""
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name and "\\" not in name and "\0" not in name


def short(text, limit=200):
    """At most `limit` characters of `text`: a hostile file must not flood the terminal."""
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


def check(directory):
    problems = []
    manifest_path = os.path.join(directory, "manifest.json")
    try:
        with open(manifest_path, "rb") as f:
            manifest = json.loads(f.read())
    except (OSError, ValueError) as error:
        return [f"{manifest_path}: cannot be read as JSON ({error})"], {}
    if manifest.get("format") != "tumble-dataset" or manifest.get("format_version") != 1:
        return [f"{manifest_path}: not a version-1 tumble-dataset manifest"], {}
    if not manifest.get("complete"):
        problems.append(f"{manifest_path}: recording not complete")
    pairs = manifest.get("violations") is not None
    base = manifest["seeds"]["base"]
    arrays = {a["name"]: a for a in manifest["arrays"]}
    frames_total = 0
    types_seen = {}
    next_episode = 0
    for index, shard in enumerate(manifest["shards"]):
        name = shard.get("file") if isinstance(shard, dict) else None
        if not plain_file_name(name):
            problems.append(f"{manifest_path}: shards[{index}].file: expected a file name inside the dataset directory, got {short(repr(name))}")
            continue
        path = os.path.join(directory, name)
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError as error:
            problems.append(f"{path}: cannot be read ({error.strerror or error})")
            continue
        if hashlib.sha256(raw).hexdigest() != shard["sha256"]:
            problems.append(f"{path}: SHA-256 differs from the manifest")
            continue
        if shard["first_episode"] != next_episode:
            problems.append(f"{path}: first_episode {shard['first_episode']}, expected {next_episode}")
        next_episode = shard["first_episode"] + shard["episode_count"]
        e = shard["episode_count"]
        try:
            with np.load(path, allow_pickle=False) as z:
                if set(z.files) != set(arrays):
                    problems.append(f"{path}: arrays {short(str(sorted(z.files)))}, manifest lists {sorted(arrays)}")
                    continue
                data = {k: z[k] for k in z.files}
        except Exception as error:  # numpy raises many kinds for a damaged file; each is one problem line
            problems.append(f"{path}: numpy.load cannot read it ({type(error).__name__}: {short(str(error))})")
            continue
        for name, spec in arrays.items():
            want = [e] + spec["shape"][1:]
            a = data[name]
            if a.dtype.str != spec["dtype"] or list(a.shape) != want:
                problems.append(f"{path}: {name} is {a.dtype.str} {list(a.shape)}, expected {spec['dtype']} {want}")
        if problems:
            continue
        frames_total += data["frames"].shape[0] * data["frames"].shape[1]
        for i in range(e):
            g = shard["first_episode"] + i
            want = episode_seed(base, g // 2 if pairs else g)
            if int(data["seeds"][i]) & MASK64 != want:
                problems.append(f"{path}: seeds[{i}] does not follow the manifest's rule")
        if not np.isfinite(data["states"]).all():
            problems.append(f"{path}: states hold non-finite values")
        if pairs:
            vf, pair, vtype = data["violation_frame"], data["pair"], data["violation_type"]
            for k in range(0, e, 2):
                g = shard["first_episode"] + k
                label = int(vf[k + 1])
                ok = (vf[k] == -1 and 0 < label < manifest["steps"] and pair[k] == pair[k + 1] == g // 2
                      and vtype[k] == vtype[k + 1] and data["seeds"][k] == data["seeds"][k + 1]
                      and np.array_equal(data["actions"][k], data["actions"][k + 1])
                      and np.array_equal(data["frames"][k, :label], data["frames"][k + 1, :label])
                      and not np.array_equal(data["frames"][k, label], data["frames"][k + 1, label]))
                if not ok:
                    problems.append(f"{path}: pair {g // 2} breaks the matched-pair layout")
                types_seen[str(vtype[k])] = types_seen.get(str(vtype[k]), 0) + 1
    if next_episode != manifest["episodes"]:
        problems.append(f"{manifest_path}: shards hold {next_episode} episodes, manifest says {manifest['episodes']}")
    summary = {"shards": len(manifest["shards"]), "episodes": manifest["episodes"], "frames": frames_total,
               "frame": manifest["frame"], "violation_pairs_by_type": types_seen}
    return problems, summary


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        problems, summary = check(args[0])
    except Exception as error:  # a manifest with missing or mistyped keys: one line, not a traceback
        print(f"{os.path.join(args[0], 'manifest.json')}: unexpected content ({type(error).__name__}: {short(str(error))})", file=sys.stderr)
        return 1
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        return 1
    if "--json" in sys.argv:
        print(json.dumps(summary, sort_keys=True))
    else:
        print(f"ok: {summary['shards']} shards, {summary['episodes']} episodes, {summary['frames']} frames")
    return 0


if __name__ == "__main__":
    sys.exit(main())
