"""The variational autoencoder's fitted prior: a Gaussian mixture fitted by
EM to the aggregate posterior, and its choice under ``prior='auto'``."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_autoencoders import VariationalAutoencoder
from sklearn_autoencoders._prior import (
    BROAD_WEIGHT,
    PRIOR_REG_COVAR,
    fit_mixture_ladder,
)


def _clusters(seed=0, n=300, k=3):
    """Posterior means around three centres, and small posterior variances."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-4.0, 0, 0], [4, 0, 0], [0, 5, 0]])[:, :k]
    labels = rng.integers(0, 3, n)
    means = centres[labels] + rng.normal(scale=0.5, size=(n, k))
    variances = rng.uniform(0.01, 0.1, size=(n, k))
    return means, variances, labels


def test_one_component_matches_the_aggregate_posteriors_moments():
    means, variances, _ = _clusters()
    weights = np.random.default_rng(1).uniform(0.2, 3, len(means))
    (prior,) = fit_mixture_ladder(means, variances, weights, 1)
    centre = weights @ means / weights.sum()
    diff = means - centre
    # the covariance of the mixture sum_i w_i N(mu_i, diag(s_i^2))
    covariance = (diff * weights[:, None]).T @ diff / weights.sum()
    covariance += np.diag(weights @ variances / weights.sum() + PRIOR_REG_COVAR)
    np.testing.assert_allclose(prior.weights, [1.0])
    np.testing.assert_allclose(prior.means[0], centre)
    np.testing.assert_allclose(prior.covariances[0], covariance)


def test_the_ladder_finds_well_separated_clusters():
    means, variances, labels = _clusters()
    ladder = list(fit_mixture_ladder(means, variances, None, 3))
    # 1, 2 and 3 fitted components, the broad one added from 2 on
    assert [prior.n_components for prior in ladder] == [1, 3, 4]
    np.testing.assert_allclose(ladder[2].means[-1], ladder[0].means[0])
    np.testing.assert_allclose(ladder[2].covariances[-1], ladder[0].covariances[0])
    weights, centres = ladder[2].weights[:3], ladder[2].means[:3]
    order = np.argsort(centres[:, 0] + 0.1 * centres[:, 1])
    np.testing.assert_allclose(
        weights[order] / (1 - BROAD_WEIGHT),
        np.bincount(labels)[[0, 2, 1]] / len(labels),
        atol=0.01,
    )
    np.testing.assert_allclose(
        centres[order], [[-4, 0, 0], [0, 5, 0], [4, 0, 0]], atol=0.15
    )
    # three components explain the rows better than one and two do
    bounds = [p.expected_log_density(means, variances).mean() for p in ladder]
    assert bounds[0] < bounds[1] < bounds[2]


