"""Learning-rate schedules of the stochastic solvers.

A schedule is a small object the training loop asks for the step size
before every minibatch (``rate(progress)``, one Python float: it costs a
scalar per step) and tells when the loss has stalled (``stalled()``). The
optimizer keeps the schedule, so ``partial_fit`` continues it where the last
call stopped.

``progress`` counts epochs: ``epoch + (batch + 1) / n_batches`` with epochs
numbered from 0, so the rate can change within an epoch and a schedule
defined over ``max_iter`` epochs ends exactly at the last step of the last
epoch.

* ``'constant'``: ``learning_rate_init`` throughout.
* ``'adaptive'`` (as in scikit-learn's MLP): constant while the loss (or
  the validation score, with early stopping) keeps improving; each time
  ``n_iter_no_change`` epochs fail to improve it by ``tol``, the rate is
  divided by 5; a plateau at a rate of 1e-6 or less ends training.
* ``'cosine'``: a linear warm-up over the first ``WARMUP_FRACTION`` of the
  ``max_iter`` epochs, then a cosine decay from ``learning_rate_init`` to
  ``FINAL_FACTOR * learning_rate_init`` at epoch ``max_iter`` (Loshchilov &
  Hutter, 2017; Goyal et al., 2017). The warm-up keeps Adam's first,
  poorly estimated steps small; the decay lets the last epochs settle into a
  minimum instead of bouncing around it at the full step size.
"""

import math

#: Share of the ``max_iter`` epochs spent warming up (``'cosine'``).
WARMUP_FRACTION = 0.05

#: ``'cosine'`` ends at this fraction of ``learning_rate_init``.
FINAL_FACTOR = 0.01

#: ``'adaptive'`` divides the rate by this on a plateau...
ADAPTIVE_DIVISOR = 5.0

#: ... and a plateau at or below this rate ends training, as in scikit-learn.
ADAPTIVE_MIN_RATE = 1e-6

SCHEDULES = ("constant", "adaptive", "cosine")


class ConstantSchedule:
    """``learning_rate_init`` at every step; a plateau ends training."""

    #: A schedule planned over ``max_iter`` epochs has done its job when
    #: they run out: no ``ConvergenceWarning`` then.
    ends_at_max_iter = False

    #: Epochs during which a plateau does not count: the loss of a network
    #: whose step size is still rising says little about where it will end.
    warmup_epochs = 0

    def __init__(self, learning_rate_init):
        self.learning_rate_init = float(learning_rate_init)

    def rate(self, progress):
        return self.learning_rate_init

    def stalled(self):
        """Called when the loss stopped improving; True means stop."""
        return True


class AdaptiveSchedule(ConstantSchedule):
    """Divide the rate by 5 on each plateau; stop on one at 1e-6 or less."""

    def __init__(self, learning_rate_init):
        super().__init__(learning_rate_init)
        self.current = self.learning_rate_init

    def rate(self, progress):
        return self.current

    def stalled(self):
        if self.current <= ADAPTIVE_MIN_RATE:
            return True
        self.current /= ADAPTIVE_DIVISOR
        return False


class CosineSchedule(ConstantSchedule):
    """Linear warm-up, then cosine decay over ``max_iter`` epochs.

    Parameters
    ----------
    learning_rate_init : float
        Peak rate, reached at the end of the warm-up.
    max_iter : int
        Epochs over which the schedule runs; past them the rate stays at
        ``FINAL_FACTOR * learning_rate_init``.
    """

    ends_at_max_iter = True

    def __init__(self, learning_rate_init, max_iter):
        super().__init__(learning_rate_init)
        self.max_iter = int(max_iter)
        self.warmup_epochs = WARMUP_FRACTION * self.max_iter

    def rate(self, progress):
        return self.learning_rate_init * cosine_factor(progress, self.max_iter)


def cosine_factor(progress, max_iter):
    """Fraction of the peak rate after ``progress`` of ``max_iter`` epochs."""
    fraction = min(progress / max_iter, 1.0)
    if fraction < WARMUP_FRACTION:
        return fraction / WARMUP_FRACTION
    decay = (fraction - WARMUP_FRACTION) / (1.0 - WARMUP_FRACTION)
    return FINAL_FACTOR + (1.0 - FINAL_FACTOR) * 0.5 * (1.0 + math.cos(math.pi * decay))


def make_schedule(learning_rate, learning_rate_init, max_iter):
    """The schedule an estimator's ``learning_rate`` parameter names."""
    if learning_rate == "adaptive":
        return AdaptiveSchedule(learning_rate_init)
    if learning_rate == "cosine":
        return CosineSchedule(learning_rate_init, max_iter)
    return ConstantSchedule(learning_rate_init)
