"""ONNX export: onnxruntime's outputs and inference time against the estimators'.

For each fitted estimator (and a ``Pipeline(MinMaxScaler, AutoencoderTransformer,
LogisticRegression)``) on digits, in the same run:

* the largest difference between onnxruntime's output and the estimator's
  own (``transform`` / ``predict_proba`` / ``decision_function``), relative
  to the largest output, and whether the labels agree exactly;
* the time of one call on 1 row and on 10 000 rows (median of
  ``--repeats``), onnxruntime against the estimator's own method, and, for
  the pipeline, against the same pipeline with scikit-learn's
  ``MLPClassifier`` in place of the autoencoder and the logistic regression,
  exported by skl2onnx.

float32 graphs (skl2onnx's default), one onnxruntime thread per session
(the latency of a serving process), BLAS threads as printed.

Usage: python benchmarks/bench_onnx.py [--repeats 50]
"""

import argparse
import warnings

import numpy as np
import onnxruntime as ort
from _common import blas_summary, median_time
from skl2onnx import to_onnx
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

import sklearn_autoencoders.onnx  # noqa: F401  (registers the converters)
from sklearn_autoencoders import (
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    DenoisingAutoencoder,
    LinearAutoencoder,
    StackedPretrainedClassifier,
)


def session_of(model, X):
    options = {"zipmap": False} if hasattr(model, "predict_proba") else None
    onx = to_onnx(model, X[:1], options=options)
    settings = ort.SessionOptions()
    settings.intra_op_num_threads = 1
    settings.inter_op_num_threads = 1
    session = ort.InferenceSession(
        onx.SerializeToString(), settings, providers=["CPUExecutionProvider"]
    )
    name = session.get_inputs()[0].name
    return lambda rows: session.run(None, {name: rows})


def own_output(model, X):
    """The estimator's output that the graph's last output reproduces."""
    for method in ("predict_proba", "decision_function", "transform"):
        if hasattr(model, method):
            return method, getattr(model, method)
    raise AssertionError(model)


def compare(name, model, X, X_big, repeats):
    run = session_of(model, X)
    method, own = own_output(model, X)
    outputs = run(X)
    expected = own(X)
    got = outputs[-1] if method != "decision_function" else outputs[1][:, 0]
    relative = float(np.max(np.abs(got - expected)) / np.max(np.abs(expected)))
    labels = "-"
    if hasattr(model, "predict"):
        labels = str(bool(np.array_equal(outputs[0], model.predict(X))))
    one_ort = median_time(lambda: run(X[:1]), repeats)
    one_own = median_time(lambda: own(X[:1]), repeats)
    big_ort = median_time(lambda: run(X_big), max(3, repeats // 10))
    big_own = median_time(lambda: own(X_big), max(3, repeats // 10))
    print(
        f"| {name:34s} | {method:17s} | {relative:9.1e} | {labels:6s} "
        f"| {one_ort * 1e6:7.1f} | {one_own * 1e6:8.1f} | {one_own / one_ort:6.1f}x "
        f"| {big_ort * 1e3:7.2f} | {big_own * 1e3:8.2f} | {big_own / big_ort:5.2f}x |"
    )
    return one_ort, big_ort


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float32)
    X_big = X[np.random.default_rng(0).integers(len(X), size=10_000)]
    print(f"digits {X.shape}, float32; BLAS: {blas_summary()}; onnxruntime 1 thread")
    models = {
        "AutoencoderTransformer(32)": AutoencoderTransformer(32, random_state=0),
        "DenoisingAutoencoder(32)": DenoisingAutoencoder(32, random_state=0),
        "LinearAutoencoder(32)": LinearAutoencoder(32),
        "StackedPretrainedClassifier((64,))": StackedPretrainedClassifier(
            (64,), random_state=0
        ),
        "AutoencoderOutlierDetector()": AutoencoderOutlierDetector(random_state=0),
        "MinMax > AE(32) > LogisticRegression": make_pipeline(
            MinMaxScaler(),
            AutoencoderTransformer(32, random_state=0),
            LogisticRegression(max_iter=2000),
        ),
        "MinMax > MLPClassifier((256, 32))": make_pipeline(
            MinMaxScaler(), MLPClassifier((256, 32), random_state=0, max_iter=200)
        ),
    }
    print(
        "\n| model | output | max rel diff | labels | 1 row ORT (µs) | 1 row own (µs) "
        "| own / ORT | 10 000 ORT (ms) | 10 000 own (ms) | own / ORT |"
    )
    print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|")
    timings = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, model in models.items():
            model.fit(X, y) if hasattr(model, "predict_proba") else model.fit(X)
            timings[name] = compare(name, model, X, X_big, args.repeats)
    ours = timings["MinMax > AE(32) > LogisticRegression"]
    mlp = timings["MinMax > MLPClassifier((256, 32))"]
    print(
        f"\nAE pipeline / MLPClassifier pipeline in onnxruntime: "
        f"1 row {ours[0] / mlp[0]:.2f}x, 10 000 rows {ours[1] / mlp[1]:.2f}x"
    )


if __name__ == "__main__":
    main()
