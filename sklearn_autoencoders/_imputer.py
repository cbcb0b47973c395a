"""``AutoencoderImputer``: missing entries filled in by a denoising autoencoder.

A denoising autoencoder with masking noise is a model trained to fill in
missing entries: it sees a row with some entries hidden and is scored on
reproducing them. The imputer trains one on the rows as they come,
incomplete, with the masking noise drawn *on top of* the true missing
pattern, and a loss over the observed entries only (``MaskedLoss``):
an entry nobody measured is never a target.

Conventions (as in ``_network``): rows are samples; a row ``x`` with
observed entries ``o`` (1 where measured) is standardised on the observed
entries of each column, ``z = (x - mean) / scale``, its missing entries
set to 0 (the column's mean). The network reads ``[z * k, o * k]``, the
values and the *indicator* of what it can see (``k`` the entries the
masking noise keeps, all ones outside training), and outputs ``z_hat``;
the loss is ``(1 / 2n) sum_n sum_j o_nj (z_hat_nj - z_nj)^2``. The
indicator tells the network a hidden entry from an observed one that
happens to equal the mean: on breast cancer it lowered the RMSE on missing
cells from 0.47 to 0.40 standard deviations (user guide, "Missing
values"). ``transform`` returns ``x`` where observed and
``mean + scale * z_hat`` where missing.
"""

import functools
import warnings
from dataclasses import replace
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.impute import MissingIndicator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from ._base import ENGINE_PARAMETER_CONSTRAINTS, NetworkEstimatorMixin
from ._callbacks import end_root_task, epoch_callbacks, root_task
from ._losses import HiddenEntryLoss
from ._network import Network, forward, row_chunks
from ._training import (
    History,
    TrainingConfig,
    fitted_history_attributes,
    run_solver,
)
from ._validation import (
    check_layer_sizes,
    check_magnitude,
    check_observed,
    check_sample_weight,
    column_bounds,
    column_statistics,
    generator_from,
    held_out_weights,
    input_standardization,
    resolve_batch_size,
    restore_on_error,
    rows_that_count,
    validation_split,
)

#: ``max_iter='auto'`` trains for about this many minibatch updates
#: (between ``AUTO_EPOCHS`` epochs). The small tables reach the 400-epoch
#: cap first (breast cancer, wine and diabetes stopped improving around
#: 5 000 updates of 32 rows, diabetes got worse beyond); digits and MNIST,
#: standardised, kept improving to 10 000 (validation splits with 30%
#: missing: digits 2.53 against 2.68, MNIST 0.144 against 0.149; user
#: guide, "Missing values").
AUTO_UPDATES = 10000
AUTO_EPOCHS = (20, 400)

#: Seed of the entries hidden in the held-out rows for early stopping: the
#: same entries at every epoch, so the scores compare.
VALIDATION_MASK_SEED = 20261207


class IndicatorMasking:
    """Masking noise on ``[values, indicator]`` rows (``corrupt`` of the engine).

    Each entry is hidden with probability ``level``: its value and its
    indicator are set to 0, so the network sees it as missing. Entries
    missing already stay missing. Draws are in the data's dtype, into
    buffers kept from one batch to the next.
    """

    def __init__(self, level, n_features):
        self.level = float(level)
        self.n_features = n_features
        self._uniform = self._mask = None
        self.hidden = None  # the last batch's hidden entries

    def __call__(self, clean, out, rng):
        np.copyto(out, clean)
        d = self.n_features
        shape = (out.shape[0], d)
        if self._uniform is None or self._uniform.shape[0] < shape[0]:
            self._uniform = np.empty(shape, dtype=out.dtype)
            self._mask = np.zeros(shape, dtype=bool)
        self.hidden = hidden = self._mask[: shape[0]]
        if self.level == 0:
            hidden[...] = False
            return out
        uniform = self._uniform[: shape[0]]
        rng.random(dtype=out.dtype, out=uniform)
        np.less(uniform, self.level, out=hidden)
        np.copyto(out[:, :d], 0, where=hidden)
        np.copyto(out[:, d:], 0, where=hidden)
        return out


