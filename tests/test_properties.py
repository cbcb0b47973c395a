"""Hypothesis properties: shapes, dtypes, determinism, inputs never mutated."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning

from sklearn_autoencoders import (
    AutoencoderTransformer,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
    StackedPretrainedClassifier,
)

SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def datasets(draw):
    n_samples = draw(st.integers(2, 40))
    n_features = draw(st.integers(1, 8))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    X = draw(
        arrays(
            dtype,
            (n_samples, n_features),
            elements=st.floats(-3, 3, width=32, allow_nan=False),
        )
    )
    return X


@st.composite
def estimators(draw):
    Estimator = draw(
        st.sampled_from(
            [
                AutoencoderTransformer,
                DenoisingAutoencoder,
                SparseAutoencoder,
                ContractiveAutoencoder,
            ]
        )
    )
    params = dict(
        n_components=draw(st.integers(1, 5)),
        hidden_layer_sizes=draw(st.sampled_from([(), (3,), (4, 2)])),
        activation=draw(st.sampled_from(["tanh", "relu", "logistic", "identity"])),
        tied_weights=draw(st.booleans()),
        weight_penalty=draw(st.sampled_from(["l2", "elimination"])),
        solver=draw(st.sampled_from(["adam", "sgd", "lbfgs"])),
        batch_size=draw(st.sampled_from(["auto", 1, 7])),
        max_iter=draw(st.integers(1, 4)),
        learning_rate=draw(st.sampled_from(["cosine", "constant", "adaptive"])),
        init=draw(st.sampled_from(["auto", "random"])),
        random_state=draw(st.integers(0, 2**16)),
    )
    if Estimator is DenoisingAutoencoder:
        params["noise"] = draw(
            st.sampled_from(["gaussian", "masking", "salt_and_pepper"])
        )
        params["noise_level"] = draw(st.floats(0, 0.9))
    if Estimator is SparseAutoencoder:
        # any code with a silent state; a linear one is refused
        params["code_activation"] = draw(st.sampled_from(["logistic", "tanh", "relu"]))
        params["sparsity_target"] = draw(st.floats(0.01, 0.5))
        params["sparsity_weight"] = draw(st.sampled_from(["auto", 0.0, 3.0]))
    if Estimator is ContractiveAutoencoder:
        params["contraction_weight"] = draw(st.sampled_from(["auto", 0.0, 1.0]))
    return Estimator(**params)


@SETTINGS
@given(X=datasets(), estimator=estimators())
def test_shapes_dtypes_and_no_mutation(X, estimator):
    X_before = X.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        codes = estimator.fit_transform(X)
    np.testing.assert_array_equal(X, X_before)
    assert codes.shape == (X.shape[0], estimator.n_components)
    assert codes.dtype == X.dtype
    reconstruction = estimator.inverse_transform(codes)
    assert reconstruction.shape == X.shape and reconstruction.dtype == X.dtype
    scores = estimator.score_samples(X)
    assert scores.shape == (X.shape[0],) and np.all(scores <= 0)
    assert all(np.isfinite(c).all() for c in estimator.coefs_)
    np.testing.assert_array_equal(X, X_before)


@SETTINGS
@given(X=datasets(), estimator=estimators())
def test_same_random_state_gives_identical_models(X, estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first = estimator.fit(X).transform(X)
        second = estimator.fit(X).transform(X)
    np.testing.assert_array_equal(first, second)


@st.composite
def partly_labeled(draw):
    """Data, labels with some rows marked -1, and a joint classifier."""
    X = draw(datasets().filter(lambda X: X.shape[0] >= 3))
    n_samples = X.shape[0]
    n_classes = draw(st.integers(2, 3))
    labels = draw(arrays(np.int64, n_samples, elements=st.integers(0, n_classes - 1)))
    unlabeled = draw(arrays(bool, n_samples, elements=st.booleans()))
    y = np.where(unlabeled, -1, labels)
    # at least two labeled classes and one unlabeled row
    y[:2], y[-1] = [0, 1], -1
    clf = StackedPretrainedClassifier(
        draw(st.sampled_from([(3,), (4, 2)])),
        activation=draw(st.sampled_from(["tanh", "relu", "logistic"])),
        unlabeled_label=-1,
        consistency_weight=draw(st.sampled_from([0.0, 1.0, 10.0])),
        reconstruction_weight=draw(st.sampled_from([0.0, 0.5])),
        batch_size=draw(st.sampled_from(["auto", 1, 7])),
        pretrain_max_iter=2,
        max_iter=draw(st.integers(1, 3)),
        random_state=draw(st.integers(0, 2**16)),
    )
    return X, y, clf


@SETTINGS
@given(problem=partly_labeled())
def test_joint_fine_tuning_shapes_dtypes_and_determinism(problem):
    X, y, clf = problem
    X_before, y_before = X.copy(), y.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first = clf.fit(X, y).predict_proba(X)
        second = clf.fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    assert first.shape == (X.shape[0], len(np.unique(y[y != -1])))
    assert first.dtype == X.dtype and np.isfinite(first).all()
    assert -1 not in clf.classes_
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


@st.composite
def pca_networks(draw):
    n_components = draw(st.integers(1, 4))
    depth = draw(st.integers(0, 2))
    hidden = tuple(2 * n_components + draw(st.integers(0, 3)) for _ in range(depth))
    n_features = draw(st.integers(n_components, 9))
    n_samples = draw(st.integers(n_features + 1, 40))
    seed = draw(st.integers(0, 2**16))
    X = np.random.default_rng(seed).normal(size=(n_samples, n_features))
    X *= np.linspace(3, 0.5, n_features)  # distinct principal directions
    return X + draw(st.floats(-5, 5)), n_components, hidden


@SETTINGS
@given(problem=pca_networks())
def test_network_that_starts_as_pca_computes_pca(problem):
    """init='pca' puts PCA's exact reconstruction and codes into the network."""
    X, n_components, hidden = problem
    ae = AutoencoderTransformer(
        n_components,
        hidden_layer_sizes=hidden,
        code_activation="identity",
        init="pca",
        early_stopping=False,
        learning_rate_init=1e-30,  # a step that changes nothing
        max_iter=1,
        random_state=0,
        standardize=False,  # PCA of X itself, whatever its offset
    ).fit(X)
    pca = PCA(n_components).fit(X)
    reconstruction = pca.inverse_transform(pca.transform(X))
    np.testing.assert_allclose(ae.reconstruct(X), reconstruction, atol=1e-9)
    np.testing.assert_allclose(ae.transform(X), pca.transform(X), atol=1e-9)


