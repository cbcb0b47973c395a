"""The demo behind ``python -m sklearn_autoencoders``.

Trains each estimator on two thirds of scikit-learn's digits and prints, on
the held-out third: the fit time, the reconstruction error of clean and of
25%-masked images, and the accuracy of a logistic regression on the codes,
next to PCA at the same code size.
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

from ._autoencoder import AutoencoderTransformer, DenoisingAutoencoder
from ._noise import Corruption


def _models(n_components, max_iter):
    shared = dict(n_components=n_components, max_iter=max_iter, random_state=0,
                  learning_rate_init=3e-3)
    return {
        "PCA": PCA(n_components=n_components, random_state=0),
        "AutoencoderTransformer": AutoencoderTransformer(**shared),
        "AutoencoderTransformer (deep, linear code)": AutoencoderTransformer(
            hidden_layer_sizes=(128,), code_activation="identity", alpha=0.0, **shared
        ),
        "DenoisingAutoencoder (masking 25%)": DenoisingAutoencoder(
            noise="masking", noise_level=0.25, **shared
        ),
    }


def _reconstruct(model, X):
    return model.inverse_transform(model.transform(X))


def run(n_components=16, max_iter=150, file=None):
    """Fit every model on digits and print the comparison table."""
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=1 / 3, random_state=0, stratify=y
    )
    masked = Corruption("masking", 0.25)(X_test, np.empty_like(X_test), np.random.default_rng(0))
    header = (
        f"{'model':44s} {'fit s':>6s} {'test MSE':>9s} {'masked MSE':>11s} "
        f"{'LogReg acc':>10s}"
    )
    print(f"digits: {len(X_train)} train / {len(X_test)} test images, "
          f"code size {n_components}", file=file)
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
        classifier = LogisticRegression(max_iter=2000).fit(model.transform(X_train), y_train)
        accuracy = classifier.score(model.transform(X_test), y_test)
        rows[name] = (seconds, clean, noisy, accuracy)
        print(f"{name:44s} {seconds:6.2f} {clean:9.3f} {noisy:11.3f} {accuracy:10.3f}",
              file=file)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_autoencoders",
        description="Compare the autoencoders with PCA on scikit-learn's digits.",
    )
    parser.add_argument("--n-components", type=int, default=16)
    parser.add_argument("--max-iter", type=int, default=150,
                        help="training epochs per autoencoder (default 150)")
    args = parser.parse_args(argv)
    run(args.n_components, args.max_iter)
