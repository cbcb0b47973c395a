"""VariationalAutoencoder: the ELBO's gradient, the row-keyed noise, and the
density conventions (score, score_samples, sample)."""

import tracemalloc
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_digits
from sklearn.decomposition import FactorAnalysis
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklearn_autoencoders import VariationalAutoencoder
from sklearn_autoencoders._variational import (
    RowKeyedNormal,
    VariationalNetwork,
    importance_log_likelihood,
    splitmix64,
)


def _network(likelihood, dtype=np.float64, hidden=(4,)):
    return VariationalNetwork(
        list(hidden),
        5,
        3,
        activation="tanh",
        likelihood=likelihood,
        beta=0.7,
        warmup=0,
        alpha=0.1,
        seed=3,
        dtype=dtype,
    )


@pytest.mark.parametrize("likelihood", ["gaussian", "bernoulli"])
@pytest.mark.parametrize("weighted", [False, True])
def test_elbo_gradient_matches_finite_differences(likelihood, weighted):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(7, 5))
    if likelihood == "bernoulli":
        X = (X > 0).astype(float)
    weights = rng.uniform(0.5, 2, 7) if weighted else None
    net = _network(likelihood)
    net.initialize(rng, X.mean(axis=0), X.var(axis=0) + 0.1)
    net.theta += rng.normal(scale=0.3, size=net.n_params)

    def objective(theta):
        net.theta[...] = theta
        net.elbo.step = 5  # the same noise for every evaluation
        return net.loss_and_gradient(X, X, sample_weight=weights)

    theta = net.theta.copy()
    objective(theta)
    analytic = net.grad.copy()
    numeric = np.empty_like(theta)
    for i in range(len(theta)):
        e = np.zeros_like(theta)
        e[i] = 1e-6
        numeric[i] = (objective(theta + e) - objective(theta - e)) / 2e-6
    np.testing.assert_allclose(analytic, numeric, atol=1e-7)


def test_row_keyed_noise_is_a_function_of_the_row_and_standard_normal():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 6))
    noise = RowKeyedNormal(6, 3, seed=11)
    keys = noise.row_keys(X)
    eps = noise.draw(keys, 1, np.empty((4000, 3)))
    assert abs(eps.mean()) < 0.05 and abs(eps.std() - 1) < 0.05
    # equal rows draw equal noise, wherever they are; another step differs
    again = noise.draw(noise.row_keys(X[::-1]), 1, np.empty((4000, 3)))
    np.testing.assert_array_equal(again[::-1], eps)
    later = noise.draw(keys, 2, np.empty((4000, 3)))
    assert np.corrcoef(later.ravel(), eps.ravel())[0, 1] < 0.05
    as_float32 = RowKeyedNormal(6, 3, seed=11).row_keys(X.astype(np.float32))
    assert len(np.unique(as_float32)) == 4000


@pytest.mark.parametrize("likelihood", ["gaussian", "bernoulli"])
@pytest.mark.parametrize("weighted", [False, True])
def test_a_training_step_reuses_its_buffers(likelihood, weighted):
    # the row keys once made (n, d) uint64 words per batch: four times
    # the float32 batch; the noise and the KL term now live in buffers
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 200)).astype(np.float32)
    if likelihood == "bernoulli":
        X = (X > 0).astype(np.float32)
    weights = np.full(256, 1 / 256, np.float32) if weighted else None
    net = VariationalNetwork(
        [16], 200, 4, activation="tanh", likelihood=likelihood, beta=1.0,
        warmup=0, alpha=0.1, seed=3, dtype=np.float32,
    )  # fmt: skip
    net.initialize(rng, X.mean(axis=0), X.var(axis=0) + 0.1)
    net.loss_and_gradient(X, X, sample_weight=weights)  # allocates the buffers
    tracemalloc.start()
    try:
        net.loss_and_gradient(X, X, sample_weight=weights)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < X.nbytes / 2


