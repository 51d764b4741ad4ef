#!/usr/bin/env python3
"""Reads a safetensors file with nothing but NumPy: proof that Tumble checkpoints are plain safetensors.

Usage: safetensors_numpy_reader.py FILE   prints each tensor's name, dtype, shape and sum, then the metadata.
"""
import json, sys
import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8", "I32": "<i4", "U8": "u1", "I8": "i1", "BOOL": "?"}

def load(path):
    data = open(path, "rb").read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = memoryview(data)[8 + n:]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        arr = np.frombuffer(body[begin:end], dtype=DTYPES[info["dtype"]])
        tensors[name] = arr.reshape(info["shape"])
    return tensors, meta

if __name__ == "__main__":
    tensors, meta = load(sys.argv[1])
    for name in sorted(tensors):
        t = tensors[name]
        print(f"{name} {t.dtype} {list(t.shape)} {float(t.astype(np.float64).sum()):.6f}")
    print("metadata", json.dumps(meta, sort_keys=True))
