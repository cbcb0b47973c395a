"""The engine core's extension points: loop parts, penalties, heads, rules.

Each extension point of ``CONTRIBUTING.md`` is exercised here from outside
the package: a stopping rule, a layer penalty and a network that only
follows the written protocol, each plugged in without editing the engine.
"""

import contextlib
import warnings
from functools import partial

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sklearn_autoencoders import (
    AutoencoderTransformer,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
    StackedPretrainedClassifier,
)
from sklearn_autoencoders._base import has_stochastic_solver
from sklearn_autoencoders._losses import LayerPenalty, PenaltyContext
from sklearn_autoencoders._network import (
    Head,
    Network,
    ReconstructionHead,
    SemiSupervisedNetwork,
    TrainableNetwork,
)
from sklearn_autoencoders._optimizers import SOLVERS, AdamOptimizer, SGDOptimizer
from sklearn_autoencoders._schedules import AdaptiveSchedule
from sklearn_autoencoders._training import (
    EpochLoop,
    History,
    TrainingConfig,
    TrainingPart,
    fit_stochastic,
)
from sklearn_autoencoders._training_parts import (
    Checkpoint,
    DivergenceGuard,
    Interruption,
    LossImprovement,
    PlateauRule,
)


@contextlib.contextmanager
def patch_pretraining():
    """Record every call of the greedy pre-training (without running it)."""
    from sklearn_autoencoders import _autoencoder

    calls, original = [], _autoencoder.pretrain_layers
    _autoencoder.pretrain_layers = lambda *args, **kwargs: calls.append(args)
    try:
        yield calls
    finally:
        _autoencoder.pretrain_layers = original


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:200] / 16.0, y[:200]


def _net(seed=0, loss="squared_error"):
    net = Network([6, 3, 6], ["tanh", "identity"], loss)
    net.initialize(np.random.default_rng(seed))
    return net


def _data(n=40, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 6))


