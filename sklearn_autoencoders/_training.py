"""Training loops shared by every estimator.

``fit_stochastic`` runs minibatch epochs with an optimizer from
``_optimizers`` and its learning-rate schedule from ``_schedules``, with
convergence on ``tol``/``n_iter_no_change``, early
stopping on a validation score (best parameters restored), an optional
input-corruption hook, and divergence detection. ``fit_lbfgs`` minimises
the full-batch objective with SciPy's L-BFGS-B. ``run_solver`` picks one of
them, and the optimizer, from an estimator's hyperparameters: the one place
where the estimators hand their settings to the engine.

Both loops work on a ``Network`` in place. They never touch an estimator: the
estimator copies the result into its attributes only when training
succeeded, so a failed ``fit`` leaves a fitted model as it was.
"""

import contextlib
import contextvars
import copy
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import gen_batches

from ._optimizers import make_optimizer
from ._schedules import make_schedule
from ._validation import divergence_hint, resolve_batch_size

_STAGE = contextvars.ContextVar("sklearn_autoencoders_training_stage", default="")


@contextlib.contextmanager
def training_stage(label):
    """Name the training stage in verbose lines and warnings.

    ``with training_stage("pre-training layer 2/3"): ae.fit(H)`` prefixes
    everything the training loops print or warn inside it; stages nest
    (``"fine-tuning"`` of a model itself pre-trained inside another stage
    reads ``"outer > fine-tuning"``). ``None`` names no stage.
    """
    if label is None:
        yield
        return
    outer = _STAGE.get()
    token = _STAGE.set(f"{outer} > {label}" if outer else label)
    try:
        yield
    finally:
        _STAGE.reset(token)


def _stage_prefix():
    label = _STAGE.get()
    return f"{label}: " if label else ""


class DivergenceError(FloatingPointError):
    """Training diverged, and cutting the learning rate did not help.

    Raised by every minibatch solver when an epoch (1) produces a
    non-finite loss or non-finite parameters, or (2) drives the loss above
    1 000 times its scale at the start of training, still-finite but
    runaway, and this happens again after the learning rate was divided by
    10 twice (each divergence first goes back to the best epoch with a
    smaller rate, with a warning). L-BFGS raises it on a non-finite result.
    The estimator is left as it was before the call.
    """


@dataclass
class History:
    """What training has seen so far; carried across ``partial_fit`` calls."""

    loss_curve: list = field(default_factory=list)
    validation_scores: list = None
    best_loss: float = np.inf
    best_validation_score: float = -np.inf
    no_improvement_count: int = 0
    n_iter: int = 0

    def copy(self):
        return History(
            list(self.loss_curve),
            None if self.validation_scores is None else list(self.validation_scores),
            self.best_loss,
            self.best_validation_score,
            self.no_improvement_count,
            self.n_iter,
        )


#: A loss this many times above its scale at the start of training counts
#: as divergence, even while it is still finite.
DIVERGENCE_FACTOR = 1e3

#: After a diverging epoch, training goes back to the start of the epoch with
#: the lowest loss and goes on with the learning rate divided by
#: ``STEP_CUT``, at most ``MAX_STEP_CUTS`` times per training run; only then
#: does it stop with ``DivergenceError``.
STEP_CUT = 10.0
MAX_STEP_CUTS = 2


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
    }


def _check_finite(loss, theta, epoch, hint, limit=np.inf):
    if not np.isfinite(loss) or (theta is not None and not np.isfinite(theta).all()):
        what = "loss" if not np.isfinite(loss) else "parameters"
        raise DivergenceError(
            f"Training diverged at epoch {epoch}: the {what} became non-finite "
            f"(loss={loss}). {hint}"
        )
    if loss > limit:
        raise DivergenceError(
            f"Training diverged at epoch {epoch}: the loss grew to {loss:.3g}, "
            f"over {DIVERGENCE_FACTOR:.0e} times its scale at the start. {hint}"
        )


def _divergence_limit(loss, Y):
    """Largest believable loss: far above the start and above predicting 0."""
    scale = max(loss, 0.5 * float(np.vdot(Y, Y)) / max(Y.shape[0], 1), 1.0)
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


