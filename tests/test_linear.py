"""LinearAutoencoder against PCA, SVD and itself (the oracles of DESIGN.md §3)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import subspace_angles
from sklearn.decomposition import PCA

from sklearn_autoencoders import LinearAutoencoder

EXACT = ["auto", "eigh", "svd"]


def _data(n_samples, n_features, seed=0, offset=3.0):
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(n_features, n_features))
    return rng.normal(size=(n_samples, n_features)) @ mixing + offset


def _separated(n_samples=600, n_features=10, scales=(10.0, 6.0, 3.0), seed=0):
    """Data whose top directions have well-separated variances."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.normal(size=(n_features, n_features)))[0]
    loadings = rng.normal(size=(n_samples, len(scales))) * scales
    noise = 0.1 * rng.normal(size=(n_samples, n_features))
    return loadings @ basis[:, : len(scales)].T + noise, basis[:, : len(scales)]


@settings(max_examples=30, deadline=None)
@given(
    n_samples=st.integers(3, 60),
    n_features=st.integers(2, 12),
    solver=st.sampled_from(EXACT),
    dtype=st.sampled_from([np.float64, np.float32]),
    seed=st.integers(0, 1000),
    data=st.data(),
)
def test_centered_equals_pca(n_samples, n_features, solver, dtype, seed, data):
    X = _data(n_samples, n_features, seed).astype(dtype)
    k = data.draw(
        st.integers(
            1, min(n_samples, n_features) - 1 if min(n_samples, n_features) > 1 else 1
        )
    )
    ours = LinearAutoencoder(k, center=True, solver=solver).fit(X)
    pca = PCA(k, svd_solver="full").fit(X)
    rtol = 1e-4 if dtype == np.float32 else 1e-8
    # Components are only defined where the spectrum is not degenerate.
    gaps = np.abs(np.diff(pca.explained_variance_)) if k > 1 else np.array([1.0])
    if np.min(gaps, initial=1.0) > 1e-3 * pca.explained_variance_[0]:
        np.testing.assert_allclose(
            ours.components_, pca.components_, rtol=rtol, atol=rtol * 10
        )
        scale = np.abs(pca.transform(X)).max()
        np.testing.assert_allclose(
            ours.transform(X), pca.transform(X), atol=rtol * 10 * scale
        )
        Z = pca.transform(X)
        np.testing.assert_allclose(
            ours.inverse_transform(Z),
            pca.inverse_transform(Z),
            atol=rtol * 10 * np.abs(X).max(),
        )
    np.testing.assert_allclose(
        ours.explained_variance_,
        pca.explained_variance_,
        rtol=rtol * 10,
        atol=rtol * pca.explained_variance_.max(),
    )
    np.testing.assert_allclose(
        ours.explained_variance_ratio_,
        pca.explained_variance_ratio_,
        rtol=rtol * 10,
        atol=rtol,
    )
    np.testing.assert_allclose(
        ours.singular_values_,
        pca.singular_values_,
        rtol=rtol * 10,
        atol=rtol * pca.singular_values_.max(),
    )
    np.testing.assert_allclose(
        ours.mean_, pca.mean_, rtol=rtol, atol=rtol * np.abs(X).max()
    )
    assert ours.components_.dtype == dtype


@pytest.mark.parametrize("solver", EXACT + ["randomized"])
def test_centered_matches_pca_exactly_in_float64(solver):
    X = _data(300, 8)
    ours = LinearAutoencoder(4, center=True, solver=solver, random_state=0).fit(X)
    pca = PCA(4, svd_solver="full").fit(X)
    np.testing.assert_allclose(
        ours.components_, pca.components_, rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(
        ours.explained_variance_, pca.explained_variance_, rtol=1e-10
    )
    np.testing.assert_allclose(
        ours.transform(X), pca.transform(X), rtol=1e-10, atol=1e-10
    )


@pytest.mark.parametrize("solver", EXACT)
@pytest.mark.parametrize("shape", [(200, 7), (5, 12)])
def test_uncentered_span_and_error_match_svd_of_raw_data(solver, shape):
    X = _data(*shape)
    k = 3
    ours = LinearAutoencoder(k, solver=solver).fit(X)
    _, S, Vt = np.linalg.svd(X, full_matrices=False)
    assert np.max(subspace_angles(ours.components_.T, Vt[:k].T)) < 1e-8
    np.testing.assert_allclose(
        ours.reconstruction_error_, np.sum(S[k:] ** 2) / shape[0], rtol=1e-8
    )
    np.testing.assert_allclose(-ours.score(X), ours.reconstruction_error_, rtol=1e-8)
    np.testing.assert_array_equal(ours.mean_, 0)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), center=st.booleans(), data=st.data())