def test_in_place_noise_equals_the_plain_functions():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 7))
    noise = RowKeyedNormal(7, 2, seed=5)
    keys = noise.row_keys(X)
    into = np.empty(30, np.uint64)
    assert noise.row_keys(X, out=into) is into
    np.testing.assert_array_equal(into, keys)
    words = X.view(np.uint64).astype(np.uint64)
    with np.errstate(over="ignore"):
        plain = (words * noise.multipliers).sum(axis=1, dtype=np.uint64)
        plain = splitmix64(plain ^ noise.seed)
    np.testing.assert_array_equal(keys, plain)
    # SplitMix64's first output from state 0 (Steele et al.'s reference)
    assert int(splitmix64(np.zeros(1, np.uint64))[0]) == 0xE220A8397B1DCDAF
    x = rng.integers(0, 2**63, size=9, dtype=np.uint64)
    np.testing.assert_array_equal(splitmix64(x.copy(), out=None), splitmix64(x))
    y = x.copy()
    splitmix64(y, out=y)
    np.testing.assert_array_equal(y, splitmix64(x))


def test_importance_bound_tightens_the_elbo():
    X = np.random.default_rng(0).normal(size=(50, 5))
    net = _network("gaussian")
    net.initialize(np.random.default_rng(1), X.mean(axis=0), X.var(axis=0))
    coefs, intercepts, activations = net.parameters()
    draws = np.random.default_rng(2).standard_normal((200, 3))
    args = (coefs, intercepts, activations, net.likelihood.log_variance, X, 3)
    elbo = importance_log_likelihood(*args, draws[:1])
    bound = importance_log_likelihood(*args, draws)
    assert bound.mean() > elbo.mean()


@pytest.fixture(scope="module")
def digits():
    X = load_digits().data
    X = (X + np.random.default_rng(0).uniform(0, 1, X.shape)) / 17
    return train_test_split(X, test_size=0.25, random_state=0)


@pytest.fixture(scope="module")
def fitted(digits):
    X_train, _ = digits
    return VariationalAutoencoder(
        n_components=8, max_iter=30, batch_size=64, random_state=0
    ).fit(X_train)


def test_density_conventions(fitted, digits):
    _, X_test = digits
    scores = fitted.score_samples(X_test)
    assert scores.shape == (len(X_test),) and np.isfinite(scores).all()
    assert fitted.score(X_test) == pytest.approx(scores.mean())
    # a row's score depends on that row only
    np.testing.assert_allclose(fitted.score_samples(X_test[5:6]), scores[5:6])
    assert fitted.transform(X_test).shape == (len(X_test), 8)
    assert fitted.inverse_transform(fitted.transform(X_test)).shape == X_test.shape
    assert fitted.get_feature_names_out()[0] == "variationalautoencoder0"


def test_sample_is_reproducible_and_in_the_data_units(fitted, digits):
    first = fitted.sample(500, random_state=3)
    np.testing.assert_array_equal(first, fitted.sample(500, random_state=3))
    assert not np.array_equal(first, fitted.sample(500, random_state=4))
    X_train, _ = digits
    # the samples' column means follow the data's
    gap = np.abs(first.mean(axis=0) - X_train.mean(axis=0)).max()
    assert gap < 0.1
    with pytest.raises(ValueError, match="n_samples"):
        fitted.sample(0)


def test_beats_factor_analysis_on_digits(digits):
    X_train, X_test = digits
    vae = VariationalAutoencoder(
        n_components=8, max_iter=60, batch_size=64, random_state=0
    ).fit(X_train)
    fa = FactorAnalysis(8).fit(X_train)
    assert vae.score(X_test) > fa.score(X_test)


def test_scores_are_in_the_data_units():
    X = np.random.default_rng(0).normal(size=(120, 4)) @ np.diag([1, 2, 3, 4])
    params = dict(n_components=2, max_iter=5, standardize=True, random_state=0)
    small = VariationalAutoencoder(**params).fit(X)
    large = VariationalAutoencoder(**params).fit(1000 * X)
    # the same standardised fit; the density of 1000 x is 1000^-4 that of x
    np.testing.assert_allclose(
        large.score_samples(1000 * X),
        small.score_samples(X) - 4 * np.log(1000),
        rtol=1e-6,
    )
    assert large.sample(2000, random_state=0).std(axis=0)[3] > 1000


