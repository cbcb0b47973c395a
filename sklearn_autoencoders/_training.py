"""Training loops shared by every estimator.

``fit_stochastic`` runs minibatch epochs with an optimizer from
``_optimizers`` and its learning-rate schedule from ``_schedules``. The
loop itself only draws each epoch's order and runs its batches
(``run_epoch``); convergence on ``tol``/``n_iter_no_change``, early
stopping on a validation score (best parameters restored), the divergence
guard, the verbose log, scikit-learn's callbacks and interruption are the
parts of ``_training_parts``, told what happened after every epoch.
``fit_lbfgs`` minimises the full-batch objective with SciPy's L-BFGS-B,
sharing the callbacks, the verbose lines and the history. ``run_solver``
picks one of them, and the optimizer, from a ``TrainingConfig``: the one
place where the estimators' settings reach the engine.

What the loops need from a network is ``TrainableNetwork``
(``_network``): the loops never touch an estimator, which copies the
result into its attributes only when training succeeded, so a failed
``fit`` leaves a fitted model as it was.
"""

import time
import warnings
from dataclasses import dataclass, fields

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import gen_batches

from ._optimizers import SOLVERS
from ._schedules import make_schedule
from ._training_parts import (
    DIVERGENCE_FACTOR,
    CallbacksBridge,
    DivergenceError,
    DivergenceGuard,
    History,
    Interruption,
    LossImprovement,
    PlateauRule,
    TrainingPart,
    ValidationStopping,
    VerboseLog,
    check_finite,
    kept_epoch,
    log,
    stage_prefix,
    training_stage,
)
from ._validation import resolve_batch_size

__all__ = [
    "DivergenceError",
    "EpochLoop",
    "History",
    "TrainingConfig",
    "TrainingPart",
    "fit_lbfgs",
    "fit_stochastic",
    "fitted_history_attributes",
    "run_solver",
    "training_stage",
]


@dataclass(frozen=True)
class TrainingConfig:
    """The settings a training run reads, built once from an estimator's parameters.

    The field names are the estimators' parameter names, so
    ``TrainingConfig.from_params(estimator.get_params())`` is the whole
    hand-over: the engine never reads an estimator.
    """

    solver: str = "adam"
    learning_rate: str = "constant"
    learning_rate_init: float = 1e-3
    momentum: float = 0.9
    nesterovs_momentum: bool = True
    batch_size: object = "auto"
    max_iter: int = 200
    tol: float = 1e-4
    n_iter_no_change: int = 10
    shuffle: bool = True
    verbose: bool = False

    @classmethod
    def from_params(cls, params, **overrides):
        """The fields found in ``params`` (``get_params()``), then ``overrides``."""
        names = {f.name for f in fields(cls)}
        settings = {k: v for k, v in params.items() if k in names}
        return cls(**{**settings, **overrides})

    @property
    def divergence_hint(self):
        """What to tell the user when training with these settings diverges."""
        return SOLVERS[self.solver].divergence_hint(self.learning_rate_init)

    def make_optimizer(self, n_params, dtype):
        """A fresh optimizer of ``solver`` with its learning-rate schedule."""
        schedule = make_schedule(
            self.learning_rate, self.learning_rate_init, self.max_iter
        )
        return SOLVERS[self.solver].make_optimizer(
            n_params,
            dtype,
            self.learning_rate_init,
            self.momentum,
            self.nesterovs_momentum,
            schedule,
        )


def fitted_history_attributes(history):
    """The scikit-learn-style attributes that describe a finished training.

    ``n_iter_``, ``loss_``, ``loss_curve_``, and either ``best_loss_`` (no
    early stopping) or ``validation_scores_`` / ``best_validation_score_``.
    """
    stopped_early = history.validation_scores is not None
    loss_curve = list(history.loss_curve)
    return {
        "n_iter_": history.n_iter,
        "loss_curve_": loss_curve,
        "loss_": loss_curve[-1] if loss_curve else history.best_loss,
        "best_loss_": None if stopped_early else history.best_loss,
        "validation_scores_": (
            list(history.validation_scores) if stopped_early else None
        ),
        "best_validation_score_": (
            history.best_validation_score if stopped_early else None
        ),
        "best_epoch_": kept_epoch(history),
    }


