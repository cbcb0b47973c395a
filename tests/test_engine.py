"""The engine: gradients against finite differences, optimizers, training."""

import itertools
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_autoencoders import DivergenceError
from sklearn_autoencoders._network import Network, forward
from sklearn_autoencoders._optimizers import AdamOptimizer, SGDOptimizer
from sklearn_autoencoders._training import History, fit_lbfgs, fit_stochastic

UNITS = [5, 4, 3, 4, 5]
TIED = {2: 1, 3: 0}
OUTPUTS = [
    ("squared_error", "identity"),
    ("squared_error", "logistic"),
    ("squared_error", "tanh"),
    ("cross_entropy", "logistic"),
    ("softmax_cross_entropy", "softmax"),
]


def _problem(loss, seed=0, n_samples=7):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.05, 0.95, size=(n_samples, UNITS[0]))
    if loss == "softmax_cross_entropy":
        Y = np.eye(UNITS[-1])[rng.integers(UNITS[-1], size=n_samples)]
    else:
        Y = rng.uniform(0.05, 0.95, size=(n_samples, UNITS[-1]))
    return X, Y


def _numeric_gradient(net, X, Y, eps=1e-6):
    """Central finite differences of the objective over every parameter."""
    theta0 = net.theta.copy()
    numeric = np.empty_like(theta0)
    for i in range(theta0.size):
        net.theta[...] = theta0
        net.theta[i] += eps
        up = net.loss_and_gradient(X, Y)
        net.theta[i] -= 2 * eps
        down = net.loss_and_gradient(X, Y)
        numeric[i] = (up - down) / (2 * eps)
    net.theta[...] = theta0
    return numeric


def _network(hidden, loss, out, penalty, tied, alpha=0.3, dtype=np.float64):
    activations = [hidden, "identity", hidden, out]
    net = Network(
        UNITS,
        activations,
        loss,
        tied=TIED if tied else None,
        penalty=penalty,
        alpha=alpha,
        dtype=dtype,
    )
    net.initialize(np.random.default_rng(1))
    # Scale weights up so that the nonlinearities are exercised.
    net.theta[: net.n_weights] *= 2.0
    return net


@pytest.mark.parametrize(
    "hidden, output, penalty, tied",
    list(
        itertools.product(
            ["identity", "logistic", "tanh", "relu"],
            OUTPUTS,
            ["l2", "elimination"],
            [False, True],
        )
    ),
)
def test_gradient_matches_finite_differences(hidden, output, penalty, tied):
    loss, out = output
    net = _network(hidden, loss, out, penalty, tied)
    X, Y = _problem(loss)
    net.loss_and_gradient(X, Y)
    analytic = net.grad.copy()
    numeric = _numeric_gradient(net, X, Y)
    error = np.linalg.norm(analytic - numeric) / np.linalg.norm(analytic + numeric)
    assert error < 1e-5


def test_tied_network_shares_one_weight_block():
    net = _network("tanh", "squared_error", "identity", "l2", tied=True)
    assert net.n_weights == 5 * 4 + 4 * 3
    assert np.shares_memory(net.coefs[3], net.coefs[0])
    np.testing.assert_array_equal(net.coefs[3], net.coefs[0].T)
    coefs, _ = net.export_parameters()
    assert np.shares_memory(coefs[2], coefs[1])
    assert not np.shares_memory(coefs[1], net.theta)


def test_penalty_ignores_biases():
    net = _network("tanh", "squared_error", "identity", "l2", tied=False, alpha=0.0)
    X, Y = _problem("squared_error")
    base = net.loss_and_gradient(X, Y)
    net.alpha = 2.0
    net._penalty_scratch = (np.empty(net.n_weights), np.empty(net.n_weights))
    penalised = net.loss_and_gradient(X, Y)
    weights = net.theta[: net.n_weights]
    expected = 0.5 * 2.0 / X.shape[0] * np.dot(weights, weights)
    np.testing.assert_allclose(penalised - base, expected)