def test_binary_data_get_the_bernoulli_likelihood():
    X = (np.random.default_rng(0).uniform(size=(200, 10)) < 0.3).astype(float)
    vae = VariationalAutoencoder(n_components=2, max_iter=5, random_state=0).fit(X)
    assert vae.likelihood_ == "bernoulli" and vae.noise_variance_ is None
    samples = vae.sample(50, random_state=0)
    assert set(np.unique(samples)) <= {0.0, 1.0}
    assert (vae.score_samples(X) < 0).all()  # log-probabilities of binary rows
    with pytest.raises(ValueError, match="values in \\[0, 1\\]"):
        VariationalAutoencoder(likelihood="bernoulli").fit(X * 2)


def test_float32_stays_float32(digits):
    X_train, X_test = digits
    vae = VariationalAutoencoder(n_components=4, max_iter=3, random_state=0)
    vae.fit(X_train.astype(np.float32))
    assert vae.coefs_[0].dtype == np.float32
    assert vae.transform(X_test).dtype == np.float32
    assert vae.sample(3, random_state=0).dtype == np.float32


def test_partial_fit_continues(digits):
    X_train, _ = digits
    vae = VariationalAutoencoder(n_components=4, random_state=0)
    for _ in range(3):
        vae.partial_fit(X_train)
    assert vae.n_iter_ == 3 and len(vae.loss_curve_) == 3
    assert vae.loss_curve_[-1] < vae.loss_curve_[0]


def test_the_detector_scores_a_variational_autoencoder_by_its_likelihood(digits):
    from sklearn_autoencoders import (
        AutoencoderOutlierDetector,
        AutoencoderTransformer,
    )

    X_train, X_test = digits
    vae = VariationalAutoencoder(n_components=4, max_iter=10, random_state=0)
    detector = AutoencoderOutlierDetector(vae).fit(X_train)
    assert detector.outlier_score_ == "likelihood"
    np.testing.assert_allclose(
        detector.score_samples(X_test), detector.autoencoder_.score_samples(X_test)
    )
    # a planted anomaly: two pixels far too bright lead its contributions
    row = X_test[:1].copy()
    row[0, [20, 43]] += 5 * X_train[:, [20, 43]].std(axis=0)
    top_two = np.argsort(detector.feature_contributions(row)[0])[-2:]
    assert set(top_two) == {20, 43}
    with pytest.raises(ValueError, match="density model"):
        AutoencoderOutlierDetector(
            AutoencoderTransformer(n_components=2, max_iter=2),
            outlier_score="likelihood",
        ).fit(X_train)


def test_a_weighted_row_is_the_row_repeated_noise_included():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 5))
    weights = np.array([1.0, 2.0, 0.0, 3.0, 1.0, 2.0])
    repeated = np.repeat(X, weights.astype(int), axis=0)
    results = []
    for rows, w in ((X, weights), (repeated, None)):
        net = _network("gaussian")
        net.initialize(np.random.default_rng(1), X.mean(axis=0), X.var(axis=0))
        loss = net.loss_and_gradient(rows, rows, sample_weight=w)
        results.append((loss, net.grad.copy()))
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(
    n_samples=st.integers(2, 30),
    n_features=st.integers(1, 6),
    dtype=st.sampled_from([np.float32, np.float64]),
    binary=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_shapes_dtypes_determinism_and_no_mutation(
    n_samples, n_features, dtype, binary, seed
):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)).astype(dtype)
    if binary:
        X = (X > 0).astype(dtype)
    before = X.copy()
    params = dict(n_components=2, max_iter=3, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first = VariationalAutoencoder(**params).fit(X)
        second = VariationalAutoencoder(**params).fit(X)
    np.testing.assert_array_equal(X, before)
    codes = first.transform(X)
    assert codes.shape == (n_samples, 2) and codes.dtype == dtype
    assert first.inverse_transform(codes).shape == X.shape
    scores = first.score_samples(X)
    assert scores.shape == (n_samples,) and np.isfinite(scores).all()
    np.testing.assert_array_equal(scores, second.score_samples(X))
    assert first.sample(4, random_state=0).dtype == dtype