def _divergence_limit(loss, Y):
    """Largest believable loss: far above the start and above predicting 0."""
    Y = Y.toarray() if sp.issparse(Y) else Y
    # missing targets (NaN) count as 0, as in MaskedLoss
    squares = float(np.nansum(Y * Y)) if np.isnan(Y).any() else float(np.vdot(Y, Y))
    scale = max(loss, 0.5 * squares / max(Y.shape[0], 1), 1.0)
    return DIVERGENCE_FACTOR * scale


def _weight_reader(sample_weight, batch_size):
    """``selection -> the rows' sample weights`` (None without weights)."""
    if sample_weight is None:
        return lambda selection: None
    buffer = np.empty(batch_size, dtype=sample_weight.dtype)

    def read(selection):
        if isinstance(selection, slice):
            return sample_weight[selection]
        return np.take(sample_weight, selection, out=buffer[: len(selection)])

    return read


def _batch_reader(X, Y, batch_size, dtype, corrupt, rng, sample_weight=None):
    """A function returning ``(network input, targets, weights)`` for a row selection.

    Rows are gathered into buffers allocated once (a memory map is read row
    by row, never whole). Sparse rows stay sparse as the network input
    unless corrupted; the autoencoder's targets are the clean rows,
    densified one batch at a time. ``weights`` are the rows' sample
    weights, or None.
    """
    weights_of = _weight_reader(sample_weight, batch_size)
    n_features = X.shape[1]
    sparse = sp.issparse(X)
    clean = np.empty((batch_size, n_features), dtype=dtype)
    noisy = np.empty((batch_size, n_features), dtype=dtype) if corrupt else None
    targets = None if Y is None else np.empty((batch_size, Y.shape[1]), dtype=dtype)

    def read(selection):
        contiguous = isinstance(selection, slice)
        m = (selection.stop - selection.start) if contiguous else len(selection)
        if sparse:
            rows = X[selection]
            X_batch = rows.toarray(out=clean[:m]) if (Y is None or corrupt) else rows
            network_input = rows
        elif contiguous:
            X_batch = network_input = X[selection]
        else:
            X_batch = np.take(X, selection, axis=0, out=clean[:m], mode="clip")
            network_input = X_batch
        if Y is None:
            Y_batch = X_batch
        elif sp.issparse(Y):
            Y_batch = Y[selection].toarray(out=targets[:m])
        elif contiguous:
            Y_batch = Y[selection]
        else:
            Y_batch = np.take(Y, selection, axis=0, out=targets[:m], mode="clip")
        if corrupt is not None:
            corrupt(X_batch, noisy[:m], rng)
            network_input = noisy[:m]
        return network_input, Y_batch, weights_of(selection)

    return read


def _stratified_order(classes, rng):
    """A shuffled order of rows in which every stretch keeps the class balance.

    Each class's rows are shuffled and spread evenly over ``[0, 1)`` (row
    ``i`` of a class of ``c`` rows at ``(i + u) / c``, ``u`` uniform), then
    all rows are sorted by that position: any window of ``k`` consecutive
    rows holds each class in about its proportion.
    """
    position = np.empty(len(classes))
    for label in np.unique(classes):
        rows = np.flatnonzero(classes == label)
        rows = rows[rng.permutation(len(rows))]
        position[rows] = (np.arange(len(rows)) + rng.random()) / len(rows)
    return np.argsort(position, kind="stable")


