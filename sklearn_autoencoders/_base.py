"""What every network estimator shares, in the spirit of scikit-learn's
``BaseMultilayerPerceptron``.

``NetworkEstimatorMixin`` holds the engine's parameter constraints, the
rules between parameters (``_check_params``, applied first in ``fit`` and
``partial_fit``, before any data is read), one data preparation
(validation, the fitted dtype, sample weights, magnitude, standardisation),
the hand-over of the training settings to the engine (``TrainingConfig``)
and the state ``partial_fit`` continues from. The estimators say only what
differs: their network, its start, and what they commit.

A fit of every network estimator reads as four steps::

    data = self._prepare_data(X, y, sample_weight, ...)  # 1. the data
    run = self._build(data, ...)     # 2. the network and its TrainingRun,
    self._start(run, data, task)     #    its start: random, PCA, pre-trained
    self._train(run, data, ...)      # 3. train (run_solver, the engine)
    self._commit_training(...)       # 4. the fitted attributes

(``AutoencoderTransformer._fit`` and ``StackedPretrainedClassifier._fit``.)
"""

import copy
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from ._activations import HIDDEN_ACTIVATIONS
from ._callbacks import CallbackSupportMixin
from ._optimizers import SOLVERS, STOCHASTIC_SOLVERS
from ._schedules import SCHEDULES
from ._state import PlainStateMixin
from ._training import History, TrainingConfig
from ._validation import (
    accepted_sparse_format,
    as_dtype,
    check_magnitude,
    check_observed,
    check_sample_weight,
    filled,
    generator_from,
    has_missing,
    input_standardization,
    standardized,
)

#: The constraints of the parameters every network estimator hands to the
#: engine (``TrainingConfig``) or shares.
ENGINE_PARAMETER_CONSTRAINTS = {
    "activation": [StrOptions(set(HIDDEN_ACTIVATIONS))],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "solver": [StrOptions(set(SOLVERS))],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "learning_rate": [StrOptions(set(SCHEDULES))],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "momentum": [Interval(Real, 0, 1, closed="both")],
    "nesterovs_momentum": ["boolean"],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
}


@dataclass
class TrainingRun:
    """One training run of a network estimator, from its start to its commit.

    What steps 2 to 4 of a fit hand each other: the network, the training
    state (``partial_fit`` continues it), the pre-trained layers and the
    standardisation the network reads.
    """

    net: object
    rng: object
    history: History
    optimizer: object
    autoencoders: list
    scaling: object


def has_stochastic_solver(estimator):
    """``available_if`` check of ``partial_fit``: one epoch needs minibatches."""
    if not SOLVERS[estimator.solver].stochastic:
        raise AttributeError(
            f"partial_fit is only available for stochastic solvers "
            f"({', '.join(map(repr, STOCHASTIC_SOLVERS))}), not "
            f"solver={estimator.solver!r}."
        )
    return True


@dataclass
class PreparedData:
    """Training rows as the network sees them (``_prepare_data``).

    ``X`` is validated, in the network's dtype and standardised with
    ``scaling`` (``(mean, scale)`` or None); ``sample_weight`` is validated
    in ``X``'s dtype (or None). With missing entries (NaN), ``X`` holds 0
    in their place (the column's mean once standardised: what the masking
    noise writes) and ``targets`` the standardised rows with their NaN,
    for a loss and a score that count observed entries only
    (``MaskedLoss``); ``targets`` is None for complete rows.
    """

    X: object
    y: object
    sample_weight: object
    scaling: object
    targets: object = None

    @property
    def observed(self):
        """The rows to score reconstructions against (NaN: missing)."""
        return self.X if self.targets is None else self.targets