def test_forward_matches_training_pass():
    net = _network("tanh", "cross_entropy", "logistic", "l2", tied=True)
    X, Y = _problem("cross_entropy")
    net.loss_and_gradient(X, Y)
    np.testing.assert_allclose(net.predict(X), net._A[-1][: X.shape[0]])
    np.testing.assert_allclose(
        forward(net.coefs, net.intercepts, net.activations, X, n_layers=2),
        net._A[1][: X.shape[0]],
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_stays_float32(dtype):
    net = _network(
        "tanh", "squared_error", "identity", "elimination", True, dtype=dtype
    )
    X, Y = (a.astype(dtype) for a in _problem("squared_error"))
    net.loss_and_gradient(X, Y)
    assert net.grad.dtype == dtype
    assert all(buf.dtype == dtype for buf in net._A + net._deltas)
    for optimizer in (
        AdamOptimizer(net.n_params, dtype, 0.01),
        SGDOptimizer(net.n_params, dtype, 0.01),
    ):
        optimizer.update(net.theta, net.grad)
        assert net.theta.dtype == dtype


def test_adam_matches_textbook_update():
    rng = np.random.default_rng(0)
    theta = rng.normal(size=10)
    reference = theta.copy()
    adam = AdamOptimizer(10, np.float64, 0.01)
    m = np.zeros(10)
    v = np.zeros(10)
    for t in range(1, 6):
        g = rng.normal(size=10)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g**2
        m_hat = m / (1 - 0.9**t)
        v_hat = v / (1 - 0.999**t)
        reference -= 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)
        adam.update(theta, g.copy())
    np.testing.assert_allclose(theta, reference, rtol=1e-6)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_matches_textbook_update(nesterov):
    rng = np.random.default_rng(0)
    theta = rng.normal(size=10)
    reference = theta.copy()
    sgd = SGDOptimizer(10, np.float64, 0.1, momentum=0.9, nesterov=nesterov)
    velocity = np.zeros(10)
    for _ in range(5):
        g = rng.normal(size=10)
        velocity = 0.9 * velocity - 0.1 * g
        reference += 0.9 * velocity - 0.1 * g if nesterov else velocity
        sgd.update(theta, g.copy())
    np.testing.assert_allclose(theta, reference)


def _linear_problem(n_samples=200, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_samples, 5)) @ rng.normal(size=(5, 5))


def test_stochastic_training_reduces_loss_and_corruption_feeds_input_only():
    X = _linear_problem()
    net = Network([5, 3, 5], ["identity", "identity"], "squared_error")
    net.initialize(np.random.default_rng(0))
    seen = []

    def corrupt(clean, out, rng):
        seen.append(clean.copy())
        out[...] = clean + 1.0

    history = History()
    X_before = X.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit_stochastic(
            net,
            X,
            optimizer=AdamOptimizer(net.n_params, np.float64, 0.01),
            batch_size=32,
            max_iter=30,
            tol=0.0,
            n_iter_no_change=100,
            shuffle=True,
            rng=np.random.default_rng(0),
            history=history,
            corrupt=corrupt,
        )
    np.testing.assert_array_equal(X, X_before)
    # the clean batches handed to the hook are rows of X: targets stay clean
    assert all(np.isin(batch[:, 0], X[:, 0]).all() for batch in seen)
    assert history.loss_curve[-1] < history.loss_curve[0]
    assert history.n_iter == 30


def _fit_with_validation(net, X, validation_score):
    """Full-batch Adam epochs with early stopping on ``validation_score``."""
    history = History()
    fit_stochastic(
        net,
        X,
        optimizer=AdamOptimizer(net.n_params, np.float64, 0.01),
        batch_size=50,
        max_iter=50,
        tol=0.0,
        n_iter_no_change=2,
        shuffle=False,
        rng=np.random.default_rng(0),
        history=history,
        validation_score=validation_score,
    )
    return history


def test_early_stopping_restores_best_parameters():
    X = _linear_problem()
    net = Network([5, 3, 5], ["tanh", "identity"], "squared_error")
    net.initialize(np.random.default_rng(0))
    scores, thetas = [], []

    def validation_score(network):
        # Called once at the start, then after every epoch: a score that
        # peaks at epoch 3, then falls.
        score = -abs(len(scores) - 3.0)
        scores.append(score)
        thetas.append(network.theta.copy())
        return score

    history = _fit_with_validation(net, X, validation_score)
    assert history.n_iter == 6
    np.testing.assert_array_equal(net.theta, thetas[3])