def _semi_supervised_reader(X, Y, labeled, batch_size, dtype, rng, sample_weight=None):
    """Batches of ``[labeled rows; selected rows]`` with the labeled rows' targets.

    The selected rows come from the epoch's order over every row of ``X``
    (labeled or not); each batch is led by the next ``min(batch_size,
    n_labeled)`` labeled rows of a stream that cycles through them in
    class-stratified shuffled orders, so an epoch sees every row and every
    batch sees the classes in their labeled proportions. Returns a
    function like ``_batch_reader``'s; batches are dense, and their weights
    (with ``sample_weight``) follow the same rows.
    """
    n_labeled = len(labeled)
    n_lead = min(batch_size, n_labeled)
    classes = np.argmax(Y, axis=1) if Y.shape[1] > 1 else Y[:, 0]
    rows_buffer = np.empty((n_lead + batch_size, X.shape[1]), dtype=dtype)
    targets = np.empty((n_lead, Y.shape[1]), dtype=dtype)
    row_index = np.empty(n_lead + batch_size, dtype=np.intp)
    weights_of = _weight_reader(sample_weight, n_lead + batch_size)
    pending = np.empty(0, dtype=np.intp)

    def read(selection):
        nonlocal pending
        if len(pending) < n_lead:
            pending = np.concatenate([pending, _stratified_order(classes, rng)])
        lead, pending = pending[:n_lead], pending[n_lead:]
        if isinstance(selection, slice):  # unshuffled epochs
            m = n_lead + selection.stop - selection.start
            row_index[n_lead:m] = np.arange(selection.start, selection.stop)
        else:
            m = n_lead + len(selection)
            row_index[n_lead:m] = selection
        np.take(labeled, lead, out=row_index[:n_lead])
        rows = row_index[:m]
        if sp.issparse(X):
            X[rows].toarray(out=rows_buffer[:m])
        else:
            np.take(X, rows, axis=0, out=rows_buffer[:m], mode="clip")
        np.take(Y, lead, axis=0, out=targets, mode="clip")
        return rows_buffer[:m], targets, weights_of(rows)

    return read


