"""The demo behind ``python -m sklearn_autoencoders``.

Trains each estimator on two thirds of scikit-learn's digits and prints, on
the held-out third: the fit time, the reconstruction error of clean and of
25%-masked images, and the accuracy of a logistic regression on the codes,
next to PCA at the same code size. A second table compares
``StackedPretrainedClassifier`` with ``MLPClassifier`` and PCA + logistic
regression when only 10% of the training labels are known.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline

from ._autoencoder import AutoencoderTransformer, DenoisingAutoencoder
from ._classifier import StackedPretrainedClassifier
from ._linear import LinearAutoencoder
from ._noise import Corruption


def _models(n_components, max_iter):
    shared = dict(n_components=n_components, random_state=0)
    if max_iter is not None:
        shared["max_iter"] = max_iter
    return {
        "PCA": PCA(n_components=n_components, random_state=0),
        "LinearAutoencoder (center=False)": LinearAutoencoder(n_components),
        "LinearAutoencoder (center=True, = PCA)": LinearAutoencoder(
            n_components, center=True
        ),
        "AutoencoderTransformer (defaults)": AutoencoderTransformer(**shared),
        "AutoencoderTransformer (shallow tanh)": AutoencoderTransformer(
            hidden_layer_sizes=(), activation="tanh", **shared
        ),
        "DenoisingAutoencoder (masking 25%)": DenoisingAutoencoder(
            noise="masking", noise_level=0.25, **shared
        ),
    }


def _reconstruct(model, X):
    return model.inverse_transform(model.transform(X))


def run(n_components=16, max_iter=None, file=None):
    """Fit every model on digits and print the comparison table.

    ``max_iter=None`` trains the autoencoders for their default epochs.
    """
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=1 / 3, random_state=0, stratify=y
    )
    masked = Corruption("masking", 0.25)(
        X_test, np.empty_like(X_test), np.random.default_rng(0)
    )
    header = (
        f"{'model':44s} {'fit s':>6s} {'test err':>9s} {'masked err':>11s} "
        f"{'LogReg acc':>10s}"
    )
    print(
        f"digits: {len(X_train)} train / {len(X_test)} test images, "
        f"code size {n_components}",
        file=file,
    )
    print(
        "err: squared error summed over the 64 pixels, mean over test images "
        "(what -score measures); masked: a quarter of the pixels set to 0, "
        "target the clean image",
        file=file,
    )
    print(header, file=file)
    print("-" * len(header), file=file)
    rows = {}
    for name, model in _models(n_components, max_iter).items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train)
        seconds = time.perf_counter() - start
        clean = np.mean(np.sum((_reconstruct(model, X_test) - X_test) ** 2, axis=1))
        noisy = np.mean(np.sum((_reconstruct(model, masked) - X_test) ** 2, axis=1))
        classifier = LogisticRegression(max_iter=2000).fit(
            model.transform(X_train), y_train
        )
        accuracy = classifier.score(model.transform(X_test), y_test)
        rows[name] = (seconds, clean, noisy, accuracy)
        print(
            f"{name:44s} {seconds:6.2f} {clean:9.3f} {noisy:11.3f} {accuracy:10.3f}",
            file=file,
        )
    return rows


def run_few_labels(max_iter=150, fraction=0.1, file=None):
    """Accuracy with ``fraction`` of the training labels; the rest unlabeled."""
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=1 / 3, random_state=0, stratify=y
    )
    labeled = np.random.default_rng(0).random(len(y_train)) < fraction
    y_partial = np.where(labeled, y_train, -1)
    hidden = (256, 256)

    def stacked(**params):
        return StackedPretrainedClassifier(
            hidden,
            pretrain_max_iter=max_iter // 3,
            max_iter=max_iter,
            random_state=0,
            **params,
        )

    X_labeled, y_labeled = X_train[labeled], y_train[labeled]
    models = {
        "StackedPretrainedClassifier (pre-trained on all rows)": (
            stacked(unlabeled_label=-1),
            X_train,
            y_partial,
        ),
        "StackedPretrainedClassifier (on labeled rows only)": (
            stacked(),
            X_labeled,
            y_labeled,
        ),
        "StackedPretrainedClassifier (pretraining=None)": (
            stacked(pretraining=None),
            X_labeled,
            y_labeled,
        ),
        "MLPClassifier": (
            MLPClassifier(hidden, max_iter=max_iter, random_state=0),
            X_labeled,
            y_labeled,
        ),
        "PCA(32) + LogisticRegression": (
            make_pipeline(PCA(32, random_state=0), LogisticRegression(max_iter=2000)),
            X_labeled,
            y_labeled,
        ),
    }
    print(
        f"\ndigits with {labeled.sum()} of {len(y_train)} training labels "
        f"({fraction:.0%}), hidden layers {hidden}",
        file=file,
    )
    header = f"{'model':56s} {'fit s':>6s} {'test acc':>9s}"
    print(
        "err: squared error summed over the 64 pixels, mean over test images "
        "(what -score measures); masked: a quarter of the pixels set to 0, "
        "target the clean image",
        file=file,
    )
    print(header, file=file)
    print("-" * len(header), file=file)
    rows = {}
    for name, (model, X_fit, y_fit) in models.items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_fit, y_fit)
        seconds = time.perf_counter() - start
        rows[name] = (seconds, model.score(X_test, y_test))
        print(f"{name:56s} {seconds:6.2f} {rows[name][1]:9.3f}", file=file)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_autoencoders",
        description="Compare the autoencoders with PCA on scikit-learn's digits.",
    )
    parser.add_argument("--n-components", type=int, default=16)
    parser.add_argument(
        "--max-iter",
        type=int,
        default=None,
        help="training epochs per model (default: the autoencoders' own "
        "default, 150 for the few-labels table)",
    )
    args = parser.parse_args(argv)
    run(args.n_components, args.max_iter)
    run_few_labels(150 if args.max_iter is None else args.max_iter)