def test_early_stopping_keeps_the_start_when_no_epoch_beats_it():
    X = _linear_problem()
    net = Network([5, 3, 5], ["tanh", "identity"], "squared_error")
    net.initialize(np.random.default_rng(0))
    start = net.theta.copy()
    calls = []

    def validation_score(network):
        calls.append(None)
        return 1.0 if len(calls) == 1 else 0.0  # the start is best

    history = _fit_with_validation(net, X, validation_score)
    assert history.n_iter == 3 and history.best_validation_score == 1.0
    np.testing.assert_array_equal(net.theta, start)


def test_convergence_warning_when_max_iter_reached():
    X = _linear_problem()
    net = Network([5, 3, 5], ["tanh", "identity"], "squared_error")
    net.initialize(np.random.default_rng(0))
    with pytest.warns(ConvergenceWarning, match="maximum iterations"):
        fit_stochastic(
            net,
            X,
            optimizer=AdamOptimizer(net.n_params, np.float64, 1e-3),
            batch_size=50,
            max_iter=2,
            tol=0.0,
            n_iter_no_change=10,
            shuffle=True,
            rng=np.random.default_rng(0),
            history=History(),
        )


def test_divergence_raises_with_hint():
    X = _linear_problem() * 100
    net = Network([5, 3, 5], ["identity", "identity"], "squared_error")
    net.initialize(np.random.default_rng(0))
    with pytest.raises(DivergenceError, match="lower the learning rate"):
        fit_stochastic(
            net,
            X,
            optimizer=SGDOptimizer(net.n_params, np.float64, 1e4),
            batch_size=50,
            max_iter=20,
            tol=0.0,
            n_iter_no_change=10,
            shuffle=True,
            rng=np.random.default_rng(0),
            history=History(),
            divergence_hint="lower the learning rate",
        )


def test_lbfgs_reaches_low_rank_optimum():
    X = _linear_problem()[:, :3] @ np.random.default_rng(1).normal(size=(3, 5))
    net = Network([5, 3, 5], ["identity", "identity"], "squared_error")
    net.initialize(np.random.default_rng(0))
    history = History()
    fit_lbfgs(net, X, max_iter=500, tol=1e-10, history=history)
    assert history.best_loss < 1e-6 * history.loss_curve[0]
    assert history.n_iter > 0


@pytest.mark.parametrize("penalty", ["l2", "elimination"])
def test_gradient_without_biases_and_with_per_weight_penalty(penalty):
    scale = np.linspace(0.1, 2.0, 15)
    net = Network(
        [5, 3, 5],
        ["identity", "identity"],
        "squared_error",
        tied={1: 0},
        penalty=penalty,
        alpha=0.5,
        biases=False,
        penalty_scale=scale,
    )
    net.initialize(np.random.default_rng(0))
    assert net.n_params == 15
    X, _ = _problem("squared_error")
    net.loss_and_gradient(X, X)
    analytic = net.grad.copy()
    numeric = _numeric_gradient(net, X, X)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def _penalised_network(code, name, layer, tied, span=1, dtype=np.float64):
    from functools import partial

    from sklearn_autoencoders._losses import LAYER_PENALTIES, LayerPenalty

    params = {"strength": 0.7}
    if name == "kl_sparsity":
        params["target"] = 0.1
    activations = [code if layer == 0 else "tanh", code, "tanh", "identity"]
    if span == 2:  # a nonlinear first layer, then a linear code
        activations[1] = "identity"
    penalty = LayerPenalty(layer, partial(LAYER_PENALTIES[name], **params), span)
    net = Network(
        UNITS,
        activations,
        "squared_error",
        tied=TIED if tied else None,
        alpha=0.1,
        layer_penalty=penalty,
        dtype=dtype,
    )
    net.initialize(np.random.default_rng(2))
    net.theta[: net.n_weights] *= 2.0
    return net


LAYER_PENALTY_CASES = [
    ("kl_sparsity", "logistic"),
    ("kl_sparsity", "tanh"),
    ("l1_activity", "relu"),
    ("contraction", "logistic"),
    ("contraction", "tanh"),
    ("contraction", "relu"),
    ("contraction", "identity"),
]


