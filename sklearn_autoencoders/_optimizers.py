"""First-order optimizers updating one flat parameter vector in place.

Both optimizers consume the gradient buffer as scratch space, so an update
allocates nothing and makes a handful of passes over the parameters. All
scalars are Python floats: a NumPy float64 scalar inside an in-place float32
operation would silently run it in float64.

Each optimizer carries its learning-rate ``schedule`` (``_schedules``); the
training loop sets ``learning_rate`` from it before every step, and
``partial_fit`` continues both together.
"""

import math
from dataclasses import dataclass

import numpy as np

from ._schedules import ConstantSchedule


def flush_subnormals(*arrays):
    """Set entries that are subnormal, or soon will be, to zero, in place.

    Weight decay drives the weights of unused units towards zero
    geometrically; once they are subnormal, every product that touches them
    runs an order of magnitude slower on x86 (measured: a 784-256-30
    autoencoder with alpha=10 went from 0.06 to 0.4 s per epoch after 100
    epochs, with 11% of its weights subnormal). Called once per epoch: a few
    passes over the parameters, nothing in the minibatch loop. The threshold
    ``tiny / eps`` (1e-31 in float32) leaves a decaying weight no room to
    turn subnormal within an epoch, and is far below any value that could
    change a sum of normal floats.
    """
    for array in arrays:
        info = np.finfo(array.dtype)
        np.putmask(array, np.abs(array) < info.tiny / info.eps, 0)


class SGDOptimizer:
    """Stochastic gradient descent with (Nesterov) momentum.

    Parameters
    ----------
    n_params : int
    dtype : numpy dtype
    learning_rate : float
    momentum : float, default=0.9
    nesterov : bool, default=True
    schedule : schedule from ``_schedules``, default=None
        Constant ``learning_rate`` by default.
    """

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate,
        momentum=0.9,
        nesterov=True,
        schedule=None,
    ):
        self.learning_rate = float(learning_rate)
        self.schedule = schedule or ConstantSchedule(learning_rate)
        self.rate_factor = 1.0  # lowered by the training loop after divergence
        self.momentum = float(momentum)
        self.nesterov = nesterov
        self.velocity = np.zeros(n_params, dtype=dtype)

    #: What a training checkpoint copies (``_training_parts.Checkpoint``):
    #: the arrays, and the scalars that change as training goes (the
    #: schedule holds the adaptive rate). An attribute not named here is
    #: not rolled back after a divergence.
    state_arrays = ("velocity",)
    state_scalars = ("learning_rate", "rate_factor", "schedule")

    def flush_subnormals(self, theta):
        """Zero the subnormal entries of ``theta`` and of the velocity."""
        flush_subnormals(theta, self.velocity)

    def update(self, theta, grad):
        """``v = mu v - lr g``; ``theta += v`` (Nesterov: ``mu v - lr g``)."""
        grad *= self.learning_rate
        self.velocity *= self.momentum
        self.velocity -= grad
        if self.nesterov:
            theta -= grad
            np.multiply(self.velocity, self.momentum, out=grad)
            theta += grad
        else:
            theta += self.velocity


class AdamOptimizer:
    """Adam (Kingma & Ba, 2014) with as few passes as possible.

    The moments are stored rescaled, ``M = m / (1 - beta_1)`` and
    ``V = v / (1 - beta_2)``, which turns their updates into ``M = beta_1 M + g``
    and ``V = beta_2 V + g^2`` and moves the constants into one scalar of the
    step: ten elementwise passes per update instead of about fifteen.

    Parameters
    ----------
    n_params : int
    dtype : numpy dtype
    learning_rate : float
    beta_1, beta_2 : float, default=0.9, 0.999
    epsilon : float, default=1e-8
    schedule : schedule from ``_schedules``, default=None
        Constant ``learning_rate`` by default.
    """

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        schedule=None,
    ):
        self.learning_rate = float(learning_rate)
        self.schedule = schedule or ConstantSchedule(learning_rate)
        self.rate_factor = 1.0  # lowered by the training loop after divergence
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.t = 0
        self.M = np.zeros(n_params, dtype=dtype)
        self.V = np.zeros(n_params, dtype=dtype)

    #: What a training checkpoint copies (see ``SGDOptimizer``).
    state_arrays = ("M", "V")
    state_scalars = ("t", "learning_rate", "rate_factor", "schedule")

    def flush_subnormals(self, theta):
        """Zero the subnormal entries of ``theta`` and of both moments."""
        flush_subnormals(theta, self.M, self.V)

    def update(self, theta, grad):
        """One Adam step: ``theta -= lr_t m / (sqrt(v) + eps)``."""
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        lr_t = self.learning_rate * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        scale = lr_t * (1 - b1) / math.sqrt(1 - b2)
        self.M *= b1
        self.M += grad
        np.multiply(grad, grad, out=grad)
        self.V *= b2
        self.V += grad
        np.sqrt(self.V, out=grad)
        grad += self.epsilon / math.sqrt(1 - b2)
        np.divide(self.M, grad, out=grad)
        grad *= scale
        theta -= grad


def _make_adam(n_params, dtype, learning_rate, momentum, nesterov, schedule):
    return AdamOptimizer(n_params, dtype, learning_rate, schedule=schedule)


def _make_sgd(n_params, dtype, learning_rate, momentum, nesterov, schedule):
    return SGDOptimizer(
        n_params, dtype, learning_rate, momentum, nesterov, schedule=schedule
    )


@dataclass(frozen=True)
class Solver:
    """What the engine and the estimators need to know of a solver.

    Attributes
    ----------
    name : str
        The ``solver`` parameter's value.
    stochastic : bool
        Minibatch epochs (``fit_stochastic``): ``partial_fit``, early
        stopping, sparse input read batch by batch and fresh noise per
        batch. Otherwise a full-batch solver (``fit_lbfgs``).
    make_optimizer : callable or None
        ``(n_params, dtype, learning_rate, momentum, nesterov, schedule)``
        -> optimizer, for a stochastic solver.
    advice : str
        The other remedy a divergence error of a stochastic solver names.
    """

    name: str
    stochastic: bool
    make_optimizer: object = None
    advice: str = ""

    def divergence_hint(self, learning_rate_init):
        """What to tell the user when training with this solver diverges."""
        if not self.stochastic:
            return "Scale the inputs (for example with StandardScaler) or raise alpha."
        return (
            f"The learning rate (learning_rate_init={learning_rate_init}) is "
            f"probably too large for solver='{self.name}': lower it or scale the "
            f"inputs (for example with StandardScaler){self.advice}."
        )


#: The solvers by name: the one place that says what each one is.
SOLVERS = {
    "adam": Solver("adam", True, _make_adam),
    "sgd": Solver("sgd", True, _make_sgd, ", or use solver='adam'"),
    "lbfgs": Solver("lbfgs", False),
}

#: Names of the solvers that train by minibatch epochs.
STOCHASTIC_SOLVERS = tuple(name for name, s in SOLVERS.items() if s.stochastic)


def keep_leading_parameters(optimizer, n_params):
    """Restrict an optimizer's state to the first ``n_params`` parameters.

    A network trained together with a helper network (a classifier and its
    decoder, one flat vector with the classifier first) goes on alone with
    the same optimizer: the helper's moments are dropped.
    """
    for name, value in vars(optimizer).items():
        if isinstance(value, np.ndarray) and value.shape[0] > n_params:
            setattr(optimizer, name, value[:n_params].copy())
    return optimizer
