"""Training on memory-mapped data larger than the memory it may use.

Writes float32 data sets of increasing size (up to 4 GB by default) to disk,
then, each in a fresh process, fits a 784-256-784 ``AutoencoderTransformer``
for one epoch on the ``np.memmap`` (Adam, batch 256, shuffled) and scores a
held-out slice with ``score_samples``. Prints time, throughput and memory
read from the operating system (/proc/self/status):

* ``RssAnon``: memory the process allocated itself (arrays, model, indices);
* ``VmHWM``: peak resident set, which also counts pages of the file that
  the kernel keeps mapped after reading them: those are page cache, given
  back under memory pressure, not memory the estimator holds.

Usage: python benchmarks/bench_out_of_core.py [--sizes-gb 0.5 1 2 4] [--dir /tmp]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

N_FEATURES = 784


def write_dataset(path, n_samples, seed=0):
    """Low-rank images plus noise, written chunk by chunk (bounded memory)."""
    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(20, N_FEATURES)).astype(np.float32) / 5
    data = np.memmap(path, dtype=np.float32, mode="w+", shape=(n_samples, N_FEATURES))
    for start in range(0, n_samples, 50_000):
        stop = min(start + 50_000, n_samples)
        codes = rng.normal(size=(stop - start, 20)).astype(np.float32)
        data[start:stop] = np.tanh(codes @ basis)
    data.flush()
    del data


def proc_status():
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0]) * 1024
    return fields


def worker(path, n_samples):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from sklearn_autoencoders import AutoencoderTransformer

    warnings.simplefilter("ignore", ConvergenceWarning)
    X = np.memmap(path, dtype=np.float32, mode="r", shape=(n_samples, N_FEATURES))
    before = proc_status()
    ae = AutoencoderTransformer(
        256, batch_size=256, max_iter=1, alpha=0.0, random_state=0
    )
    start = time.perf_counter()
    ae.fit(X)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    scores = ae.score_samples(X[-20_000:])
    score_seconds = time.perf_counter() - start
    after = proc_status()
    print(
        json.dumps(
            {
                "n_samples": n_samples,
                "fit_s": fit_seconds,
                "score_s": score_seconds,
                "loss": ae.loss_,
                "mean_score": float(np.mean(scores)),
                "rss_anon_before": before["RssAnon"],
                "rss_anon_after": after["RssAnon"],
                "rss_file_after": after["RssFile"],
                "vm_hwm": after["VmHWM"],
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-gb", type=float, nargs="+", default=[0.5, 1, 2, 4])
    parser.add_argument("--dir", default=tempfile.gettempdir())
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return
    try:
        from _common import blas_summary

        print(f"BLAS: {blas_summary()}")
    except ImportError:
        pass
    print(
        "\n| data | rows | fit 1 epoch s | rows/s | RssAnon MB | VmHWM MB | "
        "RssFile MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes_gb:
        n_samples = int(size * 2**30 / (4 * N_FEATURES))
        path = os.path.join(args.dir, f"ooc_{n_samples}.f32")
        write_dataset(path, n_samples)
        try:
            output = subprocess.run(
                [sys.executable, __file__, "--worker", path, str(n_samples)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        finally:
            os.remove(path)
        r = json.loads(output.strip().splitlines()[-1])
        mb = 2**20
        print(
            f"| {size:g} GB | {n_samples} | {r['fit_s']:.1f} | "
            f"{n_samples / r['fit_s']:.0f} | {r['rss_anon_after'] / mb:.0f} | "
            f"{r['vm_hwm'] / mb:.0f} | {r['rss_file_after'] / mb:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
