"""Seconds from calling ``fit`` on digits to the refusal of an invalid combination.

Every rule between parameters is applied by ``_check_params`` before any
data is read (``tests/test_core.py`` proves the order with data that fails
if touched); this script measures the time on real data, against the
engine-core floor of 0.05 s, and checks that the estimator is left
unfitted. For scale it also times one epoch of the default autoencoder on
the same rows: the work a late refusal used to waste, many times over
(the issue's example ran 1.5-3 s of pre-training first).

Usage: python benchmarks/bench_parameter_rules.py [--repeats 5]
"""

import argparse
import statistics
import time
import warnings

from _common import blas_summary
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sklearn_autoencoders import (
    AutoencoderTransformer,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
    StackedPretrainedClassifier,
)

FLOOR = 0.05

INVALID = {
    "the issue's example (DAE, masking at 1.5, pre-training)": lambda: (
        DenoisingAutoencoder(
            16,
            hidden_layer_sizes=(128, 64),
            noise="masking",
            noise_level=1.5,
            pretraining="basic",
        )
    ),
    "init='pca' with tanh units": lambda: AutoencoderTransformer(
        16, init="pca", activation="tanh"
    ),
    "init='pca' with a narrow hidden layer": lambda: AutoencoderTransformer(
        16, init="pca", hidden_layer_sizes=(16,)
    ),
    "standardize=True with a logistic output": lambda: AutoencoderTransformer(
        16, standardize=True, out_activation="logistic"
    ),
    "cross-entropy with a linear output": lambda: AutoencoderTransformer(
        16, loss="cross_entropy", out_activation="identity"
    ),
    "sparse code with a linear code layer": lambda: SparseAutoencoder(
        16, code_activation="identity"
    ),
    "sparse AE, masking at 1.2": lambda: SparseAutoencoder(
        16, noise="masking", noise_level=1.2, pretraining="denoising"
    ),
    "contractive AE, salt and pepper at 1.0": lambda: ContractiveAutoencoder(
        16, noise="salt_and_pepper", noise_level=1.0
    ),
    "classifier without hidden layers": lambda: StackedPretrainedClassifier(
        hidden_layer_sizes=()
    ),
    "classifier whose layer DAE masks 200%": lambda: StackedPretrainedClassifier(
        (128, 64),
        autoencoder=DenoisingAutoencoder(noise="masking", noise_level=2.0),
    ),
}


def time_refusal(make, X, y, repeats):
    times = []
    for _ in range(repeats):
        estimator = make()
        args = (X, y) if hasattr(estimator, "predict_proba") else (X,)
        start = time.perf_counter()
        try:
            estimator.fit(*args)
        except ValueError:
            times.append(time.perf_counter() - start)
        else:
            raise AssertionError(f"{estimator} was not refused")
        assert not hasattr(estimator, "n_features_in_"), "left fitted"
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    X, y = load_digits(return_X_y=True)
    print(f"digits {X.shape}, BLAS: {blas_summary()}")
    print(f"median of {args.repeats} calls; floor {FLOOR} s\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        AutoencoderTransformer(16, max_iter=1, random_state=0).fit(X)
        epoch = time.perf_counter() - start
    worst = 0.0
    for name, make in INVALID.items():
        seconds = time_refusal(make, X, y, args.repeats)
        worst = max(worst, seconds)
        print(f"{name:58s} {seconds * 1e3:8.3f} ms  ({seconds / epoch:.4f} x epoch)")
    print(f"\none epoch of the default autoencoder: {epoch * 1e3:.1f} ms")
    print(f"slowest refusal: {worst * 1e3:.3f} ms; within the floor: {worst < FLOOR}")


if __name__ == "__main__":
    main()