def test_a_weighted_row_is_the_row_repeated():
    means, variances, _ = _clusters(n=60)
    weights = np.random.default_rng(2).integers(0, 4, len(means))
    repeated = [np.repeat(a, weights, axis=0) for a in (means, variances)]
    weighted = list(fit_mixture_ladder(means, variances, weights, 8))
    plain = list(fit_mixture_ladder(*repeated, None, 8))
    assert len(weighted) == len(plain)
    for a, b in zip(weighted, plain):
        np.testing.assert_allclose(a.weights, b.weights, rtol=1e-8)
        np.testing.assert_allclose(a.means, b.means, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(a.covariances, b.covariances, rtol=1e-8, atol=1e-10)


def test_densities_match_scipy_and_the_bound_is_a_lower_bound():
    means, variances, _ = _clusters()
    *_, prior = fit_mixture_ladder(means, variances, None, 3)
    z = np.random.default_rng(3).normal(size=(20, 3)) * 3
    expected = np.log(
        sum(
            w * multivariate_normal(m, S).pdf(z)
            for w, m, S in zip(prior.weights, prior.means, prior.covariances)
        )
    )
    np.testing.assert_allclose(prior.log_density(z), expected, rtol=1e-10)
    # E_q[log g(z)] for q = N(mu, diag(s^2)), by Monte Carlo, is above the
    # closed-form bound (equal for one component)
    mu, var = means[:5], variances[:5] * 20
    draws = mu + np.sqrt(var) * np.random.default_rng(4).normal(size=(20000, 5, 3))
    monte_carlo = prior.log_density(draws.reshape(-1, 3)).reshape(20000, 5).mean(0)
    bound = prior.expected_log_density(mu, var)
    assert (bound <= monte_carlo + 0.01).all()
    single, *_ = fit_mixture_ladder(means, variances, None, 1)
    exact = single.log_density(draws.reshape(-1, 3)).reshape(20000, 5).mean(0)
    np.testing.assert_allclose(single.expected_log_density(mu, var), exact, atol=0.15)
    # and in closed form: log N(mu; m, S) - tr(S^-1 diag(s^2)) / 2
    m, S = single.means[0], single.covariances[0]
    closed = multivariate_normal(m, S).logpdf(mu) - 0.5 * var @ np.diag(
        np.linalg.inv(S)
    )
    np.testing.assert_allclose(single.expected_log_density(mu, var), closed)


def test_samples_follow_the_mixture():
    means, variances, _ = _clusters()
    *_, prior = fit_mixture_ladder(means, variances, None, 3)
    codes = prior.sample(20000, np.random.RandomState(0))
    np.testing.assert_array_equal(codes, prior.sample(20000, np.random.RandomState(0)))
    np.testing.assert_allclose(
        codes.mean(axis=0), prior.weights @ prior.means, atol=0.1
    )
    # the draws are shuffled, not grouped by component
    assert np.abs(np.diff(codes[:, 0])).mean() > 1


@pytest.fixture(scope="module")
def digits():
    X = load_digits().data
    X = (X + np.random.default_rng(0).uniform(0, 1, X.shape)) / 17
    return train_test_split(X, test_size=0.25, random_state=0)


def test_the_fitted_prior_raises_the_held_out_likelihood(digits):
    X_train, X_test = digits
    params = dict(n_components=8, max_iter=30, random_state=0)
    auto = VariationalAutoencoder(**params).fit(X_train)
    plain = VariationalAutoencoder(prior="standard_normal", **params).fit(X_train)
    # the prior is fitted after training: the networks are the same
    np.testing.assert_array_equal(auto.transform(X_test), plain.transform(X_test))
    assert len(auto.prior_weights_) > 1
    assert auto.score(X_test) > plain.score(X_test) + 0.5
    np.testing.assert_array_equal(plain.prior_weights_, [1.0])
    np.testing.assert_array_equal(plain.prior_means_, np.zeros((1, 8)))
    np.testing.assert_array_equal(plain.prior_covariances_, np.eye(8)[None])


def test_an_int_prior_fits_that_many_components(digits):
    X_train, _ = digits
    vae = VariationalAutoencoder(n_components=4, max_iter=5, prior=5, random_state=0)
    vae.fit(X_train)
    # five fitted by EM and the broad one
    assert vae.prior_weights_.shape == (6,)
    assert vae.prior_means_.shape == (6, 4)
    assert vae.prior_covariances_.shape == (6, 4, 4)
    assert vae.prior_weights_[-1] == pytest.approx(BROAD_WEIGHT)
    assert vae.prior_weights_.sum() == pytest.approx(1.0)
    assert vae.sample(7, random_state=0).shape == (7, X_train.shape[1])


def test_too_few_rows_to_choose_keep_the_standard_normal():
    X = np.random.default_rng(0).normal(size=(40, 3))
    vae = VariationalAutoencoder(n_components=2, max_iter=3, random_state=0).fit(X)
    np.testing.assert_array_equal(vae.prior_means_, np.zeros((1, 2)))


def test_the_auto_choice_treats_a_weighted_row_as_repeated(digits):
    X_train, _ = digits
    X = X_train[:400]
    vae = VariationalAutoencoder(n_components=4, max_iter=5, random_state=0).fit(X)
    weights = np.random.default_rng(0).integers(0, 3, len(X))
    args = (vae._parts(), vae._log_variance, 4)
    weighted = vae._fit_prior(*args, X, weights.astype(X.dtype))
    repeated = vae._fit_prior(*args, np.repeat(X, weights, axis=0), None)
    assert weighted.n_components == repeated.n_components > 1
    np.testing.assert_allclose(weighted.weights, repeated.weights, rtol=1e-8)
    np.testing.assert_allclose(weighted.means, repeated.means, rtol=1e-7, atol=1e-9)


def test_score_and_sample_follow_the_fitted_prior(digits):
    X_train, X_test = digits
    vae = VariationalAutoencoder(n_components=4, max_iter=5, prior=3, random_state=0)
    vae.fit(X_train)
    assert vae.score(X_test) == pytest.approx(vae.score_samples(X_test).mean())
    np.testing.assert_array_equal(
        vae.sample(20, random_state=1), vae.sample(20, random_state=1)
    )
    codes = vae.sample_codes(5000, random_state=1)
    assert codes.shape == (5000, 4) and codes.dtype == vae.coefs_[0].dtype
    np.testing.assert_array_equal(codes, vae.sample_codes(5000, random_state=1))
    mixture_mean = vae.prior_weights_ @ vae.prior_means_
    np.testing.assert_allclose(codes.mean(axis=0), mixture_mean, atol=0.1)
    # sample decodes the same codes, then adds the likelihood's noise
    noisy = vae.sample(5000, random_state=1)
    means = vae.inverse_transform(codes)
    assert np.abs((noisy - means).mean(axis=0)).max() < 0.05
    with pytest.raises(ValueError, match="n_samples"):
        vae.sample_codes(0)
    # moving the prior far from the codes lowers every row's score
    shifted = VariationalAutoencoder(
        n_components=4, max_iter=5, prior=3, random_state=0
    )
    shifted.fit(X_train)
    shifted.prior_means_ = shifted.prior_means_ + 10.0
    assert (shifted.score_samples(X_test) < vae.score_samples(X_test)).all()