def run_epoch(loop, read_batch, order, contiguous, batch_size):
    """One pass over the rows in ``order``; returns the epoch's mean loss.

    Sets the learning rate from the schedule before every step. Raises
    ``DivergenceError`` as soon as a batch's loss, or the parameters at the
    end, say that training has diverged; ``loop.limit`` is fixed by the
    first batch of the run.
    """
    net, optimizer = loop.net, loop.optimizer
    epoch = loop.history.n_iter + 1
    n_samples = len(order)
    n_batches = -(-n_samples // batch_size)
    accumulated = total = 0.0
    for batch, rows in enumerate(gen_batches(n_samples, batch_size)):
        X_batch, Y_batch, weights = read_batch(rows if contiguous else order[rows])
        progress = epoch - 1 + (batch + 1) / n_batches
        net.advance(progress)
        loss = net.loss_and_gradient(X_batch, Y_batch, sample_weight=weights)
        if loop.limit is None:
            loop.limit = _divergence_limit(loss, Y_batch)
        check_finite(loss, None, epoch, loop.hint, loop.limit)
        optimizer.learning_rate = optimizer.rate_factor * optimizer.schedule.rate(
            progress
        )
        optimizer.update(net.theta, net.grad)
        # the epoch's loss: the batches' losses weighted by their rows
        size = (
            rows.stop - rows.start
            if weights is None
            else float(weights.sum(dtype=np.float64))
        )
        accumulated += loss * size
        total += size
    loss = accumulated / total
    check_finite(loss, net.theta, epoch, loop.hint)
    return loss


class EpochLoop:
    """Epochs of minibatch training, and the parts told what happens.

    The state a part may read or change: ``net``, ``optimizer``,
    ``history``, ``verbose``, ``monitor`` (the improvement rule, one of
    the parts), ``parts``, ``epochs_run`` (this call's epochs), and after
    each epoch ``loss``, ``improved_loss`` (no higher than any before),
    ``improved`` (by the monitor's rule) and ``message`` (the verbose
    line so far); ``converged`` and ``interrupted`` say how it ended.
    """

    #: ``warnings.warn`` level of the parts' warnings: the caller of
    #: ``fit_stochastic`` (part method, loop method, ``run``, fit_stochastic).
    stacklevel = 5

    def __init__(self, net, optimizer, history, monitor, parts, verbose, hint):
        self.net, self.optimizer, self.history = net, optimizer, history
        self.monitor, self.parts = monitor, [monitor, *parts]
        self.verbose, self.hint = verbose, hint
        self.epochs_run, self.limit = 0, None
        self.converged = self.interrupted = False

    def notify(self, hook, *args):
        """Call ``hook`` on every part; the unwinding hooks in reverse order."""
        unwinding = hook in ("on_divergence", "on_interrupt", "on_train_end")
        for part in reversed(self.parts) if unwinding else self.parts:
            getattr(part, hook)(self, *args)

    def run(self, n_epochs, draw_order, run_batches):
        """``n_epochs`` epochs: draw the order, run the batches, tell the parts."""
        self.history.stopped_by_user = False
        self.notify("on_train_begin")
        try:
            with np.errstate(all="ignore"):
                while self.epochs_run < n_epochs:
                    order = draw_order()
                    self.notify("on_epoch_begin")
                    try:
                        self.loss = run_batches(order)
                    except DivergenceError as error:
                        self.notify("on_divergence", error)
                        continue
                    self.record()
                    if any(part.on_epoch_end(self) for part in self.parts):
                        break  # the parts after the one that stopped are not told
        except KeyboardInterrupt:
            self.interrupted = True
            self.notify("on_interrupt")
        self.notify("on_train_end")

    def record(self):
        """Write the finished epoch into the history and judge it."""
        history = self.history
        self.epochs_run += 1
        self.improved_loss = self.loss <= history.best_loss
        history.n_iter += 1
        self.optimizer.flush_subnormals(self.net.theta)
        history.loss_curve.append(self.loss)
        self.message = f"Epoch {history.n_iter}, loss = {self.loss:.8f}"
        self.improved = self.monitor.improved(self)
        if history.n_iter <= self.net.warmup_epochs:
            # the objective itself still changes (a ramped weight): only
            # losses after this epoch compare with this one
            history.best_loss = self.loss
        history.best_loss = min(history.best_loss, self.loss)


def _epoch_rows(X, Y, labeled, train_indices, sample_weight):
    """``(Y, labeled, train_indices)`` with held-out and weight-0 rows left out."""
    if labeled is not None:
        if train_indices is not None:
            labeled, Y = labeled[train_indices], Y[train_indices]
        train_indices = None
        if sample_weight is not None:
            kept = sample_weight[labeled] > 0
            labeled, Y = labeled[kept], Y[kept]
    if sample_weight is not None and not (sample_weight > 0).all():
        rows = np.arange(X.shape[0]) if train_indices is None else train_indices
        train_indices = rows[sample_weight[rows] > 0]
    return Y, labeled, train_indices


def fit_stochastic(
    net,
    X,
    Y=None,
    *,
    optimizer,
    batch_size,
    max_iter,
    tol,
    n_iter_no_change,
    shuffle,
    rng,
    history,
    train_indices=None,
    validation_score=None,
    corrupt=None,
    labeled=None,
    sample_weight=None,
    callbacks=None,
    verbose=False,
    incremental=False,
    divergence_hint="",
    parts=(),
):
    """Minibatch training of ``net`` in place.

    Parameters
    ----------
    net : TrainableNetwork
    X : ndarray of shape (n_samples, n_features)
        Inputs, of the network's dtype. Rows are gathered batch by batch,
        so ``X`` may be a memory map.
    Y : ndarray of shape (n_samples, n_outputs), default=None
        Targets; ``None`` means the clean inputs (an autoencoder).
    optimizer : SGDOptimizer or AdamOptimizer
        Its ``schedule`` sets the step size before every minibatch and
        decides what a plateau does (stop, or lower the rate).
    batch_size, max_iter, n_iter_no_change : int
    tol : float
    shuffle : bool
    rng : numpy.random.Generator
        Drives shuffling and corruption.
    history : History
        Updated in place.
    train_indices : ndarray of int, default=None
        Rows to train on (the rest held out); all rows by default.
    validation_score : callable, default=None
        ``validation_score(net) -> float``, higher is better. When given,
        stopping follows it and the best parameters are restored
        (``ValidationStopping``).
    corrupt : callable, default=None
        ``corrupt(clean, out, rng)`` writes a corrupted copy of the batch
        into ``out``; the network sees ``out``, the targets stay clean.
    labeled : ndarray of int, default=None
        Semi-supervised training: ``Y`` labels these rows of ``X`` (in
        order), an epoch runs over *every* row of ``X``, and each batch is
        ``[labeled rows; batch rows]`` with the labeled rows' targets (see
        ``_semi_supervised_reader``), for a network whose loss reads both
        parts (``SemiSupervisedNetwork``). ``train_indices`` then select
        among the labeled rows.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights of the rows of ``X``, in the network's dtype: each batch's
        objective is their weighted mean (``Network.loss_and_gradient``).
        Rows of weight 0 are left out of the epochs, exactly as if they
        had been removed.
    callbacks : TaskCallbacks, default=None
        scikit-learn callbacks (``_callbacks``): each epoch is a task; one
        whose ``on_fit_task_end`` returns True stops training, without a
        convergence warning.
    verbose : bool
    incremental : bool
        One epoch, no convergence warning (``partial_fit``).
    divergence_hint : str
        Appended to the error raised when training diverges.
    parts : sequence of TrainingPart, default=()
        More parts told what happens (a stopping rule of your own), after
        the built-in ones.

    Returns
    -------
    loop : EpochLoop
        The finished loop: how it ended (``converged``, ``interrupted``),
        the epochs of this call (``epochs_run``) and its parts.
    """
    Y, labeled, train_indices = _epoch_rows(X, Y, labeled, train_indices, sample_weight)
    n_samples = X.shape[0] if train_indices is None else len(train_indices)
    batch_size = min(batch_size, n_samples)
    if labeled is None:
        read = _batch_reader(X, Y, batch_size, net.dtype, corrupt, rng, sample_weight)
    else:
        read = _semi_supervised_reader(
            X, Y, labeled, batch_size, net.dtype, rng, sample_weight
        )
    monitor = (
        LossImprovement(tol)
        if validation_score is None
        else ValidationStopping(validation_score, tol)
    )
    builtin = [DivergenceGuard(), Interruption(), VerboseLog()]
    if callbacks is not None:
        builtin.append(CallbacksBridge(callbacks))
    builtin.append(PlateauRule(tol, n_iter_no_change, max_iter, incremental))
    loop = EpochLoop(
        net, optimizer, history, monitor, [*builtin, *parts], verbose, divergence_hint
    )
    order = np.arange(n_samples) if train_indices is None else train_indices
    contiguous = not shuffle and train_indices is None

    def draw_order():
        nonlocal order
        if shuffle:
            order = rng.permutation(order)
        return order

    loop.run(
        1 if incremental else max_iter,
        draw_order,
        lambda order: run_epoch(loop, read, order, contiguous, batch_size),
    )
    return loop


def fit_lbfgs(
    net,
    X,
    Y=None,
    *,
    max_iter,
    tol,
    history,
    sample_weight=None,
    callbacks=None,
    verbose=False,
    divergence_hint="",
):
    """Full-batch L-BFGS-B on the network's objective, in place.

    SciPy works in float64; a float32 network is evaluated in float32 and
    only the flat parameter vector crosses over. ``sample_weight`` makes
    the objective a weighted mean over the rows. With ``callbacks``, each
    iteration is a task, and a callback can stop the iterations.
    """
    Y = X if Y is None else Y
    start = time.perf_counter()
    last = {"x": net.theta.astype(np.float64)}

    def objective(x):
        net.theta[...] = x
        loss = net.loss_and_gradient(X, Y, sample_weight=sample_weight)
        if not np.isfinite(loss):
            # Make the line search back off instead of failing outright.
            return np.inf, np.zeros_like(x)
        return loss, net.grad.astype(np.float64)

    stopped = False

    def callback(intermediate_result):
        nonlocal stopped
        last["x"] = intermediate_result.x.copy()
        history.loss_curve.append(float(intermediate_result.fun))
        if callbacks is not None:
            net.theta[...] = intermediate_result.x
            if callbacks.end(net):
                stopped = True
                raise StopIteration
            callbacks.begin("iteration")
        log(
            verbose,
            f"Iteration {len(history.loss_curve)}, "
            f"loss = {intermediate_result.fun:.8f}, "
            f"{time.perf_counter() - start:.2f}s",
        )

    result = None
    if callbacks is not None:
        callbacks.begin("iteration")
    try:
        with np.errstate(all="ignore"):
            result = minimize(
                objective,
                last["x"],
                method="L-BFGS-B",
                jac=True,
                callback=callback,
                options={"maxiter": max_iter, "maxfun": 15000, "gtol": tol},
            )
    except KeyboardInterrupt:
        stopped = True
        warnings.warn(
            "Training interrupted by user; keeping the last iterate.", stacklevel=2
        )
    history.stopped_by_user = stopped
    if callbacks is not None:
        callbacks.abandon()  # the iteration begun last never ran
    x = last["x"] if result is None else result.x
    net.theta[...] = x
    with np.errstate(all="ignore"):
        loss = net.loss_and_gradient(X, Y, sample_weight=sample_weight)
    history.n_iter += 0 if result is None else int(result.nit)
    history.best_loss = min(history.best_loss, loss)
    if not history.loss_curve or history.loss_curve[-1] != loss:
        history.loss_curve.append(loss)
    check_finite(loss, net.theta, history.n_iter, divergence_hint)
    if result is not None and not result.success and not stopped:
        warnings.warn(
            f"{stage_prefix()}L-BFGS failed to converge after {result.nit} iterations "
            f"({result.message}). Increase max_iter or scale the data.",
            ConvergenceWarning,
            stacklevel=2,
        )


def run_solver(
    config,
    net,
    X,
    Y=None,
    *,
    rng,
    history,
    optimizer=None,
    corrupt=None,
    incremental=False,
    validation=None,
    labeled=None,
    sample_weight=None,
    callbacks=None,
    parts=(),
):
    """Train ``net`` with the solver and settings of ``config``.

    ``config`` is a ``TrainingConfig``. ``validation`` is a callable
    returning ``(train_indices, validation_score)`` for early stopping.
    L-BFGS needs a deterministic objective, so ``corrupt`` is applied once
    to the whole training set. ``labeled`` asks for semi-supervised
    minibatches (``fit_stochastic``); it needs a stochastic solver.
    ``sample_weight`` (one per row of ``X``, in the network's dtype) weights
    the objective. ``callbacks`` (``TaskCallbacks``) see each epoch or
    iteration; ``parts`` are more ``TrainingPart`` for the minibatch loop.

    Returns
    -------
    optimizer : SGDOptimizer, AdamOptimizer or None
        The stochastic optimizer, to continue with ``partial_fit``.
    """
    if not SOLVERS[config.solver].stochastic:
        X_input = X
        if corrupt is not None:
            X_input = np.empty_like(X)
            corrupt(X, X_input, rng)
        fit_lbfgs(
            net,
            X_input,
            X if Y is None else Y,
            max_iter=config.max_iter,
            tol=config.tol,
            history=history,
            sample_weight=sample_weight,
            callbacks=callbacks,
            verbose=config.verbose,
            divergence_hint=config.divergence_hint,
        )
        return None
    if optimizer is None:
        optimizer = config.make_optimizer(net.n_params, net.dtype)
    train_indices, validation_score = validation() if validation else (None, None)
    fit_stochastic(
        net,
        X,
        Y,
        optimizer=optimizer,
        batch_size=resolve_batch_size(config.batch_size, X.shape[0]),
        max_iter=config.max_iter,
        tol=config.tol,
        n_iter_no_change=config.n_iter_no_change,
        shuffle=config.shuffle,
        rng=rng,
        history=history,
        train_indices=train_indices,
        validation_score=validation_score,
        corrupt=corrupt,
        labeled=labeled,
        sample_weight=sample_weight,
        callbacks=callbacks,
        verbose=config.verbose,
        incremental=incremental,
        divergence_hint=config.divergence_hint,
        parts=parts,
    )
    return optimizer
