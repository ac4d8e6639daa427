#!/usr/bin/env python3
"""Writes the deterministic data of scripts/bench/hash.sh into DIR:
tree/ with about 2,000 files from 1 KiB to 64 MiB (about 1 GiB in all, a few
big files carrying most bytes, as in real trees) and big.bin (1 GiB).
The same seed always gives the same bytes."""
import math
import os
import random
import sys

GiB = 1 << 30
out = sys.argv[1]
rng = random.Random(20261128)
pool = rng.randbytes(8 << 20)  # file contents are slices of this pool


def write(path, size, salt):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(salt.to_bytes(8, "little")[: min(8, size)])
        left, at = size - min(8, size), (salt * 7919) % len(pool)
        while left > 0:
            n = min(left, len(pool) - at)
            f.write(pool[at : at + n])
            left -= n
            at = 0


# Log-uniform sizes: 1,950 small files (1 KiB - 1 MiB) and 50 large ones
# (1 MiB - 64 MiB), the large ones rescaled so the total is 1 GiB.
small = [int(1024 * math.exp(rng.uniform(0, math.log(1024)))) for _ in range(1950)]
large = [int((1 << 20) * math.exp(rng.uniform(0, math.log(64)))) for _ in range(49)] + [64 << 20]
scale = (GiB - sum(small)) / sum(large)
large = [min(64 << 20, max(1 << 20, int(s * scale))) for s in large]
sizes = small + large
rng.shuffle(sizes)
for i, size in enumerate(sizes):
    write(os.path.join(out, "tree", f"d{i % 20:02d}", f"s{i // 20 % 5}", f"f{i:04d}.bin"), size, i)
write(os.path.join(out, "big.bin"), GiB, 99999)
