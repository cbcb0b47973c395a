"""SparseAutoencoder and ContractiveAutoencoder: the penalties do their job."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_autoencoders import (
    AutoencoderTransformer,
    ContractiveAutoencoder,
    SparseAutoencoder,
    StackedPretrainedClassifier,
)

FAST = dict(max_iter=30, random_state=0)


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    return (data.data[:600] / 16).astype(np.float32), data.target[:600]


def _code_jacobian(model, X):
    return model.code_sensitivity(X)


@pytest.mark.parametrize(
    "Estimator, weight",
    [
        (SparseAutoencoder, "sparsity_weight"),
        (ContractiveAutoencoder, "contraction_weight"),
    ],
)
def test_zero_weight_is_the_plain_autoencoder(Estimator, weight, digits):
    X, _ = digits
    params = dict(n_components=8, hidden_layer_sizes=(), code_activation="tanh", **FAST)
    penalised = Estimator(**params, **{weight: 0.0}).fit(X)
    plain = AutoencoderTransformer(**params).fit(X)
    for ours, theirs in zip(penalised.coefs_, plain.coefs_):
        np.testing.assert_array_equal(ours, theirs)


def test_sparse_codes_approach_the_target(digits):
    X, _ = digits
    target = 0.1
    sparse = SparseAutoencoder(16, max_iter=100, random_state=0).fit(X)
    dense = SparseAutoencoder(
        16, sparsity_weight=0.0, max_iter=100, random_state=0
    ).fit(X)
    # 600 rows and 100 epochs: a looser band than the benchmark's 20%
    assert abs(sparse.transform(X).mean() - target) < 0.3 * target
    assert dense.transform(X).mean() > 2 * target


def test_tanh_codes_use_the_rescaled_mean(digits):
    X, _ = digits
    sparse = SparseAutoencoder(
        8, hidden_layer_sizes=(), code_activation="tanh", sparsity_weight=3.0, **FAST
    ).fit(X)
    rescaled = (sparse.transform(X).mean() + 1) / 2
    assert rescaled < 0.25  # the plain tanh code sits near 0.5


def test_relu_codes_get_an_l1_penalty(digits):
    X, _ = digits
    params = dict(code_activation="relu", **FAST)
    sparse = SparseAutoencoder(8, sparsity_weight=1.0, **params).fit(X)
    plain = SparseAutoencoder(8, sparsity_weight=0.0, **params).fit(X)
    assert np.mean(sparse.transform(X) == 0) > np.mean(plain.transform(X) == 0) + 0.2


def test_linear_code_is_refused_and_changes_nothing(digits):
    X, _ = digits
    sparse = SparseAutoencoder(4, **FAST).fit(X)
    before = [W.copy() for W in sparse.coefs_]
    with pytest.raises(ValueError, match="code_activation"):
        sparse.set_params(code_activation="identity").fit(X)
    for W, W_before in zip(sparse.coefs_, before):
        np.testing.assert_array_equal(W, W_before)


@pytest.mark.parametrize(
    "params",
    [{"sparsity_target": 0.0}, {"sparsity_target": 1.0}, {"sparsity_weight": -1.0}],
)
def test_sparse_parameters_are_validated(params, digits):
    with pytest.raises(InvalidParameterError):
        SparseAutoencoder(**params).fit(digits[0])


@pytest.mark.parametrize("code, weight", [("tanh", 1.0), ("logistic", 20.0)])
def test_contraction_shrinks_the_shallow_jacobian(code, weight, digits):
    X, _ = digits
    # logistic units start less sensitive (slope <= 1/4): a stronger weight
    params = dict(n_components=8, hidden_layer_sizes=(), code_activation=code, **FAST)
    contractive = ContractiveAutoencoder(contraction_weight=weight, **params).fit(X)
    plain = ContractiveAutoencoder(contraction_weight=0.0, **params).fit(X)
    assert _code_jacobian(contractive, X).mean() < 0.6 * _code_jacobian(plain, X).mean()


def test_contraction_shrinks_the_default_networks_jacobian(digits):
    X, _ = digits
    contractive = ContractiveAutoencoder(8, contraction_weight=0.1, **FAST).fit(X)
    plain = ContractiveAutoencoder(8, contraction_weight=0.0, **FAST).fit(X)
    assert contractive._activations[:2] == ["tanh", "identity"]  # the exact span
    assert _code_jacobian(contractive, X).mean() < 0.6 * _code_jacobian(plain, X).mean()


def test_contractive_parameter_is_validated(digits):
    with pytest.raises(InvalidParameterError):
        ContractiveAutoencoder(contraction_weight=-0.1).fit(digits[0])


@pytest.mark.parametrize("Estimator", [SparseAutoencoder, ContractiveAutoencoder])
def test_penalised_float32_stays_float32(Estimator, digits):
    X, _ = digits
    model = Estimator(4, max_iter=3, random_state=0).fit(X)
    assert all(W.dtype == np.float32 for W in model.coefs_)
    assert model.transform(X).dtype == np.float32


@pytest.mark.parametrize(
    "Estimator, penalty",
    [
        (SparseAutoencoder, {"sparsity_weight": 2.0, "sparsity_target": 0.2}),
        (ContractiveAutoencoder, {"contraction_weight": 0.5}),
    ],
)
def test_pretraining_layers_carry_the_penalty(Estimator, penalty, digits):
    X, _ = digits
    model = Estimator(
        4,
        hidden_layer_sizes=(8,),
        code_activation="logistic",
        pretraining="basic",
        pretrain_max_iter=3,
        max_iter=3,
        random_state=0,
        **penalty,
    ).fit(X)
    assert len(model.autoencoders_) == 2
    for layer in model.autoencoders_:
        assert type(layer) is Estimator
        assert layer.get_params()[next(iter(penalty))] == next(iter(penalty.values()))


def test_classifier_template_and_grid_search(digits):
    X, y = digits
    clf = StackedPretrainedClassifier(
        (16,),
        autoencoder=SparseAutoencoder(sparsity_weight=0.5),
        pretrain_max_iter=5,
        max_iter=20,
        random_state=0,
    )
    search = GridSearchCV(clf, {"autoencoder__sparsity_weight": [0.1, 1.0]}, cv=2).fit(
        X, y
    )
    fitted = search.best_estimator_
    assert isinstance(fitted.autoencoders_[0], SparseAutoencoder)
    assert fitted.autoencoders_[0].sparsity_weight in (0.1, 1.0)
    assert search.best_score_ > 0.6  # 10 classes; the default template: 0.73


def test_grid_search_over_the_penalty(digits):
    X, _ = digits
    search = GridSearchCV(
        ContractiveAutoencoder(4, max_iter=5, random_state=0),
        {"contraction_weight": [0.0, 0.1]},
        cv=2,
    ).fit(X)
    assert search.best_params_["contraction_weight"] in (0.0, 0.1)
    assert clone(search.best_estimator_).contraction_weight in (0.0, 0.1)


def test_code_sensitivity_of_a_standardized_fit_is_on_raw_scale(digits):
    X, _ = digits
    X_raw = 100 + 50 * X  # standardize='auto' folds the scaling into W
    model = ContractiveAutoencoder(4, max_iter=3, random_state=0).fit(X_raw)
    assert model.input_scale_ is not None
    x = X_raw[:2].astype(np.float64)
    eps = 1e-3
    rows = []
    for i in range(x.shape[1]):
        up, down = x.copy(), x.copy()
        up[:, i] += eps
        down[:, i] -= eps
        rows.append((model.transform(up) - model.transform(down)) / (2 * eps))
    numeric = np.sqrt(np.sum(np.stack(rows) ** 2, axis=(0, 2)))
    np.testing.assert_allclose(model.code_sensitivity(x), numeric, rtol=1e-2)
