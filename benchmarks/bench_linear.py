"""LinearAutoencoder against PCA and IncrementalPCA: fit time and error.

For tall (100 000 x 100), square-ish (5 000 x 784, MNIST-shaped digits) and
wide (1 000 x 2 000) data, in float32 and float64, prints the median fit
time and the mean squared training reconstruction error of

* ``PCA`` with each ``svd_solver``,
* ``LinearAutoencoder(center=True)`` with each exact solver and 'randomized',
* streaming: ``LinearAutoencoder.partial_fit`` against
  ``IncrementalPCA.partial_fit`` over the same chunks,

with ratios to the matching scikit-learn solver taken in the same run.

Usage: python benchmarks/bench_linear.py [--repeats 5] [--quick]
"""

import argparse

import numpy as np
from _common import blas_summary, digit_images_28, median_time
from sklearn.decomposition import PCA, IncrementalPCA

from sklearn_autoencoders import LinearAutoencoder


def low_rank_plus_noise(n_samples, n_features, rank, seed=0):
    rng = np.random.default_rng(seed)
    spectrum = 1.0 / (1.0 + np.arange(rank))
    X = (rng.normal(size=(n_samples, rank)) * spectrum) @ rng.normal(
        size=(rank, n_features)
    )
    return X + 0.05 * rng.normal(size=(n_samples, n_features)) + 3.0


def mse(model, X):
    residual = model.inverse_transform(model.transform(X)) - X
    return float(np.mean(np.sum(residual.astype(np.float64) ** 2, axis=1)))


def streaming(model, chunks):
    def run():
        for chunk in chunks:
            model.partial_fit(chunk)

    return run


def interleaved_medians(functions, repeats):
    """Median time of each function, calling them in turn every repeat.

    Alternating cancels the drift of a shared machine between the two
    sides of a ratio.
    """
    import time

    times = {name: [] for name in functions}
    for _ in range(repeats + 1):  # the first round warms up
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(values[1:])) for name, values in times.items()}


def floors(name, X, n_components, chunk_size, repeats):
    """The issue's two floors, measured before any SciPy-BLAS solver runs.

    PCA(covariance_eigh) and our 'eigh' both use NumPy's BLAS and LAPACK
    only; running them after SciPy's BLAS (PCA 'full', 'arpack') leaves a
    second thread pool spinning that slows whichever runs next.
    """
    chunks = [X[i : i + chunk_size] for i in range(0, len(X), chunk_size)]
    k = n_components

    def stream(factory):
        def run():
            model = factory()
            for chunk in chunks:
                model.partial_fit(chunk)
            _ = model.components_  # the streamed solution, as a user would use it
            return model

        return run

    fits = interleaved_medians(
        {
            "PCA covariance_eigh": lambda: PCA(k, svd_solver="covariance_eigh").fit(X),
            "LinearAE eigh": lambda: LinearAutoencoder(
                k, center=True, solver="eigh"
            ).fit(X),
        },
        repeats,
    )
    streams = interleaved_medians(
        {
            "IncrementalPCA": stream(lambda: IncrementalPCA(k)),
            "LinearAE": stream(lambda: LinearAutoencoder(k, center=True)),
        },
        repeats,
    )
    errors = [
        mse(stream(f)(), X)
        for f in (lambda: IncrementalPCA(k), lambda: LinearAutoencoder(k, center=True))
    ]
    eigh_ratio = fits["LinearAE eigh"] / fits["PCA covariance_eigh"]
    speedup = streams["IncrementalPCA"] / streams["LinearAE"]
    print(
        f"- {name} {X.dtype}: eigh {fits['LinearAE eigh']:.4f} s / "
        f"PCA(covariance_eigh) {fits['PCA covariance_eigh']:.4f} s = "
        f"{eigh_ratio:.2f}x (ceiling 1.2x on tall data); partial_fit "
        f"{streams['LinearAE']:.4f} s vs IncrementalPCA "
        f"{streams['IncrementalPCA']:.4f} s = {speedup:.1f}x faster (floor 3x), "
        f"error {errors[1]:.6g} vs {errors[0]:.6g} "
        f"(ratio {errors[1] / errors[0]:.6f}, ceiling 1)",
        flush=True,
    )