@pytest.mark.parametrize(
    "name, code, layer, span, tied",
    [
        (n, c, layer, 1, t)
        for n, c in LAYER_PENALTY_CASES
        for layer in (0, 1)
        for t in (False, True)
    ]
    + [
        ("contraction", c, 0, 2, t)
        for c in ("logistic", "tanh", "relu", "identity")
        for t in (False, True)
    ],
)
def test_layer_penalty_gradient_matches_finite_differences(
    name, code, layer, span, tied
):
    net = _penalised_network(code, name, layer, tied, span)
    X, Y = _problem("squared_error")
    Y = X  # an autoencoder's target
    net.loss_and_gradient(X, Y)
    analytic = net.grad.copy()
    numeric = _numeric_gradient(net, X, Y)
    error = np.linalg.norm(analytic - numeric) / np.linalg.norm(analytic + numeric)
    assert error < 1e-5


@pytest.mark.parametrize("span", [1, 2])
@pytest.mark.parametrize("code", ["logistic", "tanh", "relu"])
def test_contraction_is_the_squared_jacobian_norm(code, span):
    from sklearn_autoencoders._network import jacobian_norms

    net = _penalised_network(code, "contraction", 0, tied=False, span=span)
    X, _ = _problem("squared_error")
    with_penalty = net.loss_and_gradient(X, X)
    net.layer_penalty = None
    without = net.loss_and_gradient(X, X)
    norms = jacobian_norms(net.coefs, net.intercepts, net.activations, X, span)
    np.testing.assert_allclose(with_penalty - without, 0.7 * np.mean(norms**2))


@pytest.mark.parametrize("code", ["logistic", "tanh", "relu"])
def test_contraction_on_the_first_rows_of_a_batch(code):
    """``rows``: the batch mean of the two-layer contraction estimated on its
    first rows, exactly the penalty of those rows alone (value, weight
    gradients, and a curvature gradient only on those rows)."""
    from functools import partial

    from sklearn_autoencoders._losses import LAYER_PENALTIES, PenaltyContext

    net = _penalised_network(code, "contraction", 0, tied=False, span=2)
    X, _ = _problem("squared_error", n_samples=9)
    A = forward(net.coefs, net.intercepts, net.activations, X, 1)
    coefs = [net.coefs[0], net.coefs[1]]

    def penalty(A, rows):
        function = partial(LAYER_PENALTIES["contraction"], strength=0.7, rows=rows)
        work = {"rows": [np.empty_like(A) for _ in range(3)]}
        delta = np.zeros_like(A)
        direct = [np.empty_like(W) for W in coefs]
        value, _ = function(PenaltyContext(A, delta, coefs, code, work, direct))
        return value, delta, direct

    sampled = penalty(A, rows=4)
    alone = penalty(A[:4].copy(), rows=None)
    assert sampled[0] == pytest.approx(alone[0], rel=1e-12)
    np.testing.assert_allclose(sampled[1][:4], alone[1], rtol=1e-12, atol=1e-15)
    assert not sampled[1][4:].any()
    for got, expected in zip(sampled[2], alone[2]):
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    # rows beyond the batch: the whole batch
    whole, every = penalty(A, rows=50), penalty(A, rows=None)
    assert whole[0] == every[0]


def test_contractive_estimator_samples_rows_only_for_shuffled_minibatches():
    from sklearn_autoencoders import ContractiveAutoencoder
    from sklearn_autoencoders._regularized import CONTRACTION_ROWS

    activations = ["tanh", "identity", "tanh", "identity"]
    for params, rows in [
        ({}, CONTRACTION_ROWS),
        ({"solver": "sgd"}, CONTRACTION_ROWS),
        ({"shuffle": False}, None),
        ({"solver": "lbfgs"}, None),
    ]:
        penalty = ContractiveAutoencoder(**params)._layer_penalty(activations, 8)
        assert penalty.function.keywords["rows"] == rows


