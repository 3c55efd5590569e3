#!/usr/bin/env python3
"""hnswlib side of `scarlet bench hnsw`: same files, same parameters, same output lines.

usage: python3 bench_hnswlib.py --data PREFIX [--M 16] [--efc 200] [--ef 16,32,64,128] [--seed 42] [--repeat 3]

Reads PREFIX.base.bin / .query.bin (int32 n, int32 dim, float32 rows) and PREFIX.gt.bin (int32 nq, int32 k,
int32 ids), builds an inner-product index with one thread, and prints build time, memory (resident-set growth
during the build) and, per ef, recall@1, recall@10 and single-thread queries per second (best of --repeat passes
over all queries, one batched knn_query call per pass with num_threads=1), also per CPU second of the process
(steadier than wall time on a loaded machine).
"""
import argparse
import time

import hnswlib
import numpy as np


def read_matrix(path, dtype):
    with open(path, "rb") as f:
        rows, cols = np.frombuffer(f.read(8), dtype="<i4")
        data = np.frombuffer(f.read(), dtype=dtype)
    if data.size != rows * cols:
        raise SystemExit(f"error: {path}: header says {rows} x {cols} but holds {data.size} values")
    return data.reshape(rows, cols)


def rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--M", type=int, default=16)
    p.add_argument("--efc", type=int, default=200)
    p.add_argument("--ef", default="16,32,64,128")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()

    base = np.ascontiguousarray(read_matrix(a.data + ".base.bin", "<f4"))
    queries = np.ascontiguousarray(read_matrix(a.data + ".query.bin", "<f4"))
    gt = read_matrix(a.data + ".gt.bin", "<i4")
    n, dim = base.shape
    nq = queries.shape[0]
    print(f"data: base {n} x {dim}, queries {nq}, gt top-{gt.shape[1]}; M={a.M} efc={a.efc} seed={a.seed} (hnswlib {getattr(hnswlib, '__version__', '?')})")

    rss0 = rss_bytes()
    index = hnswlib.Index(space="ip", dim=dim)
    index.init_index(max_elements=n, ef_construction=a.efc, M=a.M, random_seed=a.seed)
    t0, c0 = time.perf_counter(), time.process_time()
    index.add_items(base, np.arange(n), num_threads=1)
    build, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    mem = rss_bytes() - rss0
    print(f"build: {build:.1f}s (cpu {build_cpu:.1f}s, {n / build:.0f} vectors/s, 1 thread)")
    print(f"memory: {mem / 1e6:.1f} MB ({mem / n:.0f} B/vector, resident-set growth)")

    k = 10
    for ef in [int(x) for x in a.ef.split(",")]:
        index.set_ef(ef)
        index.knn_query(queries[: min(nq, 200)], k=k, num_threads=1)  # warm-up
        best = best_cpu = 0.0
        for _ in range(a.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            labels, _ = index.knn_query(queries, k=k, num_threads=1)
            best = max(best, nq / (time.perf_counter() - t0))
            best_cpu = max(best_cpu, nq / max(time.process_time() - c0, 1e-6))
        r1 = float(np.mean(labels[:, 0] == gt[:, 0]))
        hits = sum(len(set(labels[i]).intersection(gt[i, :k])) for i in range(nq))
        r10 = hits / (k * nq)
        print(f"ef={ef} recall@1={r1:.4f} recall@10={r10:.4f} qps={best:.0f} cpu-qps={best_cpu:.0f}")


if __name__ == "__main__":
    main()