def bench(name, X, n_components, chunk_size, repeats):
    chunks = [X[i : i + chunk_size] for i in range(0, len(X), chunk_size)]
    k = n_components
    candidates = {
        "PCA full": PCA(k, svd_solver="full"),
        "PCA covariance_eigh": PCA(k, svd_solver="covariance_eigh"),
        "PCA arpack": PCA(k, svd_solver="arpack", random_state=0),
        "PCA randomized": PCA(k, svd_solver="randomized", random_state=0),
        "LinearAE eigh": LinearAutoencoder(k, center=True, solver="eigh"),
        "LinearAE svd": LinearAutoencoder(k, center=True, solver="svd"),
        "LinearAE auto": LinearAutoencoder(k, center=True, solver="auto"),
        "LinearAE randomized": LinearAutoencoder(
            k, center=True, solver="randomized", random_state=0
        ),
    }
    reference = {
        "LinearAE eigh": "PCA covariance_eigh",
        "LinearAE svd": "PCA full",
        "LinearAE auto": "PCA covariance_eigh" if len(X) >= X.shape[1] else "PCA full",
        "LinearAE randomized": "PCA randomized",
        "LinearAE partial_fit": "IncrementalPCA partial_fit",
    }
    results = {}
    for label, model in candidates.items():
        seconds = median_time(lambda m=model: m.fit(X), repeats)
        results[label] = (seconds, mse(model, X))
    ipca = IncrementalPCA(k)
    ours = LinearAutoencoder(k, center=True)
    for label, model in [
        ("IncrementalPCA partial_fit", ipca),
        ("LinearAE partial_fit", ours),
    ]:

        def fresh(m=model):
            m.__dict__.update(type(m)(**m.get_params()).__dict__)  # reset
            streaming(m, chunks)()

        results[label] = (median_time(fresh, repeats), mse(model, X))

    print(
        f"\n### {name}: {X.shape[0]} x {X.shape[1]} {X.dtype}, n_components={k}, "
        f"{len(chunks)} chunks of {chunk_size} for partial_fit\n"
    )
    print("| estimator | fit s | MSE | time vs sklearn | MSE vs sklearn |")
    print("|---|---:|---:|---:|---:|")
    for label, (seconds, error) in results.items():
        if label in reference:
            ref_s, ref_e = results[reference[label]]
            extra = (
                f"{seconds / ref_s:.2f}x ({reference[label]}) | {error / ref_e:.6f} |"
            )
        else:
            extra = " | |"
        print(f"| {label} | {seconds:.4f} | {error:.6g} | {extra}")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="float64 tall only")
    args = parser.parse_args()
    print(f"BLAS: {blas_summary()}")
    images, _ = digit_images_28(5000)
    shapes = {
        "tall": (low_rank_plus_noise(100_000, 100, 20), 10, 10_000),
        "square-ish": (images, 50, 1000),
        "wide": (low_rank_plus_noise(1000, 2000, 30, seed=1), 20, 250),
    }
    if args.quick:
        shapes = {"tall": shapes["tall"]}
    dtypes = [np.float64] if args.quick else [np.float64, np.float32]
    print("\n### Floors (interleaved medians, measured first)\n")
    for dtype in dtypes:
        for name, (X, k, chunk) in shapes.items():
            floors(name, X.astype(dtype), k, chunk, args.repeats)
    for dtype in dtypes:
        for name, (X, k, chunk) in shapes.items():
            bench(name, X.astype(dtype), k, chunk, args.repeats)


if __name__ == "__main__":
    main()