def test_kl_sparsity_value_and_l1_value():
    from sklearn_autoencoders._network import forward

    net = _penalised_network("logistic", "kl_sparsity", 1, tied=True)
    X, _ = _problem("squared_error")
    with_penalty = net.loss_and_gradient(X, X)
    codes = forward(net.coefs, net.intercepts, net.activations, X, 2)
    net.layer_penalty = None
    without = net.loss_and_gradient(X, X)
    m = codes.mean(axis=0)
    kl = np.sum(0.1 * np.log(0.1 / m) + 0.9 * np.log(0.9 / (1 - m)))
    np.testing.assert_allclose(with_penalty - without, 0.7 * kl)

    net = _penalised_network("relu", "l1_activity", 1, tied=True)
    with_penalty = net.loss_and_gradient(X, X)
    codes = forward(net.coefs, net.intercepts, net.activations, X, 2)
    assert (codes == 0).any() and (codes > 0).any()  # both sides of the kink
    net.layer_penalty = None
    without = net.loss_and_gradient(X, X)
    l1 = np.abs(codes).sum(axis=1).mean()
    np.testing.assert_allclose(with_penalty - without, 0.7 * l1)


def test_jacobian_norms_match_finite_differences():
    from sklearn_autoencoders._network import jacobian_norms

    net = _network("tanh", "squared_error", "identity", "l2", tied=True)
    X, _ = _problem("squared_error", n_samples=3)
    norms = jacobian_norms(net.coefs, net.intercepts, net.activations, X, 2)
    eps = 1e-6
    for n, x in enumerate(X):
        columns = []
        for i in range(X.shape[1]):
            up, down = x.copy(), x.copy()
            up[i] += eps
            down[i] -= eps
            f = [net.predict(v[None], n_layers=2)[0] for v in (up, down)]
            columns.append((f[0] - f[1]) / (2 * eps))
        np.testing.assert_allclose(norms[n], np.linalg.norm(columns), rtol=1e-6)


