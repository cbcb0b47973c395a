"""Learning-rate schedules: formulas, and how they compose with the loop."""

import math
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_autoencoders import (
    AutoencoderTransformer,
    DenoisingAutoencoder,
    StackedPretrainedClassifier,
)
from sklearn_autoencoders._network import Network
from sklearn_autoencoders._optimizers import SGDOptimizer
from sklearn_autoencoders._schedules import (
    ADAPTIVE_DIVISOR,
    FINAL_FACTOR,
    WARMUP_FRACTION,
    AdaptiveSchedule,
    ConstantSchedule,
    CosineSchedule,
    make_schedule,
)
from sklearn_autoencoders._training import History, fit_stochastic


class RecordingSGD(SGDOptimizer):
    """Plain SGD that records the learning rate of every step."""

    def __init__(self, net, schedule):
        super().__init__(net.n_params, net.dtype, 0.0, momentum=0.0, schedule=schedule)
        self.rates = []

    def update(self, theta, grad):
        self.rates.append(self.learning_rate)
        super().update(theta, grad)


def _net_and_data(n_samples=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 6))
    net = Network([6, 3, 6], ["tanh", "identity"], "squared_error")
    net.initialize(rng)
    return net, X, rng


def _train(net, X, rng, schedule, max_iter, history=None, **kwargs):
    optimizer = RecordingSGD(net, schedule)
    params = dict(
        batch_size=10,
        max_iter=max_iter,
        tol=0.0,
        n_iter_no_change=max_iter,
        shuffle=False,
        rng=rng,
        history=history or History(),
    )
    params.update(kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit_stochastic(net, X, optimizer=optimizer, **params)
    return optimizer


def _cosine(progress, max_iter, peak):
    """The cosine schedule written out independently of the package."""
    warmup = WARMUP_FRACTION * max_iter
    if progress <= warmup:
        return peak * progress / warmup
    decay = (min(progress, max_iter) - warmup) / (max_iter - warmup)
    return peak * (
        FINAL_FACTOR + (1 - FINAL_FACTOR) * (1 + math.cos(math.pi * decay)) / 2
    )


def test_constant_schedule_keeps_the_initial_rate():
    net, X, rng = _net_and_data()
    optimizer = _train(net, X, rng, ConstantSchedule(0.05), max_iter=3)
    assert optimizer.rates == [0.05] * 12


def test_cosine_schedule_follows_its_formula_at_every_step():
    net, X, rng = _net_and_data()
    max_iter, peak = 40, 0.02
    optimizer = _train(net, X, rng, CosineSchedule(peak, max_iter), max_iter)
    steps = np.arange(1, 4 * max_iter + 1) / 4  # 4 batches per epoch
    expected = [_cosine(p, max_iter, peak) for p in steps]
    np.testing.assert_allclose(optimizer.rates, expected, rtol=1e-12)
    # warm-up rises to the peak, the decay ends at FINAL_FACTOR of it
    peak_step = int(np.argmax(optimizer.rates))
    assert optimizer.rates[peak_step] == pytest.approx(peak)
    assert steps[peak_step] == pytest.approx(WARMUP_FRACTION * max_iter)
    assert optimizer.rates[-1] == pytest.approx(FINAL_FACTOR * peak)
    assert np.all(np.diff(optimizer.rates[peak_step:]) <= 0)


def test_cosine_schedule_under_partial_fit_counts_calls_as_epochs():
    """One epoch per call: ten calls follow the same rates as one ten-epoch fit."""
    max_iter = 10
    net, X, rng = _net_and_data()
    whole = _train(net, X, rng, CosineSchedule(0.01, max_iter), max_iter)
    net, X, rng = _net_and_data()
    schedule = CosineSchedule(0.01, max_iter)
    optimizer = RecordingSGD(net, schedule)
    history = History()
    for _ in range(max_iter + 2):
        fit_stochastic(
            net,
            X,
            optimizer=optimizer,
            batch_size=10,
            max_iter=max_iter,
            tol=0.0,
            n_iter_no_change=max_iter,
            shuffle=False,
            rng=rng,
            history=history,
            incremental=True,
        )
    np.testing.assert_allclose(optimizer.rates[: 4 * max_iter], whole.rates)
    # past max_iter the rate stays at its final value
    assert optimizer.rates[4 * max_iter :] == [FINAL_FACTOR * 0.01] * 8


def test_adaptive_schedule_divides_by_five_on_each_plateau_then_stops():
    schedule = AdaptiveSchedule(1e-3)
    rates = [schedule.rate(0)]
    while not schedule.stalled():
        rates.append(schedule.rate(0))
    np.testing.assert_allclose(
        rates, [1e-3 / ADAPTIVE_DIVISOR**i for i in range(len(rates))]
    )
    assert rates[-1] <= 1e-6 < rates[-2]


def test_adaptive_schedule_in_the_loop_lowers_the_rate_instead_of_stopping():
    """A plateau (tol far above any progress) lowers the rate, then stops."""
    net, X, rng = _net_and_data()
    optimizer = _train(
        net, X, rng, AdaptiveSchedule(0.01), max_iter=100, tol=1e9, n_iter_no_change=2
    )
    distinct = sorted(set(optimizer.rates), reverse=True)
    np.testing.assert_allclose(
        distinct, [0.01 / ADAPTIVE_DIVISOR**i for i in range(len(distinct))]
    )
    assert len(distinct) == 7  # a plateau at 0.01 / 5**6 <= 1e-6 ends training
    net, X, rng = _net_and_data()
    constant = _train(
        net, X, rng, ConstantSchedule(0.01), max_iter=100, tol=1e9, n_iter_no_change=2
    )
    # the first epoch improves on nothing seen, three more stall: stop
    assert len(constant.rates) == 4 * 4


def test_make_schedule_names():
    assert type(make_schedule("constant", 0.1, 5)) is ConstantSchedule
    assert type(make_schedule("adaptive", 0.1, 5)) is AdaptiveSchedule
    assert type(make_schedule("cosine", 0.1, 5)) is CosineSchedule


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_estimator_schedule_reaches_the_optimizer(solver, digits):
    X = digits[0][:200]
    ae = AutoencoderTransformer(
        n_components=4,
        hidden_layer_sizes=(),
        solver=solver,
        learning_rate="cosine",
        learning_rate_init=0.01,
        max_iter=6,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # cosine ends on plan
        ae.fit(X)
    assert ae.n_iter_ == 6
    assert ae._optimizer.learning_rate == pytest.approx(0.01 * FINAL_FACTOR)


def test_cosine_with_early_stopping_restores_the_best_epoch(digits):
    ae = AutoencoderTransformer(
        n_components=4,
        learning_rate="cosine",
        early_stopping=True,
        max_iter=15,
        random_state=0,
    ).fit(digits[0][:300])
    assert ae.best_validation_score_ == max(ae.validation_scores_)
    assert ae.score(digits[0][:300]) > -20


def test_warm_start_restarts_the_schedule(digits):
    ae = AutoencoderTransformer(
        n_components=4,
        learning_rate="cosine",
        learning_rate_init=1e-3,
        max_iter=4,
        random_state=0,
    ).fit(digits[0][:100])
    ae.set_params(warm_start=True).fit(digits[0][:100])
    assert ae.n_iter_ == 4  # a new fit: a new schedule over max_iter epochs
    assert ae._optimizer.learning_rate == pytest.approx(1e-3 * FINAL_FACTOR)


def test_partial_fit_continues_the_schedule(digits):
    ae = AutoencoderTransformer(
        n_components=4,
        learning_rate="cosine",
        learning_rate_init=1e-3,
        max_iter=4,
        random_state=0,
    )
    rates = []
    for _ in range(5):
        ae.partial_fit(digits[0][:100])
        rates.append(ae._optimizer.learning_rate)
    assert ae.n_iter_ == 5
    np.testing.assert_allclose(rates[-2:], 1e-3 * FINAL_FACTOR)
    assert rates[0] > rates[2]


def test_pretraining_layers_and_classifier_use_the_schedule(digits):
    X, y = digits[0], digits[2]
    dae = DenoisingAutoencoder(
        n_components=4,
        hidden_layer_sizes=(8,),
        pretraining="denoising",
        learning_rate="cosine",
        learning_rate_init=1e-3,
        pretrain_max_iter=3,
        max_iter=3,
        random_state=0,
    ).fit(X[:200])
    for layer in dae.autoencoders_:
        assert layer.learning_rate == "cosine"
        assert layer.hidden_layer_sizes == ()
        assert layer._optimizer.learning_rate == pytest.approx(1e-3 * FINAL_FACTOR)
    clf = StackedPretrainedClassifier(
        hidden_layer_sizes=(8,),
        learning_rate="cosine",
        pretrain_max_iter=3,
        max_iter=3,
        random_state=0,
    ).fit(X[:200], y[:200])
    assert clf.autoencoders_[0].learning_rate == "cosine"
    assert clf._optimizer.learning_rate == pytest.approx(1e-3 * FINAL_FACTOR)