class NetworkEstimatorMixin(CallbackSupportMixin, PlainStateMixin):
    """Shared machinery of the estimators built on the network engine.

    A mixin, listed first: scikit-learn's own mixins (``TransformerMixin``,
    ``ClassifierMixin``) and ``BaseEstimator`` come after it, so the tags
    it sets land on theirs.
    """

    _parameter_constraints: dict = dict(ENGINE_PARAMETER_CONSTRAINTS)

    #: Whether sparse input is taken (in the formats the solver reads); an
    #: estimator whose math needs dense rows sets it to False.
    _accepts_sparse = True

    #: Whether missing entries (NaN) are taken: trained on as masked
    #: inputs with a loss over the observed entries (``PreparedData``).
    _accepts_missing = True

    # -- rules between parameters -----------------------------------------
    def _check_params(self, incremental=False):
        """Refuse an invalid combination of parameters before any work.

        ``_parameter_problems`` lists every rule's complaint; each estimator
        adds its own rules there, so they all fire here, first in ``fit``
        and ``partial_fit``, and never halfway through a training run.
        """
        problems = self._parameter_problems(incremental)
        if problems:
            raise ValueError(" ".join(problems))

    def _parameter_problems(self, incremental):
        """Messages of the rules between parameters that are broken."""
        if incremental and self.early_stopping is True:
            return ["partial_fit does not support early_stopping=True."]
        return []

    # -- the hand-over to the engine --------------------------------------
    @property
    def _stochastic(self):
        """Whether ``solver`` trains by minibatch epochs (``SOLVERS``)."""
        return SOLVERS[self.solver].stochastic

    def _training_parts(self):
        """More ``TrainingPart`` for the epoch loop (none): a subclass's hook."""
        return ()

    def _training_config(self):
        """The settings the engine reads, built once from the parameters."""
        # the instance dict holds the parameters (scikit-learn's __init__
        # stores them as given); cheaper than get_params on small fits
        return TrainingConfig.from_params(vars(self))

    # -- data -------------------------------------------------------------
    def _validate_X(self, X, y=None, *, reset=False, keep_missing=True):
        """Validated ``X`` (and ``y``): dense C-ordered or CSR, fitted dtype.

        After a fit, rows are converted to the dtype of the fitted network
        (a float32 model keeps working in float32). ``keep_missing=False``
        fills missing entries as the fitted network reads them
        (``_missing_fill``), for the methods that only run it forward.
        """
        params = dict(
            reset=reset,
            dtype=[np.float64, np.float32],
            order="C",
            accept_sparse=self._sparse_format(),
            ensure_all_finite="allow-nan" if self._accepts_missing else True,
        )
        if y is None:
            X = validate_data(self, X, **params)
        else:
            X, y = validate_data(self, X, y, **params)
        if not reset and hasattr(self, "coefs_"):
            X = as_dtype(X, self.coefs_[0].dtype)
            if not keep_missing and has_missing(X):
                X = filled(X, self._missing_fill())
        return X if y is None else (X, y)

    def _missing_fill(self):
        """What a missing raw entry enters the fitted network as.

        The fitted network folds the standardisation into its first layer,
        so the column's mean there is 0 once standardised; unstandardised
        networks read 0, as masking noise would have written.
        """
        if getattr(self, "input_mean_", None) is None:
            return 0.0
        return self.input_mean_

    def _standardize_mode(self, X):
        """The standardisation mode for validated rows ``X``: a subclass's hook.

        ``standardize`` itself here; None trains on the raw values whatever
        their scale (no warning either).
        """
        return self.standardize

    def _prepare_data(self, X, y, sample_weight, *, reuse):
        """Step 1 of a fit: validated, weighted, checked and standardised rows.

        ``reuse`` keeps the fitted features, dtype and standardisation (a
        warm start or a later ``partial_fit``); otherwise the mode that
        ``_standardize_mode`` gives decides from the data.
        """
        validated = self._validate_X(X, y, reset=not reuse)
        X, y = validated if y is not None else (validated, None)
        sample_weight = check_sample_weight(sample_weight, X)
        check_magnitude(X)
        if reuse:
            scaling = self._fitted_scaling()
        elif (mode := self._standardize_mode(X)) is None:
            scaling = None
        else:
            scaling = input_standardization(X, mode, sample_weight)
        Z = X if scaling is None else standardized(X, *scaling)
        if not has_missing(Z):
            return PreparedData(Z, y, sample_weight, scaling)
        check_observed(Z)
        return PreparedData(filled(Z), y, sample_weight, scaling, targets=Z)

    def _sparse_format(self):
        """``accept_sparse`` for ``validate_data``: the solver's, or False."""
        return self._accepts_sparse and accepted_sparse_format(self.solver)

    def _fitted_scaling(self):
        """``(input_mean_, input_scale_)`` the fitted weights were folded with."""
        if self.input_mean_ is None:
            return None
        return self.input_mean_, self.input_scale_

    # -- state carried across partial_fit ---------------------------------
    def _training_state(self, resume):
        """``(rng, history, optimizer)``: continued from the last call, or new.

        ``partial_fit`` continues the random stream, the history and the
        optimizer (its moments and schedule) of the call before; copies,
        so a failed call leaves them as they were.
        """
        if resume:
            return (
                copy.deepcopy(self._rng),
                self._history.copy(),
                copy.deepcopy(self._optimizer),
            )
        return generator_from(self.random_state), History(), None

    def _commit_training(self, state, optimizer, rng):
        """Step 4: the fitted attributes, and what ``partial_fit`` continues."""
        vars(self).update(state)
        self._optimizer, self._rng = optimizer, rng

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.sparse = self._sparse_format() is not False
        tags.input_tags.allow_nan = self._accepts_missing
        return tags
