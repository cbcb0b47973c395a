"""Nonlinear autoencoders: ``AutoencoderTransformer`` and ``DenoisingAutoencoder``.

Both estimators configure the shared engine (``_network``, ``_optimizers``,
``_training``); the denoising one only adds an input corruption, so the
plain autoencoder is its zero-noise case.
"""

import functools
import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy import linalg
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted

from ._activations import HIDDEN_ACTIVATIONS
from ._base import (
    ENGINE_PARAMETER_CONSTRAINTS,
    NetworkEstimatorMixin,
    TrainingRun,
    has_stochastic_solver,
)
from ._callbacks import (
    end_root_task,
    epoch_callbacks,
    root_task,
)
from ._linear import LinearAutoencoder
from ._losses import MaskedLoss
from ._network import (
    Network,
    embed_pca,
    encoder_layers,
    feature_reconstruction_errors,
    forward,
    jacobian_norms,
    row_chunks,
    squared_reconstruction_errors,
    unfold_standardization,
)
from ._noise import NOISE_TYPES, Corruption
from ._pretraining import (
    DEFAULT_PRETRAINING_NOISE,
    fitted_network_state,
    fold_into_first_layer,
    pretrain_layers,
    reconstruction_output,
)
from ._training import (
    log,
    run_solver,
    training_stage,
)
from ._validation import (
    check_layer_sizes,
    column_bounds,
    column_statistics,
    held_out_weights,
    restore_on_error,
    rows_that_count,
    validation_split,
)

#: Hidden units of the default (``'auto'``) architecture, at least
#: ``2 * n_components``: see the user guide's "Getting a good autoencoder".
AUTO_HIDDEN_UNITS = 256

#: ``alpha='auto'`` is this times ``n_features``: the reconstruction loss
#: sums over the features, so the penalty keeps the same weight against it
#: whatever their number (in scikit-learn's MLP, whose loss averages over
#: the outputs, this is alpha=5e-3).
AUTO_ALPHA_PER_FEATURE = 5e-3

#: The penalty of each layer's shallow autoencoder in greedy pre-training
#: when the deep network's own ``alpha`` is ``'auto'`` (what it was measured
#: with).
LAYER_ALPHA = 1e-4

#: ``noise_level='auto'`` per noise type. Masking at 50%: a logistic
#: regression on the 128 codes of MNIST reached 0.925 on a validation split,
#: against 0.901 at 10% and 0.905 at 30% (Vincent et al. 2010 also found
#: 25-50% best on MNIST).
AUTO_NOISE_LEVEL = {"gaussian": 0.1, "masking": 0.5, "salt_and_pepper": 0.1}

#: ``early_stopping='auto'`` needs at least this many held-out rows.
AUTO_EARLY_STOPPING_MIN_ROWS = 10

#: ``n_components='auto'`` is half the features, at most this many: the
#: images' measured code (32: 0.41-0.48x PCA's held-out error on digits and
#: MNIST) where the data are wide, and always a bottleneck on tables
#: (a code as wide as the data can copy it: wine's 13 features gave 32
#: codes and an error of 1e-29).
AUTO_MAX_COMPONENTS = 32


