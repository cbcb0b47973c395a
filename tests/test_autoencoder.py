"""Behaviour of AutoencoderTransformer (and what it shares with the DAE)."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sklearn_autoencoders import (
    AutoencoderTransformer,
    DenoisingAutoencoder,
    DivergenceError,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _low_rank(n_samples=300, n_features=12, rank=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_samples, rank)) @ rng.normal(size=(rank, n_features)) / 3


def test_low_rank_data_is_reconstructed_almost_exactly():
    X = _low_rank()
    ae = AutoencoderTransformer(
        n_components=3,
        activation="identity",
        solver="lbfgs",
        alpha=0.0,
        max_iter=2000,
        tol=1e-12,
        random_state=0,
    ).fit(X)
    relative = -ae.score(X) / np.mean(np.sum(X**2, axis=1))
    assert relative < 1e-6


def test_tanh_autoencoder_reconstructs_low_rank_data():
    X = _low_rank()
    ae = AutoencoderTransformer(
        n_components=4,
        solver="lbfgs",
        alpha=0.0,
        max_iter=3000,
        tol=1e-12,
        random_state=0,
    ).fit(X)
    relative = -ae.score(X) / np.mean(np.sum(X**2, axis=1))
    assert relative < 1e-3


def test_deep_autoencoder_with_linear_code_beats_pca(digits):
    X_train, X_test, _, _ = digits
    ae = AutoencoderTransformer(
        n_components=8,
        hidden_layer_sizes=(128,),
        code_activation="identity",
        learning_rate_init=3e-3,
        batch_size=64,
        max_iter=150,
        alpha=0.0,
        random_state=0,
    ).fit(X_train)
    pca = PCA(n_components=8).fit(X_train)
    pca_error = np.mean(
        np.sum((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2, axis=1)
    )
    assert -ae.score(X_test) < 0.9 * pca_error


def test_pipeline_grid_search(digits):
    X_train, _, y_train, _ = digits
    pipe = Pipeline(
        [
            ("scale", MinMaxScaler()),
            ("ae", AutoencoderTransformer(max_iter=15, random_state=0)),
            ("clf", LogisticRegression(max_iter=200)),
        ]
    )
    search = GridSearchCV(
        pipe, {"ae__n_components": [8, 24], "ae__alpha": [1e-4, 1e-1]}, cv=2
    ).fit(X_train[:400], y_train[:400])
    assert search.best_params_["ae__n_components"] in (8, 24)
    assert search.best_score_ > 0.7


def test_grid_search_without_scorer_uses_reconstruction_score(digits):
    X_train = digits[0][:400]
    search = GridSearchCV(
        AutoencoderTransformer(max_iter=30, random_state=0),
        {"n_components": [2, 24]},
        cv=2,
    ).fit(X_train)
    assert search.best_params_ == {"n_components": 24}


@pytest.mark.parametrize("Estimator", [AutoencoderTransformer, DenoisingAutoencoder])
def test_pickle_round_trip(Estimator, digits):
    X = digits[0][:200].astype(np.float32)
    ae = Estimator(n_components=5, max_iter=5, tied_weights=True, random_state=0).fit(X)
    clone = pickle.loads(pickle.dumps(ae))
    np.testing.assert_array_equal(clone.transform(X), ae.transform(X))
    np.testing.assert_array_equal(clone.score_samples(X), ae.score_samples(X))
    clone.partial_fit(X)
    ae.partial_fit(X)
    np.testing.assert_array_equal(clone.transform(X), ae.transform(X))


def test_attributes_and_shapes(digits):
    X = digits[0][:200]
    ae = AutoencoderTransformer(
        n_components=5,
        hidden_layer_sizes=(20, 10),
        max_iter=4,
        init="random",  # no PCA guard: 4 epochs stay above PCA's error
        random_state=0,
    ).fit(X)
    assert [c.shape for c in ae.coefs_] == [
        (64, 20),
        (20, 10),
        (10, 5),
        (5, 10),
        (10, 20),
        (20, 64),
    ]
    assert [b.shape for b in ae.intercepts_] == [
        (20,),
        (10,),
        (5,),
        (10,),
        (20,),
        (64,),
    ]
    assert ae.n_iter_ == 4 and len(ae.loss_curve_) == 4
    assert ae.loss_ == ae.loss_curve_[-1]
    assert ae.best_loss_ == min(ae.loss_curve_)
    assert ae.validation_scores_ is None
    assert ae.transform(X).shape == (200, 5)
    assert ae.inverse_transform(ae.transform(X)).shape == (200, 64)
    np.testing.assert_allclose(
        ae.reconstruct(X), ae.inverse_transform(ae.transform(X)), rtol=1e-12
    )
    np.testing.assert_allclose(
        ae.score_samples(X), -np.sum((ae.reconstruct(X) - X) ** 2, axis=1)
    )
    assert list(ae.get_feature_names_out()) == [
        f"autoencodertransformer{i}" for i in range(5)
    ]


def test_tied_weights_share_the_encoder(digits):
    X = digits[0][:200]
    ae = AutoencoderTransformer(
        n_components=6,
        hidden_layer_sizes=(16,),
        tied_weights=True,
        max_iter=3,
        random_state=0,
    ).fit(X)
    np.testing.assert_array_equal(ae.coefs_[3], ae.coefs_[0].T)
    np.testing.assert_array_equal(ae.coefs_[2], ae.coefs_[1].T)


def test_early_stopping_records_validation_scores(digits):
    X = digits[0]
    ae = AutoencoderTransformer(
        n_components=8,
        early_stopping=True,
        n_iter_no_change=3,
        max_iter=300,
        learning_rate_init=0.01,
        random_state=0,
    ).fit(X)
    assert ae.best_loss_ is None
    assert len(ae.validation_scores_) == ae.n_iter_ < 300
    assert ae.best_validation_score_ == max(ae.validation_scores_)


def test_verbose_prints_loss_validation_and_time(digits, capsys):
    AutoencoderTransformer(
        n_components=4, max_iter=2, early_stopping=True, verbose=True, random_state=0
    ).fit(digits[0][:200])
    out = capsys.readouterr().out
    assert "Epoch 2, loss = " in out and "s\n" in out
    assert "validation score (-squared error per row) = " in out
    assert "Early stopping: restored the weights of " in out


def test_verbose_and_warnings_name_the_stage(digits, capsys):
    ae = AutoencoderTransformer(
        n_components=4,
        hidden_layer_sizes=(8,),
        pretraining="basic",
        pretrain_max_iter=2,
        max_iter=2,
        learning_rate="constant",  # 'cosine' plans to stop at max_iter: no warning
        verbose=True,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning) as record:
        ae.fit(digits[0][:200])
    out = capsys.readouterr().out
    for stage in ("pre-training layer 1/2", "pre-training layer 2/2", "fine-tuning"):
        assert f"{stage}: Epoch 2, loss = " in out
    # a layer's pre-training epochs are a budget: only fine-tuning warns
    assert [str(w.message).split(":")[0] for w in record] == ["fine-tuning"]
    # outside a staged fit nothing is prefixed
    with pytest.warns(ConvergenceWarning, match="^Stochastic optimizer"):
        AutoencoderTransformer(4, max_iter=2, learning_rate="constant").fit(
            digits[0][:50]
        )


def test_weight_elimination_shrinks_small_weights_more_than_large(digits):
    X = digits[0][:300]
    kwargs = dict(n_components=8, max_iter=60, random_state=0, learning_rate_init=0.01)
    l2 = AutoencoderTransformer(weight_penalty="l2", alpha=5.0, **kwargs).fit(X)
    elim = AutoencoderTransformer(
        weight_penalty="elimination", alpha=5.0, **kwargs
    ).fit(X)
    w_l2, w_el = np.abs(l2.coefs_[0]), np.abs(elim.coefs_[0])
    # elimination leaves the largest weights larger than weight decay does
    assert np.quantile(w_el, 0.99) > np.quantile(w_l2, 0.99)


def test_cross_entropy_with_logistic_output(digits):
    X = digits[0][:300]
    ae = AutoencoderTransformer(
        n_components=16,
        loss="cross_entropy",
        out_activation="logistic",
        max_iter=40,
        learning_rate_init=0.01,
        random_state=0,
    ).fit(X)
    reconstruction = ae.reconstruct(X)
    assert reconstruction.min() >= 0 and reconstruction.max() <= 1
    assert ae.loss_curve_[-1] < ae.loss_curve_[0]


def test_cross_entropy_needs_logistic_output_and_unit_range():
    X = np.random.default_rng(0).random((20, 3))
    with pytest.raises(ValueError, match="out_activation='logistic'"):
        AutoencoderTransformer(loss="cross_entropy", out_activation="identity").fit(X)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):  # 'auto' output too
        AutoencoderTransformer(loss="cross_entropy").fit(X + 1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        AutoencoderTransformer(loss="cross_entropy", out_activation="logistic").fit(
            X + 1
        )


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_float32_end_to_end(solver, digits):
    X = digits[0][:200].astype(np.float32)
    ae = AutoencoderTransformer(
        n_components=4, solver=solver, max_iter=3, random_state=0
    ).fit(X)
    assert all(c.dtype == np.float32 for c in ae.coefs_ + ae.intercepts_)
    assert ae.transform(X).dtype == np.float32
    assert ae.inverse_transform(ae.transform(X)).dtype == np.float32
    assert ae.score_samples(X).dtype == np.float32


def test_partial_fit_streams_chunks(digits):
    X = digits[0]
    ae = AutoencoderTransformer(n_components=8, random_state=0, learning_rate_init=0.01)
    one_epoch = AutoencoderTransformer(
        n_components=8, random_state=0, max_iter=1, init="random"
    )
    for _ in range(5):
        for chunk in np.array_split(X, 4):
            ae.partial_fit(chunk)
    assert ae.n_iter_ == 20
    assert ae.score(X) > one_epoch.fit(X).score(X)


def test_partial_fit_unavailable_for_lbfgs():
    assert not hasattr(AutoencoderTransformer(solver="lbfgs"), "partial_fit")
    with pytest.raises(ValueError, match="early_stopping"):
        AutoencoderTransformer(early_stopping=True).partial_fit(np.ones((10, 2)))


def test_warm_start_continues_from_previous_weights(digits):
    X = digits[0][:300]
    ae = AutoencoderTransformer(
        n_components=6, max_iter=5, warm_start=True, init="random", random_state=0
    ).fit(X)
    first = ae.score(X)
    ae.fit(X)
    assert ae.score(X) > first


def test_divergence_is_a_clear_error_and_keeps_the_fitted_model(digits):
    X = digits[0][:300] * 16
    ae = AutoencoderTransformer(n_components=4, max_iter=2, random_state=0).fit(X)
    coefs = [c.copy() for c in ae.coefs_]
    ae.set_params(solver="sgd", learning_rate_init=1e4)
    with pytest.raises(DivergenceError, match="learning_rate_init=10000"):
        ae.fit(X)
    for before, after in zip(coefs, ae.coefs_):
        np.testing.assert_array_equal(before, after)
    fresh = AutoencoderTransformer(solver="sgd", learning_rate_init=1e4, max_iter=5)
    with pytest.raises(DivergenceError):
        fresh.fit(X)
    assert not hasattr(fresh, "coefs_")


@pytest.mark.parametrize(
    "X, match",
    [
        (np.full((2, 2), np.nan), "NaN"),  # some NaN: missing (test_missing)
        (np.array([[1.0, np.inf], [0.0, 1.0]]), "infinity"),
        (np.array([["a", "b"], ["c", "d"]]), "string|convert"),
        (np.empty((0, 3)), "0 sample"),
        (np.arange(5.0), "2D array"),
    ],
)
def test_bad_input_at_fit_raises(X, match):
    with pytest.raises((ValueError, TypeError), match=match):
        AutoencoderTransformer(max_iter=2).fit(X)


def test_sparse_input_needs_a_stochastic_solver():
    X = sp.random(10, 4, density=0.5, format="csr", random_state=0)
    with pytest.raises(TypeError, match="[Ss]parse"):
        AutoencoderTransformer(solver="lbfgs", max_iter=2).fit(X)


def test_wrong_n_features_at_transform_raises(digits):
    ae = AutoencoderTransformer(n_components=3, max_iter=2, random_state=0).fit(
        digits[0][:50]
    )
    with pytest.raises(ValueError, match="features"):
        ae.transform(digits[0][:5, :10])
    with pytest.raises(ValueError, match="codes of 3 features"):
        ae.inverse_transform(np.ones((2, 4)))


@pytest.mark.parametrize(
    "params",
    [
        {"n_components": 0},
        {"hidden_layer_sizes": (4, 0)},
        {"hidden_layer_sizes": ("a",)},
        {"activation": "softplus"},
        {"alpha": -1.0},
        {"learning_rate_init": 0.0},
        {"validation_fraction": 1.0},
        {"solver": "newton"},
        {"noise": "poisson"},
        {"noise": "masking", "noise_level": 1.0},
    ],
)
def test_out_of_range_parameters_raise(params):
    Estimator = (
        DenoisingAutoencoder
        if "noise" in params or "noise_level" in params
        else AutoencoderTransformer
    )
    with pytest.raises(ValueError):
        Estimator(**params).fit(np.ones((10, 3)))


def test_set_output_pandas(digits):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(digits[0][:50], columns=[f"px{i}" for i in range(64)])
    ae = AutoencoderTransformer(n_components=3, max_iter=2, random_state=0).set_output(
        transform="pandas"
    )
    out = ae.fit_transform(X)
    assert list(out.columns) == [
        "autoencodertransformer0",
        "autoencodertransformer1",
        "autoencodertransformer2",
    ]
    np.testing.assert_array_equal(ae.feature_names_in_, X.columns)


def test_fit_does_not_modify_input(digits):
    X = np.asfortranarray(digits[0][:100])
    X.setflags(write=False)
    before = X.copy()
    DenoisingAutoencoder(
        n_components=3, noise="masking", noise_level=0.5, max_iter=2, random_state=0
    ).fit(X)
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("sparse", [False, True])
def test_feature_errors_are_the_terms_of_score_samples(sparse):
    from sklearn_autoencoders import LinearAutoencoder

    rng = np.random.default_rng(0)
    X = rng.random((40, 6)).astype(np.float32)
    models = [AutoencoderTransformer(n_components=2, max_iter=3, random_state=0)]
    if not sparse:
        models.append(LinearAutoencoder(2))
    data = sp.csr_matrix(X) if sparse else X
    for model in models:
        model.fit(data)
        errors = model.feature_errors(data)
        assert errors.shape == X.shape and errors.dtype == np.float32
        assert (errors >= 0).all()
        np.testing.assert_allclose(
            -errors.sum(axis=1), model.score_samples(data), rtol=1e-5
        )


def test_code_size_adapts_to_the_data():
    from sklearn.datasets import load_wine

    X = load_wine().data
    # 'auto': half the features, at most 32
    ae = AutoencoderTransformer(max_iter=2, random_state=0).fit(X)
    assert ae.n_components_ == 6 and ae.transform(X).shape == (178, 6)
    wide = np.random.default_rng(0).random((50, 100))
    assert AutoencoderTransformer(max_iter=1).fit(wide).n_components_ == 32
    # a variance fraction reads as in PCA, on the standardised features
    fraction = AutoencoderTransformer(n_components=0.9, max_iter=2, random_state=0)
    expected = PCA(0.9).fit(StandardScaler().fit_transform(X)).n_components_
    assert fraction.fit(X).n_components_ == expected
    assert fraction.fit(sp.csr_matrix(X)).n_components_ >= 1


def test_an_overcomplete_plain_code_warns_and_a_regularised_one_does_not():
    from sklearn_autoencoders import DenoisingAutoencoder

    X = np.random.default_rng(0).random((40, 5))
    with pytest.warns(UserWarning, match="not smaller than n_features=5"):
        AutoencoderTransformer(n_components=5, max_iter=1).fit(X)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*not smaller than")
        DenoisingAutoencoder(n_components=8, max_iter=1).fit(X)


def test_best_epoch_records_what_was_kept():
    X = np.random.default_rng(0).normal(size=(200, 6))
    ae = AutoencoderTransformer(n_components=2, max_iter=5, random_state=0).fit(X)
    scores = ae.validation_scores_
    best = ae.best_validation_score_
    expected = scores.index(best) + 1 if best in scores else 0  # 0: the start
    assert ae.best_epoch_ == expected
    plain = AutoencoderTransformer(n_components=2, max_iter=3, early_stopping=False)
    assert plain.fit(X).best_epoch_ == 3