@st.composite
def weighted_datasets(draw):
    """Data and non-negative sample weights, at least one of them positive."""
    X = draw(datasets())
    weights = draw(
        arrays(np.float64, X.shape[0], elements=st.sampled_from([0.0, 0.5, 1.0, 3.0]))
    )
    weights[draw(st.integers(0, X.shape[0] - 1))] = 1.0
    return X, weights


@SETTINGS
@given(problem=weighted_datasets(), estimator=estimators())
def test_weighted_fits_shapes_dtypes_determinism_and_no_mutation(problem, estimator):
    X, weights = problem
    X_before, weights_before = X.copy(), weights.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first = estimator.fit(X, sample_weight=weights).transform(X)
        second = estimator.fit(X, sample_weight=weights).transform(X)
    np.testing.assert_array_equal(first, second)
    assert first.shape == (X.shape[0], estimator.n_components)
    assert first.dtype == X.dtype
    assert all(np.isfinite(c).all() for c in estimator.coefs_)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(weights, weights_before)


@SETTINGS
@given(
    X=datasets(),
    counts=st.lists(st.integers(0, 3), min_size=40, max_size=40),
    solver=st.sampled_from(["eigh", "svd"]),
    center=st.booleans(),
)
def test_linear_autoencoder_with_integer_weights_is_the_repeated_rows(
    X, counts, solver, center
):
    from sklearn_autoencoders import LinearAutoencoder

    X = X.astype(np.float64)
    counts = np.array(counts[: X.shape[0]])
    counts[0] = max(counts[0], 1)
    repeated = X.repeat(counts, axis=0)
    k = 1 if solver == "eigh" else min(X.shape[0], X.shape[1], len(repeated))
    weighted = LinearAutoencoder(k, solver=solver, center=center)
    weighted.fit(X, sample_weight=counts)
    plain = LinearAutoencoder(k, solver=solver, center=center).fit(repeated)
    # basis-free quantities: equal even when eigenvalues tie
    scale = 1.0 + float(np.sum(repeated**2))
    np.testing.assert_allclose(
        weighted.explained_variance_, plain.explained_variance_, atol=1e-9 * scale
    )
    assert weighted.reconstruction_error_ == pytest.approx(
        plain.reconstruction_error_, abs=1e-9 * scale
    )
    assert weighted.n_samples_seen_ == counts.sum()
