#!/usr/bin/env python3
# Copyright 2026 The Distill authors.
"""Writes teacher files for measuring `distill teacher import`: ROWS x DIM logits as CSV, JSONL and
float32 .npy (+ a URL list), the same values in every format.

    scripts/make-teacher-files.py DIR ROWS DIM [--formats csv,jsonl,npy] [--seed N]

Values are N(0, 2) logits printed with six decimals (about 9.5 bytes a value in CSV, like the files
users export). To stay fast on a billion values, rows are drawn from a pool of 997 random rows; every
URL is unique, and the readers do the same work on every row either way. Files are named
teacher-ROWSxDIM.{csv,jsonl,npy,urls.txt}.
"""

import argparse
import os
import random
import struct

POOL = 997


def url(i):
    return f"https://images.example.com/train/n{i % 1000:08d}/{i:09d}.JPEG"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("rows", type=int)
    parser.add_argument("dim", type=int)
    parser.add_argument("--formats", default="csv,jsonl,npy")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    formats = set(args.formats.split(","))
    os.makedirs(args.dir, exist_ok=True)
    rng = random.Random(args.seed)
    texts = [["%.6f" % rng.gauss(0, 2) for _ in range(args.dim)] for _ in range(POOL)]
    base = os.path.join(args.dir, f"teacher-{args.rows}x{args.dim}")

    if "csv" in formats:
        rows = ["," + ",".join(t) + "\n" for t in texts]
        with open(base + ".csv", "w") as out:
            out.write("url," + ",".join(f"c{j}" for j in range(args.dim)) + "\n")
            chunk = []
            for i in range(args.rows):
                chunk.append(url(i) + rows[i % POOL])
                if len(chunk) == 4096:
                    out.write("".join(chunk))
                    chunk = []
            out.write("".join(chunk))

    if "jsonl" in formats:
        rows = ['", "vector": [' + ", ".join(t) + "]}\n" for t in texts]
        with open(base + ".jsonl", "w") as out:
            chunk = []
            for i in range(args.rows):
                chunk.append('{"url": "' + url(i) + rows[i % POOL])
                if len(chunk) == 4096:
                    out.write("".join(chunk))
                    chunk = []
            out.write("".join(chunk))

    if "npy" in formats:
        rows = [struct.pack(f"<{args.dim}f", *(float(v) for v in t)) for t in texts]
        header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (args.rows, args.dim)
        header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
        with open(base + ".npy", "wb") as out:
            out.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
            for i in range(args.rows):
                out.write(rows[i % POOL])
        with open(base + ".urls.txt", "w") as out:
            for start in range(0, args.rows, 4096):
                out.write("".join(url(i) + "\n" for i in range(start, min(start + 4096, args.rows))))


if __name__ == "__main__":
    main()
