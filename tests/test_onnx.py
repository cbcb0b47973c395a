"""ONNX export: onnxruntime reproduces every estimator, alone and in pipelines.

Each option that changes the graph is converted and run: hidden units,
tied or untied weights, deep stacks, standardisation folded into the
weights, the linear autoencoder, binary, multiclass and string classes with
each ``zipmap`` option, and every outlier score. Outputs must agree within
1e-4 relative to the largest output (labels exactly), in float32 and
float64. Skipped where skl2onnx or onnxruntime is not installed.
"""

import warnings

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_digits, load_wine
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union
from sklearn.preprocessing import MinMaxScaler, StandardScaler

skl2onnx = pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")

import sklearn_autoencoders.onnx  # noqa: E402,F401  (registers the converters)
from sklearn_autoencoders import (  # noqa: E402
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    LinearAutoencoder,
    SparseAutoencoder,
    StackedPretrainedClassifier,
)

RTOL = 1e-4
DTYPES = [np.float32, np.float64]


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:200], y[:200]


@pytest.fixture(scope="module")
def wine():
    return load_wine(return_X_y=True)


def _run(model, X, **options):
    onx = skl2onnx.to_onnx(model, X[:1], options=options or None)
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def _fit(model, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*args)


def _assert_close(actual, expected):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    scale = max(float(np.max(np.abs(expected))), np.finfo(np.float32).tiny)
    assert float(np.max(np.abs(actual - expected))) / scale <= RTOL


FAST = dict(max_iter=5, random_state=0)
TRANSFORMERS = [
    AutoencoderTransformer(8, **FAST),
    AutoencoderTransformer(8, activation="tanh", tied_weights=False, **FAST),
    AutoencoderTransformer(
        4, hidden_layer_sizes=(32, 16), activation="logistic", **FAST
    ),
    AutoencoderTransformer(8, hidden_layer_sizes=(), **FAST),
    AutoencoderTransformer(
        8, hidden_layer_sizes=(16,), pretraining="basic", pretrain_max_iter=2, **FAST
    ),
    DenoisingAutoencoder(8, noise="masking", **FAST),
    SparseAutoencoder(8, **FAST),
    ContractiveAutoencoder(8, code_activation="tanh", **FAST),
    LinearAutoencoder(6),
    LinearAutoencoder(6, center=True),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("model", TRANSFORMERS, ids=repr)
def test_transform_matches(model, dtype, digits):
    X = digits[0].astype(dtype)
    model = _fit(model, X)
    (codes,) = _run(model, X)
    assert codes.dtype == dtype
    _assert_close(codes, model.transform(X))


@pytest.mark.parametrize("dtype", DTYPES)
def test_standardisation_folded_into_the_graph(dtype, wine):
    X = wine[0].astype(dtype)  # raw measurements: standardize='auto' applies
    model = _fit(AutoencoderTransformer(5, **FAST), X)
    assert model.input_mean_ is not None
    _assert_close(_run(model, X)[0], model.transform(X))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("labels", ["multiclass", "binary", "strings"])
@pytest.mark.parametrize("zipmap", [False, True, "columns"])
def test_classifier_labels_and_probabilities(labels, zipmap, dtype, digits):
    X, y = digits
    X = X.astype(dtype)
    y = {
        "multiclass": y,
        "binary": y % 2,
        "strings": np.where(y < 5, "low", "high"),
    }[labels]
    model = _fit(
        StackedPretrainedClassifier(
            (16,), pretrain_max_iter=2, standardize=True, **FAST
        ),
        X,
        y,
    )
    if zipmap is True and dtype == np.float64:
        # ONNX's ZipMap takes float32 only: skl2onnx's own classifiers fail
        # the same way; float64 graphs use zipmap=False (documented)
        with pytest.raises(Exception, match="ZipMap"):
            _run(model, X, zipmap=zipmap)
        return
    label, *probabilities = _run(model, X, zipmap=zipmap)
    np.testing.assert_array_equal(label, model.predict(X))
    expected = model.predict_proba(X)
    if zipmap is False:
        _assert_close(probabilities[0], expected)
    elif zipmap is True:
        rows = np.array([[row[c] for c in model.classes_] for row in probabilities[0]])
        _assert_close(rows, expected)
    else:  # one output per class
        _assert_close(np.column_stack(probabilities), expected)


DETECTORS = [
    dict(outlier_score=score)
    for score in (
        "combined",
        "reconstruction",
        "normalized_reconstruction",
        "code_density",
    )
] + [
    dict(autoencoder=LinearAutoencoder(4)),
    dict(autoencoder=DenoisingAutoencoder(6, noise="masking", max_iter=5)),
    dict(contamination=0.1),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("params", DETECTORS, ids=repr)
def test_detector_labels_and_scores(params, dtype, digits):
    X = digits[0].astype(dtype)
    params = {"autoencoder": AutoencoderTransformer(6, max_iter=5), **params}
    model = _fit(AutoencoderOutlierDetector(random_state=0, **params), X)
    label, scores = _run(model, X)
    assert scores.shape == (len(X), 1)
    _assert_close(scores[:, 0], model.decision_function(X))
    np.testing.assert_array_equal(label, model.predict(X))


def test_detector_on_raw_tables_with_pca_part(wine):
    X = wine[0].astype(np.float32)
    model = _fit(
        AutoencoderOutlierDetector(
            autoencoder=AutoencoderTransformer(5, max_iter=5), random_state=0
        ),
        X,
    )
    assert model.pca_ is not None  # the 'combined' score's three parts
    label, scores = _run(model, X)
    _assert_close(scores[:, 0], model.decision_function(X))
    np.testing.assert_array_equal(label, model.predict(X))


def test_pipeline_scaler_autoencoder_logistic_regression(wine):
    X, y = wine
    X = X.astype(np.float32)
    pipe = _fit(
        make_pipeline(
            MinMaxScaler(),
            AutoencoderTransformer(5, max_iter=10, random_state=0),
            LogisticRegression(max_iter=500),
        ),
        X,
        y,
    )
    label, probabilities = _run(pipe, X, zipmap=False)
    np.testing.assert_array_equal(label, pipe.predict(X))
    _assert_close(probabilities, pipe.predict_proba(X))


def test_column_transformer_and_feature_union(wine):
    X = wine[0].astype(np.float32)
    columns = ColumnTransformer(
        [
            ("ae", AutoencoderTransformer(3, max_iter=5, random_state=0), [0, 1, 2]),
            ("pca", PCA(2), [3, 4, 5, 6]),
        ]
    )
    union = make_union(
        StandardScaler(), DenoisingAutoencoder(3, max_iter=5, random_state=0)
    )
    for model in (columns, union):
        model = _fit(model, X)
        _assert_close(_run(model, X)[0], model.transform(X))


def test_an_unfitted_model_cannot_be_converted(digits):
    X = digits[0].astype(np.float32)
    with pytest.raises(NotFittedError):
        skl2onnx.to_onnx(AutoencoderTransformer(4), X[:1])


def test_a_detector_around_a_foreign_model_says_it_cannot_be_converted(digits):
    X = digits[0].astype(np.float32)
    model = _fit(AutoencoderOutlierDetector(autoencoder=PCA(5)), X)
    with pytest.raises(NotImplementedError, match="around a PCA cannot be exported"):
        skl2onnx.to_onnx(model, X[:1])


def test_every_engine_activation_has_an_onnx_operator():
    from sklearn_autoencoders._activations import ACTIVATIONS

    assert set(sklearn_autoencoders.onnx.ONNX_ACTIVATIONS) == set(ACTIVATIONS)
