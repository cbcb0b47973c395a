"""Autoencoders with a penalty on their activations: sparse and contractive.

Both are ``AutoencoderTransformer`` with one more term in the objective,
added by the engine (``_losses.LAYER_PENALTIES``) through the network's
layer-penalty hook; like ``DenoisingAutoencoder`` they change nothing else.
"""

from functools import partial
from numbers import Real

from sklearn.utils._param_validation import Interval, StrOptions

from ._autoencoder import AutoencoderTransformer, NoisyInputMixin
from ._losses import LAYER_PENALTIES, LayerPenalty
from ._network import encoder_layers
from ._noise import NOISE_TYPES

#: ``sparsity_weight='auto'`` is this times ``n_features``: the
#: reconstruction loss sums over the features, so the penalty keeps the same
#: weight against it whatever their number (as ``alpha='auto'`` does). With
#: it the mean code activation ends within 12% of targets 0.1 and 0.2 on
#: digits and MNIST (user guide, "Sparse and contractive autoencoders").
AUTO_SPARSITY_PER_FEATURE = 0.05

#: The same for the L1 activity penalty of ReLU codes, which has no target
#: to reach: on digits and MNIST a logistic regression on 32 ReLU codes was
#: within 0.006 of the plain autoencoder's for weights from 0.003 to 0.1
#: and best near 0.01 (digits) and 0.1 (MNIST).
AUTO_ACTIVITY_PER_FEATURE = 1.5e-4

#: ``contraction_weight='auto'`` is this times ``n_features``, for the same
#: reason; chosen on validation splits of digits and MNIST (user guide).
AUTO_CONTRACTION_PER_FEATURE = 2e-4

#: With shuffled minibatches, the exact contraction's two ``rows x h x h``
#: products (two thirds of its cost at digits' shapes) use this many rows of
#: each batch, a random sample of it: the penalty's minibatch estimate from
#: fewer rows (user guide, "Sparse and contractive autoencoders").
CONTRACTION_ROWS = 32


def _auto_weight(weight, per_feature, n_features):
    return per_feature * n_features if weight == "auto" else weight


