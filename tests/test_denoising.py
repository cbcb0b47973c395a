"""DenoisingAutoencoder: the corruptions, and that it learns to denoise."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_autoencoders import AutoencoderTransformer, DenoisingAutoencoder
from sklearn_autoencoders._noise import Corruption

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SHAPE = (200, 50)  # 10 000 entries: the fractions below are 4-5 sigma bounds


def _data(seed):
    return np.random.default_rng(seed).uniform(0.1, 0.9, SHAPE)


@settings(max_examples=20, deadline=None)
@given(
    level=st.floats(0.05, 0.95),
    seed=st.integers(0, 2**16),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_masking_zeroes_the_requested_fraction(level, seed, dtype):
    X = _data(seed).astype(dtype)
    before = X.copy()
    out = Corruption("masking", level)(X, np.empty_like(X), np.random.default_rng(seed))
    np.testing.assert_array_equal(X, before)
    assert out.dtype == dtype
    zeroed = out == 0
    assert abs(zeroed.mean() - level) < 5 * np.sqrt(level * (1 - level) / X.size)
    np.testing.assert_array_equal(out[~zeroed], X[~zeroed])


@settings(max_examples=20, deadline=None)
@given(level=st.floats(0.05, 0.95), seed=st.integers(0, 2**16))
def test_salt_and_pepper_uses_column_bounds(level, seed):
    X = _data(seed)
    low, high = X.min(axis=0) - 1, X.max(axis=0) + 1  # distinguishable from data
    before = X.copy()
    out = Corruption("salt_and_pepper", level, low, high)(
        X, np.empty_like(X), np.random.default_rng(seed)
    )
    np.testing.assert_array_equal(X, before)
    pepper, salt = out == low, out == high
    sigma = np.sqrt(level * (1 - level) / X.size)
    assert abs((pepper | salt).mean() - level) < 5 * sigma
    assert abs(pepper.mean() - salt.mean()) < 10 * sigma
    untouched = ~(pepper | salt)
    np.testing.assert_array_equal(out[untouched], X[untouched])


@settings(max_examples=20, deadline=None)
@given(level=st.floats(0.01, 3.0), seed=st.integers(0, 2**16))
def test_gaussian_residuals_have_the_requested_std(level, seed):
    X = _data(seed)
    before = X.copy()
    out = Corruption("gaussian", level)(
        X, np.empty_like(X), np.random.default_rng(seed)
    )
    np.testing.assert_array_equal(X, before)
    residual = out - X
    assert abs(residual.std() / level - 1) < 5 / np.sqrt(2 * X.size)
    assert abs(residual.mean()) < 5 * level / np.sqrt(X.size)


def test_fresh_corruption_every_batch_and_clean_targets(monkeypatch):
    X = _data(0)[:40]
    seen = []
    original = Corruption.__call__

    def spy(self, clean, out, rng):
        result = original(self, clean, out, rng)
        seen.append((clean.copy(), result.copy()))
        return result

    monkeypatch.setattr(Corruption, "__call__", spy)
    DenoisingAutoencoder(
        n_components=3,
        noise="masking",
        noise_level=0.5,
        batch_size=10,
        max_iter=2,
        shuffle=False,
        random_state=0,
    ).fit(X)
    assert len(seen) == 8  # 4 batches x 2 epochs
    # batch 0 of epoch 1 and of epoch 2 hold the same clean rows, new masks
    np.testing.assert_array_equal(seen[0][0], seen[4][0])
    assert not np.array_equal(seen[0][1], seen[4][1])
    # the clean side handed to the corruption is the training data itself
    np.testing.assert_array_equal(np.vstack([c for c, _ in seen[:4]]), X)


def test_transform_and_scores_are_deterministic():
    X = _data(1)[:60]
    dae = DenoisingAutoencoder(
        n_components=4,
        noise="salt_and_pepper",
        noise_level=0.3,
        max_iter=3,
        random_state=0,
    ).fit(X)
    np.testing.assert_array_equal(dae.transform(X), dae.transform(X))
    np.testing.assert_array_equal(dae.score_samples(X), dae.score_samples(X))
    np.testing.assert_array_equal(dae.data_min_, X.min(axis=0))
    np.testing.assert_array_equal(dae.data_max_, X.max(axis=0))


def test_zero_noise_equals_plain_autoencoder():
    X = _data(2)[:60]
    # init='random': the plain one's PCA guard is not the denoising one's
    kwargs = dict(n_components=4, max_iter=5, init="random", random_state=0)
    plain = AutoencoderTransformer(**kwargs).fit(X)
    for noise in ("gaussian", "masking", "salt_and_pepper"):
        dae = DenoisingAutoencoder(noise=noise, noise_level=0.0, **kwargs).fit(X)
        np.testing.assert_allclose(dae.transform(X), plain.transform(X), rtol=1e-12)


def test_partial_fit_corrupts_and_tracks_bounds():
    X = _data(3)
    dae = DenoisingAutoencoder(
        n_components=4,
        noise="salt_and_pepper",
        noise_level=0.2,
        out_activation="identity",  # the later chunk leaves [0, 1]
        random_state=0,
    )
    dae.partial_fit(X[:100])
    dae.partial_fit(X[100:] + 1)
    np.testing.assert_array_equal(
        dae.data_max_, np.maximum(X[:100].max(0), X[100:].max(0) + 1)
    )
    assert dae.n_iter_ == 2


def test_lbfgs_uses_one_fixed_corruption():
    X = _data(4)[:50]
    dae = DenoisingAutoencoder(
        n_components=3,
        noise="masking",
        noise_level=0.3,
        solver="lbfgs",
        max_iter=20,
        random_state=0,
    )
    np.testing.assert_array_equal(dae.fit(X).transform(X), dae.fit(X).transform(X))


@pytest.mark.parametrize(
    "noise, level", [("masking", 0.25), ("gaussian", 0.2), ("salt_and_pepper", 0.1)]
)
def test_denoising_beats_plain_autoencoder_on_corrupted_digits(noise, level, digits):
    X_train, X_test, _, _ = digits
    kwargs = dict(n_components=32, max_iter=60, learning_rate_init=3e-3, random_state=0)
    plain = AutoencoderTransformer(**kwargs).fit(X_train)
    dae = DenoisingAutoencoder(noise=noise, noise_level=level, **kwargs).fit(X_train)
    corruption = Corruption(noise, level, X_train.min(0), X_train.max(0))
    noisy = corruption(X_test, np.empty_like(X_test), np.random.default_rng(0))

    def error(model):
        return np.mean(np.sum((model.reconstruct(noisy) - X_test) ** 2, axis=1))

    assert error(dae) < 0.9 * error(plain)