def _fit(net, X, optimizer=None, **params):
    settings = dict(
        optimizer=optimizer or AdamOptimizer(net.n_params, np.float64, 0.01),
        batch_size=10,
        max_iter=20,
        tol=0.0,
        n_iter_no_change=100,
        shuffle=True,
        rng=np.random.default_rng(0),
        history=History(),
    )
    settings.update(params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit_stochastic(net, X, **settings)


# -- a stopping rule of one's own ---------------------------------------------
class StopBelow(TrainingPart):
    """Stop as soon as the epoch's loss is below ``threshold``."""

    def __init__(self, threshold):
        self.threshold, self.seen = threshold, []

    def on_epoch_end(self, loop):
        self.seen.append(loop.loss)
        if loop.loss < self.threshold:
            loop.converged = True  # no max_iter warning
            return True
        return False


def test_a_stopping_rule_from_outside_plugs_into_the_loop():
    X = _data()
    free = _fit(_net(), X)
    threshold = free.history.loss_curve[4]
    rule = StopBelow(threshold * 1.0001)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        loop = _fit(_net(), X, parts=[rule])
    # the same run, cut where the rule says: epochs 1..5, then stop
    assert loop.history.n_iter == 5 and loop.converged
    assert rule.seen == free.history.loss_curve[:5]


class StopAfterEpochs(TrainingPart):
    def __init__(self, n):
        self.n = n

    def on_epoch_end(self, loop):
        return loop.history.n_iter >= self.n


class EarlyAutoencoder(AutoencoderTransformer):
    """An estimator that adds a part through the ``_training_parts`` hook."""

    def _training_parts(self):
        return (StopAfterEpochs(3),)


def test_a_stopping_rule_plugs_into_an_estimator_subclass(digits):
    X, _ = digits
    # a constant rate: the cosine schedule would depend on max_iter
    params = dict(
        n_components=4, random_state=0, init="random", learning_rate="constant"
    )
    ae = EarlyAutoencoder(**params, early_stopping=False, max_iter=20).fit(X)
    assert ae.n_iter_ == 3
    full = AutoencoderTransformer(**params, early_stopping=False, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        full.fit(X)
    for W, V in zip(ae.coefs_, full.coefs_):
        np.testing.assert_array_equal(W, V)  # the rule only cut the run


def test_parts_are_told_in_order_and_unwound_in_reverse():
    calls = []

    class Recorder(TrainingPart):
        def __init__(self, name):
            self.name = name

        def on_train_begin(self, loop):
            calls.append(("begin", self.name))

        def on_train_end(self, loop):
            calls.append(("end", self.name))

    _fit(_net(), _data(), max_iter=1, parts=[Recorder("a"), Recorder("b")])
    assert calls == [("begin", "a"), ("begin", "b"), ("end", "b"), ("end", "a")]


# -- the built-in parts, one by one -------------------------------------------
class _Loop:
    """The state a part reads, without a loop around it."""

    def __init__(self, net, optimizer, parts=()):
        self.net, self.optimizer, self.parts = net, optimizer, list(parts)
        self.history, self.epochs_run = History(), 0
        self.monitor = LossImprovement(0.0)
        self.verbose, self.converged, self.interrupted = False, False, False
        self.stacklevel = 2


@pytest.mark.parametrize("make", [AdamOptimizer, SGDOptimizer])
def test_checkpoint_copies_what_the_optimizer_declares(make):
    net = _net()
    optimizer = make(net.n_params, np.float64, 0.1)
    optimizer.undeclared = np.zeros(3)
    loop = _Loop(net, optimizer)
    saved = Checkpoint().save(loop)
    theta = net.theta.copy()
    declared = {name: getattr(optimizer, name).copy() for name in make.state_arrays}
    net.theta += 1
    for name in make.state_arrays:
        getattr(optimizer, name)[...] += 1
    optimizer.learning_rate, optimizer.rate_factor = 5.0, 0.5
    optimizer.undeclared += 1
    saved.restore(loop)
    np.testing.assert_array_equal(net.theta, theta)
    for name, value in declared.items():
        np.testing.assert_array_equal(getattr(optimizer, name), value)
    assert optimizer.learning_rate == 0.1 and optimizer.rate_factor == 1.0
    np.testing.assert_array_equal(optimizer.undeclared, 1)  # not checkpointed


def test_divergence_guard_goes_back_and_cuts_the_step_then_gives_up():
    from sklearn_autoencoders import DivergenceError

    net = _net()
    optimizer = AdamOptimizer(net.n_params, np.float64, 0.1)
    loop = _Loop(net, optimizer)
    guard = DivergenceGuard()
    loop.parts = [guard]
    guard.on_epoch_begin(loop)
    start = net.theta.copy()
    net.theta += 100
    with pytest.warns(UserWarning, match="divided by 10"):
        guard.on_divergence(loop, DivergenceError("boom"))
    np.testing.assert_array_equal(net.theta, start)
    assert optimizer.rate_factor == pytest.approx(0.1)
    with pytest.warns(UserWarning, match="divided by 100"):
        guard.on_divergence(loop, DivergenceError("boom"))
    with pytest.raises(DivergenceError, match="already been divided by 100"):
        guard.on_divergence(loop, DivergenceError("boom"))


def test_plateau_rule_lowers_the_live_schedule_after_a_rollback():
    """After a divergence the optimizer holds a restored copy of its schedule:
    a plateau must lower that one (the rate the steps use), not a stale one."""
    net = _net()
    optimizer = SGDOptimizer(net.n_params, np.float64, 0.1)
    optimizer.schedule = AdaptiveSchedule(0.1)
    loop = _Loop(net, optimizer)
    saved = Checkpoint().save(loop)
    saved.restore(loop)  # what a rollback does: a copy replaces the schedule
    rule = PlateauRule(tol=0.0, n_iter_no_change=1, max_iter=10, incremental=False)
    loop.improved = False
    loop.history.n_iter = 5
    rule.on_epoch_end(loop)
    rule.on_epoch_end(loop)
    assert optimizer.schedule.rate(0.0) == pytest.approx(0.1 / 5)


def test_interruption_re_raises_only_when_the_parameters_are_lost():
    net = _net()
    loop = _Loop(net, AdamOptimizer(net.n_params, np.float64, 0.1))
    with pytest.warns(UserWarning, match="interrupted"):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            Interruption().on_interrupt(loop)  # finite: training keeps them
    net.theta[0] = np.nan
    with pytest.warns(UserWarning, match="interrupted"):
        with pytest.raises(KeyboardInterrupt):
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt:
                Interruption().on_interrupt(loop)


# -- a layer penalty of one's own ---------------------------------------------
def squared_activity(context, *, strength):
    """``strength * mean_n sum_j a_nj^2`` written against ``PenaltyContext``."""
    A, delta, weights = context.A, context.delta, context.weights
    share = 1.0 / A.shape[0] if weights is None else weights[:, None]
    value = strength * float(np.sum(share * A * A))
    grad = (2 * strength) * share * A
    # through the activation: dA/dZ of tanh is 1 - A^2
    delta += grad * (1 - A * A)
    return value, False


@pytest.mark.parametrize("weighted", [False, True])
def test_a_layer_penalty_from_outside_has_the_right_gradient(weighted):
    net = Network(
        [5, 4, 5],
        ["tanh", "identity"],
        "squared_error",
        layer_penalty=LayerPenalty(0, partial(squared_activity, strength=0.3)),
    )
    net.initialize(np.random.default_rng(0))
    rng = np.random.default_rng(1)
    X = rng.normal(size=(7, 5))
    weights = rng.uniform(0.5, 2, size=7) if weighted else None
    net.loss_and_gradient(X, X, sample_weight=weights)
    analytic = net.grad.copy()
    theta, numeric, eps = net.theta.copy(), np.empty_like(net.theta), 1e-6
    for i in range(theta.size):
        net.theta[...] = theta
        net.theta[i] += eps
        up = net.loss_and_gradient(X, X, sample_weight=weights)
        net.theta[i] -= 2 * eps
        numeric[i] = (up - net.loss_and_gradient(X, X, sample_weight=weights)) / (
            2 * eps
        )
    net.theta[...] = theta
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_penalty_context_names_what_a_penalty_sees():
    assert PenaltyContext._fields == (
        "A",
        "delta",
        "coefs",
        "activation",
        "work",
        "direct",
        "weights",
    )


# -- the network protocol ------------------------------------------------------
def test_the_package_networks_follow_the_written_protocol():
    net = _net()
    decoder = Network([3, 6], ["identity"], "squared_error")
    joint = SemiSupervisedNetwork(
        lambda loss, heads: Network([6, 3, 2], ["tanh", "logistic"], loss, heads=heads),
        "cross_entropy",
        consistency_weight=1.0,
        noise=0.1,
        rampup=0,
        rng=np.random.default_rng(0),
        decoder=decoder,
        reconstruction_weight=0.5,
    )
    assert isinstance(net, TrainableNetwork)
    assert isinstance(joint, TrainableNetwork)
    assert isinstance(joint.head, Head) and isinstance(joint.head, ReconstructionHead)
    # the head owns a named slice of the one flat vector
    assert joint.slices["classifier"] == slice(0, joint.classifier.n_params)
    assert joint.slices["decoder"].stop == joint.n_params
    assert np.shares_memory(decoder.theta, joint.theta)


class LinearRegressionNet:
    """A network of the protocol alone: ``y = x w``, half squared error."""

    warmup_epochs = 0

    def __init__(self, n_features):
        self.n_params, self.dtype = n_features, np.dtype(np.float64)
        self.theta = np.zeros(n_features)
        self.grad = np.zeros(n_features)

    def loss_and_gradient(self, X, Y, sample_weight=None):
        residual = X @ self.theta - Y[:, 0]
        self.grad[...] = X.T @ residual / len(X)
        return 0.5 * float(residual @ residual) / len(X)

    def advance(self, progress):
        pass

    def predict(self, X, n_layers=None):
        return (X @ self.theta)[:, None]


def test_a_network_of_the_protocol_alone_trains_with_the_loops():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    w = np.array([1.0, -2.0, 0.5])
    net = LinearRegressionNet(3)
    assert isinstance(net, TrainableNetwork)
    _fit(net, X, Y=(X @ w)[:, None], max_iter=200)
    np.testing.assert_allclose(net.theta, w, atol=1e-3)


# -- the hand-over to the engine -------------------------------------------------
def test_training_config_is_built_from_the_parameters_only():
    est = AutoencoderTransformer(solver="sgd", max_iter=7, batch_size=16)
    config = TrainingConfig.from_params(est.get_params())
    assert (config.solver, config.max_iter, config.batch_size) == ("sgd", 7, 16)
    assert "solver='adam'" in config.divergence_hint
    assert isinstance(config.make_optimizer(4, np.float32), SGDOptimizer)
    assert TrainingConfig.from_params({}, solver="lbfgs").solver == "lbfgs"


def test_solver_registry_drives_partial_fit_availability():
    assert {name for name, s in SOLVERS.items() if s.stochastic} == {"adam", "sgd"}
    assert has_stochastic_solver(AutoencoderTransformer(solver="adam"))
    assert not hasattr(AutoencoderTransformer(solver="lbfgs"), "partial_fit")
    assert not hasattr(StackedPretrainedClassifier(solver="lbfgs"), "partial_fit")
    with pytest.raises(AttributeError, match="'adam', 'sgd'"):
        has_stochastic_solver(StackedPretrainedClassifier(solver="lbfgs"))


def test_epoch_loop_is_what_fit_stochastic_returns():
    loop = _fit(_net(), _data(), max_iter=3)
    assert isinstance(loop, EpochLoop) and loop.epochs_run == 3


# -- rules between parameters, before any data is read ---------------------------
class Untouchable:
    """Data that fails the test if anything reads it."""

    shape = (10, 4)

    def __array__(self, *args, **kwargs):
        raise AssertionError("the data was read before the parameters were checked")

    def __len__(self):
        raise AssertionError("the data was read before the parameters were checked")


INVALID = [
    (
        DenoisingAutoencoder(
            16,
            hidden_layer_sizes=(128, 64),
            noise="masking",
            noise_level=1.5,
            pretraining="basic",
        ),
        "noise_level is the corrupted fraction",
    ),
    (AutoencoderTransformer(8, init="pca", activation="tanh"), "init='pca'"),
    (
        AutoencoderTransformer(8, init="pca", hidden_layer_sizes=(8,)),
        "at least 2 \\* n_components",
    ),
    (
        AutoencoderTransformer(8, standardize=True, out_activation="logistic"),
        "standardize=True needs a linear output",
    ),
    (
        AutoencoderTransformer(8, loss="cross_entropy", out_activation="identity"),
        "loss='cross_entropy' needs out_activation='logistic'",
    ),
    (AutoencoderTransformer(8, hidden_layer_sizes=(0,)), "positive integers"),
    (SparseAutoencoder(8, code_activation="identity"), "silent state"),
    (
        SparseAutoencoder(8, noise="masking", noise_level=1.2),
        "corrupted fraction",
    ),
    (
        ContractiveAutoencoder(8, noise="salt_and_pepper", noise_level=1.0),
        "corrupted fraction",
    ),
    (StackedPretrainedClassifier(hidden_layer_sizes=()), "at least one hidden"),
    (
        StackedPretrainedClassifier(
            (32,), autoencoder=DenoisingAutoencoder(noise="masking", noise_level=2.0)
        ),
        "corrupted fraction",
    ),
]


@pytest.mark.parametrize("estimator, match", INVALID, ids=lambda v: str(v)[:60])
def test_every_rule_between_parameters_fires_before_the_data_is_read(estimator, match):
    y = np.zeros(10)
    args = (
        (Untouchable(), y) if hasattr(estimator, "predict_proba") else (Untouchable(),)
    )
    with pytest.raises(ValueError, match=match):
        estimator.fit(*args)
    assert not hasattr(estimator, "n_features_in_")


@pytest.mark.parametrize(
    "estimator",
    [
        AutoencoderTransformer(early_stopping=True),
        StackedPretrainedClassifier(early_stopping=True),
    ],
)
def test_partial_fit_rules_fire_before_the_data_is_read(estimator):
    extra = {"classes": [0, 1]} if hasattr(estimator, "predict") else {}
    with pytest.raises(ValueError, match="partial_fit does not support"):
        estimator.partial_fit(Untouchable(), np.zeros(10), **extra)


def test_the_issue_example_refuses_before_pre_training_on_digits(digits):
    """The combination of the engine-core issue, on real data: refused with
    no layer pre-trained (it used to run 1.5-3 s of pre-training first;
    ``benchmarks/bench_parameter_rules.py`` times every rule)."""
    X, _ = digits
    est = DenoisingAutoencoder(
        16,
        hidden_layer_sizes=(128, 64),
        noise="masking",
        noise_level=1.5,
        pretraining="basic",
    )
    with patch_pretraining() as calls, pytest.raises(ValueError, match="noise_level"):
        est.fit(X)
    assert calls == [] and not hasattr(est, "n_features_in_")


# -- options that combine -----------------------------------------------------------
@pytest.mark.parametrize("cls", [SparseAutoencoder, ContractiveAutoencoder])
def test_a_penalised_autoencoder_trains_on_noisy_inputs(cls, digits):
    X, _ = digits
    params = dict(n_components=8, max_iter=3, random_state=0)
    clean = cls(**params).fit(X)
    noisy = cls(**params, noise="masking", noise_level=0.3).fit(X)
    assert not hasattr(clean, "data_min_")
    np.testing.assert_array_equal(noisy.data_min_, X.min(axis=0))
    assert not np.allclose(clean.coefs_[0], noisy.coefs_[0])
    # transform never corrupts
    np.testing.assert_array_equal(noisy.transform(X[:5]), noisy.transform(X[:5]))


@pytest.mark.parametrize("cls", [SparseAutoencoder, ContractiveAutoencoder])
def test_denoising_pretraining_keeps_the_penalty(cls, digits):
    X, _ = digits
    est = cls(
        8,
        hidden_layer_sizes=(16,),
        pretraining="denoising",
        pretrain_max_iter=2,
        max_iter=2,
        random_state=0,
    ).fit(X)
    first = est.autoencoders_[0]
    assert type(first) is cls
    assert first.noise == "masking" and first.noise_level == 0.3
    penalty = cls._layer_penalty_params[0]
    assert first.get_params()[penalty] == est.get_params()[penalty]
