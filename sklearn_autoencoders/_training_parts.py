"""The parts the epoch loop tells what happened: stopping, guarding, logging.

``_training.fit_stochastic`` draws each epoch's order and runs its batches;
everything else a training run does around that is one of the small objects
below, each with the same interface (``TrainingPart``) and tests of its own:

=====================  ====================================================
``ValidationStopping``  early stopping on held-out rows, best weights kept
``LossImprovement``     the improvement rule without held-out rows
``DivergenceGuard``     checkpoints; rolls a diverged epoch back, cuts the step
``Interruption``        ``KeyboardInterrupt`` keeps the best parameters
``VerboseLog``          the epoch lines of ``verbose``
``CallbacksBridge``     scikit-learn's callbacks: an epoch is a task
``PlateauRule``         a plateau lowers the rate or stops; the max_iter warning
=====================  ====================================================

The loop (``EpochLoop``) calls ``on_train_begin``, ``on_epoch_begin`` and
``on_epoch_end`` on its parts in their order, and the unwinding hooks
(``on_divergence``, ``on_interrupt``, ``on_train_end``) in reverse order, as
context managers unwind: a part set up later is torn down first. A part
whose ``on_epoch_end`` returns True stops training; the parts after it are
not told about that epoch.

A part reads and writes the loop's state through the ``EpochLoop`` it is
given (``loop.net``, ``loop.optimizer``, ``loop.history``, ``loop.loss``,
...), never an estimator. Adding a stopping rule is writing one such class
and passing it in ``parts`` (``CONTRIBUTING.md``).
"""

import contextlib
import contextvars
import copy
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning

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


def stage_prefix():
    """``"stage: "`` for the current training stage, or ``""``."""
    label = _STAGE.get()
    return f"{label}: " if label else ""