def auto_code_size(n_features):
    """``n_components='auto'``: half the features, at most 32, at least 1."""
    return min(AUTO_MAX_COMPONENTS, max(1, n_features // 2))


def components_for_variance(X, fraction, sample_weight=None):
    """Fewest principal components explaining ``fraction`` of X's variance.

    As ``PCA(n_components=fraction)`` reads a float: the smallest ``k``
    whose cumulative explained variance ratio reaches ``fraction``. The
    eigenvalues of the (weighted) covariance matrix, ``d x d``, built from
    ``X^T W X`` so that sparse ``X`` is never densified.
    """
    weights = np.ones(X.shape[0]) if sample_weight is None else sample_weight
    weights = np.asarray(weights, dtype=np.float64)
    mean = column_statistics(X, sample_weight)[0]
    weighted = sp.diags(weights) @ X if sp.issparse(X) else X * weights[:, None]
    scatter = np.asarray(
        (X.T @ weighted).toarray() if sp.issparse(X) else X.T @ weighted
    )
    covariance = scatter / weights.sum() - np.outer(mean, mean)
    variances = np.clip(linalg.eigvalsh(covariance)[::-1], 0, None)
    total = variances.sum()
    if total <= 0:
        return 1
    ratios = np.cumsum(variances) / total
    return int(min(np.searchsorted(ratios, fraction) + 1, len(ratios)))


def missing_for_pca(units, activations, n_encoder):
    """What a mirrored network lacks to compute PCA exactly (``embed_pca``).

    Every hidden unit a ReLU with room for a (+z, -z) pair per code unit,
    a linear code and a linear output; returns the missing settings, in
    the words of the error message (empty: PCA fits in).
    """
    hidden = units[1:n_encoder] + units[n_encoder + 1 : -1]
    k = units[n_encoder]
    reasons = [
        (activations[n_encoder - 1] != "identity", "code_activation='identity'"),
        (activations[-1] != "identity", "an identity output (out_activation)"),
        (
            any(a != "relu" for a in activations[: n_encoder - 1]),
            "activation='relu'",
        ),
        (any(h < 2 * k for h in hidden), "hidden layers of at least 2 * n_components"),
    ]
    return [what for failed, what in reasons if failed]


def _code_size(net):
    """Units of a mirrored network's code layer."""
    return net.layer_units[encoder_layers(net.n_layers)]


@dataclass
class _Run(TrainingRun):
    """One training run of an autoencoder (``TrainingRun``, and its output)."""

    reuse: bool = False
    out_activation: str = None
    loss: str = None
    pretrain: bool = False
    starts_as_pca: bool = False
    corruption: object = None


class AutoencoderTransformer(
    NetworkEstimatorMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
):
    """Autoencoder whose code layer is a learned feature transform.

    A network ``d -> h_1 -> ... -> n_components -> ... -> h_1 -> d`` is
    trained to reproduce its input, minimising the mean reconstruction loss
    ``(1 / 2n) sum_n ||g(x_n) - x_n||^2`` plus a weight penalty. The encoder
    half is the transform ``Phi(x)`` (``transform``), the decoder half maps
    codes back to the input space (``inverse_transform``), and the
    reconstruction error is a density-style score: small where training data
    are dense and large for outliers (``score_samples``).

    The bottleneck (``n_components < n_features``), tied weights (decoder =
    transposed encoder) and the weight penalty are regularizers; so is early
    stopping on a held-out fraction.

    The defaults are a recipe chosen by measurement (user guide, "Getting a
    good autoencoder"): one hidden ReLU layer of ``max(256, 2 *
    n_components)`` units on each side of a linear code, tied weights, a
    weight penalty that scales with the number of features, a logistic output
    with the cross-entropy for data in [0, 1] and a linear output with the
    squared error otherwise, Adam with a warm-up and cosine decay of the
    learning rate over ``max_iter`` epochs. Where the output is linear the
    network *starts as PCA* (``init='auto'``) and a held-out 10% keeps it
    from ending worse than PCA (``early_stopping='auto'``). The lecture's
    classic shallow tanh autoencoder ``d - n_components - d`` is
    ``hidden_layer_sizes=()``.

    Parameters
    ----------
    n_components : int, float in (0, 1) or 'auto', default='auto'
        Size of the code layer: the number of output features of
        ``transform``. ``'auto'``: half the features, at most 32 (32 on
        images, 6 on wine's 13 features), so the code is always a
        bottleneck. A float in (0, 1), as ``PCA`` reads it: the fewest
        principal components of the training data (as the network reads
        them, standardised when ``standardize`` applies) that explain that
        fraction of the variance. A code at least as wide as the data
        warns: this plain autoencoder could copy its input (the denoising,
        sparse and contractive ones regularise their code and may be
        overcomplete). The size used is ``n_components_``.

    hidden_layer_sizes : array-like of int or 'auto', default='auto'
        Encoder layers between the input and the code; the decoder mirrors
        them. ``'auto'`` is one layer of ``max(256, 2 * n_components)``
        units. ``()`` gives the classic shallow ``d - n_components - d``
        autoencoder of the lecture (with tanh code units, see
        ``code_activation``).

    activation : {'relu', 'tanh', 'logistic', 'identity'}, default='relu'
        Activation of the hidden layers.

    code_activation : {'tanh', 'logistic', 'relu', 'identity'}, default=None
        Activation of the code layer. ``None``: ``'identity'`` when there
        are hidden layers (the linear code units of Hinton &
        Salakhutdinov's deep autoencoders), ``'tanh'`` for the shallow
        autoencoder.

    out_activation : {'auto', 'identity', 'logistic'}, default='auto'
        Activation of the reconstruction layer. ``'auto'``: ``'logistic'``
        when every training value lies in [0, 1] (or when
        ``loss='cross_entropy'``), ``'identity'`` otherwise. The choice is
        made on the first ``fit`` or ``partial_fit`` and kept by
        ``partial_fit`` and warm starts (``out_activation_``).

    loss : {'auto', 'squared_error', 'cross_entropy'}, default='auto'
        Training loss. ``'cross_entropy'`` is the binary cross-entropy of a
        logistic output and needs inputs in [0, 1]; ``'auto'`` uses it with
        a logistic output on data in [0, 1] and the squared error otherwise
        (``loss_function_``). ``score`` and ``score_samples`` are the squared
        error whatever the training loss.

    tied_weights : bool, default=True
        If True, each decoder layer uses the transposed weights of its
        mirror encoder layer (its biases stay its own): half the weights and
        a structural regularizer. On by default: it lowered the held-out
        error on every data set of the quality benchmark (MNIST at code
        size 64: 0.50 of PCA's against 0.63 untied).

    weight_penalty : {'l2', 'elimination'}, default='l2'
        ``'l2'`` is weight decay ``(alpha / 2n) sum w^2``; ``'elimination'``
        is ``(alpha / 2n) sum w^2 / (1 + w^2)``, which drives small weights
        to zero and leaves large ones nearly free. Biases are never
        penalised; ``n`` is the minibatch size.

    alpha : float or 'auto', default='auto'
        Strength of the weight penalty. ``'auto'`` is ``5e-3 *
        n_features``: the reconstruction loss sums over the features, so the
        penalty keeps the same weight against it whatever their number
        (this is ``alpha=5e-3`` in the convention of scikit-learn's MLP,
        whose loss averages over the outputs). On MNIST it cuts the held-out
        error of the default network by a sixth against ``alpha=1e-4``: the
        network otherwise overfits. With ``pretraining``, each layer's
        shallow autoencoder uses ``alpha=1e-4`` when this is ``'auto'``.

    solver : {'adam', 'sgd', 'lbfgs'}, default='adam'
        ``'adam'`` and ``'sgd'`` (with momentum) train on minibatches;
        ``'lbfgs'`` minimises the full-batch loss and often wins on small
        data sets.

    batch_size : int or 'auto', default='auto'
        Minibatch size for the stochastic solvers; ``'auto'`` is
        ``min(200, n_samples)``.

    learning_rate : {'cosine', 'constant', 'adaptive'}, default='cosine'
        Learning-rate schedule of ``'adam'`` and ``'sgd'``, named as in
        ``MLPRegressor``. ``'cosine'`` rises linearly from 0 to
        ``learning_rate_init`` over the first 5% of the ``max_iter`` epochs,
        then decays along a cosine to 1% of it at epoch ``max_iter``
        (updated every minibatch); reaching ``max_iter`` is then the plan,
        not a ``ConvergenceWarning``, and a plateau during the warm-up does
        not count towards ``n_iter_no_change``. ``'constant'`` keeps
        ``learning_rate_init``. ``'adaptive'`` keeps it while the loss (or
        validation score) improves and divides it by 5 each time
        ``n_iter_no_change`` epochs fail to improve by ``tol``; a plateau at
        1e-6 or less ends training. Each ``partial_fit`` call is one epoch
        of the schedule (past ``max_iter`` calls ``'cosine'`` stays at its
        final rate); a warm-started ``fit`` starts the schedule afresh. The
        per-layer pre-training uses the same schedule over
        ``pretrain_max_iter`` epochs.

    learning_rate_init : float, default=3e-3
        Peak step size of ``'adam'`` and ``'sgd'``.

    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or iterations
        (``'lbfgs'``); the length of the ``'cosine'`` schedule.

    tol : float, default=1e-4
        Improvement of the loss (or validation score) below which an epoch
        counts as no progress; for ``'lbfgs'`` the gradient tolerance.

    early_stopping : bool or 'auto', default='auto'
        Hold out ``validation_fraction`` of the data, stop when its score
        stops improving and restore the best weights; the starting point
        competes too, so a network that starts as PCA ends no worse than
        PCA on the held-out rows. ``'auto'``: only for a network that
        starts as PCA and has at least 10 rows to hold out. Stochastic
        solvers only; ``partial_fit`` never holds out rows.

    validation_fraction : float, default=0.1
        Fraction held out for early stopping.

    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` before stopping.

    shuffle : bool, default=True
        Shuffle the samples every epoch (stochastic solvers).

    momentum : float, default=0.9
        Momentum of ``'sgd'``.

    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with ``'sgd'``.

    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation, shuffling, the validation split and
        any noise. Pass an int for reproducible results.

    verbose : bool, default=False
        Print the training loss, the validation score (the negative squared
        error per held-out row, the scale of ``score``) and the elapsed time
        every epoch, and which epoch's weights early stopping restored.
        With ``pretraining`` each layer's epochs are printed too; every
        line, and every warning, then names its stage
        (``"pre-training layer 2/3: ..."``, ``"fine-tuning: ..."``).

    warm_start : bool, default=False
        Start ``fit`` from the previous solution instead of a new random
        initialisation.

    init : {'auto', 'pca', 'random'}, default='auto'
        ``'pca'`` sets the weights so that the network computes PCA's
        reconstruction exactly before training: in every hidden layer a
        pair of ReLU units ``relu(z), relu(-z)`` per code unit carries the
        principal components ``z``, the other hidden units start with zero
        outgoing weights. Training then starts from PCA's error and moves
        only where the nonlinear units help. It needs ReLU hidden layers of
        at least ``2 * n_components`` units and a linear code and output
        (``out_activation='auto'`` then means ``'identity'``).
        ``'random'``: Glorot-uniform weights. ``'auto'``:
        ``'pca'`` where the architecture allows it, else ``'random'``; and
        when only the logistic output chosen by ``out_activation='auto'``
        (data in [0, 1]) keeps it from PCA, the trained network is compared
        with PCA on the training rows and, if not better, the fit starts
        again from PCA with a linear output (``out_activation_`` then
        ``'identity'``), so the defaults never end worse than PCA.
        Ignored with ``pretraining``.

    pretraining : {'basic', 'denoising'}, default=None
        Greedy layer-wise pre-training of a deep autoencoder (Hinton &
        Salakhutdinov, 2006): each encoder layer, the code layer included,
        is first trained as a shallow tied autoencoder on the previous
        layer's clean output (``'denoising'``: a denoising one, with
        ``noise='masking', noise_level=0.3`` for this estimator and the
        estimator's own noise for ``DenoisingAutoencoder``); the stack is
        unrolled into encoder and mirrored decoder (decoder weights the
        transposed encoder weights) and the whole network is fine-tuned.
        ``None`` starts from a random initialisation. Applies to ``fit``.

    pretrain_max_iter : int, default=50
        Epochs (or L-BFGS iterations) of each layer's pre-training.

    standardize : bool or 'auto', default='auto'
        Train on standardised features ``(x - mean) / std``. The units, the
        initialisation and the learning rates are made for data of unit
        scale; raw measurements (values in the hundreds or thousands) would
        saturate the units or make the updates explode. After training the
        standardisation is folded into the first and last layers, so
        ``transform``, ``inverse_transform`` and ``score_samples`` take and
        return raw data. ``'auto'`` standardises only data with a column
        whose ``|mean| + std`` exceeds 10 (or whose every value is below
        0.1 in magnitude), and never with an explicit
        ``out_activation='logistic'``; data in [0, 1] and already scaled
        data are left as they are (two reductions decide that). ``False``
        on data far from unit scale warns. The
        training loss then weighs every feature equally (as after a
        ``StandardScaler``), while ``score`` measures raw squared error.
        Sparse input is scaled by each column's root mean square, not
        centred. The standardised copy of ``X`` costs one copy of the data;
        scale data larger than memory beforehand. In float32, a column whose
        mean is ``m`` times its spread loses about ``log10(m)`` digits in the
        folded first layer; center such data first or pass float64.

    Attributes
    ----------
    coefs_ : list of ndarray
        Weight matrices, ``coefs_[i]`` of shape ``(fan_in, fan_out)``;
        encoder layers first. With tied weights the decoder entries are
        transposed views of the encoder ones.

    intercepts_ : list of ndarray
        Bias vectors, ``intercepts_[i]`` of shape ``(fan_out,)``.

    n_components_ : int
        The code size used (``n_components`` resolved).

    n_iter_ : int
        Number of epochs (or L-BFGS iterations) run.

    loss_ : float
        Training loss at the end of training (penalty included).

    loss_curve_ : list of float
        Training loss after each epoch or iteration.

    best_loss_ : float or None
        Smallest training loss seen; None with early stopping.

    validation_scores_ : list of float or None
        Score (negative mean squared reconstruction error) of the held-out
        set after each epoch; None without early stopping.

    autoencoders_ : list of AutoencoderTransformer
        The fitted per-layer autoencoders of the pre-training; empty
        without pre-training.

    pretraining_loss_curves_ : list of list of float
        The loss curve of each layer's pre-training.

    best_validation_score_ : float or None
        Best validation score, the starting point included (a network that
        starts as PCA may keep it); None without early stopping.

    best_epoch_ : int
        The epoch whose weights were kept: with early stopping the best
        one, ``0`` when no epoch beat the start (the network stayed at its
        PCA or pre-trained starting point, see the user guide); without,
        the last one (``n_iter_``).

    out_activation_ : str
        The output activation trained with (``out_activation`` resolved).

    loss_function_ : str
        The training loss (``loss`` resolved).

    input_mean_, input_scale_ : ndarray of shape (`n_features_in_`,) or None
        The standardisation trained with (folded into ``coefs_`` and
        ``intercepts_``); None when the data were not standardised.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during ``fit``, when they are all strings.

    See Also
    --------
    DenoisingAutoencoder : Trained to reconstruct clean inputs from
        corrupted ones.
    LinearAutoencoder : The linear, closed-form case (PCA without centering).
    sklearn.decomposition.PCA : Linear projection on the principal subspace.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_autoencoders import AutoencoderTransformer
    >>> X = load_digits().data / 16
    >>> ae = AutoencoderTransformer(n_components=16, max_iter=20, random_state=0)
    >>> codes = ae.fit_transform(X)
    >>> codes.shape
    (1797, 16)
    >>> ae.inverse_transform(codes).shape
    (1797, 64)
    >>> bool(ae.score(X) > -10)
    True
    """

    _parameter_constraints: dict = {
        **ENGINE_PARAMETER_CONSTRAINTS,
        "n_components": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
            StrOptions({"auto"}),
        ],
        "hidden_layer_sizes": ["array-like", StrOptions({"auto"})],
        "code_activation": [StrOptions(set(HIDDEN_ACTIVATIONS)), None],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "alpha": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "out_activation": [StrOptions({"auto", "identity", "logistic"})],
        "loss": [StrOptions({"auto", "squared_error", "cross_entropy"})],
        "tied_weights": ["boolean"],
        "weight_penalty": [StrOptions({"l2", "elimination"})],
        "init": [StrOptions({"auto", "pca", "random"})],
        "pretraining": [StrOptions({"basic", "denoising"}), None],
        "pretrain_max_iter": [Interval(Integral, 1, None, closed="left")],
        "standardize": ["boolean", StrOptions({"auto"})],
    }

    def __init__(
        self,
        n_components="auto",
        *,
        hidden_layer_sizes="auto",
        activation="relu",
        code_activation=None,
        out_activation="auto",
        loss="auto",
        tied_weights=True,
        weight_penalty="l2",
        alpha="auto",
        solver="adam",
        batch_size="auto",
        learning_rate="cosine",
        learning_rate_init=3e-3,
        max_iter=200,
        tol=1e-4,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        shuffle=True,
        momentum=0.9,
        nesterovs_momentum=True,
        random_state=None,
        verbose=False,
        warm_start=False,
        init="auto",
        pretraining=None,
        pretrain_max_iter=50,
        standardize="auto",
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.code_activation = code_activation
        self.out_activation = out_activation
        self.loss = loss
        self.tied_weights = tied_weights
        self.weight_penalty = weight_penalty
        self.alpha = alpha
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
        self.warm_start = warm_start
        self.init = init
        self.pretraining = pretraining
        self.pretrain_max_iter = pretrain_max_iter
        self.standardize = standardize

    # -- public API -----------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    @restore_on_error
    def fit(self, X, y=None, sample_weight=None):
        """Train the autoencoder to reconstruct ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored; present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows. The reconstruction loss (and a penalty on
            the codes) becomes a weighted mean, and the standardisation,
            the PCA start, the pre-training and the early-stopping score are
            weighted too: a weight of 2 counts a row as twice, 0 ignores it.

        Returns
        -------
        self : object
            The fitted autoencoder.
        """
        self._check_params()
        reuse = self.warm_start and hasattr(self, "coefs_")
        self._fit(X, sample_weight, incremental=False, reuse=reuse)
        return self

    @available_if(has_stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    @restore_on_error
    def partial_fit(self, X, y=None, sample_weight=None):
        """Run one epoch of the stochastic solver on ``X``.

        The first call initialises the network; later calls continue from
        the current weights and optimizer state, so data can be streamed in
        chunks.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data.
        y : None
            Ignored; present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the chunk's rows, as in ``fit``.

        Returns
        -------
        self : object
            The updated autoencoder.
        """
        self._check_params(incremental=True)
        self._fit(X, sample_weight, incremental=True, reuse=hasattr(self, "coefs_"))
        return self

    def transform(self, X):
        """Encode ``X``: the activations of the code layer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Codes, in the dtype the model was fitted with.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False, keep_missing=False)
        n_encoder = self._n_encoder_layers
        return forward(self.coefs_, self.intercepts_, self._activations, X, n_encoder)

    def inverse_transform(self, X):
        """Decode codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, for example from ``transform``.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            Reconstructions.
        """
        check_is_fitted(self)
        X = check_array(X, dtype=self.coefs_[0].dtype, order="C")
        n_encoder = self._n_encoder_layers
        if X.shape[1] != self.coefs_[n_encoder].shape[0]:
            raise ValueError(
                f"X has {X.shape[1]} features, but inverse_transform expects "
                f"codes of {self.coefs_[n_encoder].shape[0]} features."
            )
        return forward(
            self.coefs_[n_encoder:],
            self.intercepts_[n_encoder:],
            self._activations[n_encoder:],
            X,
        )

    def reconstruct(self, X):
        """Reconstruct ``X`` through the whole network, ``g(x)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to reconstruct.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features)
            ``inverse_transform(transform(X))``, computed in one pass.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False, keep_missing=False)
        return forward(self.coefs_, self.intercepts_, self._activations, X)

    def score_samples(self, X):
        """Negative squared reconstruction error of each sample.

        High where the training data were dense, low for outliers: usable
        as an outlier score.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``-||g(x) - x||^2`` for each sample, over its observed entries
            (a missing entry, NaN, adds nothing).
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        errors = squared_reconstruction_errors(
            self.coefs_,
            self.intercepts_,
            self._activations,
            X,
            fill=self._missing_fill(),
        )
        return -errors

    def feature_errors(self, X):
        """Squared reconstruction error of each feature of each row.

        Which measurements the autoencoder fails to reproduce: the terms
        ``score_samples`` sums, in the data's units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to reconstruct.

        Returns
        -------
        errors : ndarray of shape (n_samples, n_features)
            ``(g(x) - x)^2``, 0 at a missing entry (NaN);
            ``-errors.sum(axis=1)`` is ``score_samples(X)``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return feature_reconstruction_errors(
            self.coefs_,
            self.intercepts_,
            self._activations,
            X,
            fill=self._missing_fill(),
        )

    def code_sensitivity(self, X):
        """How much the code moves with the input: ``||d code / d x||_F``.

        The Frobenius norm of the Jacobian of ``transform`` at each row,
        computed exactly (a few rows at a time). It is what
        ``ContractiveAutoencoder`` penalises (squared); PCA's is
        ``sqrt(n_components)`` everywhere.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows at which to evaluate the Jacobian.

        Returns
        -------
        sensitivity : ndarray of shape (n_samples,)
            ``||J(x)||_F`` for each row.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False, keep_missing=False)
        return jacobian_norms(
            self.coefs_, self.intercepts_, self._activations, X, self._n_encoder_layers
        )

    def score(self, X, y=None, sample_weight=None):
        """Mean negative squared reconstruction error (higher is better).

        This lets ``GridSearchCV`` tune an autoencoder without a scorer.
        It measures the squared error whatever the training ``loss``, so
        models trained with different losses compare fairly.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.
        y : None
            Ignored; present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in the mean.

        Returns
        -------
        score : float
            ``-mean_n ||g(x_n) - x_n||^2``.
        """
        return float(np.average(self.score_samples(X), weights=sample_weight))

    # -- internals ------------------------------------------------------
    @property
    def _n_features_out(self):
        return self.coefs_[self._n_encoder_layers - 1].shape[1]

    @property
    def _n_encoder_layers(self):
        return encoder_layers(len(self.coefs_))

    def _hidden_layer_sizes(self, code_size):
        if isinstance(self.hidden_layer_sizes, str):  # 'auto'
            return [max(AUTO_HIDDEN_UNITS, 2 * code_size)]
        return check_layer_sizes(self.hidden_layer_sizes)

    def _planned_code_size(self):
        """The code size the parameters fix before seeing data (else 1)."""
        return self.n_components if isinstance(self.n_components, Integral) else 1

    def _code_size(self, X, sample_weight=None):
        """``n_components`` resolved on the data the network reads."""
        if self.n_components == "auto":
            return auto_code_size(X.shape[1])
        if not isinstance(self.n_components, Integral):  # a variance fraction
            return components_for_variance(X, self.n_components, sample_weight)
        return self.n_components

    #: Whether the model regularises its code (noise or a penalty), so that
    #: a code as wide as the data does not make it copy its input.
    _regularized_code = False

    def _check_code_size(self, code_size, n_features):
        """A plain autoencoder with a code as wide as its input warns."""
        if code_size >= n_features and not self._regularized_code:
            warnings.warn(
                f"n_components={code_size} is not smaller than n_features="
                f"{n_features}: a plain autoencoder can copy its input through "
                "such a code and learn nothing about the data. Use fewer "
                "components (n_components='auto' gives half the features), "
                "or a regularised autoencoder (DenoisingAutoencoder, "
                "SparseAutoencoder, ContractiveAutoencoder) for an "
                "overcomplete code.",
                UserWarning,
                stacklevel=5,
            )

    def _uses_early_stopping(self, X, starts_as_pca, incremental):
        """``'auto'``: hold out rows only to guard a network that starts as PCA."""
        if incremental or not self._stochastic:
            return False
        if self.early_stopping == "auto":
            n_held_out = int(X.shape[0] * self.validation_fraction)
            return starts_as_pca and n_held_out >= AUTO_EARLY_STOPPING_MIN_ROWS
        return self.early_stopping

    def _architecture(self, n_features, out_activation, code_size=None):
        """Layer units, activations and tied pairs of the full network."""
        code_size = code_size or self._planned_code_size()
        hidden = self._hidden_layer_sizes(code_size)
        encoder = [n_features, *hidden, code_size]
        units = encoder + encoder[-2::-1]
        code = self.code_activation or ("identity" if hidden else "tanh")
        n_hidden = len(hidden)
        activations = (
            [self.activation] * n_hidden
            + [code]
            + [self.activation] * n_hidden
            + [out_activation]
        )
        n_encoder = n_hidden + 1
        tied = {}
        if self.tied_weights:
            tied = {n_encoder + j: n_encoder - 1 - j for j in range(n_encoder)}
        return units, activations, tied

    def _reconstruction_output(self, X, reuse, linear=False):
        """The output activation and loss to train with, checked against X.

        ``'auto'`` is resolved from the data on a new fit and kept as fitted
        by ``partial_fit`` and warm starts: the weights belong to it.
        """
        if reuse:
            out_activation, loss = self.out_activation_, self.loss_function_
        else:
            out_activation, loss = self.out_activation, self.loss
            pca = self.init == "pca" or linear
            if pca and out_activation == "auto":
                out_activation = "identity"  # the one output PCA fits into
        params = reconstruction_output(X, out_activation, loss)
        return params["out_activation"], params["loss"]

    def _alpha(self, n_features):
        if self.alpha == "auto":
            return AUTO_ALPHA_PER_FEATURE * n_features
        return self.alpha

    def _starts_as_pca(self, net, X):
        """Whether to start from PCA: ``init='pca'``, or ``'auto'`` where it can.

        ``'auto'`` starts there whenever the network can compute PCA
        exactly (``missing_for_pca``), except on sparse input, whose PCA
        needs a dense ``d x d`` scatter matrix. An ``init='pca'`` the
        network cannot honour was refused by ``_check_params``.
        """
        if self.init == "random" or (self.init == "auto" and sp.issparse(X)):
            return False
        n_encoder = encoder_layers(net.n_layers)
        missing = missing_for_pca(net.layer_units, net.activations, n_encoder)
        if missing and self.init == "pca":  # the code size came from the data
            raise ValueError(
                f"init='pca' builds PCA into the network, which with "
                f"n_components_={net.layer_units[n_encoder]} needs "
                + ", ".join(missing)
                + "."
            )
        return not missing

    @staticmethod
    def _embed_pca(net, X, sample_weight=None):
        """Start ``net`` as the (weighted) PCA of ``X`` (sparse: by chunks)."""
        n_components = net.layer_units[encoder_layers(net.n_layers)]
        pca = LinearAutoencoder(min(n_components, *X.shape), center=True)
        if sp.issparse(X):
            for rows, chunk in row_chunks(X):
                weights = None if sample_weight is None else sample_weight[rows]
                pca.partial_fit(chunk.toarray(), sample_weight=weights)
        else:
            pca.fit(X, sample_weight=sample_weight)
        components = np.zeros((n_components, X.shape[1]))
        components[: pca.n_components_] = pca.components_
        embed_pca(net, pca.mean_, components)

    def _standardize_mode(self, X):
        """``standardize`` as this network can honour it.

        Standardising needs a linear output (folded back into the last layer
        after training), so 'auto' leaves a requested logistic output alone
        (``standardize=True`` with it is refused by ``_check_params``).
        """
        if self.out_activation == "logistic" and self.standardize == "auto":
            return False
        return self.standardize

    def _parameter_problems(self, incremental):
        """The rules between this autoencoder's parameters (``_check_params``)."""
        problems = super()._parameter_problems(incremental)
        units, activations, _ = self._architecture(1, self._planned_output())
        if self.standardize is True and self.out_activation == "logistic":
            problems.append(
                "standardize=True needs a linear output: set out_activation to "
                "'auto' or 'identity', or standardize=False."
            )
        if self.loss == "cross_entropy" and self._planned_output() == "identity":
            problems.append(
                "loss='cross_entropy' needs out_activation='logistic', got "
                "out_activation='identity'."
            )
        # pre-training replaces the PCA start, except in partial_fit
        if self.init == "pca" and (self.pretraining is None or incremental):
            n_encoder = encoder_layers(len(activations))
            missing = missing_for_pca(units, activations, n_encoder)
            if missing:
                problems.append(
                    "init='pca' builds PCA into the network, which needs "
                    + ", ".join(missing)
                    + "."
                )
        return problems

    def _planned_output(self):
        """The output activation the parameters ask for ('auto': undecided)."""
        if self.init == "pca" and self.out_activation == "auto":
            return "identity"  # the one output PCA fits into
        return self.out_activation

    #: Parameters of a penalised subclass that its pre-training layers share.
    _layer_penalty_params = ()

    def _layer_penalty(self, activations, n_features):
        """``LayerPenalty`` on one layer's activations; None: no penalty.

        The hook of the sparse and contractive autoencoders: the penalty
        itself lives with the engine's other losses (``_losses``).
        """
        return None

    def _make_network(
        self,
        X,
        out_activation,
        loss,
        reuse,
        scaling=None,
        sample_weight=None,
        masked=False,
    ):
        if reuse:
            code_size = self.n_components_
        else:
            code_size = self._code_size(X, sample_weight)
            self._check_code_size(code_size, X.shape[1])
        units, activations, tied = self._architecture(
            X.shape[1], out_activation, code_size
        )
        network = Network(
            units,
            activations,
            MaskedLoss(loss, out_activation) if masked else loss,
            tied=tied,
            penalty=self.weight_penalty,
            alpha=self._alpha(X.shape[1]),
            layer_penalty=self._layer_penalty(activations, X.shape[1]),
            dtype=X.dtype,
        )
        if reuse:
            coefs, intercepts = self.coefs_, self.intercepts_
            if scaling is not None:
                coefs, intercepts = unfold_standardization(coefs, intercepts, *scaling)
            network.set_parameters(coefs, intercepts)
        return network

    def _corruption(self, X, reuse):
        """The input corruption applied during training; None: clean input."""
        return None

    def _fit(self, X, sample_weight, *, incremental, reuse):
        """Prepare the data, build the network and its start, train, commit.

        Nothing on ``self`` changes until training succeeded, so a diverged
        or invalid fit leaves a fitted model untouched.
        """
        data = self._prepare_data(X, None, sample_weight, reuse=reuse)
        run = self._build(data, incremental=incremental, reuse=reuse)
        # scikit-learn's callbacks follow fit (partial_fit is one epoch)
        task = None if incremental else root_task(self, data.X)
        if not reuse:
            self._start(run, data, task)
        self._train(run, data, incremental=incremental, task=task)
        guarded = self._guards_with_pca(run, data, incremental)
        if guarded and not self._beats_pca(run, data):
            run = self._build(data, incremental=False, reuse=False, linear=True)
            self._start(run, data, task)
            self._train(run, data, incremental=False, task=task)
        state = self._fitted_state(run)
        if not reuse:
            fold_into_first_layer(run.autoencoders, data.scaling)
        self._commit_training(state, run.optimizer, run.rng)
        if run.corruption is not None:
            self._commit_corruption(run.corruption)
        end_root_task(self, task, data.X)

    def _guards_with_pca(self, run, data, incremental):
        """Whether a new fit's logistic output is checked against PCA.

        PCA fits into a network only with a linear output, so a network
        given a logistic output by ``out_activation='auto'`` (data in
        [0, 1]) cannot start there. A plain autoencoder that could otherwise
        start as PCA is therefore compared with it after training
        (``_beats_pca``); the regularised ones do not aim at the smallest
        reconstruction error.
        """
        if incremental or run.reuse or run.pretrain or self._regularized_code:
            return False
        if run.history.stopped_by_user:  # a callback or Ctrl-C: their word
            return False
        auto_logistic = self.out_activation == "auto" and self.loss == "auto"
        if not auto_logistic or run.out_activation != "logistic":
            return False
        if self.init == "random" or sp.issparse(data.X):
            return False
        units, activations, _ = self._architecture(
            data.X.shape[1], "identity", _code_size(run.net)
        )
        n_encoder = encoder_layers(len(activations))
        return not missing_for_pca(units, activations, n_encoder)

    def _beats_pca(self, run, data):
        """Whether the trained network reconstructs the training rows better
        than PCA at its code size; if not, the fit starts again from PCA
        with a linear output (and early stopping keeps PCA unless an epoch
        beats it on held-out rows)."""
        X, weights = data.X, data.sample_weight
        coefs, intercepts = run.net.export_parameters()
        errors = squared_reconstruction_errors(
            coefs, intercepts, run.net.activations, X
        )
        ours = float(np.average(errors, weights=weights))
        k = min(_code_size(run.net), *X.shape)
        pca = LinearAutoencoder(k, center=True).fit(X, sample_weight=weights)
        theirs = -pca.score(X, sample_weight=weights)
        beats = ours < theirs
        if not beats:
            log(
                self.verbose,
                f"The logistic output's training error ({ours:.6g}) is not "
                f"below PCA's ({theirs:.6g}): starting again from PCA with a "
                "linear output.",
            )
        return beats

    def _build(self, data, *, incremental, reuse, linear=False):
        """The network (fitted weights when reused) and its training state.

        ``linear`` replaces ``out_activation='auto'`` by ``'identity'``
        (the PCA guard, ``_beats_pca``).
        """
        out_activation, loss = self._reconstruction_output(data.X, reuse, linear)
        net = self._make_network(
            data.X,
            out_activation,
            loss,
            reuse,
            data.scaling,
            data.sample_weight,
            masked=data.targets is not None,
        )
        rng, history, optimizer = self._training_state(resume=incremental and reuse)
        pretrain = self.pretraining is not None and not incremental
        return _Run(
            net,
            rng,
            history,
            optimizer,
            autoencoders=list(getattr(self, "autoencoders_", [])) if reuse else [],
            scaling=data.scaling,
            reuse=reuse,
            out_activation=out_activation,
            loss=loss,
            pretrain=pretrain,
            starts_as_pca=not pretrain and self._starts_as_pca(net, data.X),
        )

    def _start(self, run, data, task):
        """A new network's start: random, then pre-trained or PCA."""
        run.net.initialize(run.rng)
        if run.pretrain:
            run.autoencoders = self._pretrain(
                data.observed,
                run.net,
                run.out_activation,
                run.loss,
                run.rng,
                task,
                data.sample_weight,
            )
        elif run.starts_as_pca:
            self._embed_pca(run.net, data.X, data.sample_weight)

    def _train(self, run, data, *, incremental, task):
        """Train ``run.net`` through the engine (``run_solver``)."""
        X, sample_weight = data.X, data.sample_weight
        rows = rows_that_count(X, sample_weight)
        run.corruption = self._corruption(rows, run.reuse)
        validation = None
        if self._uses_early_stopping(X, run.starts_as_pca, incremental):
            validation = functools.partial(
                self._validation_split, data.observed, run.rng, sample_weight
            )
        # fit -> epochs, or fit -> pre-training layers, fine-tuning -> epochs
        stage = "fine-tuning" if run.autoencoders else None
        with (
            training_stage(stage),
            epoch_callbacks(
                task, self, X, None, lambda net: self._fitted_state(run), stage
            ) as callbacks,
        ):
            run.optimizer = run_solver(
                self._training_config(),
                run.net,
                X,
                data.targets,
                rng=run.rng,
                history=run.history,
                optimizer=run.optimizer,
                corrupt=run.corruption,
                incremental=incremental,
                validation=validation,
                sample_weight=sample_weight,
                callbacks=callbacks,
                parts=self._training_parts(),
            )

    def _fitted_state(self, run):
        """The fitted attributes for the network's current parameters."""
        state = fitted_network_state(
            run.net, run.scaling, run.autoencoders, run.history, output=True
        )
        return {
            **state,
            "n_components_": _code_size(run.net),
            "out_activation_": run.out_activation,
            "loss_function_": run.loss,
        }

    def _pretrain(
        self, X, net, out_activation, loss, rng, task=None, sample_weight=None
    ):
        """Greedy layer-wise pre-training; copies the stack into ``net``."""
        n_encoder = encoder_layers(net.n_layers)
        autoencoders = pretrain_layers(
            X,
            net.layer_units[1 : n_encoder + 1],
            net.activations[:n_encoder],
            self._pretraining_template(out_activation, loss),
            self.pretrain_max_iter,
            rng,
            verbose=self.verbose,
            callback_context=task,
            sample_weight=sample_weight,
        )
        encoders = [(ae.coefs_[0], ae.intercepts_[0]) for ae in autoencoders]
        decoders = [(ae.coefs_[1], ae.intercepts_[1]) for ae in autoencoders[::-1]]
        layers = encoders + decoders
        net.set_parameters([W for W, _ in layers], [b for _, b in layers])
        return autoencoders

    def _pretraining_noise(self):
        return DEFAULT_PRETRAINING_NOISE

    def _pretraining_template(self, out_activation, loss):
        """Settings shared by every layer's shallow autoencoder.

        Everything a layer relies on is set here, so the estimator's own
        defaults (a hidden layer, early stopping) never leak into it.
        """
        params = dict(
            out_activation=out_activation,
            loss=loss,
            tied_weights=True,
            weight_penalty=self.weight_penalty,
            # 'auto' is a whole-network default; the layers keep theirs
            alpha=LAYER_ALPHA if self.alpha == "auto" else self.alpha,
            solver=self.solver,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            learning_rate_init=self.learning_rate_init,
            tol=self.tol,
            early_stopping=False,
            shuffle=self.shuffle,
            momentum=self.momentum,
            nesterovs_momentum=self.nesterovs_momentum,
        )
        denoising = self.pretraining == "denoising"
        if self._layer_penalty_params:  # every layer carries the penalty
            penalty = {name: getattr(self, name) for name in self._layer_penalty_params}
            noise = self._pretraining_noise() if denoising else {}
            return type(self)(**params, **penalty, **noise)
        if denoising:
            return DenoisingAutoencoder(**params, **self._pretraining_noise())
        return AutoencoderTransformer(**params)

    def _validation_split(self, X, rng, sample_weight=None):
        """Training indices and a scorer of the held-out rows (weighted)."""
        train, held_out = validation_split(X.shape[0], self.validation_fraction, rng)
        held_out = np.sort(held_out)
        weights = held_out_weights(sample_weight, held_out)

        def validation_score(net):
            errors = squared_reconstruction_errors(
                net.coefs, net.intercepts, net.activations, X, held_out
            )
            return -float(np.average(errors, weights=weights))

        # on the scale of score(), not of the training loss (half of it)
        validation_score.label = "validation score (-squared error per row)"
        return train, validation_score

    def _commit_corruption(self, corruption):
        """Keep what the corruption learned from the data (DAE only)."""


class NoisyInputMixin:
    """Training on corrupted inputs with clean targets, for any autoencoder.

    The corruption of ``DenoisingAutoencoder``, as a part: an autoencoder
    class that lists this mixin first takes ``noise`` and ``noise_level``
    parameters, and with a ``noise`` each minibatch's inputs are corrupted
    while the targets stay clean (``noise=None``: clean inputs). A
    penalised autoencoder (sparse, contractive) thus combines its penalty
    with input noise, and its denoising pre-training keeps both.
    """

    _noise_constraints = {
        "noise": [StrOptions(set(NOISE_TYPES))],
        "noise_level": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
    }

    def _parameter_problems(self, incremental):
        problems = super()._parameter_problems(incremental)
        if self.noise in (None, "gaussian"):
            return problems  # a standard deviation: any level >= 0
        level = self._noise_level()
        if level >= 1:
            problems.append(
                f"noise_level is the corrupted fraction for noise={self.noise!r} "
                f"and must be in [0, 1), got {level}."
            )
        return problems

    def _corruption(self, X, reuse):
        if self.noise is None:
            return None
        level = self._noise_level()
        low, high = column_bounds(X)
        if reuse and hasattr(self, "data_min_"):
            low = np.minimum(low, self.data_min_.astype(X.dtype))
            high = np.maximum(high, self.data_max_.astype(X.dtype))
        return Corruption(self.noise, level, low, high)

    def _commit_corruption(self, corruption):
        self.data_min_, self.data_max_ = corruption.low, corruption.high

    def _pretraining_noise(self):
        if self.noise is None:
            return super()._pretraining_noise()
        return {"noise": self.noise, "noise_level": self._noise_level()}

    def _noise_level(self):
        if self.noise_level == "auto":
            return AUTO_NOISE_LEVEL[self.noise]
        return self.noise_level


class DenoisingAutoencoder(NoisyInputMixin, AutoencoderTransformer):
    """Autoencoder trained to reconstruct clean inputs from corrupted ones.

    Each training input ``x_n`` is replaced by a corrupted copy ``x~_n``
    while the target stays ``x_n``; a fresh corruption is drawn for every
    minibatch. The noise is a regularizer: to undo it the network must
    learn the structure of the data rather than the identity map, which
    gives more robust features (Vincent et al., 2010). ``transform``,
    ``inverse_transform``, ``score`` and ``score_samples`` never corrupt.

    With ``solver='lbfgs'`` one corruption of the training set is drawn per
    ``fit``: L-BFGS's line search needs a deterministic objective.

    Parameters
    ----------
    n_components : int, float in (0, 1) or 'auto', default='auto'
        Size of the code layer. ``'auto'``: half the features, at most 32. A float
        in (0, 1): the fewest principal components explaining that
        fraction of the variance, as in ``PCA``. Its noise or penalty
        regularises the code, which may therefore be overcomplete (as
        wide as the data or wider) without a warning.

    noise : {'gaussian', 'masking', 'salt_and_pepper'}, default='masking'
        ``'masking'``: set each entry to 0 with probability noise_level
        (where the network trains: on standardised data, to the column's
        mean). The default: on MNIST its codes fed a logistic regression
        better than the Gaussian noise's (0.925 against 0.901 at 128
        codes), and on wine and breast cancer no worse (user guide).
        ``'gaussian'``: add N(0, noise_level^2) to every entry.
        ``'salt_and_pepper'``: set each entry, with probability
        noise_level, to its column's minimum or maximum seen in ``fit``
        (each with probability 1/2).

    noise_level : float or 'auto', default='auto'
        Standard deviation for ``'gaussian'``; the corrupted fraction, in
        [0, 1), for the other two. ``'auto'``: 0.1 for ``'gaussian'`` and
        ``'salt_and_pepper'``, 0.5 for ``'masking'`` (on MNIST, a logistic
        regression on 128 codes reached 0.925 with 50% masking against 0.901
        with 10%).

    hidden_layer_sizes : array-like of int or 'auto', default='auto'
        Encoder layers between the input and the code; ``'auto'`` is one
        layer of ``max(256, 2 * n_components)`` units, ``()`` the shallow
        autoencoder.

    activation : {'relu', 'tanh', 'logistic', 'identity'}, default='relu'
        Activation of the hidden layers.

    code_activation : {'tanh', 'logistic', 'relu', 'identity'}, default=None
        Activation of the code layer; ``None``: linear with hidden layers,
        tanh without.

    out_activation : {'auto', 'identity', 'logistic'}, default='auto'
        Activation of the reconstruction layer; ``'auto'``: logistic for
        training data in [0, 1], linear otherwise.

    loss : {'auto', 'squared_error', 'cross_entropy'}, default='auto'
        Training loss; ``'auto'``: the cross-entropy with a logistic output
        on data in [0, 1], the squared error otherwise.

    tied_weights : bool, default=True
        Decoder weights are the transposed encoder weights.

    weight_penalty : {'l2', 'elimination'}, default='l2'
        Weight decay or weight elimination.

    alpha : float or 'auto', default='auto'
        Strength of the weight penalty; ``'auto'`` is ``5e-3 * n_features``
        (see ``AutoencoderTransformer``).

    solver : {'adam', 'sgd', 'lbfgs'}, default='adam'
        Optimizer.

    batch_size : int or 'auto', default='auto'
        Minibatch size; ``'auto'`` is ``min(200, n_samples)``.

    learning_rate : {'cosine', 'constant', 'adaptive'}, default='cosine'
        Learning-rate schedule; see ``AutoencoderTransformer``.

    learning_rate_init : float, default=3e-3
        Peak step size of ``'adam'`` and ``'sgd'``.

    max_iter : int, default=200
        Maximum number of epochs or L-BFGS iterations.

    tol : float, default=1e-4
        Minimum improvement per epoch.

    early_stopping : bool or 'auto', default='auto'
        Stop on a held-out validation score (clean inputs) and restore the
        best weights; ``'auto'``: only for a network that starts as PCA.

    validation_fraction : float, default=0.1
        Fraction held out for early stopping.

    n_iter_no_change : int, default=10
        Epochs without improvement before stopping.

    shuffle : bool, default=True
        Shuffle the samples every epoch.

    momentum : float, default=0.9
        Momentum of ``'sgd'``.

    nesterovs_momentum : bool, default=True
        Nesterov's momentum with ``'sgd'``.

    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling and the noise.

    verbose : bool, default=False
        Print progress every epoch.

    warm_start : bool, default=False
        Start ``fit`` from the previous solution.

    init : {'auto', 'pca', 'random'}, default='auto'
        Start as PCA where the architecture allows it (``'auto'``), always
        (``'pca'``) or from random weights; see ``AutoencoderTransformer``.

    pretraining : {'basic', 'denoising'}, default=None
        Greedy layer-wise pre-training of a deep autoencoder; the
        denoising layers use this estimator's noise. See
        ``AutoencoderTransformer``.

    pretrain_max_iter : int, default=50
        Epochs of each layer's pre-training.

    standardize : bool or 'auto', default='auto'
        Train on standardised features where the data are far from unit
        scale; see ``AutoencoderTransformer``.

    Attributes
    ----------
    coefs_ : list of ndarray
        Weight matrices, encoder layers first.

    intercepts_ : list of ndarray
        Bias vectors.

    n_components_ : int
        The code size used (``n_components`` resolved).

    n_iter_ : int
        Number of epochs (or L-BFGS iterations) run.

    loss_ : float
        Final training loss on corrupted inputs.

    loss_curve_ : list of float
        Training loss after each epoch or iteration.

    best_loss_ : float or None
        Smallest training loss; None with early stopping.

    validation_scores_ : list of float or None
        Held-out scores on clean inputs; None without early stopping.

    best_validation_score_ : float or None
        Best validation score, the starting point included.

    best_epoch_ : int
        The epoch whose weights were kept: with early stopping the best
        one, ``0`` when no epoch beat the start (the network stayed at its
        PCA or pre-trained starting point, see the user guide); without,
        the last one (``n_iter_``).

    out_activation_ : str
        The output activation trained with.

    loss_function_ : str
        The training loss.

    input_mean_, input_scale_ : ndarray of shape (`n_features_in_`,) or None
        The standardisation trained with; None when not standardised.

    autoencoders_ : list of AutoencoderTransformer
        The fitted per-layer autoencoders of the pre-training.

    pretraining_loss_curves_ : list of list of float
        The loss curve of each layer's pre-training.

    data_min_ : ndarray of shape (n_features,)
        Column minima seen in training (the 'pepper' values).

    data_max_ : ndarray of shape (n_features,)
        Column maxima seen in training (the 'salt' values).

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during ``fit``, when they are all strings.

    See Also
    --------
    AutoencoderTransformer : The same network trained on clean inputs.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_autoencoders import DenoisingAutoencoder
    >>> X = load_digits().data / 16
    >>> dae = DenoisingAutoencoder(n_components=16, noise="masking",
    ...                            noise_level=0.25, max_iter=20, random_state=0)
    >>> dae.fit_transform(X).shape
    (1797, 16)
    >>> dae.reconstruct(X[:3]).shape
    (3, 64)
    """

    _parameter_constraints: dict = {
        **AutoencoderTransformer._parameter_constraints,
        **NoisyInputMixin._noise_constraints,
    }

    _regularized_code = True

    def __init__(
        self,
        n_components="auto",
        *,
        noise="masking",
        noise_level="auto",
        hidden_layer_sizes="auto",
        activation="relu",
        code_activation=None,
        out_activation="auto",
        loss="auto",
        tied_weights=True,
        weight_penalty="l2",
        alpha="auto",
        solver="adam",
        batch_size="auto",
        learning_rate="cosine",
        learning_rate_init=3e-3,
        max_iter=200,
        tol=1e-4,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        shuffle=True,
        momentum=0.9,
        nesterovs_momentum=True,
        random_state=None,
        verbose=False,
        warm_start=False,
        init="auto",
        pretraining=None,
        pretrain_max_iter=50,
        standardize="auto",
    ):
        super().__init__(
            n_components,
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            code_activation=code_activation,
            out_activation=out_activation,
            loss=loss,
            tied_weights=tied_weights,
            weight_penalty=weight_penalty,
            alpha=alpha,
            solver=solver,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            max_iter=max_iter,
            tol=tol,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            shuffle=shuffle,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            random_state=random_state,
            verbose=verbose,
            warm_start=warm_start,
            init=init,
            pretraining=pretraining,
            pretrain_max_iter=pretrain_max_iter,
            standardize=standardize,
        )
        self.noise = noise
        self.noise_level = noise_level