def test_partial_fit_over_random_chunks_equals_fit(seed, center, data):
    X = _data(120, 6, seed, offset=1e3)  # large mean: the update must not cancel
    # the first chunk must hold n_components samples; later ones may be single rows
    cuts = sorted(data.draw(st.lists(st.integers(3, 119), max_size=8, unique=True)))
    streamed = LinearAutoencoder(3, center=center)
    for chunk in np.split(X, cuts):
        streamed.partial_fit(chunk)
    full = LinearAutoencoder(3, center=center, solver="eigh").fit(X)
    assert streamed.n_samples_seen_ == 120
    np.testing.assert_allclose(streamed.mean_, full.mean_, rtol=1e-12)
    np.testing.assert_allclose(
        streamed.components_, full.components_, rtol=1e-7, atol=1e-9
    )
    np.testing.assert_allclose(
        streamed.explained_variance_, full.explained_variance_, rtol=1e-9
    )
    pca = PCA(3).fit(X)
    if center:
        np.testing.assert_allclose(
            streamed.explained_variance_, pca.explained_variance_, rtol=1e-8
        )


def test_gradient_reaches_the_closed_form_subspace():
    X, _ = _separated()
    exact = LinearAutoencoder(3).fit(X)
    trained = LinearAutoencoder(3, solver="gradient", random_state=0).fit(X)
    assert np.max(subspace_angles(trained.components_.T, exact.components_.T)) < 1e-2
    assert trained.reconstruction_error_ < 1.01 * exact.reconstruction_error_


def test_gradient_on_digits_is_within_one_percent_of_closed_form(digits):
    X = digits[0]
    exact = LinearAutoencoder(10, center=True).fit(X)
    trained = LinearAutoencoder(
        10, center=True, solver="gradient", max_iter=300, random_state=0
    ).fit(X)
    assert trained.reconstruction_error_ < 1.01 * exact.reconstruction_error_


def test_gradient_with_l2_aligns_columns_with_principal_directions():
    X, _ = _separated(scales=(4.0, 2.0, 1.0))
    exact = LinearAutoencoder(3).fit(X)
    # full batch, many epochs: the symmetry-breaking rotation is slow
    kwargs = dict(
        solver="gradient",
        batch_size=len(X),
        max_iter=12000,
        tol=0.0,
        n_iter_no_change=12000,
        random_state=0,
    )
    plain = LinearAutoencoder(3, **kwargs).fit(X)
    ridge = LinearAutoencoder(3, alpha=300.0, **kwargs).fit(X)

    def cosines(model):
        unit = model.components_ / np.linalg.norm(
            model.components_, axis=1, keepdims=True
        )
        return np.abs(np.sum(unit * exact.components_, axis=1))

    assert np.all(cosines(ridge) > 0.999)  # each column is one principal direction
    assert np.min(cosines(plain)) < 0.99  # without it, any rotation of the subspace
    assert np.max(subspace_angles(plain.components_.T, exact.components_.T)) < 1e-3


def test_auto_picks_an_exact_solver_and_randomized_only_when_asked(monkeypatch):
    import sklearn_autoencoders._linear as module

    def fail(*args, **kwargs):
        raise AssertionError("randomized_svd must not run")

    monkeypatch.setattr(module, "randomized_svd", fail)
    for shape in [(50, 5), (5, 50)]:
        LinearAutoencoder(2, solver="auto").fit(_data(*shape))


def test_too_many_components_is_a_clear_error():
    with pytest.raises(ValueError, match="min\\(n_samples, n_features\\)=4"):
        LinearAutoencoder(5).fit(_data(4, 10))
    with pytest.raises(ValueError, match="n_components=6"):
        LinearAutoencoder(6).fit(_data(40, 5))


def test_none_keeps_all_components():
    ae = LinearAutoencoder().fit(_data(30, 6))
    assert ae.n_components_ == 6
    X = _data(30, 6, seed=2)
    np.testing.assert_allclose(ae.inverse_transform(ae.transform(X)), X, atol=1e-8)


@pytest.mark.parametrize("solver", ["randomized", "gradient"])
def test_partial_fit_only_for_exact_solvers(solver):
    assert not hasattr(LinearAutoencoder(2, solver=solver), "partial_fit")


@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize(
    "solver, shape", [("svd", (30, 6)), ("auto", (4, 9)), ("eigh", (30, 6))]
)
def test_partial_fit_continues_a_fit(solver, shape, center):
    X = _data(*shape, offset=50.0)
    extra = _data(7, shape[1], seed=1, offset=50.0)
    continued = (
        LinearAutoencoder(3, center=center, solver=solver).fit(X).partial_fit(extra)
    )
    full = LinearAutoencoder(3, center=center, solver="eigh").fit(np.vstack([X, extra]))
    assert continued.n_samples_seen_ == full.n_samples_seen_
    np.testing.assert_allclose(
        continued.components_, full.components_, rtol=1e-6, atol=1e-8
    )
    np.testing.assert_allclose(
        continued.explained_variance_, full.explained_variance_, rtol=1e-8
    )
    np.testing.assert_allclose(continued.mean_, full.mean_, rtol=1e-12)


def test_get_feature_names_out():
    ae = LinearAutoencoder(2).fit(_data(30, 4))
    assert list(ae.get_feature_names_out()) == [
        "linearautoencoder0",
        "linearautoencoder1",
    ]
