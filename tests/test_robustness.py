"""Hostile input, numerical extremes, interruptions: a clear error or a
correct result, and a good fitted state is never lost."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_autoencoders import (
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    DivergenceError,
    LinearAutoencoder,
    SparseAutoencoder,
    StackedPretrainedClassifier,
    VariationalAutoencoder,
)
from sklearn_autoencoders._losses import LOSSES
from sklearn_autoencoders._optimizers import AdamOptimizer

#: What ``skops.io.load`` must be told to trust (README, "Saving models").
TRUSTED_ESTIMATORS = [
    f"{type(estimator).__module__}.{type(estimator).__name__}"
    for estimator in (
        AutoencoderTransformer(),
        DenoisingAutoencoder(),
        SparseAutoencoder(),
        ContractiveAutoencoder(),
        LinearAutoencoder(),
        StackedPretrainedClassifier(),
        AutoencoderOutlierDetector(),
        VariationalAutoencoder(),
        AutoencoderImputer(),
    )
]

#: Estimators that read CSR input batch by batch; the others refuse it.
SPARSE_OK = {
    "autoencoder",
    "denoising",
    "sparse",
    "contractive",
    "classifier",
    "classifier-tanh",
    "detector",
}
#: Estimators that train on incomplete rows (NaN); the others refuse them.
MISSING_OK = SPARSE_OK | {"imputer"}
ESTIMATORS = {
    "autoencoder": AutoencoderTransformer(3, max_iter=5, random_state=0),
    "denoising": DenoisingAutoencoder(
        3, noise="masking", noise_level=0.3, max_iter=5, random_state=0
    ),
    "sparse": SparseAutoencoder(3, max_iter=5, random_state=0),
    "contractive": ContractiveAutoencoder(3, max_iter=5, random_state=0),
    "linear": LinearAutoencoder(2),
    "linear-gradient": LinearAutoencoder(
        2, solver="gradient", max_iter=5, random_state=0
    ),
    "classifier": StackedPretrainedClassifier(
        (4,), pretrain_max_iter=3, max_iter=5, random_state=0
    ),
    "classifier-tanh": StackedPretrainedClassifier(
        (4,), activation="tanh", pretrain_max_iter=3, max_iter=5, random_state=0
    ),
    "detector": AutoencoderOutlierDetector(
        AutoencoderTransformer(3, max_iter=5), random_state=0
    ),
    "variational": VariationalAutoencoder(2, max_iter=5, random_state=0),
    "imputer": AutoencoderImputer(hidden_layer_sizes=(4,), max_iter=5, random_state=0),
}
TRAINED = [
    "autoencoder",
    "denoising",
    "sparse",
    "contractive",
    "linear-gradient",
    "classifier",
    "classifier-tanh",
    "variational",
]
estimators = pytest.mark.parametrize("name", list(ESTIMATORS))


def _data(n_samples=40, n_features=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    return X, y


def _fit(estimator, X, y=None):
    if isinstance(estimator, StackedPretrainedClassifier):
        return estimator.fit(X, _data(len(X))[1] if y is None else y)
    return estimator.fit(X)


def _outputs(estimator, X):
    if isinstance(estimator, StackedPretrainedClassifier):
        return [estimator.predict_proba(X), estimator.transform(X)]
    if isinstance(estimator, AutoencoderOutlierDetector):
        return [estimator.decision_function(X), estimator.score_samples(X)]
    if isinstance(estimator, AutoencoderImputer):
        return [estimator.transform(X)]
    return [estimator.transform(X), estimator.score_samples(X)]


def _fresh(name):
    return clone(ESTIMATORS[name])


def _state(estimator):
    """``vars(estimator)``, nested estimators compared by their parameters."""
    return {
        name: repr(value) if isinstance(value, BaseEstimator) else value
        for name, value in vars(estimator).items()
    }


# -- bad input ---------------------------------------------------------------
BAD_X = {
    "nan": (lambda: np.array([[1.0, np.nan]] * 10), "NaN"),
    "inf": (lambda: np.array([[1.0, np.inf]] * 10), "infinity"),
    "strings": (lambda: np.array([["a", "b"]] * 10), "string|convert|could not"),
    "objects": (
        lambda: np.array([[object(), 1.0]] * 10, dtype=object),
        "float|convert|argument",
    ),
    "empty": (lambda: np.empty((0, 3)), "0 sample"),
    "1-D": (lambda: np.arange(10.0), "2D array"),
    "3-D": (lambda: np.ones((4, 3, 2)), "dim 3|3D|dimension"),
    "ragged": (
        lambda: [[1.0, 2.0], [3.0]] * 5,
        "inhomogeneous|sequence|setting an array",
    ),
    "sparse": (
        lambda: sp.random(10, 4, density=0.5, format="csr", random_state=0),
        "[Ss]parse",
    ),
}


@estimators
@pytest.mark.parametrize("case", list(BAD_X))
def test_bad_input_at_fit_is_a_clear_error(name, case):
    if case == "sparse" and name in SPARSE_OK:
        pytest.skip("sparse input is supported")
    make, match = BAD_X[case]
    if case == "nan" and name in MISSING_OK:
        # missing entries are supported: only all-missing data are refused
        make = lambda: np.full((10, 2), np.nan)  # noqa: E731
    estimator = _fresh(name)
    with pytest.raises((ValueError, TypeError), match=match):
        _fit(estimator, make(), np.arange(10) % 2)
    assert _state(estimator) == _state(_fresh(name))


@estimators
@pytest.mark.parametrize("case", ["nan", "inf", "sparse", "wrong n_features", "1-D"])
def test_bad_input_after_fit_is_a_clear_error(name, case):
    if case == "sparse" and name in SPARSE_OK:
        pytest.skip("sparse input is supported")
    if case == "nan" and name in MISSING_OK:
        pytest.skip("missing entries are supported (test_missing.py)")
    X, _ = _data()
    estimator = _fit(_fresh(name), X)
    before = [o.copy() for o in _outputs(estimator, X)]
    bad = {
        "nan": np.where(np.eye(5, dtype=bool)[:1], np.nan, X[:1]),
        "inf": np.where(np.eye(5, dtype=bool)[:1], np.inf, X[:1]),
        "sparse": sp.csr_matrix(X),
        "wrong n_features": X[:, :3],
        "1-D": X[0],
    }[case]
    predicts = hasattr(estimator, "predict")
    method = estimator.predict if predicts else estimator.transform
    with pytest.raises(
        (ValueError, TypeError), match="NaN|infinity|[Ss]parse|features|2D"
    ):
        method(bad)
    for old, new in zip(before, _outputs(estimator, X)):
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize(
    "y, match",
    [
        (np.arange(39) % 2, "inconsistent numbers of samples"),
        (np.r_[np.nan, np.arange(39) % 2], "NaN|Unknown label type"),
        (np.zeros(40), "only one class"),
        (np.linspace(0, 1, 40), "Unknown label type"),
    ],
)
def test_bad_y_is_a_clear_error(y, match):
    estimator = _fresh("classifier")
    with pytest.raises(ValueError, match=match):
        estimator.fit(_data()[0], y)
    assert _state(estimator) == _state(_fresh("classifier"))


@estimators
@pytest.mark.parametrize(
    "params",
    [{"max_iter": 0}, {"max_iter": "ten"}, {"random_state": "seed"}, {"alpha": -1}],
)
def test_out_of_range_or_wrong_type_parameters(name, params):
    estimator = _fresh(name)
    params = {k: v for k, v in params.items() if k in estimator.get_params()}
    if not params:
        pytest.skip("parameter not used by this estimator")
    with pytest.raises((InvalidParameterError, ValueError)):
        _fit(estimator.set_params(**params), _data()[0])


# -- unusual but valid input -------------------------------------------------
def _memmap(X, tmp_path):
    array = np.memmap(tmp_path / "X.dat", dtype=X.dtype, mode="w+", shape=X.shape)
    array[:] = X
    array.flush()
    return np.memmap(tmp_path / "X.dat", dtype=X.dtype, mode="r", shape=X.shape)


VALID = {
    "read-only": lambda X, tmp: np.require(X, requirements="C").copy(),
    "memmap": _memmap,
    "fortran": lambda X, tmp: np.asfortranarray(X),
    "float32": lambda X, tmp: X.astype(np.float32),
    "single feature": lambda X, tmp: X[:, :1],
    "constant columns": lambda X, tmp: np.c_[X, np.full(len(X), 3.0), np.zeros(len(X))],
    "all zero": lambda X, tmp: np.zeros_like(X),
    "huge float64": lambda X, tmp: X * 1e30,
    "integers": lambda X, tmp: np.round(X * 10).astype(np.int64),
}


@estimators
@pytest.mark.parametrize("case", list(VALID))
def test_unusual_valid_input_gives_finite_results(name, case, tmp_path):
    X = VALID[case](_data()[0], tmp_path)
    if case == "read-only":
        X.setflags(write=False)
    X_before = np.array(X, copy=True)
    estimator = _fresh(name)
    if name.startswith("linear") or case == "single feature":
        estimator.set_params(
            **{"n_components": 1} if "n_components" in estimator.get_params() else {}
        )
    if case == "single feature" and name.startswith("classifier"):
        estimator.set_params(hidden_layer_sizes=(2,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _fit(estimator, X)
    if case == "huge float64" and not name.startswith("linear"):
        # standardize='auto' trains on unit-scale features: units with a
        # random start cannot absorb 1e30 inputs otherwise
        trained = getattr(estimator, "autoencoder_", estimator)
        assert trained.input_mean_ is not None
    for out in _outputs(estimator, X):
        assert np.isfinite(out).all() or (
            case == "huge float64" and not np.isnan(out).any()
        )
        assert out.shape[0] == len(X)
    np.testing.assert_array_equal(np.asarray(X), X_before)


@estimators
def test_pandas_dataframe_and_single_sample(name):
    pd = pytest.importorskip("pandas")
    X, y = _data()
    frame = pd.DataFrame(X, columns=list("abcde"))
    estimator = _fit(_fresh(name), frame, y)
    np.testing.assert_array_equal(estimator.feature_names_in_, list("abcde"))
    for out in _outputs(estimator, frame.iloc[:1]):
        assert out.shape[0] == 1 and np.isfinite(out).all()


@estimators
def test_float32_values_too_large_are_a_clear_error(name):
    X = (_data()[0] * 1e30).astype(np.float32)
    with pytest.raises(ValueError, match="too large for float32"):
        _fit(_fresh(name), X)


# -- numerics ------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "loss, activation",
    [
        ("squared_error", "logistic"),
        ("squared_error", "tanh"),
        ("cross_entropy", "logistic"),
        ("softmax_cross_entropy", "softmax"),
    ],
)
def test_losses_are_finite_at_extreme_logits(loss, activation, dtype):
    Z = np.array([[-1e4, 0.0, 1e4], [88.0, -104.0, 30.0]], dtype=dtype)
    Y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=dtype)
    delta, scratch = np.empty_like(Z), np.empty_like(Z)
    with np.errstate(
        over="raise", invalid="raise", divide="raise"
    ):  # underflow to 0 is fine
        value = LOSSES[loss](Z, Y, delta, activation, scratch)
    assert np.isfinite(value) and np.isfinite(delta).all() and np.isfinite(Z).all()
    assert Z.dtype == dtype and delta.dtype == dtype


# -- divergence, interruption, determinism, persistence ---------------------
@pytest.mark.parametrize("name", TRAINED)
def test_divergence_names_the_learning_rate_and_keeps_the_fitted_model(name):
    X, y = _data(200)
    X = X * 100
    estimator = _fit(_fresh(name), X, y)
    before = [o.copy() for o in _outputs(estimator, X)]
    solver = "adam" if name == "linear-gradient" else "sgd"
    if solver == "sgd":
        estimator.set_params(solver="sgd")
    estimator.set_params(learning_rate_init=1e4, max_iter=50)
    with pytest.raises(DivergenceError, match="learning_rate_init=10000"):
        _fit(estimator, X, y)
    for old, new in zip(before, _outputs(estimator, X)):
        np.testing.assert_array_equal(old, new)
    fresh = clone(estimator)
    with pytest.raises(DivergenceError):
        _fit(fresh, X, y)
    assert vars(fresh) == vars(clone(estimator))  # still unfitted, nothing added


@pytest.mark.parametrize("name", TRAINED)
@pytest.mark.parametrize("early_stopping", [False, True])
def test_keyboard_interrupt_keeps_the_weights_so_far(name, early_stopping, monkeypatch):
    X, y = _data(200)
    estimator = _fresh(name).set_params(max_iter=50)
    if early_stopping:
        if "early_stopping" not in estimator.get_params():
            pytest.skip("no early stopping")
        estimator.set_params(early_stopping=True)
    original = AdamOptimizer.update
    calls = {"n": 0}

    def interrupt_after_a_while(self, theta, grad):
        calls["n"] += 1
        if calls["n"] == 12:
            raise KeyboardInterrupt
        return original(self, theta, grad)

    monkeypatch.setattr(AdamOptimizer, "update", interrupt_after_a_while)
    with pytest.warns(UserWarning, match="interrupted"):
        _fit(estimator, X, y)
    assert calls["n"] == 12
    for out in _outputs(estimator, X):
        assert np.isfinite(out).all()


@estimators
def test_same_random_state_is_bitwise_reproducible(name):
    X, y = _data()
    first = _outputs(_fit(_fresh(name), X, y), X)
    second = _outputs(_fit(_fresh(name), X, y), X)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


@estimators
def test_blas_thread_count_changes_at_most_rounding(name):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    X, y = _data()
    results = []
    for threads in (1, 2):
        with threadpoolctl.threadpool_limits(threads):
            results.append(_outputs(_fit(_fresh(name), X, y), X))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


@estimators
def test_pickle_and_skops_round_trips_are_identical(name):
    X, y = _data()
    estimator = _fit(_fresh(name), X, y)
    expected = _outputs(estimator, X)
    for a, b in zip(expected, _outputs(pickle.loads(pickle.dumps(estimator)), X)):
        np.testing.assert_array_equal(a, b)
    sio = pytest.importorskip("skops.io")
    dump = sio.dumps(estimator)
    # only the public estimator classes need trusting: helpers load as data
    untrusted = sio.get_untrusted_types(data=dump)
    assert set(untrusted) <= set(TRUSTED_ESTIMATORS), untrusted
    loaded = sio.loads(dump, trusted=TRUSTED_ESTIMATORS)
    for a, b in zip(expected, _outputs(loaded, X)):
        np.testing.assert_array_equal(a, b)
    if hasattr(estimator, "partial_fit"):  # the optimizer state came back too
        args = (X,) if "classifier" not in name else (X, y)
        continued, resumed = estimator.partial_fit(*args), loaded.partial_fit(*args)
        for a, b in zip(_outputs(continued, X), _outputs(resumed, X)):
            np.testing.assert_array_equal(a, b)


# -- fuzzing ---------------------------------------------------------------------
@st.composite
def fuzz_cases(draw):
    name = draw(st.sampled_from(list(ESTIMATORS)))
    n_samples = draw(st.integers(0, 25))
    n_features = draw(st.integers(0, 6))
    X = draw(st.sampled_from(["normal", "huge", "nan", "constant"]))
    params = {}
    estimator = _fresh(name)
    available = estimator.get_params()
    for key, strategy in {
        "n_components": st.one_of(st.none(), st.integers(-1, 8)),
        "alpha": st.floats(-1, 100),
        "learning_rate_init": st.floats(0, 1e3),
        "noise_level": st.floats(-0.5, 1.5),
        "batch_size": st.one_of(st.just("auto"), st.integers(-1, 30)),
        "hidden_layer_sizes": st.sampled_from([(), (3,), (0,), (4, 2)]),
        "solver": st.sampled_from(["adam", "sgd", "lbfgs", "auto", "eigh", "svd"]),
    }.items():
        if key in available and draw(st.booleans()):
            params[key] = draw(strategy)
    return name, n_samples, n_features, X, params


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=fuzz_cases(), seed=st.integers(0, 1000))
def test_fuzzing_gives_a_clear_error_or_a_finite_correctly_shaped_result(case, seed):
    name, n_samples, n_features, kind, params = case
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    if kind == "huge":
        X *= 1e150
    elif kind == "nan" and X.size:
        X.flat[0] = np.nan
    elif kind == "constant":
        X[:] = 1.0
    y = np.arange(n_samples) % 2
    estimator = _fresh(name)
    try:
        estimator.set_params(**params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _fit(estimator, X, y)
    except (ValueError, TypeError, DivergenceError, AttributeError) as error:
        assert str(error)  # a message, not a bare exception
        return
    for out in _outputs(estimator, X):
        assert out.shape[0] == n_samples
        assert not np.isnan(out).any()
