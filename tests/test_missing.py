"""Missing values: the masked loss, training on incomplete rows, the imputer."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_wine
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_autoencoders import (
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    DenoisingAutoencoder,
    LinearAutoencoder,
    StackedPretrainedClassifier,
    VariationalAutoencoder,
)
from sklearn_autoencoders._imputer import IndicatorMasking
from sklearn_autoencoders._losses import LOSSES, HiddenEntryLoss, MaskedLoss
from sklearn_autoencoders._validation import column_mean_and_std, filled


def _holes(X, rate=0.2, seed=0):
    rng = np.random.default_rng(seed)
    return np.where(rng.random(X.shape) < rate, np.nan, X)


@pytest.fixture
def wine():
    return load_wine().data


@pytest.mark.parametrize(
    "loss, activation", [("squared_error", "identity"), ("cross_entropy", "logistic")]
)
@pytest.mark.parametrize("weighted", [False, True])
def test_masked_loss_is_the_loss_over_observed_entries(loss, activation, weighted):
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(6, 5))
    Y = rng.random((6, 5))
    Y_missing = np.where(rng.random(Y.shape) < 0.3, np.nan, Y)
    observed = ~np.isnan(Y_missing)
    weights = rng.random(6) if weighted else None
    if weighted:
        weights /= weights.sum()
    masked = MaskedLoss(loss, activation)

    def value(z):
        delta, scratch = np.empty_like(z), np.empty_like(z)
        return masked(z.copy(), Y_missing, delta, activation, scratch, weights), delta

    value_at, gradient = value(Z)
    # the reference: each observed entry's own loss, averaged over rows
    per_entry = np.empty_like(Z)
    for i, j in np.ndindex(*Z.shape):
        delta, scratch = np.empty((1, 1)), np.empty((1, 1))
        z, y = Z[i : i + 1, j : j + 1].copy(), Y[i : i + 1, j : j + 1]
        per_entry[i, j] = LOSSES[loss](z, y, delta, activation, scratch)
    row_weights = np.full(6, 1 / 6) if weights is None else weights
    expected = float(np.sum(np.where(observed, per_entry, 0).sum(1) * row_weights))
    assert value_at == pytest.approx(expected, rel=1e-10)
    assert np.all(gradient[~observed] == 0)
    step = 1e-6
    for i, j in [(0, 0), (2, 3), (5, 4)] + list(zip(*np.nonzero(~observed)))[:2]:
        plus, minus = Z.copy(), Z.copy()
        plus[i, j] += step
        minus[i, j] -= step
        numeric = (value(plus)[0] - value(minus)[0]) / (2 * step)
        assert gradient[i, j] == pytest.approx(numeric, abs=1e-7)


def test_complete_batches_take_the_plain_loss():
    rng = np.random.default_rng(1)
    Z, Y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    a, b = np.empty_like(Z), np.empty_like(Z)
    plain = LOSSES["squared_error"](Z.copy(), Y, a, "identity", np.empty_like(Z))
    masked = MaskedLoss("squared_error", "identity")(
        Z.copy(), Y, b, "identity", np.empty_like(Z)
    )
    assert plain == masked
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("weighted", [False, True])
def test_hidden_entry_loss_gradient_and_its_plain_case(weighted):
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(5, 4))
    Y = np.where(rng.random((5, 4)) < 0.3, np.nan, rng.normal(size=(5, 4)))
    weights = rng.random(5) if weighted else None
    if weighted:
        weights /= weights.sum()
    masking = IndicatorMasking(0.4, 4)
    clean = np.hstack([np.nan_to_num(Y), ~np.isnan(Y)])
    masking(clean, np.empty_like(clean), rng)
    assert masking.hidden.any()
    loss = HiddenEntryLoss(masking, 0.25)

    def value(z, fn=loss):
        delta, scratch = np.empty_like(z), np.empty_like(z)
        return fn(z.copy(), Y, delta, "identity", scratch, weights), delta

    _, gradient = value(Z)
    step = 1e-6
    for i, j in np.ndindex(*Z.shape):
        plus, minus = Z.copy(), Z.copy()
        plus[i, j] += step
        minus[i, j] -= step
        numeric = (value(plus)[0] - value(minus)[0]) / (2 * step)
        assert gradient[i, j] == pytest.approx(numeric, abs=1e-8)
    # visible_weight=1 is the masked squared error
    plain = MaskedLoss("squared_error", "identity")
    a, b = value(Z, HiddenEntryLoss(masking, 1.0)), value(Z, plain)
    assert a[0] == pytest.approx(b[0], rel=1e-12)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-12)


def test_statistics_use_observed_entries(wine):
    X = _holes(wine)
    weights = np.random.default_rng(0).integers(0, 3, len(X)).astype(float)
    mean, std = column_mean_and_std(X, weights)
    observed = ~np.isnan(X)
    for j in range(X.shape[1]):
        w = weights[observed[:, j]]
        x = X[observed[:, j], j]
        np.testing.assert_allclose(mean[j], np.average(x, weights=w))
        np.testing.assert_allclose(std[j], np.sqrt(np.cov(x, aweights=w, ddof=0)))


def test_a_missing_entry_is_read_as_masking_noise_writes_it(wine):
    X = _holes(wine)
    ae = AutoencoderTransformer(4, max_iter=20, random_state=0).fit(X)
    # a missing entry enters as the column's mean, 0 once standardised
    np.testing.assert_allclose(ae.transform(X), ae.transform(filled(X, ae.input_mean_)))
    errors = ae.feature_errors(X)
    assert np.all(errors[np.isnan(X)] == 0)
    np.testing.assert_allclose(-errors.sum(1), ae.score_samples(X), rtol=1e-6)
    assert np.isfinite(ae.reconstruct(X)).all()


def test_the_loss_ignores_what_a_missing_entry_was(wine):
    """Training never reads a missing target: any value there gives one fit."""
    X = _holes(wine)
    params = dict(n_components=4, max_iter=10, random_state=0, standardize=False)
    Xs = (wine - wine.mean(0)) / wine.std(0)
    Xs_missing = np.where(np.isnan(X), np.nan, Xs)
    ours = AutoencoderTransformer(**params).fit(Xs_missing)
    again = AutoencoderTransformer(**params).fit(Xs_missing.copy())
    np.testing.assert_array_equal(ours.transform(Xs), again.transform(Xs))
    # observed rows reconstruct better than a model fed the mean instead
    assert ours.score(Xs_missing) > -np.nanmean(Xs_missing**2) * Xs.shape[1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_network_estimator_trains_on_incomplete_rows(wine, dtype):
    X = _holes(wine).astype(dtype)
    y = load_wine().target
    for estimator in (
        AutoencoderTransformer(4, max_iter=10, random_state=0),
        DenoisingAutoencoder(4, max_iter=10, random_state=0),
        AutoencoderTransformer(4, solver="lbfgs", max_iter=10, random_state=0),
        AutoencoderTransformer(
            4, hidden_layer_sizes=(8,), pretraining="denoising", max_iter=5
        ),
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            codes = estimator.fit(X).transform(X)
        assert codes.dtype == dtype and np.isfinite(codes).all()
    classifier = StackedPretrainedClassifier((8,), pretrain_max_iter=5, max_iter=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        classifier.set_params(random_state=0).fit(X, y)
    assert classifier.score(X, y) > 0.8
    detector = AutoencoderOutlierDetector(
        AutoencoderTransformer(4, max_iter=10), random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = detector.fit(X).score_samples(X)
    assert np.isfinite(scores).all()
    assert np.isfinite(detector.feature_contributions(X)).all()


def test_sparse_incomplete_rows_keep_implicit_zeros_observed():
    rng = np.random.default_rng(0)
    X = sp.random(60, 8, density=0.4, format="csr", random_state=0)
    X.data[rng.random(X.nnz) < 0.2] = np.nan
    ae = AutoencoderTransformer(3, max_iter=5, random_state=0).fit(X)
    dense = X.toarray()
    np.testing.assert_allclose(ae.score_samples(X), ae.score_samples(dense), rtol=1e-6)
    assert np.isfinite(ae.transform(X)).all()


def test_all_missing_is_refused_and_changes_nothing(wine):
    ae = AutoencoderTransformer(4, max_iter=5, random_state=0).fit(wine)
    before = ae.transform(wine)
    with pytest.raises(ValueError, match="NaN in every entry"):
        ae.fit(np.full_like(wine, np.nan))
    np.testing.assert_array_equal(ae.transform(wine), before)


def test_linear_and_variational_refuse_missing_values_naming_the_way(wine):
    X = _holes(wine)
    with pytest.raises(ValueError, match="AutoencoderImputer"):
        LinearAutoencoder(2).fit(X)
    with pytest.raises(ValueError, match="NaN"):
        VariationalAutoencoder(2, max_iter=2).fit(X)


# -- the imputer --------------------------------------------------------------
def _imputer(**params):
    return AutoencoderImputer(**{"max_iter": 60, "random_state": 0, **params})


def test_imputer_fills_only_the_missing_entries_and_beats_the_mean(wine):
    X = _holes(wine, 0.3)
    missing = np.isnan(X)
    filled_in = _imputer().fit_transform(X)
    np.testing.assert_array_equal(filled_in[~missing], X[~missing])
    scale = wine.std(0)

    def rmse(F):
        return np.sqrt(np.mean(((F - wine) / scale)[missing] ** 2))

    assert rmse(filled_in) < 0.9 * rmse(SimpleImputer().fit_transform(X))


def test_imputer_standardises_data_in_unit_range_too(wine):
    # Pixels in [0, 1] are standardised like any table: a hidden pixel then
    # enters as its column's mean, not as 0, the blank pixel's value.
    X = _holes((wine - wine.min(0)) / np.ptp(wine, axis=0), 0.3)
    imputer = _imputer().fit(X)
    np.testing.assert_allclose(imputer.input_mean_, np.nanmean(X, axis=0))
    np.testing.assert_allclose(imputer.input_scale_, np.nanstd(X, axis=0))
    raw = _imputer(standardize=False).fit(X)
    np.testing.assert_array_equal(raw.input_mean_, 0.0)
    np.testing.assert_array_equal(raw.input_scale_, 1.0)


def test_imputer_unscaled_raw_warning_names_its_own_fix(wine):
    # The imputer has no standardize='auto'; its warning names what it takes.
    with pytest.warns(UserWarning, match=r"use standardize=True\."):
        _imputer(standardize=False, max_iter=2).fit(_holes(wine, 0.3))


def test_imputer_reads_values_beyond_the_training_range_as_its_bounds(wine):
    X = _holes(wine, 0.3)
    imputer = _imputer().fit(X)
    np.testing.assert_array_equal(imputer.data_min_, np.nanmin(X, axis=0))
    np.testing.assert_array_equal(imputer.data_max_, np.nanmax(X, axis=0))
    row = X[:1].copy()
    row[0, 0], row[0, 1] = np.nan, 1e6  # far beyond the range of column 1
    at_bound = row.copy()
    at_bound[0, 1] = imputer.data_max_[1]
    out = imputer.transform(row)
    assert out[0, 1] == 1e6  # returned as given
    np.testing.assert_allclose(out[0, 0], imputer.transform(at_bound)[0, 0])
    assert imputer.data_min_[0] <= out[0, 0] <= imputer.data_max_[0] * 2


def test_imputer_missing_values_placeholder(wine):
    X = _holes(wine)
    coded = np.where(np.isnan(X), -1.0, X)
    a = _imputer().fit_transform(X)
    b = _imputer(missing_values=-1).fit_transform(coded)
    np.testing.assert_allclose(a, b)
    with pytest.raises(ValueError, match="NaN"):
        _imputer(missing_values=-1).fit(X)


def test_imputer_indicator_and_empty_features(wine):
    X = _holes(wine)
    X[:, 2] = np.nan
    with pytest.warns(UserWarning, match=r"Features \[2\] have no observed"):
        dropped = _imputer().fit(X)
    assert dropped.transform(X).shape == (len(X), 12)
    names = dropped.get_feature_names_out()
    assert "x2" not in names and len(names) == 12
    kept = _imputer(keep_empty_features=True, add_indicator=True).fit(X)
    out = kept.transform(X)
    assert out.shape == (len(X), 13 + 13)
    assert np.all(out[:, 2] == 0)
    np.testing.assert_array_equal(out[:, 13:], np.isnan(X))
    assert kept.get_feature_names_out()[13] == "missingindicator_x0"


def test_imputer_in_pipelines_column_transformers_and_searches(wine):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(_holes(wine), columns=[f"f{i}" for i in range(13)])
    y = load_wine().target
    imputer = _imputer(max_iter=10).set_output(transform="pandas")
    frame = imputer.fit_transform(X)
    assert list(frame.columns) == list(X.columns)
    columns = ColumnTransformer(
        [("net", _imputer(max_iter=10), list(X.columns[:7]))],
        remainder=SimpleImputer(),
    )
    pipe = make_pipeline(columns, LogisticRegression(max_iter=2000))
    search = GridSearchCV(
        pipe, {"columntransformer__net__noise_level": [0.1, 0.3]}, cv=2
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search.fit(X, y)
    assert search.best_score_ > 0.8


def test_imputer_sample_weight_counts_rows(wine):
    X = _holes(wine)[:60]
    weights = np.r_[np.full(30, 2.0), np.ones(30)]
    params = dict(noise_level=0.0, shuffle=False, batch_size=200, max_iter=20)
    weighted = _imputer(**params).fit(X, sample_weight=weights)
    repeated = _imputer(**params).fit(np.r_[X[:30], X])
    np.testing.assert_allclose(
        weighted.transform(X), repeated.transform(X), rtol=1e-6, atol=1e-8
    )


def test_imputer_bad_input_is_refused_and_changes_nothing(wine):
    X = _holes(wine)
    imputer = _imputer(max_iter=5).fit(X)
    before = imputer.transform(X)
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        imputer.fit(bad)
    with pytest.raises(ValueError, match="NaN in every entry"):
        imputer.fit(np.full_like(X, np.nan))
    with pytest.raises(ValueError, match="features"):
        imputer.transform(X[:, :5])
    np.testing.assert_array_equal(imputer.transform(X), before)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_samples=st.integers(2, 30),
    n_features=st.integers(1, 6),
    rate=st.floats(0, 0.9),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 100),
)
def test_imputer_properties(n_samples, n_features, rate, dtype, seed):
    """Shape, dtype, observed entries kept, no NaN left, reproducible."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)).astype(dtype)
    X[rng.random(X.shape) < rate] = np.nan
    if np.isnan(X).all():
        X[0, 0] = 1.0
    params = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imputer = AutoencoderImputer(keep_empty_features=True, **params).fit(X)
        again = AutoencoderImputer(keep_empty_features=True, **params).fit(X)
    out = imputer.transform(X)
    assert out.shape == X.shape and out.dtype == dtype
    assert not np.isnan(out).any()
    observed = ~np.isnan(X)
    np.testing.assert_array_equal(out[observed], X[observed])
    np.testing.assert_array_equal(out, again.transform(X))