def log(verbose, message):
    """Print one verbose line of the current stage (no-op when not verbose)."""
    if verbose:
        print(f"{stage_prefix()}{message}", flush=True)


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
    #: A callback or Ctrl-C ended the last training, not the training rules.
    stopped_by_user: bool = False

    def copy(self):
        return History(
            list(self.loss_curve),
            None if self.validation_scores is None else list(self.validation_scores),
            self.best_loss,
            self.best_validation_score,
            self.no_improvement_count,
            self.n_iter,
            self.stopped_by_user,
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


def check_finite(loss, theta, epoch, hint, limit=np.inf):
    """Raise ``DivergenceError`` on a non-finite or runaway loss or ``theta``."""
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


class TrainingPart:
    """One concern of a training run, told what the epoch loop does.

    Every hook is a no-op here; a part overrides the ones it needs. The
    loop passes itself (``EpochLoop``): its attributes are the run's state.
    """

    def on_train_begin(self, loop):
        """Before the first epoch of this call."""

    def on_epoch_begin(self, loop):
        """Before an epoch's batches (its order is drawn already)."""

    def on_epoch_end(self, loop):
        """After an epoch was recorded in ``loop.history``; True stops training."""
        return False

    def on_divergence(self, loop, error):
        """An epoch diverged (``DivergenceError``); raise to give up."""

    def on_interrupt(self, loop):
        """``KeyboardInterrupt`` during training; raise to give up."""

    def on_train_end(self, loop):
        """After the last epoch (also after an interruption)."""

    def checkpointed_arrays(self):
        """``{name: array}`` that a rollback must restore with the parameters."""
        return {}


class LossImprovement(TrainingPart):
    """Without held-out rows, an epoch improves when its loss drops by ``tol``."""

    restores_best = False
    what = "Loss"

    def __init__(self, tol):
        self.tol = tol

    def improved(self, loop):
        return loop.loss <= loop.history.best_loss - self.tol


def kept_epoch(history):
    """The epoch whose parameters training kept; 0 is the start.

    With early stopping, the first epoch that reached the best validation
    score (0: none beat the start, a PCA or pre-trained network kept as it
    was); without, the last one.
    """
    if history.validation_scores is None:
        return history.n_iter
    best, scores = history.best_validation_score, history.validation_scores
    return next((i + 1 for i, v in enumerate(scores) if v == best), 0)


class ValidationStopping(TrainingPart):
    """Early stopping: follow a held-out score, keep the best parameters.

    ``validation_score(net) -> float`` (higher is better; its ``label``
    attribute names it in verbose lines) is measured at the start too: a
    network that starts as PCA or pre-trained is kept if no epoch beats it.
    An epoch improves when it beats the best score by ``tol``; the best
    parameters are restored when training ends.
    """

    restores_best = True
    what = "Validation score"

    def __init__(self, validation_score, tol):
        self.validation_score, self.tol = validation_score, tol
        self.label = getattr(validation_score, "label", "validation score")

    def on_train_begin(self, loop):
        self.best_theta = loop.net.theta.copy()
        history = loop.history
        if history.validation_scores is None:
            history.validation_scores = []
            history.best_validation_score = float(self.validation_score(loop.net))

    def improved(self, loop):
        history = loop.history
        score = float(self.validation_score(loop.net))
        history.validation_scores.append(score)
        loop.message += f", {self.label} = {score:.8f}"
        improved = score >= history.best_validation_score + self.tol
        if score > history.best_validation_score:
            history.best_validation_score = score
            self.best_theta[...] = loop.net.theta
        return improved

    def checkpointed_arrays(self):
        return {"best_theta": self.best_theta}

    def on_train_end(self, loop):
        loop.net.theta[...] = self.best_theta
        best = loop.history.best_validation_score
        epoch = kept_epoch(loop.history)
        which = f"epoch {epoch}" if epoch else "the start (no epoch beat it)"
        log(
            loop.verbose,
            f"Early stopping: restored the weights of {which}, "
            f"{self.label} = {best:.8f}.",
        )


class Checkpoint:
    """A state training can go back to: parameters, optimizer, history.

    It copies the arrays the optimizer declares (``state_arrays``) and the
    parts' ``checkpointed_arrays``, and deep-copies the optimizer's declared
    ``state_scalars`` (its schedule among them): nothing else, so a new
    optimizer attribute is checkpointed only when declared. Arrays are
    allocated on the first ``save`` and overwritten by later ones, so
    checkpointing every epoch allocates nothing in steady state.
    """

    def __init__(self):
        self.arrays = None

    @staticmethod
    def _live(loop):
        optimizer = loop.optimizer
        live = {"theta": loop.net.theta}
        live.update((name, getattr(optimizer, name)) for name in optimizer.state_arrays)
        for part in loop.parts:
            live.update(part.checkpointed_arrays())
        return live

    def save(self, loop):
        live = self._live(loop)
        if self.arrays is None:
            self.arrays = {k: np.empty_like(v) for k, v in live.items()}
        for name, array in live.items():
            np.copyto(self.arrays[name], array)
        optimizer = loop.optimizer
        self.scalars = {
            name: copy.deepcopy(getattr(optimizer, name))
            for name in optimizer.state_scalars
        }
        self.history = loop.history.copy()
        self.epochs_run = loop.epochs_run
        return self

    def restore(self, loop):
        """Put the saved state back in place, the epoch count included."""
        for name, target in self._live(loop).items():
            np.copyto(target, self.arrays[name])
        for name, value in self.scalars.items():
            setattr(loop.optimizer, name, copy.deepcopy(value))
        vars(loop.history).update(vars(self.history.copy()))
        loop.epochs_run = self.epochs_run


class DivergenceGuard(TrainingPart):
    """Roll a diverged epoch back and go on with a smaller step.

    Two checkpoints swap roles: the start of this epoch, and the start of
    the epoch with the lowest loss so far (an epoch's loss is measured
    along it, from its start: the start of the best epoch is the state to
    come back to). A diverged epoch goes back there with the learning rate
    divided by ``STEP_CUT``, at most ``MAX_STEP_CUTS`` times per run: an
    unlucky scale or depth should slow training, not end it, while a wild
    learning rate still fails.
    """

    def __init__(self):
        self.epoch_start, self.last_good = Checkpoint(), None
        self.step_cuts = 0

    def on_epoch_begin(self, loop):
        self.epoch_start.save(loop)
        if self.last_good is None:
            self.last_good = Checkpoint().save(loop)

    def on_epoch_end(self, loop):
        if loop.improved_loss:
            self.last_good, self.epoch_start = self.epoch_start, self.last_good
        return False

    def on_divergence(self, loop, error):
        if self.step_cuts == MAX_STEP_CUTS:
            raise DivergenceError(
                f"{error} (The step had already been divided by "
                f"{STEP_CUT**self.step_cuts:g}.)"
            ) from None
        self.step_cuts += 1
        diverged_at = loop.history.n_iter + 1
        self.last_good.restore(loop)
        loop.optimizer.rate_factor = STEP_CUT**-self.step_cuts
        warnings.warn(
            f"{stage_prefix()}Training diverged at epoch {diverged_at}; going on "
            f"from epoch {loop.history.n_iter} with the learning rate divided by "
            f"{STEP_CUT**self.step_cuts:g}.",
            UserWarning,
            stacklevel=loop.stacklevel,
        )


class Interruption(TrainingPart):
    """Ctrl-C ends training with the best parameters, unless they are lost.

    Without early stopping the current parameters are kept, so an
    interruption in the middle of a diverging step re-raises.
    """

    def on_interrupt(self, loop):
        loop.history.stopped_by_user = True
        warnings.warn(
            "Training interrupted by user; keeping the best parameters.",
            stacklevel=loop.stacklevel,
        )
        if not loop.monitor.restores_best and not np.isfinite(loop.net.theta).all():
            raise  # the KeyboardInterrupt being handled


class VerboseLog(TrainingPart):
    """The line ``verbose`` prints after each epoch, with the elapsed time."""

    def on_train_begin(self, loop):
        self.start = time.perf_counter()

    def on_epoch_end(self, loop):
        elapsed = time.perf_counter() - self.start
        log(loop.verbose, f"{loop.message}, {elapsed:.2f}s")
        return False


class CallbacksBridge(TrainingPart):
    """scikit-learn's callbacks (``_callbacks.TaskCallbacks``): an epoch is a task.

    A callback whose ``on_fit_task_end`` returns True stops training
    without a convergence warning; a diverged or interrupted epoch's task
    is closed without asking.
    """

    def __init__(self, callbacks):
        self.callbacks = callbacks

    def on_epoch_begin(self, loop):
        self.callbacks.begin()

    def on_epoch_end(self, loop):
        if self.callbacks.end(loop.net):
            log(loop.verbose, "A callback stopped training.")
            loop.converged = loop.history.stopped_by_user = True
            return True
        return False

    def on_divergence(self, loop, error):
        self.callbacks.abandon()

    def on_interrupt(self, loop):
        self.callbacks.abandon()


class PlateauRule(TrainingPart):
    """What ``n_iter_no_change`` epochs without improvement do.

    The schedule decides (``stalled``): lower the rate and go on
    (``'adaptive'``), or stop. Epochs of a warm-up (the schedule's or the
    objective's own, ``net.warmup_epochs``) never count. A run that ends at
    ``max_iter`` without stopping warns, unless the schedule plans for
    exactly ``max_iter`` epochs or the run is one ``partial_fit`` epoch.
    """

    def __init__(self, tol, n_iter_no_change, max_iter, incremental):
        self.tol, self.n_iter_no_change = tol, n_iter_no_change
        self.max_iter, self.incremental = max_iter, incremental

    def on_epoch_end(self, loop):
        history, schedule = loop.history, loop.optimizer.schedule
        warmup = max(schedule.warmup_epochs, loop.net.warmup_epochs)
        if loop.improved or history.n_iter <= warmup:
            history.no_improvement_count = 0
        else:
            history.no_improvement_count += 1
        if history.no_improvement_count <= self.n_iter_no_change:
            return False
        plateau = (
            f"{loop.monitor.what} did not improve by tol={self.tol} for "
            f"{self.n_iter_no_change} consecutive epochs."
        )
        if not schedule.stalled():
            history.no_improvement_count = 0
            lowered = f"Learning rate lowered to {schedule.rate(0.0):g}."
            log(loop.verbose, f"{plateau} {lowered}")
            return False
        if self.incremental:
            return False
        log(loop.verbose, f"{plateau} Stopping.")
        loop.converged = True
        return True

    def on_train_end(self, loop):
        done = loop.converged or loop.interrupted or self.incremental
        if not done and not loop.optimizer.schedule.ends_at_max_iter:
            warnings.warn(
                f"{stage_prefix()}Stochastic optimizer: maximum iterations "
                f"({self.max_iter}) reached and the optimization hasn't converged "
                "yet.",
                ConvergenceWarning,
                stacklevel=loop.stacklevel,
            )