def _run_epoch(
    net, optimizer, read_batch, order, contiguous, batch_size, epoch, limit, hint
):
    """One pass over the rows in ``order``; returns ``(mean loss, limit)``.

    Sets the learning rate from the schedule before every step. Raises
    ``DivergenceError`` as soon as a batch's loss, or the parameters at the
    end, say that training has diverged; ``limit`` is fixed by the first
    batch of the run.
    """
    n_samples = len(order)
    n_batches = -(-n_samples // batch_size)
    accumulated = total = 0.0
    for batch, rows in enumerate(gen_batches(n_samples, batch_size)):
        X_batch, Y_batch, weights = read_batch(rows if contiguous else order[rows])
        progress = epoch - 1 + (batch + 1) / n_batches
        net.advance(progress)
        loss = net.loss_and_gradient(X_batch, Y_batch, sample_weight=weights)
        if limit is None:
            limit = _divergence_limit(loss, Y_batch)
        _check_finite(loss, None, epoch, hint, limit)
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
    _check_finite(loss, net.theta, epoch, hint)
    return loss, limit


class _Checkpoint:
    """A state training can go back to: parameters, optimizer, history.

    Its arrays are allocated on the first ``save`` and overwritten by later
    ones, so checkpointing every epoch allocates nothing in steady state.
    """

    def __init__(self):
        self.arrays = None

    def save(self, net, optimizer, history, epochs_run, best_theta):
        state = vars(optimizer)
        live = {"theta": net.theta, "best_theta": best_theta}
        live.update((k, v) for k, v in state.items() if isinstance(v, np.ndarray))
        live = {k: v for k, v in live.items() if v is not None}
        if self.arrays is None:
            self.arrays = {k: np.empty_like(v) for k, v in live.items()}
        for name, array in live.items():
            np.copyto(self.arrays[name], array)
        # scalars and the schedule (whose 'adaptive' rate is state too)
        self.optimizer = {
            k: copy.deepcopy(v) for k, v in state.items() if k not in self.arrays
        }
        self.history = history.copy()
        self.epochs_run = epochs_run
        return self

    def restore(self, net, optimizer, history, best_theta):
        """Put the saved state back in place; returns its epoch count."""
        state = vars(optimizer)
        for name, array in self.arrays.items():
            target = {"theta": net.theta, "best_theta": best_theta}.get(name)
            np.copyto(state[name] if target is None else target, array)
        state.update(copy.deepcopy(self.optimizer))
        vars(history).update(vars(self.history.copy()))
        return self.epochs_run


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
):
    """Minibatch training of ``net`` in place.

    Parameters
    ----------
    net : Network
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
        stopping follows it and the best parameters are restored.
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
    """
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
    n_samples = X.shape[0] if train_indices is None else len(train_indices)
    batch_size = min(batch_size, n_samples)
    order = np.arange(n_samples) if train_indices is None else train_indices
    if labeled is None:
        next_batch = _batch_reader(
            X, Y, batch_size, net.dtype, corrupt, rng, sample_weight
        )
    else:
        next_batch = _semi_supervised_reader(
            X, Y, labeled, batch_size, net.dtype, rng, sample_weight
        )
    early_stopping = validation_score is not None
    best_theta = net.theta.copy() if early_stopping else None
    if early_stopping and history.validation_scores is None:
        history.validation_scores = []
        # The starting point competes too: a network that starts as PCA
        # (or from pre-training) is kept if no epoch beats it on held-out data.
        history.best_validation_score = float(validation_score(net))
    start = time.perf_counter()
    limit = None
    n_epochs = 1 if incremental else max_iter
    schedule = optimizer.schedule
    epochs_run, step_cuts, converged = 0, 0, False
    contiguous = not shuffle and train_indices is None
    # Two checkpoints that swap roles: the start of this epoch, and the start
    # of the epoch with the lowest loss so far.
    epoch_start, last_good = _Checkpoint(), None
    try:
        with np.errstate(all="ignore"):
            while epochs_run < n_epochs:
                if shuffle:
                    order = rng.permutation(order)
                # An epoch's loss is measured along it, from its start: the
                # start of the best epoch is the state to come back to.
                epoch_start.save(net, optimizer, history, epochs_run, best_theta)
                if last_good is None:
                    last_good = _Checkpoint().save(
                        net, optimizer, history, epochs_run, best_theta
                    )
                if callbacks is not None:
                    callbacks.begin()
                try:
                    loss, limit = _run_epoch(
                        net,
                        optimizer,
                        next_batch,
                        order,
                        contiguous,
                        batch_size,
                        history.n_iter + 1,
                        limit,
                        divergence_hint,
                    )
                except DivergenceError as error:
                    if callbacks is not None:
                        callbacks.abandon()
                    if step_cuts == MAX_STEP_CUTS:
                        raise DivergenceError(
                            f"{error} (The step had already been divided by "
                            f"{STEP_CUT**step_cuts:g}.)"
                        ) from None
                    # An unlucky scale or depth should slow training, not
                    # end it; a wild learning rate still fails above.
                    step_cuts += 1
                    diverged_at = history.n_iter + 1
                    epochs_run = last_good.restore(net, optimizer, history, best_theta)
                    optimizer.rate_factor = STEP_CUT**-step_cuts
                    warnings.warn(
                        f"{_stage_prefix()}Training diverged at epoch "
                        f"{diverged_at}; going on from epoch {history.n_iter} "
                        "with the learning rate "
                        f"divided by {STEP_CUT**step_cuts:g}.",
                        UserWarning,
                        stacklevel=2,
                    )
                    continue
                epochs_run += 1
                improved_loss = loss <= history.best_loss
                history.n_iter += 1
                optimizer.flush_subnormals(net.theta)
                history.loss_curve.append(loss)
                message = f"Epoch {history.n_iter}, loss = {loss:.8f}"
                if early_stopping:
                    score = float(validation_score(net))
                    history.validation_scores.append(score)
                    label = getattr(validation_score, "label", "validation score")
                    message += f", {label} = {score:.8f}"
                    improved = score >= history.best_validation_score + tol
                    if score > history.best_validation_score:
                        history.best_validation_score = score
                        best_theta[...] = net.theta
                else:
                    improved = loss <= history.best_loss - tol
                if history.n_iter <= net.warmup_epochs:
                    # the objective itself still changes (a ramped weight):
                    # only losses after this epoch compare with this one
                    history.best_loss = loss
                history.best_loss = min(history.best_loss, loss)
                warming_up = history.n_iter <= max(
                    schedule.warmup_epochs, net.warmup_epochs
                )
                history.no_improvement_count = (
                    0 if improved or warming_up else history.no_improvement_count + 1
                )
                if verbose:
                    elapsed = time.perf_counter() - start
                    print(f"{_stage_prefix()}{message}, {elapsed:.2f}s", flush=True)
                if improved_loss:
                    last_good, epoch_start = epoch_start, last_good
                if callbacks is not None and callbacks.end(net):
                    if verbose:
                        print(
                            f"{_stage_prefix()}A callback stopped training.",
                            flush=True,
                        )
                    converged = True
                    break
                if history.no_improvement_count > n_iter_no_change:
                    what = "Validation score" if early_stopping else "Loss"
                    if not schedule.stalled():
                        history.no_improvement_count = 0
                        if verbose:
                            print(
                                f"{_stage_prefix()}{what} did not improve by "
                                f"tol={tol} for {n_iter_no_change} consecutive "
                                f"epochs. Learning rate lowered to "
                                f"{schedule.rate(0.0):g}.",
                                flush=True,
                            )
                    elif not incremental:
                        if verbose:
                            print(
                                f"{_stage_prefix()}{what} did not improve by "
                                f"tol={tol} for {n_iter_no_change} consecutive "
                                "epochs. Stopping.",
                                flush=True,
                            )
                        converged = True
                        break
            if not converged and not incremental and not schedule.ends_at_max_iter:
                warnings.warn(
                    f"{_stage_prefix()}Stochastic optimizer: maximum iterations "
                    f"({max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=2,
                )
    except KeyboardInterrupt:
        if callbacks is not None:
            callbacks.abandon()
        warnings.warn(
            "Training interrupted by user; keeping the best parameters.", stacklevel=2
        )
        if not early_stopping and not np.isfinite(net.theta).all():
            raise
    if early_stopping:
        net.theta[...] = best_theta
        if verbose:
            best = history.best_validation_score
            scores = history.validation_scores
            epoch = next((i + 1 for i, v in enumerate(scores) if v == best), 0)
            which = f"epoch {epoch}" if epoch else "the start (no epoch beat it)"
            label = getattr(validation_score, "label", "validation score")
            print(
                f"{_stage_prefix()}Early stopping: restored the weights of "
                f"{which}, {label} = {best:.8f}.",
                flush=True,
            )


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
        if verbose:
            print(
                f"{_stage_prefix()}Iteration {len(history.loss_curve)}, "
                f"loss = {intermediate_result.fun:.8f}, "
                f"{time.perf_counter() - start:.2f}s",
                flush=True,
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
        warnings.warn(
            "Training interrupted by user; keeping the last iterate.", stacklevel=2
        )
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
    _check_finite(loss, net.theta, history.n_iter, divergence_hint)
    if result is not None and not result.success and not stopped:
        warnings.warn(
            f"{_stage_prefix()}L-BFGS failed to converge after {result.nit} iterations "
            f"({result.message}). Increase max_iter or scale the data.",
            ConvergenceWarning,
            stacklevel=2,
        )


def run_solver(
    estimator,
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
):
    """Train ``net`` with the solver and hyperparameters an estimator names.

    Reads ``solver``, ``learning_rate``, ``learning_rate_init``, ``momentum``,
    ``nesterovs_momentum``, ``batch_size``, ``max_iter``, ``tol``,
    ``n_iter_no_change``, ``shuffle`` and ``verbose`` from ``estimator``.
    ``validation`` is a callable returning ``(train_indices,
    validation_score)`` for early stopping. L-BFGS needs a deterministic
    objective, so ``corrupt`` is applied once to the whole training set.
    ``labeled`` asks for semi-supervised minibatches (``fit_stochastic``);
    it needs a stochastic solver. ``sample_weight`` (one per row of ``X``,
    in the network's dtype) weights the objective. ``callbacks``
    (``TaskCallbacks``) see each epoch or iteration.

    Returns
    -------
    optimizer : SGDOptimizer, AdamOptimizer or None
        The stochastic optimizer, to continue with ``partial_fit``.
    """
    hint = divergence_hint(estimator.solver, estimator.learning_rate_init)
    if estimator.solver == "lbfgs":
        X_input = X
        if corrupt is not None:
            X_input = np.empty_like(X)
            corrupt(X, X_input, rng)
        fit_lbfgs(
            net,
            X_input,
            X if Y is None else Y,
            max_iter=estimator.max_iter,
            tol=estimator.tol,
            history=history,
            sample_weight=sample_weight,
            callbacks=callbacks,
            verbose=estimator.verbose,
            divergence_hint=hint,
        )
        return None
    if optimizer is None:
        optimizer = make_optimizer(
            estimator.solver,
            net.n_params,
            net.dtype,
            estimator.learning_rate_init,
            estimator.momentum,
            estimator.nesterovs_momentum,
            make_schedule(
                estimator.learning_rate,
                estimator.learning_rate_init,
                estimator.max_iter,
            ),
        )
    train_indices, validation_score = validation() if validation else (None, None)
    fit_stochastic(
        net,
        X,
        Y,
        optimizer=optimizer,
        batch_size=resolve_batch_size(estimator.batch_size, X.shape[0]),
        max_iter=estimator.max_iter,
        tol=estimator.tol,
        n_iter_no_change=estimator.n_iter_no_change,
        shuffle=estimator.shuffle,
        rng=rng,
        history=history,
        train_indices=train_indices,
        validation_score=validation_score,
        corrupt=corrupt,
        labeled=labeled,
        sample_weight=sample_weight,
        callbacks=callbacks,
        verbose=estimator.verbose,
        incremental=incremental,
        divergence_hint=hint,
    )
    return optimizer
