"""``sample_weight``: weighted objectives, and every estimator's ``fit``.

The contract, as in scikit-learn: a weight of 0 is the row removed, an
integer weight ``k`` the row repeated ``k`` times. It is exact for the
objectives (value and gradient, every loss and penalty), for
``LinearAutoencoder`` (every solver) and for full-batch fits without input
noise; for noisy or minibatch training it holds in distribution, which the
last tests check statistically.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.covariance import LedoitWolf
from sklearn.datasets import load_digits
from sklearn.utils import shuffle
from test_engine import (
    OUTPUTS,
    _FrozenNoise,
    _joint_network,
    _joint_problem,
    _network,
    _numeric_gradient,
    _penalised_network,
    _problem,
)

from sklearn_autoencoders import (
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    LinearAutoencoder,
    SparseAutoencoder,
    StackedPretrainedClassifier,
)
from sklearn_autoencoders._outlier import weighted_ledoit_wolf, weighted_percentile


def _weights(n, seed=0, integer=True):
    rng = np.random.default_rng(seed)
    if integer:
        weights = rng.integers(0, 4, size=n).astype(float)
        weights[0] = max(weights[0], 1)
        return weights
    return rng.uniform(0.1, 3.0, size=n)


class _Weighted:
    """A network whose objective always uses the given weights."""

    def __init__(self, net, weights):
        self.net, self.weights = net, weights
        self.theta, self.grad = net.theta, net.grad

    def loss_and_gradient(self, X, Y):
        return self.net.loss_and_gradient(X, Y, sample_weight=self.weights)


def _relative_gradient_error(net, objective, X, Y):
    """Analytic against central-difference gradient of ``objective``."""
    objective.loss_and_gradient(X, Y)
    analytic = net.grad.copy()
    numeric = _numeric_gradient(objective, X, Y)
    return np.linalg.norm(analytic - numeric) / np.linalg.norm(analytic + numeric)


def _repeated_equals_weighted(net, X, Y, weights):
    counts = weights.astype(int)
    repeated = net.loss_and_gradient(X.repeat(counts, 0), Y.repeat(counts, 0))
    repeated_grad = net.grad.copy()
    weighted = net.loss_and_gradient(X, Y, sample_weight=weights)
    assert weighted == pytest.approx(repeated, rel=1e-12)
    np.testing.assert_allclose(net.grad, repeated_grad, rtol=1e-10, atol=1e-13)


# -- the objectives -------------------------------------------------------
@pytest.mark.parametrize("loss, out", OUTPUTS)
@pytest.mark.parametrize("penalty", ["l2", "elimination"])
@pytest.mark.parametrize("tied", [False, True])
def test_weighted_objective_is_the_repeated_rows_objective(loss, out, penalty, tied):
    net = _network("tanh", loss, out, penalty, tied)
    X, Y = _problem(loss)
    _repeated_equals_weighted(net, X, Y, _weights(len(X)))


@pytest.mark.parametrize("loss, out", OUTPUTS)
def test_weighted_objective_gradient_matches_finite_differences(loss, out):
    net = _network("tanh", loss, out, "l2", tied=True)
    X, Y = _problem(loss)
    weighted = _Weighted(net, _weights(len(X), integer=False))
    assert _relative_gradient_error(net, weighted, X, Y) < 1e-6


PENALISED = [
    ("kl_sparsity", "logistic", 1),
    ("kl_sparsity", "tanh", 1),
    ("l1_activity", "relu", 1),
    ("contraction", "tanh", 1),
    ("contraction", "logistic", 2),
]


@pytest.mark.parametrize("name, code, span", PENALISED)
def test_weighted_layer_penalty_is_the_repeated_rows_penalty(name, code, span):
    net = _penalised_network(code, name, 1 if span == 1 else 0, False, span)
    X, _ = _problem("squared_error")
    _repeated_equals_weighted(net, X, X, _weights(len(X)))


@pytest.mark.parametrize("name, code, span", PENALISED)
def test_weighted_layer_penalty_gradient_matches_finite_differences(name, code, span):
    net = _penalised_network(code, name, 1 if span == 1 else 0, False, span)
    X, _ = _problem("squared_error")
    weighted = _Weighted(net, _weights(len(X), integer=False))
    assert _relative_gradient_error(net, weighted, X, X) < 1e-5


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("reconstruction_weight", [0.0, 0.7])
def test_weighted_joint_objective_gradient_matches_finite_differences(
    n_classes, reconstruction_weight
):
    net = _joint_network(n_classes, "tanh", reconstruction_weight)
    X, Y = _joint_problem(n_classes, n_labeled=4)
    weights = _weights(len(X), integer=False)
    frozen = _FrozenNoise(net)

    class _FrozenWeighted:
        theta, grad = frozen.theta, frozen.grad

        def loss_and_gradient(self, X, Y):
            return frozen.loss_and_gradient(X, Y, weights)

    assert _relative_gradient_error(net, _FrozenWeighted(), X, Y) < 1e-5
    # unit weights are the unweighted objective
    unweighted = frozen.loss_and_gradient(X, Y)
    assert frozen.loss_and_gradient(X, Y, np.ones(len(X))) == pytest.approx(
        unweighted, rel=1e-12
    )


# -- the statistics ---------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 7, 40])
def test_weighted_percentile_is_numpys_on_repeated_values(n):
    rng = np.random.default_rng(n)
    values = rng.normal(size=n)
    weights = _weights(n, seed=n)
    q = [0, 10, 25, 33.3, 50, 75, 90, 100]
    repeated = np.repeat(values, weights.astype(int))
    np.testing.assert_allclose(
        weighted_percentile(values, q, weights), np.percentile(repeated, q), rtol=0
    )
    np.testing.assert_array_equal(
        weighted_percentile(values, q, np.ones(n)), np.percentile(values, q)
    )


def test_weighted_ledoit_wolf_is_ledoit_wolf_on_repeated_rows():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 4))
    weights = _weights(20)
    weighted = weighted_ledoit_wolf(X, weights)
    repeated = LedoitWolf().fit(X.repeat(weights.astype(int), 0))
    assert weighted.shrinkage_ == pytest.approx(repeated.shrinkage_, rel=1e-12)
    np.testing.assert_allclose(weighted.covariance_, repeated.covariance_, atol=1e-14)
    np.testing.assert_allclose(
        weighted.mahalanobis(X), repeated.mahalanobis(X), rtol=1e-10
    )


# -- the estimators -----------------------------------------------------------
def _data(n=40, d=12, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, d))
    y = (X[:, 0] + X[:, 1] > 1).astype(int) + (X[:, 2] > 0.7)
    return X, y


#: Configurations whose fit is a deterministic function of the weighted
#: objective (full batch, no input noise), so weights are exact.
DETERMINISTIC = [
    AutoencoderTransformer(n_components=3, init="random", max_iter=30),
    AutoencoderTransformer(n_components=3, solver="lbfgs", max_iter=20),
    AutoencoderTransformer(
        n_components=2,
        hidden_layer_sizes=(6,),
        pretraining="basic",
        max_iter=10,
        pretrain_max_iter=5,
        init="random",
    ),
    DenoisingAutoencoder(n_components=3, noise_level=0.0, max_iter=30),
    SparseAutoencoder(n_components=3, init="random", max_iter=30),
    # unshuffled: shuffled batches estimate the contraction on 32 of their rows
    ContractiveAutoencoder(n_components=3, max_iter=30, shuffle=False),
    LinearAutoencoder(n_components=3),
    LinearAutoencoder(n_components=3, center=True, solver="svd"),
    LinearAutoencoder(n_components=3, solver="gradient", max_iter=30),
    StackedPretrainedClassifier(hidden_layer_sizes=(8,), pretraining=None, max_iter=30),
    StackedPretrainedClassifier(
        hidden_layer_sizes=(8,), pretraining="basic", pretrain_max_iter=5, max_iter=20
    ),
    AutoencoderOutlierDetector(
        AutoencoderTransformer(n_components=3, init="random", max_iter=30),
        outlier_score="combined",
    ),
]


def _outputs(estimator, X):
    method = next(
        m
        for m in ("predict_proba", "decision_function", "transform")
        if hasattr(estimator, m)
    )
    return getattr(estimator, method)(X)


def _fit(estimator, X, y, **kwargs):
    estimator = clone(estimator)
    if estimator.get_params().get("random_state") is None:
        estimator.set_params(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(X, y, **kwargs)


def _id(estimator):
    return type(estimator).__name__


@pytest.mark.parametrize("estimator", DETERMINISTIC, ids=_id)
def test_integer_weights_are_repeated_rows(estimator):
    X, y = _data()
    weights = _weights(len(X))
    counts = weights.astype(int)
    repeated = _fit(estimator, X.repeat(counts, 0), y.repeat(counts))
    Xs, ys, ws = shuffle(X, y, weights, random_state=0)
    weighted = _fit(estimator, Xs, ys, sample_weight=ws)
    np.testing.assert_allclose(
        _outputs(weighted, X), _outputs(repeated, X), rtol=1e-6, atol=1e-8
    )


@pytest.mark.parametrize("estimator", DETERMINISTIC, ids=_id)
def test_zero_weights_are_removed_rows_and_weights_change_the_fit(estimator):
    X, y = _data()
    weights = np.ones(len(X))
    weights[::3] = 0
    kept = _fit(estimator, X[weights > 0], y[weights > 0])
    zero = _fit(estimator, X, y, sample_weight=weights)
    np.testing.assert_allclose(
        _outputs(zero, X), _outputs(kept, X), rtol=1e-6, atol=1e-8
    )
    unweighted = _fit(estimator, X, y)
    assert not np.allclose(_outputs(unweighted, X), _outputs(zero, X))
    # unit weights are no weights
    ones = _fit(estimator, X, y, sample_weight=np.ones(len(X)))
    np.testing.assert_allclose(
        _outputs(ones, X), _outputs(unweighted, X), rtol=1e-6, atol=1e-8
    )


def test_linear_partial_fit_with_weights_equals_weighted_fit():
    X, _ = _data(n=60)
    weights = _weights(len(X), integer=False)
    full = LinearAutoencoder(n_components=4, center=True).fit(X, sample_weight=weights)
    streamed = LinearAutoencoder(n_components=4, center=True)
    for rows in (slice(0, 25), slice(25, 60)):
        streamed.partial_fit(X[rows], sample_weight=weights[rows])
    np.testing.assert_allclose(streamed.transform(X), full.transform(X), atol=1e-10)
    assert streamed.n_samples_seen_ == pytest.approx(weights.sum())
    # an unweighted chunk after a weighted svd fit continues exactly
    svd = LinearAutoencoder(n_components=4, solver="svd").fit(
        X[:30], sample_weight=weights[:30]
    )
    svd.partial_fit(X[30:])
    both = np.concatenate([weights[:30], np.ones(30)])
    eigh = LinearAutoencoder(n_components=4).fit(X, sample_weight=both)
    np.testing.assert_allclose(svd.transform(X), eigh.transform(X), atol=1e-10)


def test_stochastic_partial_fit_with_weights_is_the_repeated_chunk():
    X, _ = _data()
    weights = _weights(len(X))
    counts = weights.astype(int)
    model = AutoencoderTransformer(n_components=3, random_state=0)
    weighted = clone(model).partial_fit(X, sample_weight=weights)
    repeated = clone(model).partial_fit(X.repeat(counts, 0))
    # one epoch of one batch each (at most 200 rows)
    np.testing.assert_allclose(
        weighted.transform(X), repeated.transform(X), rtol=1e-10, atol=1e-12
    )


def test_sparse_input_with_weights_equals_dense():
    X, y = _data()
    weights = _weights(len(X), integer=False)
    for estimator in (
        # no PCA start nor PCA guard on sparse data: init='random' for both
        AutoencoderTransformer(n_components=3, max_iter=20, init="random"),
        StackedPretrainedClassifier(hidden_layer_sizes=(8,), pretraining=None),
    ):
        dense = _fit(estimator, X, y, sample_weight=weights)
        sparse = _fit(estimator, sp.csr_matrix(X), y, sample_weight=weights)
        np.testing.assert_allclose(
            _outputs(sparse, X), _outputs(dense, X), rtol=1e-6, atol=1e-9
        )


def test_float32_weights_stay_float32():
    X, y = _data()
    X32 = X.astype(np.float32)
    ae = AutoencoderTransformer(n_components=3, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ae.fit(X32, sample_weight=np.arange(len(X)) % 3)
    assert ae.coefs_[0].dtype == np.float32
    assert ae.transform(X32).dtype == np.float32


def test_early_stopping_scores_the_held_out_rows_with_their_weights():
    X, _ = _data(n=80)
    weights = _weights(len(X), integer=False)
    ae = AutoencoderTransformer(n_components=3, early_stopping=True, max_iter=3)
    rng = np.random.default_rng(0)
    train, score = ae._validation_split(X, rng, weights)
    held_out = np.setdiff1d(np.arange(len(X)), train)

    class _Identity:  # a "network" reconstructing every row as 0
        coefs = [np.zeros((X.shape[1], X.shape[1]))]
        intercepts = [np.zeros(X.shape[1])]
        activations = ["identity"]

    errors = np.einsum("ij,ij->i", X[held_out], X[held_out])
    assert score(_Identity()) == pytest.approx(
        -np.average(errors, weights=weights[held_out])
    )
    with pytest.raises(ValueError, match="held out for early stopping are all zero"):
        zero = weights.copy()
        zero[held_out] = 0
        ae._validation_split(X, np.random.default_rng(0), zero)


def test_classifier_validation_accuracy_is_weighted():
    X, y = _data(n=80)
    clf = StackedPretrainedClassifier(hidden_layer_sizes=(4,), early_stopping=True)
    weights = _weights(len(X), integer=False)
    train, score = clf._validation_split(X, y, np.random.default_rng(0), weights)
    held_out = np.setdiff1d(np.arange(len(X)), train)

    class _Constant:  # predicts class 0 for every row
        @staticmethod
        def predict(X):
            out = np.zeros((len(X), 3))
            out[:, 0] = 1
            return out

    expected = np.average(y[held_out] == 0, weights=weights[held_out])
    assert score(_Constant()) == pytest.approx(expected)


def test_joint_fine_tuning_takes_weights():
    X, y = _data(n=80)
    y_partial = y.copy()
    y_partial[20:] = -1
    clf = StackedPretrainedClassifier(
        hidden_layer_sizes=(8,),
        unlabeled_label=-1,
        pretrain_max_iter=3,
        max_iter=10,
        random_state=0,
    )
    weights = _weights(len(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weighted = clone(clf).fit(X, y_partial, sample_weight=weights)
        plain = clone(clf).fit(X, y_partial)
        again = clone(clf).fit(X, y_partial, sample_weight=weights)
    np.testing.assert_array_equal(weighted.predict_proba(X), again.predict_proba(X))
    assert not np.allclose(weighted.predict_proba(X), plain.predict_proba(X))
    zero_labeled = weights.copy()
    zero_labeled[:20] = 0
    with pytest.raises(ValueError, match="Every labeled row has a sample weight"):
        clone(clf).fit(X, y_partial, sample_weight=zero_labeled)


@pytest.mark.parametrize(
    "sample_weight, message",
    [
        (-np.ones(40), "(?i)negative"),
        (np.zeros(40), "at least one non-zero"),
        (np.ones(39), "shape|length|samples|inconsistent"),
        (np.full(40, np.nan), "NaN|infinity"),
    ],
)
@pytest.mark.parametrize(
    "estimator",
    [
        AutoencoderTransformer(max_iter=2),
        LinearAutoencoder(n_components=2),
        StackedPretrainedClassifier(hidden_layer_sizes=(4,), pretrain_max_iter=2),
        AutoencoderOutlierDetector(LinearAutoencoder(n_components=2)),
    ],
    ids=_id,
)
def test_bad_weights_raise_and_change_nothing(estimator, sample_weight, message):
    X, y = _data()
    fitted = _fit(estimator, X, y)
    before = _outputs(fitted, X)
    with pytest.raises(ValueError, match=message):
        fitted.fit(X, y, sample_weight=sample_weight)
    np.testing.assert_array_equal(_outputs(fitted, X), before)


# -- noisy and minibatch training ----------------------------------------------
def _digits(n=300):
    X, digit = load_digits(return_X_y=True)
    return X[:n] / 16, digit[:n]


@pytest.mark.parametrize(
    "estimator",
    [
        DenoisingAutoencoder(n_components=8, batch_size=16, max_iter=5),
        StackedPretrainedClassifier(
            hidden_layer_sizes=(16,), batch_size=16, max_iter=5, pretrain_max_iter=3
        ),
    ],
    ids=_id,
)
def test_zero_weights_are_removed_rows_even_with_noise_and_minibatches(estimator):
    # rows of weight 0 leave the epochs, so the same random stream shuffles
    # and corrupts the same rows in the same order: exact, not statistical
    X, digit = _digits()
    weights = np.ones(len(X))
    weights[::4] = 0
    zero = _fit(estimator, X, digit, sample_weight=weights)
    kept = _fit(estimator, X[weights > 0], digit[weights > 0])
    np.testing.assert_array_equal(_outputs(zero, X), _outputs(kept, X))


def test_weights_are_repetition_in_distribution_with_noise_and_minibatches():
    """A denoising autoencoder on minibatches of 16 rows, digits 0-4 weighted
    3, against the same rows repeated 3 times. An epoch over the repeated
    rows takes 2.02 times as many steps, so the weighted fit runs 2.02 times
    as many epochs: the same number of steps, each with the same expected
    gradient. Over 4 seeds the two then agree on each half's reconstruction
    error to a small fraction of what weighting changes, and the up-weighted
    digits are reconstructed better, the others worse, than unweighted.
    """
    X, digit = _digits(400)
    heavy = digit < 5
    weights = np.where(heavy, 3.0, 1.0)
    counts = weights.astype(int)
    epochs = 15
    ratio = counts.sum() / len(X)
    errors = {"weighted": [], "repeated": [], "unweighted": []}
    for seed in range(4):
        model = DenoisingAutoencoder(
            n_components=8,
            hidden_layer_sizes=(),
            batch_size=16,
            max_iter=round(epochs * ratio),
            tol=0,
            random_state=seed,
        )
        fits = {
            "weighted": _fit(model, X, None, sample_weight=weights),
            "repeated": _fit(
                model.set_params(max_iter=epochs), X.repeat(counts, 0), None
            ),
            "unweighted": _fit(
                model.set_params(max_iter=round(epochs * ratio)), X, None
            ),
        }
        for name, fit in fits.items():
            error = -fit.score_samples(X)
            errors[name].append((error[heavy].mean(), error[~heavy].mean()))
    mean = {name: np.mean(values, axis=0) for name, values in errors.items()}
    gap_repetition = np.abs(mean["weighted"] - mean["repeated"])
    gap_weighting = np.abs(mean["unweighted"] - mean["repeated"])
    assert np.all(gap_repetition < 0.2 * gap_weighting)
    assert mean["weighted"][0] < mean["unweighted"][0]
    assert mean["weighted"][1] > mean["unweighted"][1]


@pytest.mark.parametrize(
    "estimator",
    [AutoencoderTransformer(n_components=2, max_iter=3), LinearAutoencoder(2)],
    ids=_id,
)
def test_score_is_the_weighted_mean_of_score_samples(estimator):
    X, _ = _data()
    model = _fit(estimator, X, None)
    weights = _weights(len(X), integer=False)
    expected = np.average(model.score_samples(X), weights=weights)
    assert model.score(X, sample_weight=weights) == pytest.approx(expected)
    assert model.score(X) == pytest.approx(model.score_samples(X).mean())


def test_detector_partial_fit_with_weights_equals_fit_on_one_chunk():
    X, _ = _data()
    weights = _weights(len(X), integer=False)
    detector = AutoencoderOutlierDetector(
        LinearAutoencoder(n_components=2), outlier_score="combined", contamination=0.1
    )
    fitted = clone(detector).fit(X, sample_weight=weights)
    streamed = clone(detector).partial_fit(X, sample_weight=weights)
    np.testing.assert_allclose(
        streamed.decision_function(X), fitted.decision_function(X), atol=1e-10
    )
    assert streamed.offset_ == pytest.approx(fitted.offset_)
    # the weights moved the threshold
    assert clone(detector).fit(X).offset_ != pytest.approx(fitted.offset_)


def test_weights_route_through_a_pipeline_with_metadata_routing():
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    X, y = _data()
    weights = _weights(len(X), integer=False)
    with sklearn.config_context(enable_metadata_routing=True):
        ae = AutoencoderTransformer(n_components=2, max_iter=3, random_state=0)
        pipe = make_pipeline(
            clone(ae).set_fit_request(sample_weight=True),
            LogisticRegression().set_fit_request(sample_weight=False),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipe.fit(X, y, sample_weight=weights)
            alone = clone(ae).fit(X, sample_weight=weights)
    np.testing.assert_array_equal(pipe[0].transform(X), alone.transform(X))