# -- semi-supervised fine-tuning --------------------------------------------
def _joint_problem(n_classes, seed=0, n_labeled=4, n_rows=5):
    """``[labeled rows; other rows]`` and the labeled rows' one-hot targets."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.05, 0.95, size=(n_labeled + n_rows, UNITS[0]))
    labels = rng.integers(n_classes, size=n_labeled)
    Y = np.eye(n_classes)[labels] if n_classes > 2 else labels[:, None] * 1.0
    return X, Y


class _FrozenNoise:
    """A joint objective made deterministic: the same noise at every call."""

    def __init__(self, net):
        self.net = net
        self.theta, self.grad = net.theta, net.grad

    def loss_and_gradient(self, X, Y, sample_weight=None):
        self.net.rng = np.random.default_rng(3)
        return self.net.loss_and_gradient(X, Y, sample_weight)


def _joint_network(n_classes, hidden, reconstruction_weight, noise=0.3):
    from sklearn_autoencoders._network import SemiSupervisedNetwork

    binary = n_classes == 2
    units = [UNITS[0], 4, 3, 1 if binary else n_classes]
    output = "logistic" if binary else "softmax"

    def classifier(loss, heads):
        return Network(units, [hidden, hidden, output], loss, alpha=0.1, heads=heads)

    decoder = Network([4, UNITS[0]], ["logistic"], "cross_entropy", alpha=0.2)
    net = SemiSupervisedNetwork(
        classifier,
        "cross_entropy" if binary else "softmax_cross_entropy",
        consistency_weight=0.8,
        noise=noise,
        rampup=0,
        rng=np.random.default_rng(0),
        decoder=decoder,
        reconstruction_weight=reconstruction_weight,
    )
    net.classifier.initialize(np.random.default_rng(1))
    if reconstruction_weight:
        decoder.initialize(np.random.default_rng(2))
    net.theta *= 2.0  # away from the linear regime of the units
    return net


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("hidden", ["tanh", "logistic"])
@pytest.mark.parametrize("reconstruction_weight", [0.0, 0.7])
@pytest.mark.parametrize("n_labeled", [0, 4])
def test_joint_objective_gradient_matches_finite_differences(
    n_classes, hidden, reconstruction_weight, n_labeled
):
    net = _joint_network(n_classes, hidden, reconstruction_weight)
    X, Y = _joint_problem(n_classes, n_labeled=n_labeled)
    frozen = _FrozenNoise(net)
    frozen.loss_and_gradient(X, Y)
    analytic = net.grad.copy()
    numeric = _numeric_gradient(frozen, X, Y)
    error = np.linalg.norm(analytic - numeric) / np.linalg.norm(analytic + numeric)
    assert error < 1e-5
    # the decoder's parameters, after the classifier's, train too
    assert (np.abs(analytic[net.classifier.n_params :]) > 0).any() == (
        reconstruction_weight > 0
    )


@pytest.mark.parametrize("n_classes", [2, 3])
def test_consistency_loss_value(n_classes):
    from scipy.special import expit, softmax

    from sklearn_autoencoders._losses import LOSSES, ConsistencyLoss

    binary = n_classes == 2
    classification = "cross_entropy" if binary else "softmax_cross_entropy"
    rng = np.random.default_rng(0)
    n_labeled, m = 3, 4
    Z = rng.normal(size=(n_labeled + 2 * m, 1 if binary else n_classes))
    _, Y = _joint_problem(n_classes, n_labeled=n_labeled)
    loss = ConsistencyLoss(classification, weight=0.6)
    delta, scratch = np.empty_like(Z), np.empty_like(Z)
    value = loss(Z.copy(), Y, delta, loss.output_activation, scratch)
    P = expit(Z) if binary else softmax(Z, axis=1)
    first, second = P[n_labeled : n_labeled + m], P[n_labeled + m :]
    supervised = LOSSES[classification](
        Z[:n_labeled].copy(),
        Y,
        delta[:n_labeled],
        loss.output_activation,
        scratch[:n_labeled],
    )
    expected = supervised + 0.6 * np.sum((first - second) ** 2) / m
    assert value == pytest.approx(expected, rel=1e-12)


def test_consistency_ramp_and_warmup():
    net = _joint_network(3, "tanh", 0.0)
    net.rampup = 10
    net.advance(0.0)
    assert net.consistency.weight == pytest.approx(0.8 * np.exp(-5))
    net.advance(5.0)
    assert net.consistency.weight == pytest.approx(0.8 * np.exp(-5 * 0.25))
    net.advance(12.0)
    assert net.consistency.weight == 0.8


def test_joint_network_trains_the_classifier_parameters_in_place():
    net = _joint_network(3, "tanh", 0.7)
    coefs_before = [W.copy() for W in net.classifier.coefs]
    net.theta -= 0.1
    for W, before in zip(net.classifier.coefs, coefs_before):
        np.testing.assert_allclose(W, before - 0.1)
    assert net.n_params == net.classifier.n_params + net.head.decoder.n_params


def test_stratified_order_keeps_the_class_balance_in_every_window():
    from sklearn_autoencoders._training import _stratified_order

    classes = np.repeat([0, 1, 2], [60, 30, 10])
    order = _stratified_order(classes, np.random.default_rng(0))
    assert sorted(order) == list(range(100))
    for start in range(0, 100, 10):  # every window of 10 rows: 6, 3 and 1
        counts = np.bincount(classes[order[start : start + 10]], minlength=3)
        assert np.all(np.abs(counts - [6, 3, 1]) <= 1)


def test_semi_supervised_epoch_sees_every_row_and_cycles_the_labeled_ones():
    from sklearn_autoencoders._training import _semi_supervised_reader

    X = np.arange(50, dtype=float)[:, None] * np.ones((1, 3))
    labeled = np.array([3, 7, 11, 20, 31])
    Y = np.eye(2)[[0, 1, 0, 1, 1]]
    rng = np.random.default_rng(0)
    read = _semi_supervised_reader(X, Y, labeled, 8, np.float64, rng)
    seen, leads = [], []
    for start in range(0, 48, 8):
        batch, targets, weights = read(np.arange(start, start + 8))
        assert weights is None
        leads.extend(batch[:5, 0].astype(int))
        seen.extend(batch[5:, 0].astype(int))
        # the targets follow the labeled rows they lead with
        lead_rows = np.searchsorted(labeled, batch[:5, 0])
        np.testing.assert_array_equal(targets, Y[lead_rows])
    assert seen == list(range(48))
    assert set(leads) == set(labeled) and len(leads) == 30
    assert np.all(np.bincount(leads)[labeled] == 6)
