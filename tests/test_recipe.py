"""The default recipe: output and loss from the data, a network that starts
as PCA, and defaults that do not lose to PCA."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from sklearn_autoencoders import (
    AutoencoderTransformer,
    DenoisingAutoencoder,
    LinearAutoencoder,
    StackedPretrainedClassifier,
)
from sklearn_autoencoders._losses import binary_cross_entropy
from sklearn_autoencoders._pretraining import reconstruction_output

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _gaussian(n_samples, n_features=16, seed=0):
    """Gaussian data with a decaying spectrum: PCA is the optimal code."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(n_features, n_features)))
    scales = 0.8 ** np.arange(n_features)
    return (rng.normal(size=(n_samples, n_features)) * scales) @ basis.T


def _error(reconstruction, X):
    return float(np.mean(np.sum((reconstruction - X) ** 2, axis=1)))


@pytest.mark.parametrize(
    "X, expected",
    [
        (np.array([[0.0, 1.0], [0.5, 0.25]]), ("logistic", "cross_entropy")),
        (np.array([[-0.5, 1.0], [0.5, 0.25]]), ("identity", "squared_error")),
        (sp.csr_matrix([[0.0, 0.0], [0.0, 0.75]]), ("logistic", "cross_entropy")),
        (sp.csr_matrix([[0.0, 0.0], [0.0, 1.5]]), ("identity", "squared_error")),
    ],
)
def test_auto_output_and_loss_follow_the_data(X, expected):
    ae = AutoencoderTransformer(n_components=1, max_iter=2, init="random")
    ae.set_params(random_state=0).fit(X)
    assert (ae.out_activation_, ae.loss_function_) == expected
    assert ae._activations[-1] == expected[0]
    assert ae.get_params()["loss"] == ae.get_params()["out_activation"] == "auto"


@pytest.mark.parametrize(
    "out_activation, loss, unit_data, expected",
    [
        ("logistic", "auto", True, ("logistic", "cross_entropy")),
        ("logistic", "auto", False, ("logistic", "squared_error")),
        ("identity", "auto", True, ("identity", "squared_error")),
        ("auto", "cross_entropy", True, ("logistic", "cross_entropy")),
        ("auto", "squared_error", True, ("identity", "squared_error")),
        ("identity", "squared_error", True, ("identity", "squared_error")),
    ],
)
def test_an_explicit_output_or_loss_is_kept(out_activation, loss, unit_data, expected):
    X = np.array([[0.0, 1.0], [0.5, 0.25]]) - (0 if unit_data else 1)
    params = reconstruction_output(X, out_activation, loss)
    assert (params["out_activation"], params["loss"]) == expected