class SparseAutoencoder(NoisyInputMixin, AutoencoderTransformer):
    """Autoencoder whose code units are kept mostly silent.

    A sparse autoencoder (Ng, 2011) adds to the reconstruction loss the
    penalty ``sparsity_weight * sum_j KL(rho || rho_j)``, where ``rho`` is
    ``sparsity_target`` and ``rho_j`` the mean activation of code unit ``j``
    over the minibatch: each unit is pushed to fire for a small fraction of
    the inputs, so that it specialises on one pattern (a stroke, an edge)
    and the code of an input is a few active units. ``KL(rho || rho_j) =
    rho log(rho / rho_j) + (1 - rho) log((1 - rho) / (1 - rho_j))`` is the
    divergence between Bernoulli means, so it needs code units with values
    in [0, 1]:

    - ``code_activation='logistic'`` (the default): as is;
    - ``'tanh'``: on ``(a + 1) / 2``, so the target is the fraction of the
      way from -1 to 1;
    - ``'relu'``: a ReLU's mean has no upper bound, so the penalty is the L1
      activity penalty ``sparsity_weight * mean_n sum_j a_nj`` instead, which
      drives units to exactly 0; ``sparsity_target`` is unused;
    - ``'identity'`` is refused: a linear code has no silent state.

    Parameters
    ----------
    n_components : int, float in (0, 1) or 'auto', default='auto'
        Number of code units. ``'auto'``: half the features, at most 32. A float
        in (0, 1): the fewest principal components explaining that
        fraction of the variance, as in ``PCA``. Its noise or penalty
        regularises the code, which may therefore be overcomplete (as
        wide as the data or wider) without a warning.

    sparsity_target : float, default=0.1
        Target mean activation ``rho`` of each code unit, in (0, 1). 0.1 is
        the sparsest target the ``'auto'`` weight holds within 20% on both
        digits and MNIST at 32 code units; larger targets keep more
        information in the codes (user guide).

    sparsity_weight : float or 'auto', default='auto'
        Weight ``beta`` of the sparsity penalty. ``'auto'`` is ``0.05 *
        n_features`` (``1.5e-4 * n_features`` for the L1 penalty of ReLU
        codes): the reconstruction loss sums over the features, so the
        penalty keeps its weight against it whatever their number.

    noise : {'gaussian', 'masking', 'salt_and_pepper'} or None, default=None
        Input noise, as in ``DenoisingAutoencoder``: each minibatch's
        inputs are corrupted while the targets stay clean, so the penalty
        and the denoising criterion combine. ``None`` trains on clean
        inputs.

    noise_level : float or 'auto', default='auto'
        Standard deviation for ``'gaussian'``; the corrupted fraction, in
        [0, 1), for the other two. ``'auto'``: as ``DenoisingAutoencoder``.

    hidden_layer_sizes : array-like of int or 'auto', default='auto'
        Encoder layers between the input and the code; ``'auto'`` is one
        layer of ``max(256, 2 * n_components)`` units, ``()`` the shallow
        autoencoder.

    activation : {'relu', 'tanh', 'logistic', 'identity'}, default='relu'
        Activation of the hidden layers.

    code_activation : {'logistic', 'tanh', 'relu'}, default='logistic'
        Activation of the code layer, which decides the penalty (above).

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
        Greedy layer-wise pre-training of a deep autoencoder: every
        layer's shallow autoencoder carries this estimator's penalty, and
        with ``'denoising'`` also input noise (``noise``, or masking 30% of
        the entries when ``noise=None``). See ``AutoencoderTransformer``.

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
        Training loss at the end of training, the penalty included.

    loss_curve_ : list of float
        Training loss (penalty included) after each epoch or iteration.

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

    data_min_, data_max_ : ndarray of shape (n_features,)
        Column minima and maxima seen in training, only with a ``noise``
        (the 'pepper' and 'salt' values).

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during ``fit``, when they are all strings.

    See Also
    --------
    ContractiveAutoencoder : Penalises the codes' sensitivity to the input.
    DenoisingAutoencoder : Regularises by corrupting the input.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_autoencoders import SparseAutoencoder
    >>> X = load_digits().data / 16
    >>> sae = SparseAutoencoder(n_components=16, max_iter=30, random_state=0)
    >>> codes = sae.fit_transform(X)
    >>> codes.shape
    (1797, 16)
    >>> round(float(codes.mean()), 1)  # the target; 0.56 without the penalty
    0.1
    """

    _parameter_constraints: dict = {
        **AutoencoderTransformer._parameter_constraints,
        "sparsity_target": [Interval(Real, 0, 1, closed="neither")],
        "sparsity_weight": [
            Interval(Real, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "noise": [StrOptions(set(NOISE_TYPES)), None],
        "noise_level": NoisyInputMixin._noise_constraints["noise_level"],
    }

    _layer_penalty_params = ("sparsity_target", "sparsity_weight")
    _regularized_code = True

    def __init__(
        self,
        n_components="auto",
        *,
        sparsity_target=0.1,
        sparsity_weight="auto",
        noise=None,
        noise_level="auto",
        hidden_layer_sizes="auto",
        activation="relu",
        code_activation="logistic",
        out_activation="auto",
        loss="auto",
        tied_weights=True,
        weight_penalty="l2",
        alpha="auto",
        solver="adam",
        batch_size="auto",
        learning_rate="cosine",
        learning_rate_init=0.003,
        max_iter=200,
        tol=0.0001,
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
        self.sparsity_target = sparsity_target
        self.sparsity_weight = sparsity_weight
        self.noise = noise
        self.noise_level = noise_level

    def _parameter_problems(self, incremental):
        problems = super()._parameter_problems(incremental)
        _, activations, _ = self._architecture(1, self._planned_output())
        if activations[encoder_layers(len(activations)) - 1] == "identity":
            problems.append(
                "SparseAutoencoder needs a code with a silent state: set "
                "code_activation to 'logistic', 'tanh' or 'relu', not 'identity'."
            )
        return problems

    def _layer_penalty(self, activations, n_features):
        code_layer = encoder_layers(len(activations)) - 1
        code = activations[code_layer]
        per_feature = (
            AUTO_ACTIVITY_PER_FEATURE if code == "relu" else AUTO_SPARSITY_PER_FEATURE
        )
        strength = _auto_weight(self.sparsity_weight, per_feature, n_features)
        if code == "relu":
            penalty = partial(LAYER_PENALTIES["l1_activity"], strength=strength)
        else:
            penalty = partial(
                LAYER_PENALTIES["kl_sparsity"],
                strength=strength,
                target=self.sparsity_target,
            )
        return LayerPenalty(code_layer, penalty)


class ContractiveAutoencoder(NoisyInputMixin, AutoencoderTransformer):
    """Autoencoder whose codes change little when the input changes little.

    A contractive autoencoder (Rifai et al., 2011) adds to the
    reconstruction loss ``contraction_weight * mean_n ||J(x_n)||_F^2``, the
    squared Frobenius norm of the Jacobian of the code with respect to the
    input. Reconstruction asks the code to follow the data; the penalty
    asks it to ignore every other direction, so it is locally invariant to
    small perturbations of the input, as a denoising autoencoder's is,
    without sampling any noise. Curved (tanh, logistic) units meet both
    demands by saturating, hence tanh hidden units by default.

    The penalty is exact and computed without forming any Jacobian:

    - for the shallow autoencoder (``hidden_layer_sizes=()``), code
      ``c = act(x W + b)``: ``||J||_F^2 = sum_j act'(z_j)^2 ||W_j||^2``,
      one pass over the codes;
    - for one hidden layer ``h = act(x W + b)`` before a linear code
      ``c = h V + d`` (the default): ``J = W diag(act'(z)) V`` and
      ``||J||_F^2 = s^T ((W^T W) * (V V^T)) s`` with ``s = act'(z)``, two
      Gram matrices of the hidden layer per minibatch; with shuffled
      minibatches the mean over the batch is estimated on 32 of its rows
      (a random sample), which cuts the cost without changing what the
      codes learn (user guide), and L-BFGS uses every row;
    - otherwise (more hidden layers, or a curved code after a hidden
      layer), the penalty is the first layer's Jacobian, as in Rifai et
      al.'s stacked contractive autoencoders, and later layers are kept in
      check by the weight penalty.

    Parameters
    ----------
    n_components : int, float in (0, 1) or 'auto', default='auto'
        Number of code units. ``'auto'``: half the features, at most 32. A float
        in (0, 1): the fewest principal components explaining that
        fraction of the variance, as in ``PCA``. Its noise or penalty
        regularises the code, which may therefore be overcomplete (as
        wide as the data or wider) without a warning.

    contraction_weight : float or 'auto', default='auto'
        Weight ``lambda`` of the contraction penalty. ``'auto'`` is ``2e-4 *
        n_features``, chosen on validation splits of digits and MNIST.

    noise : {'gaussian', 'masking', 'salt_and_pepper'} or None, default=None
        Input noise, as in ``DenoisingAutoencoder``: each minibatch's
        inputs are corrupted while the targets stay clean, so the penalty
        and the denoising criterion combine. ``None`` trains on clean
        inputs.

    noise_level : float or 'auto', default='auto'
        Standard deviation for ``'gaussian'``; the corrupted fraction, in
        [0, 1), for the other two. ``'auto'``: as ``DenoisingAutoencoder``.

    hidden_layer_sizes : array-like of int or 'auto', default='auto'
        Encoder layers between the input and the code; ``'auto'`` is one
        layer of ``max(256, 2 * n_components)`` units, ``()`` the shallow
        autoencoder.

    activation : {'tanh', 'relu', 'logistic', 'identity'}, default='tanh'
        Activation of the hidden layers. Tanh by default: a contractive
        network lowers its Jacobian by saturating curved units, which ReLU
        units cannot do (on MNIST a logistic regression on the codes gained
        +0.023 with tanh units and lost 0.007 with ReLU ones against the
        plain autoencoder; user guide).

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
        Greedy layer-wise pre-training of a deep autoencoder: every
        layer's shallow autoencoder carries this estimator's penalty, and
        with ``'denoising'`` also input noise (``noise``, or masking 30% of
        the entries when ``noise=None``). See ``AutoencoderTransformer``.

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
        Training loss at the end of training, the penalty included.

    loss_curve_ : list of float
        Training loss (penalty included) after each epoch or iteration.

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

    data_min_, data_max_ : ndarray of shape (n_features,)
        Column minima and maxima seen in training, only with a ``noise``
        (the 'pepper' and 'salt' values).

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during ``fit``, when they are all strings.

    See Also
    --------
    SparseAutoencoder : Keeps the code units mostly silent.
    DenoisingAutoencoder : Learns robust features from corrupted inputs.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_autoencoders import ContractiveAutoencoder
    >>> X = load_digits().data / 16
    >>> cae = ContractiveAutoencoder(n_components=16, max_iter=30, random_state=0)
    >>> cae.fit_transform(X).shape
    (1797, 16)
    """

    _parameter_constraints: dict = {
        **AutoencoderTransformer._parameter_constraints,
        "contraction_weight": [
            Interval(Real, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "noise": [StrOptions(set(NOISE_TYPES)), None],
        "noise_level": NoisyInputMixin._noise_constraints["noise_level"],
    }

    _layer_penalty_params = ("contraction_weight",)
    _regularized_code = True

    def __init__(
        self,
        n_components="auto",
        *,
        contraction_weight="auto",
        noise=None,
        noise_level="auto",
        hidden_layer_sizes="auto",
        activation="tanh",
        code_activation=None,
        out_activation="auto",
        loss="auto",
        tied_weights=True,
        weight_penalty="l2",
        alpha="auto",
        solver="adam",
        batch_size="auto",
        learning_rate="cosine",
        learning_rate_init=0.003,
        max_iter=200,
        tol=0.0001,
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
        self.contraction_weight = contraction_weight
        self.noise = noise
        self.noise_level = noise_level

    def _layer_penalty(self, activations, n_features):
        strength = _auto_weight(
            self.contraction_weight, AUTO_CONTRACTION_PER_FEATURE, n_features
        )
        # shuffled minibatches: the Jacobian terms on a random part of each
        # batch; a deterministic objective (L-BFGS) or fixed batches: all rows
        stochastic = self._stochastic and self.shuffle
        penalty = partial(
            LAYER_PENALTIES["contraction"],
            strength=strength,
            rows=CONTRACTION_ROWS if stochastic else None,
        )
        n_encoder = encoder_layers(len(activations))
        # exact through a linear code after one hidden layer (the default)
        exact_span = n_encoder == 2 and activations[1] == "identity"
        return LayerPenalty(0, penalty, 2 if exact_span else 1)