def network_input(Z, observed):
    """``[z, o]``: standardised values (0 where missing) beside the indicator."""
    return np.hstack(
        [np.where(observed, Z, 0).astype(Z.dtype), observed.astype(Z.dtype)]
    )


class AutoencoderImputer(NetworkEstimatorMixin, TransformerMixin, BaseEstimator):
    """Imputation of missing values by a denoising autoencoder.

    A network is trained to reconstruct each row from a copy with a
    fraction ``noise_level`` of its entries hidden, on top of those that
    are missing already; its loss counts observed entries only, so it
    learns from incomplete rows as they come. It reads the row's values
    and which of them it can see (a missing-value indicator), and
    ``transform`` fills each missing entry with its prediction, leaving
    the observed ones unchanged. Columns are standardised internally on
    their observed entries, so raw measurements can be passed as they are.

    It follows the conventions of :mod:`sklearn.impute`: ``missing_values``,
    ``add_indicator``, ``keep_empty_features``, and it works in a
    ``Pipeline``, a ``ColumnTransformer`` and ``GridSearchCV``. See the
    user guide's "Missing values" section for when to impute first and
    when to train an autoencoder on the incomplete rows directly, and for
    the benchmark behind the defaults.

    Parameters
    ----------
    missing_values : int, float or None, default=np.nan
        The placeholder of a missing entry; every entry equal to it (or
        NaN, for ``np.nan``) is imputed.
    hidden_layer_sizes : array-like of int, default=(256, 256)
        Units of the hidden layers, between the ``2 * n_features`` inputs
        (values and indicator) and the ``n_features`` outputs.
    activation : {'relu', 'tanh', 'logistic', 'identity'}, default='relu'
        Activation of the hidden layers.
    noise_level : float, default=0.25
        Fraction of the entries hidden in each training row, on top of the
        missing ones. Must be in [0, 1).
    visible_weight : float, default=1.0
        Weight in the loss of an observed entry the network could see,
        against 1 for one the noise hid from it. Must be in (0, 1].
    alpha : float, default=0.01
        Strength of the L2 penalty on the weights (divided by the batch
        size, as in scikit-learn's MLP).
    add_indicator : bool, default=False
        If True, ``transform`` appends a :class:`~sklearn.impute.MissingIndicator`
        of the features that had missing entries during ``fit``.
    standardize : bool, default=True
        Train on features standardised on their observed entries, images
        in [0, 1] included: a masked or missing entry then enters as its
        column's mean rather than as 0, the ink-free pixel (MNIST with 30%
        missing: 0.149 against 0.166 raw on a validation split), and tables
        already small in magnitude (diabetes as shipped, every std 0.048:
        0.68 against 0.745 raw).
    keep_empty_features : bool, default=False
        If True, features with no observed entry at ``fit`` are kept and
        filled with 0; if False they are dropped, with a warning naming
        them.
    solver : {'adam', 'sgd', 'lbfgs'}, default='adam'
        The optimizer. ``'lbfgs'`` trains on one fixed draw of the noise.
    batch_size : int or 'auto', default=32
        Rows per minibatch (``'auto'``: ``min(200, n_samples)``).
    learning_rate : {'cosine', 'constant', 'adaptive'}, default='cosine'
        Learning-rate schedule; ``'cosine'`` decays to a small rate over
        ``max_iter`` epochs, which settles the weights where a constant
        rate leaves them jittering with the noise.
    learning_rate_init : float, default=1e-3
        Peak step size.
    max_iter : int or 'auto', default='auto'
        Epochs (``'lbfgs'``: iterations). ``'auto'``: about
        ``AUTO_UPDATES`` (10 000) minibatch updates, within 20 to 400
        epochs.
    tol : float, default=0.0
        Minimum improvement of the training loss (or validation score)
        that resets ``n_iter_no_change``.
    early_stopping : bool, default=False
        Stop when the error on entries hidden in held-out rows stops
        improving, and keep the best epoch. Off by default: on the tables
        measured it stopped too soon (breast cancer: 0.47 against 0.44
        standard deviations with the full schedule).
    validation_fraction : float, default=0.1
        Fraction of the rows held out for early stopping.
    n_iter_no_change : int, default=50
        Epochs without an improvement of ``tol`` that end training.
    shuffle : bool, default=True
        Whether to shuffle the rows at each epoch.
    momentum : float, default=0.9
        Momentum of ``solver='sgd'``.
    nesterovs_momentum : bool, default=True
        Whether ``solver='sgd'`` uses Nesterov's momentum.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the minibatches and the noise.
    verbose : bool, default=False
        Print the loss after each epoch.

    Attributes
    ----------
    statistics_ : ndarray of shape (n_features,)
        Mean of each feature's observed entries at ``fit`` (NaN for a
        feature with none).
    input_mean_, input_scale_ : ndarray of shape (n_features,)
        The standardisation of the network's inputs and outputs.
    data_min_, data_max_ : ndarray of shape (n_features,)
        Range of each feature's observed entries at ``fit`` (NaN for a
        feature with none; rows of weight 0 left out). ``transform`` feeds
        the network observed entries clipped to it, so a value beyond the
        training range does not throw off the rest of its row; the values
        returned are unchanged.
    coefs_, intercepts_ : list of ndarray
        The network's weights and biases (first layer: values, then
        indicator), in the standardised space.
    indicator_ : MissingIndicator or None
        The indicator ``add_indicator`` appends.
    n_iter_ : int
        Epochs (or iterations) run.
    loss_ : float
    loss_curve_ : list of float
    best_loss_ : float or None
    validation_scores_ : list of float or None
        With early stopping, minus the mean squared error (standardised
        units) on the held-out rows' hidden entries, per epoch.
    best_validation_score_ : float or None
    best_epoch_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features,)
        Defined only when ``X`` has feature names that are all strings.

    See Also
    --------
    sklearn.impute.IterativeImputer : Round-robin regression of each
        feature on the others.
    sklearn.impute.KNNImputer : The mean of the nearest rows.
    DenoisingAutoencoder : Trains on incomplete rows too, for features.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_wine
    >>> from sklearn_autoencoders import AutoencoderImputer
    >>> X = load_wine().data
    >>> rng = np.random.default_rng(0)
    >>> X_missing = np.where(rng.random(X.shape) < 0.2, np.nan, X)
    >>> imputer = AutoencoderImputer(max_iter=50, random_state=0)
    >>> X_filled = imputer.fit_transform(X_missing)
    >>> bool(np.isnan(X_filled).any())
    False
    >>> observed = ~np.isnan(X_missing)
    >>> bool(np.array_equal(X_filled[observed], X_missing[observed]))
    True
    """

    _parameter_constraints: dict = {
        **{k: v for k, v in ENGINE_PARAMETER_CONSTRAINTS.items() if k != "warm_start"},
        "missing_values": [Real, None],
        "hidden_layer_sizes": ["array-like"],
        "noise_level": [Interval(Real, 0, 1, closed="left")],
        "visible_weight": [Interval(Real, 0, 1, closed="right")],
        "add_indicator": ["boolean"],
        "keep_empty_features": ["boolean"],
        "standardize": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
    }

    _accepts_sparse = False

    def __init__(
        self,
        *,
        missing_values=np.nan,
        hidden_layer_sizes=(256, 256),
        activation="relu",
        noise_level=0.25,
        visible_weight=1.0,
        alpha=0.01,
        add_indicator=False,
        keep_empty_features=False,
        standardize=True,
        solver="adam",
        batch_size=32,
        learning_rate="cosine",
        learning_rate_init=1e-3,
        max_iter="auto",
        tol=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=50,
        shuffle=True,
        momentum=0.9,
        nesterovs_momentum=True,
        random_state=None,
        verbose=False,
    ):
        self.missing_values = missing_values
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.noise_level = noise_level
        self.visible_weight = visible_weight
        self.alpha = alpha
        self.add_indicator = add_indicator
        self.keep_empty_features = keep_empty_features
        self.standardize = standardize
        self.solver = solver
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.shuffle = shuffle
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.random_state = random_state
        self.verbose = verbose

    # -- public API -----------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    @restore_on_error
    def fit(self, X, y=None, sample_weight=None):
        """Train the network on the incomplete rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows, with their missing entries.
        y : None
            Ignored; present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows: the loss, the standardisation and the
            early-stopping score become weighted means (a weight of 2
            counts a row as twice, 0 ignores it).

        Returns
        -------
        self : object
            The fitted imputer.
        """
        self._check_params()
        check_layer_sizes(self.hidden_layer_sizes)
        X = self._validate(X, reset=True)
        sample_weight = check_sample_weight(sample_weight, X)
        check_magnitude(X)
        check_observed(X)
        observed = ~np.isnan(X)
        empty = ~observed.any(axis=0)
        self._warn_if_dropped(empty)
        scaling = input_standardization(
            X, self.standardize, sample_weight, fix="standardize=True"
        )
        if scaling is None:
            mean, scale = np.zeros(X.shape[1], X.dtype), np.ones(X.shape[1], X.dtype)
        else:
            mean, scale = scaling
        Z = (X - mean) / scale
        inputs = network_input(Z, observed)
        masking = IndicatorMasking(self.noise_level, X.shape[1])
        net = self._make_network(X.shape[1], X.dtype, masking)
        rng = generator_from(self.random_state)
        net.initialize(rng)
        history = History()
        task = root_task(self, X)
        with epoch_callbacks(
            task, self, X, None, lambda net: self._network_state(net, history)
        ) as callbacks:
            run_solver(
                self._training_config(X.shape[0]),
                net,
                inputs,
                Z,
                rng=rng,
                history=history,
                corrupt=masking,
                validation=self._validation(inputs, Z, observed, rng, sample_weight),
                sample_weight=sample_weight,
                callbacks=callbacks,
            )
        column_means = column_statistics(X, sample_weight)[0]
        self.statistics_ = np.where(empty, np.nan, column_means)
        self.data_min_, self.data_max_ = column_bounds(
            rows_that_count(X, sample_weight)
        )
        self.input_mean_, self.input_scale_ = mean, scale
        self._empty = empty
        vars(self).update(self._network_state(net, history))
        self.indicator_ = None
        if self.add_indicator:
            self.indicator_ = MissingIndicator(error_on_new=False).fit(X)
        end_root_task(self, task, X)
        return self

    def transform(self, X):
        """Fill in the missing entries of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows with missing entries.

        Returns
        -------
        X_imputed : ndarray of shape (n_samples, n_features_out)
            ``X`` with each missing entry replaced by the network's
            prediction from the row's observed entries; observed entries
            unchanged. Features without an observed entry at ``fit`` are
            dropped (or 0 with ``keep_empty_features=True``); with
            ``add_indicator`` the indicator columns follow.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        X = X.astype(self.coefs_[0].dtype, copy=False)
        out = np.array(X, order="C")
        missing = np.isnan(out)
        if missing.any():
            for rows, chunk in row_chunks(X):
                out[rows] = self._impute_chunk(chunk)
        out[:, self._empty] = 0
        kept = out if self.keep_empty_features else out[:, ~self._empty]
        if self.indicator_ is None:
            return kept
        return np.hstack([kept, self.indicator_.transform(X).astype(kept.dtype)])

    def get_feature_names_out(self, input_features=None):
        """Names of the imputed features, then of the indicator's.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; ``feature_names_in_`` or ``x0, x1, ...``
            by default.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The kept input features, then ``missingindicator_<name>`` for
            each feature the indicator marks.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        if not self.keep_empty_features:
            names = names[~self._empty]
        if self.indicator_ is None:
            return names
        indicator = self.indicator_.get_feature_names_out(
            _check_feature_names_in(self, input_features)
        )
        return np.concatenate([names, indicator])

    # -- internals ------------------------------------------------------
    def _validate(self, X, reset):
        """Validated float rows; ``missing_values`` entries become NaN."""
        nan_marker = self.missing_values is None or np.isnan(self.missing_values)
        X = validate_data(
            self,
            X,
            reset=reset,
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan" if nan_marker else True,
            copy=not nan_marker,
        )
        if not nan_marker:
            X[X == self.missing_values] = np.nan
        return X

    def _warn_if_dropped(self, empty):
        if empty.any() and not self.keep_empty_features:
            warnings.warn(
                f"Features {np.flatnonzero(empty).tolist()} have no observed "
                "value: they are dropped from the output. Set "
                "keep_empty_features=True to keep them (filled with 0).",
                UserWarning,
                stacklevel=3,
            )

    def _make_network(self, n_features, dtype, masking):
        hidden = check_layer_sizes(self.hidden_layer_sizes)
        units = [2 * n_features, *hidden, n_features]
        activations = [self.activation] * len(hidden) + ["identity"]
        return Network(
            units,
            activations,
            HiddenEntryLoss(masking, self.visible_weight),
            alpha=self.alpha,
            dtype=dtype,
        )

    def _impute_chunk(self, X):
        """One chunk of rows, missing entries filled in (raw units).

        The network reads each observed entry clipped to its column's range
        at ``fit``: a value beyond anything it was trained on (a digit's
        pixel that was 0 in all training rows but one has a scale of 0.04,
        so a 16 there reads as 400 standard deviations) would otherwise
        throw off the prediction of every missing entry in its row
        (digits, 30% missing: RMSE 3.23 against 2.68 clipped on one split).
        A column with no observed entry at ``fit`` reads as missing, as in
        training. The returned observed entries are the unclipped ones.
        """
        observed = ~np.isnan(X)
        seen = np.clip(X, self.data_min_, self.data_max_)
        visible = ~np.isnan(seen)
        Z = (seen - self.input_mean_) / self.input_scale_
        predicted = forward(
            self.coefs_, self.intercepts_, self._activations, network_input(Z, visible)
        )
        predicted *= self.input_scale_
        predicted += self.input_mean_
        return np.where(observed, X, predicted)

    def _network_state(self, net, history):
        coefs, intercepts = net.export_parameters()
        return {
            "coefs_": coefs,
            "intercepts_": intercepts,
            "_activations": list(net.activations),
            **fitted_history_attributes(history),
        }

    def _training_config(self, n_samples):
        """The engine's settings, ``max_iter='auto'`` resolved for the rows."""
        config = TrainingConfig.from_params(vars(self))
        if self.max_iter != "auto":
            return config
        batch = resolve_batch_size(self.batch_size, n_samples)
        epochs = int(np.ceil(AUTO_UPDATES * batch / n_samples))
        return replace(config, max_iter=int(np.clip(epochs, *AUTO_EPOCHS)))

    def _uses_early_stopping(self, n_samples):
        return self._stochastic and self.early_stopping

    def _validation(self, inputs, Z, observed, rng, sample_weight):
        """``run_solver``'s early-stopping split, or None.

        Held-out rows get a fixed draw of hidden entries (each observed
        entry with probability ``max(noise_level, 0.1)``); the score is
        minus the mean squared error per hidden entry.
        """
        if not self._uses_early_stopping(Z.shape[0]):
            return None
        return functools.partial(
            self._held_out_score, inputs, Z, observed, rng, sample_weight
        )

    def _held_out_score(self, inputs, Z, observed, rng, sample_weight):
        train, held_out = validation_split(Z.shape[0], self.validation_fraction, rng)
        held_out = np.sort(held_out)
        weights = held_out_weights(sample_weight, held_out)
        level = max(self.noise_level, 0.1)
        draws = np.random.default_rng(VALIDATION_MASK_SEED).random(
            (len(held_out), Z.shape[1])
        )
        hidden = (draws < level) & observed[held_out]
        seen = inputs[held_out].copy()
        d = Z.shape[1]
        seen[:, :d][hidden] = 0
        seen[:, d:][hidden] = 0
        targets = np.where(hidden, Z[held_out], 0)
        counts = hidden.sum(axis=1)

        def validation_score(net):
            predicted = forward(net.coefs, net.intercepts, net.activations, seen)
            predicted[~hidden] = 0
            predicted -= targets
            errors = np.einsum("ij,ij->i", predicted, predicted)
            total = np.average(errors, weights=weights)
            per_entry = np.average(counts, weights=weights)
            return -float(total / max(per_entry, 1e-12))

        validation_score.label = "validation score (-squared error per hidden entry)"
        return train, validation_score

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.sparse = False
        return tags
