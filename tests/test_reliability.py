"""Training that works on unscaled data, and a gradient solver that reaches PCA.

The remedies: ``standardize='auto'`` (train on standardised features, fold
the standardisation back into the weights), and the adaptive schedule of
``LinearAutoencoder(solver='gradient')`` with a warning when it ends short
of the closed form.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import subspace_angles
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_autoencoders import (
    AutoencoderTransformer,
    DenoisingAutoencoder,
    DivergenceError,
    LinearAutoencoder,
    StackedPretrainedClassifier,
)
from sklearn_autoencoders._network import (
    fold_standardization,
    forward,
    unfold_standardization,
)
from sklearn_autoencoders._validation import input_standardization, standardized

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _unscaled(center, seed=0, n=120, d=6):
    """Correlated columns around ``center`` with spreads of ``center / 10``."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 2))
    X = latent @ rng.normal(size=(2, d)) + 0.1 * rng.normal(size=(n, d))
    return center + (center / 10) * X


@pytest.mark.parametrize("center", [100.0, 1e4])
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("unit", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("tied", [True, False])
def test_every_unit_and_solver_trains_on_unscaled_data(center, solver, unit, tied):
    X = _unscaled(center)
    ae = AutoencoderTransformer(
        2,
        activation=unit,
        solver=solver,
        tied_weights=tied,
        max_iter=60,
        random_state=0,
    ).fit(X)
    assert ae.input_mean_ is not None
    codes = ae.transform(X)
    assert np.isfinite(codes).all()
    assert codes.std(axis=0).min() > 1e-3 * codes.std()  # not a constant map
    assert ae.loss_ < ae.loss_curve_[0] if solver != "lbfgs" else ae.loss_ > 0
    # never worse than predicting the column means (logistic units with SGD
    # learn slowly: 60 epochs leave them near that baseline, not beyond it)
    assert ae.score(X) > -1.01 * np.sum(X.var(axis=0))


@pytest.mark.parametrize("center", [100.0, 1e4])
@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_the_classifier_trains_on_unscaled_data(center, solver):
    X = _unscaled(center, n=200)
    y = (X[:, 0] > np.median(X[:, 0])).astype(int)
    clf = StackedPretrainedClassifier(
        (16,), solver=solver, max_iter=80, pretrain_max_iter=10, random_state=0
    ).fit(X, y)
    assert clf.input_mean_ is not None
    assert clf.score(X, y) > 0.85


def test_already_scaled_data_are_left_alone(digits):
    X_train = digits[0]
    assert AutoencoderTransformer(4, max_iter=5).fit(X_train).input_mean_ is None
    Z = StandardScaler().fit_transform(X_train)
    ae = AutoencoderTransformer(4, max_iter=5).fit(Z)
    assert ae.input_mean_ is None and ae.input_scale_ is None
    clf = StackedPretrainedClassifier((8,), max_iter=5, pretrain_max_iter=2)
    assert clf.fit(X_train, digits[2]).input_mean_ is None


def test_standardize_false_and_true():
    X = _unscaled(100.0)
    off = AutoencoderTransformer(2, max_iter=5, standardize=False)
    with pytest.warns(UserWarning, match="StandardScaler"):
        off.fit(X)
    assert off.input_mean_ is None
    clf = StackedPretrainedClassifier((4,), max_iter=5, standardize=False)
    with pytest.warns(UserWarning, match="standardize='auto'"):
        clf.fit(X, X[:, 0] > np.median(X[:, 0]))
    Z = _unscaled(1.0) / 10
    forced = AutoencoderTransformer(2, max_iter=5, standardize=True).fit(Z)
    np.testing.assert_allclose(forced.input_mean_, Z.mean(axis=0), rtol=1e-6)
    with pytest.raises(ValueError, match="linear output"):
        AutoencoderTransformer(2, standardize=True, out_activation="logistic").fit(Z)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    tied=st.booleans(),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_folding_is_exact(seed, tied, dtype):
    """The folded network on raw rows equals the trained one on standardised rows."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 5)) * rng.uniform(1, 500, 5) + rng.uniform(-1e3, 1e3, 5)
    X = X.astype(dtype)
    mean, scale = input_standardization(X, True)
    coefs = [rng.normal(size=(5, 3)).astype(dtype), None]
    coefs[1] = coefs[0].T.copy() if tied else rng.normal(size=(3, 5)).astype(dtype)
    intercepts = [rng.normal(size=3).astype(dtype), rng.normal(size=5).astype(dtype)]
    activations = ["tanh", "identity"]
    on_standardized = forward(
        coefs, intercepts, activations, standardized(X, mean, scale)
    )
    folded = fold_standardization(coefs, intercepts, mean, scale)
    # Compared in standardised units. The folded first layer computes
    # x / scale - mean / scale: a row far from 0 relative to its spread
    # loses about log10(|mean| / scale) digits of the dtype to cancellation.
    offset = float(np.max(np.abs(mean) / scale))
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(
        (forward(*folded, activations, X) - mean) / scale,
        on_standardized,
        rtol=1e3 * eps,
        atol=1e3 * eps * (1 + offset),
    )
    back = unfold_standardization(*folded, mean, scale)
    # the first bias goes through b - (mean / scale) @ W and back
    weight = float(np.abs(coefs[0]).sum(axis=0).max())
    for a, b in zip(back[0] + back[1], coefs + intercepts):
        np.testing.assert_allclose(
            a, b, rtol=1e3 * eps, atol=1e2 * eps * (1 + offset) * weight
        )


def test_methods_take_and_return_raw_units():
    X = _unscaled(1e4)
    ae = AutoencoderTransformer(3, max_iter=80, random_state=0).fit(X)
    reconstruction = ae.reconstruct(X)
    np.testing.assert_allclose(
        ae.inverse_transform(ae.transform(X)), reconstruction, rtol=1e-6
    )
    errors = np.sum((reconstruction - X) ** 2, axis=1)
    np.testing.assert_allclose(-ae.score_samples(X), errors, rtol=1e-5)
    # reconstructs to within a small fraction of the spread of each column
    assert np.sqrt(errors.mean() / np.sum(X.var(axis=0))) < 0.5


def test_partial_fit_and_warm_start_keep_the_first_standardisation():
    X = _unscaled(100.0)
    ae = AutoencoderTransformer(2, random_state=0)
    ae.partial_fit(X[:60])
    mean = ae.input_mean_.copy()
    ae.partial_fit(X[60:] + 5.0)
    np.testing.assert_array_equal(ae.input_mean_, mean)
    assert np.isfinite(ae.transform(X)).all()
    warm = AutoencoderTransformer(2, max_iter=20, warm_start=True, random_state=0)
    warm.fit(X)
    before = warm.score(X)
    warm.set_params(max_iter=5, learning_rate="constant", learning_rate_init=1e-5)
    warm.fit(X)
    # a tiny step from the folded weights changes the score by a hair only
    assert abs(warm.score(X) - before) < 0.05 * abs(before)


def test_deep_pretraining_and_denoising_on_unscaled_data():
    X = _unscaled(1e3, n=150)
    ae = DenoisingAutoencoder(
        2,
        hidden_layer_sizes=(8,),
        pretraining="denoising",
        pretrain_max_iter=5,
        max_iter=30,
        random_state=0,
    ).fit(X)
    first = ae.autoencoders_[0]
    np.testing.assert_array_equal(first.input_mean_, ae.input_mean_)
    # the first layer's autoencoder was folded too: it reads and
    # reconstructs raw rows, better than the column means do
    assert first.score(X) > -0.9 * np.sum(X.var(axis=0))
    assert ae.score(X) > -0.9 * np.sum(X.var(axis=0))


def test_sparse_data_are_scaled_not_centred():
    X = sp.random(80, 12, density=0.3, format="csr", random_state=0) * 500
    ae = AutoencoderTransformer(3, max_iter=20, random_state=0).fit(X)
    np.testing.assert_array_equal(ae.input_mean_, 0)
    assert np.isfinite(ae.transform(X)).all()


def test_a_wild_learning_rate_still_diverges_and_changes_nothing():
    X = _unscaled(100.0)
    ae = AutoencoderTransformer(2, solver="sgd", max_iter=10, random_state=0).fit(X)
    before = [W.copy() for W in ae.coefs_]
    ae.set_params(learning_rate_init=1e4, learning_rate="constant")
    with pytest.raises(DivergenceError, match="learning_rate_init"):
        ae.fit(X)
    for W, W_before in zip(ae.coefs_, before):
        np.testing.assert_array_equal(W, W_before)


@pytest.mark.parametrize("load", [load_breast_cancer, load_wine])
def test_unscaled_tabular_data_give_useful_codes(load):
    """Floor of the reliability issue: within 2 points of PCA's codes."""
    X, y = load(return_X_y=True)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    ours = cross_val_score(
        make_pipeline(
            AutoencoderTransformer(5, max_iter=100, random_state=0),
            LogisticRegression(max_iter=2000),
        ),
        X,
        y,
        cv=cv,
    ).mean()
    pca = cross_val_score(
        make_pipeline(PCA(5), LogisticRegression(max_iter=2000)), X, y, cv=cv
    ).mean()
    assert ours >= pca - 0.02


def _separated_spectrum(seed=0):
    """2 000 x 50 rows: eigenvalues 10 ... 5, then 2 ... 0.5, random basis."""
    rng = np.random.default_rng(seed)
    eigenvalues = np.r_[np.linspace(10, 5, 10), np.linspace(2, 0.5, 40)]
    basis, _ = np.linalg.qr(rng.normal(size=(50, 50)))
    return (rng.normal(size=(2000, 50)) * np.sqrt(eigenvalues)) @ basis.T


@pytest.mark.parametrize("seed", [0, 1])
def test_gradient_solver_defaults_reach_the_closed_form(seed):
    X = _separated_spectrum(seed)
    exact = LinearAutoencoder(10).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        gradient = LinearAutoencoder(10, solver="gradient", random_state=seed).fit(X)
    excess = gradient.reconstruction_error_ / exact.reconstruction_error_ - 1
    assert excess < 0.01
    angle = subspace_angles(exact.components_.T, gradient.components_.T).max()
    assert angle < 0.01


def test_gradient_solver_says_how_far_it_ended_from_the_closed_form():
    X = _separated_spectrum()
    short = LinearAutoencoder(
        10, solver="gradient", max_iter=2, learning_rate="constant", random_state=0
    )
    with pytest.warns(ConvergenceWarning, match=r"above the closed form's"):
        short.fit(X)


def test_a_diverging_epoch_is_retried_with_a_smaller_step():
    """Found by hypothesis: a deep linear SGD net on constant rows of 3s
    diverged at the default rate; training now goes back to the start of its
    best epoch and goes on with the rate divided by 10, and says so."""
    X = np.full((2, 7), 3.0, dtype=np.float32)
    ae = AutoencoderTransformer(
        1,
        hidden_layer_sizes=(4, 2),
        activation="identity",
        solver="sgd",
        tied_weights=False,
        max_iter=3,
        random_state=2,
    )
    with pytest.warns(UserWarning, match="learning rate divided by 10"):
        ae.fit(X)
    assert ae.n_iter_ == 3 and len(ae.loss_curve_) == 3
    assert ae.loss_curve_[-1] < ae.loss_curve_[0]
    assert ae._optimizer.rate_factor == pytest.approx(0.1)