def test_auto_output_is_kept_by_partial_fit():
    rng = np.random.default_rng(0)
    ae = AutoencoderTransformer(n_components=2, random_state=0)
    ae.partial_fit(rng.random((30, 4)))
    assert ae.loss_function_ == "cross_entropy"
    ae.partial_fit(rng.random((30, 4)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ae.partial_fit(rng.random((30, 4)) + 1)  # the weights belong to CE
    assert ae.n_iter_ == 2


def test_binary_cross_entropy_is_exact_and_finite_for_extreme_logits():
    rng = np.random.default_rng(0)
    Z = np.concatenate([rng.normal(0, 5, size=(6, 7)), np.full((1, 7), 200.0)])
    Z[0, :3] = [-200.0, -50.0, 50.0]
    Y = rng.random(Z.shape)
    for dtype in (np.float32, np.float64):
        logits = Z.astype(dtype)
        delta, scratch = np.empty_like(logits), np.empty_like(logits)
        loss = binary_cross_entropy(logits.copy(), Y.astype(dtype), delta, "", scratch)
        expected = np.mean(np.sum(np.logaddexp(0, Z) - Y * Z, axis=1))
        sigmoid = np.exp(-np.logaddexp(0, -Z))
        assert np.isfinite(loss) and np.isfinite(delta).all()
        np.testing.assert_allclose(loss, expected, rtol=1e-6)
        np.testing.assert_allclose(
            delta, (sigmoid - Y) / len(Z), atol=1e-8 if dtype == np.float32 else 1e-15
        )


def test_default_architecture_and_units():
    X = _gaussian(200)
    ae = AutoencoderTransformer(n_components=3, max_iter=2, random_state=0).fit(X)
    assert [W.shape for W in ae.coefs_] == [(16, 256), (256, 3), (3, 256), (256, 16)]
    assert ae._activations == ["relu", "identity", "relu", "identity"]
    wide = AutoencoderTransformer(n_components=200, max_iter=1).fit(X)
    assert wide.coefs_[0].shape == (16, 400)
    shallow = AutoencoderTransformer(3, hidden_layer_sizes=(), max_iter=2).fit(X)
    assert shallow._activations == ["tanh", "identity"]  # the lecture's network


def test_pca_start_and_early_stopping_auto():
    X = _gaussian(200)
    ae = AutoencoderTransformer(n_components=3, max_iter=3, random_state=0).fit(X)
    assert ae.validation_scores_ is not None  # guards the PCA start
    unit = AutoencoderTransformer(n_components=3, max_iter=3, random_state=0)
    unit.set_params(init="random").fit((X - X.min()) / np.ptp(X))
    assert unit.out_activation_ == "logistic"
    assert unit.validation_scores_ is None  # a random start trains on every row
    tiny = AutoencoderTransformer(n_components=3, max_iter=3).fit(X[:50])
    assert tiny.validation_scores_ is None  # 5 held-out rows are too few


def test_init_pca_refuses_an_architecture_that_cannot_hold_pca():
    X = _gaussian(50)
    for params, what in [
        (dict(activation="tanh"), "activation='relu'"),
        (dict(hidden_layer_sizes=(5,)), "at least 2 \\* n_components"),
        (dict(out_activation="logistic"), "identity output"),
        (dict(code_activation="relu"), "code_activation='identity'"),
    ]:
        ae = AutoencoderTransformer(n_components=3, init="pca", **params)
        with pytest.raises(ValueError, match=what):
            ae.fit(X)
        assert not hasattr(ae, "coefs_")


def test_early_stopping_keeps_pca_when_training_does_not_beat_it():
    """A poor learning rate cannot make the model worse than its PCA start."""
    X = _gaussian(400)
    ae = AutoencoderTransformer(
        n_components=4,
        learning_rate_init=0.05,
        learning_rate="constant",
        max_iter=20,
        random_state=0,
    ).fit(X)
    pca = PCA(4).fit(X)
    assert ae.best_validation_score_ >= max(ae.validation_scores_)
    assert _error(ae.reconstruct(X), X) <= 1.05 * _error(
        pca.inverse_transform(pca.transform(X)), X
    )


@pytest.mark.parametrize("Estimator", [AutoencoderTransformer, DenoisingAutoencoder])
def test_defaults_never_meaningfully_worse_than_pca_on_gaussian_data(Estimator):
    X = _gaussian(1000, seed=1)
    X_train, X_test = X[:800], X[800:]
    pca = PCA(4).fit(X_train)
    pca_error = _error(pca.inverse_transform(pca.transform(X_test)), X_test)
    ae = Estimator(n_components=4, max_iter=60, random_state=0).fit(X_train)
    assert _error(ae.reconstruct(X_test), X_test) <= 1.02 * pca_error


def test_defaults_beat_pca_on_digits(digits):
    X_train, X_test = digits[0], digits[1]
    pca = PCA(16).fit(X_train)
    pca_error = _error(pca.inverse_transform(pca.transform(X_test)), X_test)
    ae = AutoencoderTransformer(n_components=16, max_iter=60, random_state=0)
    ae.fit(X_train)
    assert _error(ae.reconstruct(X_test), X_test) <= 0.8 * pca_error


def test_pretraining_layers_keep_their_shallow_random_start():
    X = _gaussian(200)
    ae = AutoencoderTransformer(
        n_components=4,
        hidden_layer_sizes=(8,),
        pretraining="basic",
        pretrain_max_iter=2,
        max_iter=2,
        random_state=0,
    ).fit(X)
    for layer in ae.autoencoders_:
        assert layer.hidden_layer_sizes == () and layer.init == "random"
        assert layer.early_stopping is False and len(layer.coefs_) == 2
    clf = StackedPretrainedClassifier(
        (8,), pretrain_max_iter=2, max_iter=2, random_state=0
    ).fit(X, (X[:, 0] > 0).astype(int))
    layer = clf.autoencoders_[0]
    assert layer.hidden_layer_sizes == () and layer.learning_rate == "constant"
    assert layer.learning_rate_init == 1e-3 and len(layer.coefs_) == 2


def test_init_pca_on_sparse_input_streams_the_scatter_matrix():
    rng = np.random.default_rng(0)
    dense = rng.normal(size=(300, 6)) * (rng.random((300, 6)) < 0.5)
    X = sp.csr_matrix(dense)
    ae = AutoencoderTransformer(
        n_components=2,
        init="pca",
        learning_rate_init=1e-30,
        max_iter=1,
        early_stopping=False,
    ).fit(X)
    pca = PCA(2).fit(dense)
    np.testing.assert_allclose(
        ae.reconstruct(X), pca.inverse_transform(pca.transform(dense)), atol=1e-9
    )
    auto = AutoencoderTransformer(n_components=2, max_iter=2).fit(X)
    assert auto.validation_scores_ is None  # 'auto' starts at random on sparse


def test_a_logistic_output_never_ends_worse_than_pca_on_the_training_rows():
    """Data in [0, 1] get a logistic output, which cannot start as PCA; a
    network that ends above PCA's training error starts again from PCA
    with a linear output, and early stopping keeps PCA unless beaten."""
    rng = np.random.default_rng(0)
    X = rng.random((300, 12)) @ rng.random((12, 12))
    X = (X - X.min()) / np.ptp(X)
    ae = AutoencoderTransformer(n_components=3, max_iter=2, random_state=0).fit(X)
    pca = LinearAutoencoder(3, center=True).fit(X)
    assert ae.out_activation_ == "identity" and ae.validation_scores_ is not None
    assert ae.score(X) >= pca.score(X) - 1e-9
    # a network that beats PCA keeps its logistic output
    digits = load_digits().data / 16
    kept = AutoencoderTransformer(n_components=16, max_iter=40, random_state=0)
    assert kept.fit(digits).out_activation_ == "logistic"
    # opting out: init='random' trains the logistic network only
    plain = AutoencoderTransformer(n_components=3, max_iter=2, init="random")
    assert plain.set_params(random_state=0).fit(X).out_activation_ == "logistic"
