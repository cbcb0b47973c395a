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
