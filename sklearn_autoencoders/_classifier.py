"""``StackedPretrainedClassifier``: greedy pre-training, then fine-tuning."""

import copy
import functools
import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy.special import log_expit, log_softmax
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, _fit_context
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._autoencoder import (
    LAYER_ALPHA,
    AutoencoderTransformer,
    DenoisingAutoencoder,
)
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
from ._network import (
    Network,
    SemiSupervisedNetwork,
    forward,
    unfold_standardization,
)
from ._optimizers import keep_leading_parameters
from ._pretraining import (
    DEFAULT_PRETRAINING_NOISE,
    fitted_network_state,
    fold_into_first_layer,
    layer_parameters,
    pretrain_layers,
    reconstruction_output,
)
from ._training import (
    run_solver,
    training_stage,
)
from ._validation import (
    check_layer_sizes,
    column_statistics,
    held_out_weights,
    restore_on_error,
    validation_split,
)


def _warn_if_minus_one_looks_unlabeled(y):
    """Warn when -1 is probably scikit-learn's "unlabeled" marker, not a class.

    scikit-learn's semi-supervised estimators read -1 as unlabeled; with
    ``unlabeled_label=None`` it would silently become a class. Binary
    {-1, 1} (or {-1, 0}) problems are left alone: there -1 is a class.
    """
    if y.dtype.kind not in "iuf":
        return
    classes = np.unique(y)
    if -1 in classes and len(classes) > 2:
        warnings.warn(
            f"y contains -1 beside {len(classes) - 1} other classes. scikit-learn's "
            "semi-supervised estimators read -1 as 'unlabeled'; here, with "
            "unlabeled_label=None, it is a class of its own. Pass "
            "unlabeled_label=-1 to use those rows for pre-training only.",
            UserWarning,
            # this helper, _split_labels, fit, restore_on_error, _fit_context
            stacklevel=6,
        )


#: Defaults of the joint fine-tuning, chosen on validation splits of digits
#: and MNIST (user guide, "Semi-supervised fine-tuning"), reached from
#: ``CONSISTENCY_FULL_LABELS`` labeled rows and ``CONSISTENCY_FULL_FEATURES``
#: features.
CONSISTENCY_WEIGHT = 10.0
CONSISTENCY_NOISE = 0.75

#: ``consistency_weight='auto'`` is ``CONSISTENCY_WEIGHT`` times
#: ``min(1, n_labeled / 100)`` and ``consistency_noise='auto'`` is
#: ``CONSISTENCY_NOISE`` times ``min(1, n_features / 64)``. With few labels
#: the consistency term outweighs them, and on a few features noise of 0.75
#: standard deviations erases what tells the classes apart (images spread
#: a class over many redundant pixels). Chosen on validation splits of iris
#: (10 labels), wine and breast cancer (7% labeled), 15 seeds, against the
#: noise scaled by ``sqrt(n_features / 64)`` and the weight by the square of
#: the labels' ratio; digits and MNIST at 10% labels keep 10 and 0.75.
CONSISTENCY_FULL_LABELS = 100
CONSISTENCY_FULL_FEATURES = 64


def consistency_settings(weight, noise, n_labeled, n_features):
    """``(consistency_weight, consistency_noise)`` with ``'auto'`` resolved."""
    if weight == "auto":
        weight = CONSISTENCY_WEIGHT * min(1.0, n_labeled / CONSISTENCY_FULL_LABELS)
    if noise == "auto":
        noise = CONSISTENCY_NOISE * min(1.0, n_features / CONSISTENCY_FULL_FEATURES)
    return float(weight), float(noise)


#: A class predicted for less than this fraction of its share of the
#: labeled rows counts as collapsed (on iris with 9 labels, the former
#: defaults predicted the third class for 3 of 105 rows).
COLLAPSE_FRACTION = 0.25


def collapsed_classes(predicted, labels, classes):
    """Classes predicted far more rarely than the labels hold them.

    A class whose share of the predictions (over every row) is under
    ``COLLAPSE_FRACTION`` of its share of the labeled rows: what a
    consistency term that pulls the predictions together does.
    """
    return [
        c
        for c in classes
        if np.mean(predicted == c) < COLLAPSE_FRACTION * np.mean(labels == c)
    ]


#: The consistency weight ramps up over this fraction of ``max_iter``.
CONSISTENCY_RAMPUP = 0.3


def _feature_scales(X, sample_weight=None):
    """(Weighted) standard deviation of each column (of a sparse matrix too)."""
    return column_statistics(X, sample_weight)[1].astype(X.dtype)


@dataclass
class _Run(TrainingRun):
    """One training run of the classifier (``TrainingRun``, and its labels)."""

    classes: np.ndarray = None
    labeled: np.ndarray = None


class StackedPretrainedClassifier(
    NetworkEstimatorMixin,
    ClassifierMixin,
    TransformerMixin,
    BaseEstimator,
):
    """Deep network pre-trained layer by layer with autoencoders, then fine-tuned.

    For each hidden layer, a shallow autoencoder (denoising by default) is
    trained on the previous layer's clean output, without labels, and its
    encoder becomes that layer's initial weights (Bengio et al., 2007;
    Vincent et al., 2010). A softmax output layer (logistic for two
    classes) is added, initialised by a logistic regression on the top
    features, and every weight is then fine-tuned with backpropagation on
    the cross-entropy.

    Pre-training needs no labels, so unlabeled samples can help: with
    ``unlabeled_label=-1`` (scikit-learn's semi-supervised convention), rows
    labeled ``-1`` feed the pre-training and, by default, the fine-tuning
    too (*joint fine-tuning*): each minibatch pairs labeled rows, scored by
    the cross-entropy, with rows of the whole set, whose predictions for two
    noisy copies are pulled together (the Pi-model consistency of Laine &
    Aila, 2017). The unlabeled rows thus keep shaping the network while the
    labels are fitted, which pre-training alone does not do: with 10% of
    the labels, +1.8 points of test accuracy on digits and +3.1 on MNIST
    over pre-training only (README; user guide, "Semi-supervised
    fine-tuning").

    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(100,)
        Units of each hidden layer.

    activation : {'relu', 'tanh', 'logistic', 'identity'}, default='relu'
        Activation of the hidden layers (and of the pre-training codes), as
        in ``MLPClassifier``.

    pretraining : {'denoising', 'basic'} or None, default='denoising'
        Kind of per-layer autoencoder; ``None`` skips pre-training (random
        initialisation), to measure what it buys.

    autoencoder : AutoencoderTransformer or DenoisingAutoencoder, default=None
        Template for every layer's autoencoder, cloned with
        ``n_components`` set to the layer's size, ``activation`` set to
        this estimator's and ``max_iter`` to ``pretrain_max_iter``; its other
        parameters (``noise_level``, ``alpha``, ...) are tunable as
        ``autoencoder__<name>``, also with the default: setting one while
        this is None replaces None by the default template. ``None`` uses a
        tied ``DenoisingAutoencoder(noise='masking', noise_level=0.3,
        alpha=1e-4)`` (a tied ``AutoencoderTransformer(alpha=1e-4)`` for
        ``pretraining='basic'``) with this estimator's learning rate and
        schedule. With either template the first layer reconstructs the
        input through a logistic output with the cross-entropy when every
        feature lies in [0, 1] (pixels, proportions, binary data), unless
        the template sets ``out_activation`` or ``loss``; deeper layers use
        an identity output and the squared error. An explicit template is
        otherwise used as given: its own defaults (``alpha='auto'``, the
        ``'cosine'`` schedule at 3e-3) replace the default template's.
        Ignored when ``pretraining=None``.

    pretrain_max_iter : int, default=50
        Epochs of each layer's pre-training.

    unlabeled_label : int, str or None, default=None
        Label marking unlabeled rows: they feed the pre-training and the
        joint fine-tuning (below), and ``score`` leaves them out. ``None``:
        every row is labeled (so labels such as {-1, 1} keep working); a -1
        beside two or more other classes then draws a warning, since
        scikit-learn's semi-supervised estimators read -1 as unlabeled.

    consistency_weight : float or 'auto', default='auto'
        Weight of the consistency term of the joint fine-tuning, used when
        ``y`` has unlabeled rows: the mean squared difference between the
        class probabilities predicted for two noisy copies of a row (every
        row, labeled or not), added to the labeled rows' cross-entropy. It
        ramps up along ``exp(-5 (1 - t)^2)`` over the first 30% of
        ``max_iter`` epochs. ``'auto'``: 10 from 100 labeled rows on (the
        weight chosen on digits and MNIST), less in proportion below, so a
        handful of labels is not outweighed (1.0 for 10 labels). 0 (with
        ``reconstruction_weight=0``) fine-tunes on the labeled rows only,
        as without unlabeled rows. Too much weight with too much noise
        lets every prediction collapse to one class (on digits: 30 with
        ``consistency_noise=1.0``); a fit that predicts some labeled class
        for no training row warns.

    consistency_noise : float or 'auto', default='auto'
        Standard deviation of the Gaussian noise of each copy, as a
        fraction of each feature's standard deviation (constant features
        get none). ``'auto'``: 0.75 from 64 features on (images, whose
        redundant pixels survive it), less in proportion below (0.05 for
        iris's 4 features), where such noise would erase what tells the
        classes apart.

    reconstruction_weight : float, default=0.0
        Weight of a reconstruction term in the joint fine-tuning: the
        first pre-trained layer's decoder (initialised at random without
        pre-training) reconstructs each clean row from the first hidden
        layer of its first noisy copy, with that layer's pre-training loss.
        0 by default: it measured no better than the consistency alone.

    solver : {'adam', 'sgd', 'lbfgs'}, default='adam'
        Optimizer of the fine-tuning. ``'lbfgs'`` needs a deterministic
        objective, so it fine-tunes on the labeled rows only (no joint
        fine-tuning).

    alpha : float, default=1e-4
        L2 penalty of the fine-tuning.

    batch_size : int or 'auto', default='auto'
        Minibatch size; ``'auto'`` is ``min(200, n_labeled)``. In joint
        fine-tuning each batch holds ``min(batch_size, n_labeled)``
        labeled rows (cycling through them, classes in proportion) and
        ``batch_size`` rows of the whole set (``'auto'``: ``min(200,
        n_samples)``), so an epoch sees every row.

    learning_rate : {'constant', 'adaptive', 'cosine'}, default='constant'
        Learning-rate schedule of ``'adam'`` and ``'sgd'``, in the
        fine-tuning and in each layer's pre-training. ``'constant'`` keeps
        ``learning_rate_init``; ``'adaptive'`` divides it by 5 each time
        ``n_iter_no_change`` epochs fail to improve by ``tol`` (a plateau
        at 1e-6 or less ends training); ``'cosine'`` warms up linearly over the first 5%
        of ``max_iter`` epochs (``pretrain_max_iter`` for pre-training),
        then decays along a cosine to 1% of ``learning_rate_init``.
        ``partial_fit`` counts each call as one epoch of the schedule.
        ``'constant'`` is the default here because the classifier's defaults
        were measured with it.

    learning_rate_init : float, default=1e-3
        Step size of ``'adam'`` and ``'sgd'``.

    max_iter : int, default=200
        Maximum epochs (or L-BFGS iterations) of the fine-tuning.

    tol : float, default=1e-4
        Minimum improvement of the loss (or validation accuracy) per epoch.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the labeled rows (stratified),
        stop when their accuracy stops improving, restore the best weights.

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
        Seeds pre-training, initialisation, shuffling and splits.

    verbose : bool, default=False
        Print the loss (and validation accuracy) every epoch of each layer's
        pre-training and of the fine-tuning, as it happens; every line, and
        every warning, names its stage (``"pre-training layer 2/3: ..."``,
        ``"fine-tuning: ..."``). Early stopping says which epoch's weights
        it restored.

    warm_start : bool, default=False
        Continue fine-tuning from the previous solution (no new
        pre-training).

    standardize : bool or 'auto', default='auto'
        Train on standardised features ``(x - mean) / std``, folded into the
        first layer afterwards so that every method takes raw data.
        ``'auto'`` standardises only data with a column whose ``|mean| +
        std`` exceeds 10 (or whose every value is below 0.1 in
        magnitude): raw measurements would saturate the units. Data in
        [0, 1] keep the
        cross-entropy first pre-training layer. ``partial_fit`` fixes the
        standardisation on its first call.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (``unlabeled_label`` excluded).

    coefs_ : list of ndarray
        Weight matrices, ``coefs_[i]`` of shape ``(fan_in, fan_out)``.

    intercepts_ : list of ndarray
        Bias vectors.

    input_mean_, input_scale_ : ndarray of shape (`n_features_in_`,) or None
        The standardisation trained with (folded into ``coefs_[0]`` and
        ``intercepts_[0]``); None when the data were not standardised.

    autoencoders_ : list of AutoencoderTransformer
        The fitted per-layer autoencoders; empty without pre-training.

    pretraining_loss_curves_ : list of list of float
        Loss curve of each layer's pre-training.

    loss_ : float
        Final fine-tuning loss.

    loss_curve_ : list of float
        Fine-tuning loss after each epoch or iteration.

    best_loss_ : float or None
        Smallest fine-tuning loss; None with early stopping.

    validation_scores_ : list of float or None
        Held-out accuracy after each epoch; None without early stopping.

    best_validation_score_ : float or None
        Best of ``validation_scores_``.

    best_epoch_ : int
        The epoch whose weights were kept: with early stopping the best
        one, ``0`` when no epoch beat the start (the network stayed at its
        PCA or pre-trained starting point, see the user guide); without,
        the last one (``n_iter_``).

    n_iter_ : int
        Fine-tuning epochs (or iterations) run.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during ``fit``, when they are all strings.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The same network, randomly
        initialised.
    DenoisingAutoencoder : The default per-layer autoencoder.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_autoencoders import StackedPretrainedClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> y_partial = y.copy()
    >>> y_partial[np.random.RandomState(0).rand(len(y)) < 0.8] = -1  # 80% unlabeled
    >>> clf = StackedPretrainedClassifier(
    ...     hidden_layer_sizes=(64,), unlabeled_label=-1, pretrain_max_iter=10,
    ...     max_iter=50, random_state=0,
    ... ).fit(X, y_partial)
    >>> clf.classes_
    array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> clf.predict_proba(X[:2]).shape
    (2, 10)
    >>> clf.transform(X[:2]).shape
    (2, 64)
    """

    _parameter_constraints: dict = {
        **ENGINE_PARAMETER_CONSTRAINTS,
        "hidden_layer_sizes": ["array-like"],
        "pretraining": [StrOptions({"basic", "denoising"}), None],
        "autoencoder": [HasMethods(["fit", "transform"]), None],
        "pretrain_max_iter": [Interval(Integral, 1, None, closed="left")],
        "unlabeled_label": [Integral, str, None],
        "consistency_weight": [
            Interval(Real, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "consistency_noise": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"auto"}),
        ],
        "reconstruction_weight": [Interval(Real, 0, None, closed="left")],
        "standardize": ["boolean", StrOptions({"auto"})],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        pretraining="denoising",
        autoencoder=None,
        pretrain_max_iter=50,
        unlabeled_label=None,
        consistency_weight="auto",
        consistency_noise="auto",
        reconstruction_weight=0.0,
        solver="adam",
        alpha=1e-4,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=1e-3,
        max_iter=200,
        tol=1e-4,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        shuffle=True,
        momentum=0.9,
        nesterovs_momentum=True,
        random_state=None,
        verbose=False,
        warm_start=False,
        standardize="auto",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.pretraining = pretraining
        self.autoencoder = autoencoder
        self.pretrain_max_iter = pretrain_max_iter
        self.unlabeled_label = unlabeled_label
        self.consistency_weight = consistency_weight
        self.consistency_noise = consistency_noise
        self.reconstruction_weight = reconstruction_weight
        self.solver = solver
        self.alpha = alpha
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
        self.standardize = standardize

    @_fit_context(prefer_skip_nested_validation=False)
    @restore_on_error
    def fit(self, X, y, sample_weight=None):
        """Pre-train on all rows, then fine-tune on the labeled ones.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Labels; rows equal to ``unlabeled_label`` count as unlabeled.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows: the pre-training, the standardisation, the
            output layer's start, the cross-entropy (a weighted mean over
            the labeled rows), the consistency term (over every row) and
            the early-stopping accuracy are all weighted. A weight of 2
            counts a row as twice, 0 ignores it.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        self._check_params()
        reuse = self.warm_start and hasattr(self, "coefs_")
        self._fit(X, y, sample_weight, incremental=False, reuse=reuse)
        return self

    @available_if(has_stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=False)
    @restore_on_error
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Fine-tune for one epoch on a chunk of samples.

        The first call initialises the network at random (call ``fit`` on a
        first sample instead to pre-train it) and must be given every class;
        later calls continue from the current weights and optimizer state.
        Rows labeled ``unlabeled_label`` feed the consistency term of the
        joint fine-tuning (a chunk may even hold no labeled row), counting
        each call as one epoch of its ramp; with
        ``consistency_weight=0`` they are skipped. The reconstruction term
        is left out: it needs the decoder of pre-training, which only
        ``fit`` has.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            A chunk of samples.
        y : array-like of shape (n_samples,)
            Their labels.
        classes : array-like of shape (n_classes,), default=None
            All the classes; required on the first call, ignored later.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the chunk's rows, as in ``fit``.

        Returns
        -------
        self : object
            The updated classifier.
        """
        self._check_params(incremental=True)
        first = not hasattr(self, "coefs_")
        if first and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if first and len(np.unique(classes)) < 2:
            raise ValueError("classes must hold at least two classes.")
        self._fit(
            X, y, sample_weight, classes=classes, incremental=True, reuse=not first
        )
        return self

    def _fit(self, X, y, sample_weight, *, classes=None, incremental, reuse):
        """Prepare the data, build the network and its start, train, commit.

        ``fit`` pre-trains a new network (or reuses the fitted one, with
        ``warm_start``) and fine-tunes it until it stops; ``partial_fit``
        (``incremental``) starts at random or from the fitted network and
        runs one epoch, continuing the optimizer of the call before.
        """
        data = self._prepare_data(X, y, sample_weight, reuse=reuse)
        run = self._build(data, classes, incremental=incremental, reuse=reuse)
        task = None if incremental else root_task(self, data.X, data.y)
        decoder = None
        if not reuse:
            run.net.initialize(run.rng)
            if not incremental:
                decoder = self._start(run, data, task)
        self._train(run, data, decoder, incremental=incremental, task=task)
        self._commit(run)
        end_root_task(self, task, data.X, data.y)

    def _build(self, data, classes, *, incremental, reuse):
        """The labels, the network (new, or the fitted one) and its state."""
        labeled, classes = self._labels(data, classes, incremental, reuse)
        hidden = (
            [W.shape[1] for W in self.coefs_[:-1]] if reuse else self._hidden_layers()
        )
        net = self._make_network(data.X.shape[1], hidden, len(classes), data.X.dtype)
        if reuse:
            net.set_parameters(*self._network_parameters(data.scaling))
        rng, history, optimizer = self._training_state(resume=incremental and reuse)
        autoencoders = self.autoencoders_ if reuse else []
        return _Run(
            net, rng, history, optimizer, autoencoders, data.scaling, classes, labeled
        )

    def _labels(self, data, classes, incremental, reuse):
        """The labeled-row mask and the classes, checked against the fit's."""
        y = data.y
        if not incremental:
            labeled, found = self._split_labels(y, data.sample_weight)
            if reuse and not np.array_equal(found, self.classes_):
                raise ValueError(
                    f"warm_start=True needs the same classes as before: fitted "
                    f"with {self.classes_}, got {found}."
                )
            return labeled, found
        labeled = self._labeled_rows(y)
        classes = self.classes_ if reuse else np.unique(classes)
        unknown = np.setdiff1d(y[labeled], classes)
        if unknown.size:
            raise ValueError(f"y holds labels {unknown} not in classes {classes}.")
        return labeled, classes

    def _start(self, run, data, task):
        """Pre-train the hidden layers, then start the output layer on them.

        Returns the first layer's decoder (for the reconstruction term of
        joint fine-tuning), or None without pre-training.
        """
        X, y, weights, labeled = data.X, data.y, data.sample_weight, run.labeled
        hidden = run.net.layer_units[1:-1]
        # the layers pre-train on the rows with their holes (MaskedLoss)
        run.autoencoders = self._pretrain(
            data.observed, hidden, run.net, run.rng, task, weights
        )
        decoder = None
        if run.autoencoders:
            decoder = self._pretrained_decoder(run.autoencoders[0])
            w_labeled = None if weights is None else weights[labeled]
            self._init_output_layer(run.net, X[labeled], y[labeled], hidden, w_labeled)
        fold_into_first_layer(run.autoencoders, data.scaling)
        return decoder

    def _train(self, run, data, decoder, *, incremental, task):
        """Fine-tune the network, or the joint network around it.

        The labeled rows' cross-entropy; with unlabeled rows, the joint
        network (``_trainer``) also reads every row of ``data.X``. Early
        stopping holds out labeled rows either way.
        """
        labeled, X, y, weights = run.labeled, data.X, data.y, data.sample_weight
        trainer = self._trainer(
            run.net,
            X,
            labeled,
            run.rng,
            decoder,
            weights,
            reconstruction=not incremental,
        )
        joint = isinstance(trainer, SemiSupervisedNetwork)
        if not labeled.any() and not joint:
            return  # a partial_fit chunk with nothing to learn from
        X_labeled, y_labeled = X[labeled], y[labeled]
        w_labeled = None if weights is None else weights[labeled]
        Y = self._one_hot(y_labeled, run.classes, trainer.dtype)
        validation = None
        if self.early_stopping and self._stochastic:
            validation = functools.partial(
                self._validation_split, X_labeled, y_labeled, run.rng, w_labeled
            )
        # fit -> epochs, or fit -> pre-training layers, fine-tuning -> epochs
        stage = "fine-tuning" if run.autoencoders and not incremental else None
        with (
            training_stage(stage),
            epoch_callbacks(
                task, self, X, y, lambda net: self._fitted_state(run), stage
            ) as callbacks,
        ):
            run.optimizer = run_solver(
                self._training_config(),
                trainer,
                X if joint else X_labeled,
                Y,
                rng=run.rng,
                history=run.history,
                optimizer=run.optimizer,
                incremental=incremental,
                validation=validation,
                labeled=np.flatnonzero(labeled) if joint else None,
                sample_weight=weights if joint else w_labeled,
                callbacks=callbacks,
                parts=self._training_parts(),
            )
        if joint and not incremental:
            self._warn_if_collapsed(run.net, X, y[labeled], run.classes)

    def _warn_if_collapsed(self, net, X, labels, classes):
        """Warn when joint fine-tuning (nearly) stops predicting a class.

        The consistency term can pull the predictions to a few classes
        (too much weight or noise for the labels; ``collapsed_classes``).
        """
        scores = net.predict(X)
        if scores.shape[1] == 1:
            predicted = classes[(scores[:, 0] > 0.5).astype(int)]
        else:
            predicted = classes[np.argmax(scores, axis=1)]
        collapsed = collapsed_classes(predicted, labels, classes)
        if collapsed:
            warnings.warn(
                f"Joint fine-tuning predicts the classes "
                f"{np.asarray(collapsed).tolist()} for far fewer rows than the "
                f"{len(labels)} labeled rows hold it: the consistency term "
                "probably collapsed the predictions. Lower consistency_weight "
                "or consistency_noise (consistency_weight=0 fine-tunes on the "
                "labeled rows only).",
                UserWarning,
                stacklevel=6,
            )

    def _commit(self, run):
        """Store a finished training on ``self``."""
        if run.optimizer is not None:
            # after joint fine-tuning, the decoder's moments are not needed
            keep_leading_parameters(run.optimizer, run.net.n_params)
        self._commit_training(self._fitted_state(run), run.optimizer, run.rng)

    def _fitted_state(self, run):
        """The fitted attributes for the network's current parameters."""
        # the network trained on standardised rows; it reads raw ones, and
        # its output (class scores) is not rescaled
        state = fitted_network_state(
            run.net, run.scaling, run.autoencoders, run.history, output=False
        )
        return {"classes_": run.classes, **state}

    def predict_log_proba(self, X):
        """Log-probabilities of each class, computed from the logits.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log P(class | x)``, finite even where a probability rounds to 0.
        """
        check_is_fitted(self)
        X = self._validate_X(X, keep_missing=False)
        activations = self._activations[:-1] + ["identity"]
        logits = forward(self.coefs_, self.intercepts_, activations, X)
        if len(self.classes_) == 2:
            return np.hstack([log_expit(-logits), log_expit(logits)])
        return log_softmax(logits, axis=1)

    def predict_proba(self, X):
        """Probability of each class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to one; columns follow ``classes_``.
        """
        return np.exp(self.predict_log_proba(X))

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted labels, from ``classes_``.
        """
        log_proba = self.predict_log_proba(X)
        return self.classes_[np.argmax(log_proba, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on the labeled rows of ``X``.

        Rows labeled ``unlabeled_label`` are left out, so that
        ``cross_val_score`` and ``GridSearchCV`` measure the accuracy on the
        rows that have an answer instead of counting every unlabeled row as
        a mistake. Without ``unlabeled_label`` every row counts.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.
        y : array-like of shape (n_samples,)
            True labels, possibly with ``unlabeled_label``.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Accuracy of ``predict`` on the labeled rows.
        """
        if self.unlabeled_label is None:
            return super().score(X, y, sample_weight=sample_weight)
        y = np.asarray(y)
        labeled = y != self.unlabeled_label
        if not labeled.any():
            raise ValueError(
                f"Every row is unlabeled (unlabeled_label={self.unlabeled_label!r}): "
                "there is nothing to score."
            )
        weights = None if sample_weight is None else np.asarray(sample_weight)[labeled]
        predicted = self.predict(X)[labeled]
        return float(accuracy_score(y[labeled], predicted, sample_weight=weights))

    def transform(self, X):
        """Activations of the last hidden layer: learned features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        X_new : ndarray of shape (n_samples, hidden_layer_sizes[-1])
            Features for a downstream estimator.
        """
        check_is_fitted(self)
        X = self._validate_X(X, keep_missing=False)
        n_hidden = len(self.coefs_) - 1
        return forward(self.coefs_, self.intercepts_, self._activations, X, n_hidden)

    def get_feature_names_out(self, input_features=None):
        """Names of the ``transform`` outputs.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored; present for API consistency.

        Returns
        -------
        feature_names_out : ndarray of str
            ``stackedpretrainedclassifier0``, ``stackedpretrainedclassifier1``,
            ...
        """
        check_is_fitted(self)
        prefix = type(self).__name__.lower()
        return np.asarray(
            [f"{prefix}{i}" for i in range(self.coefs_[-1].shape[0])], dtype=object
        )

    # -- internals ------------------------------------------------------
    def _network_parameters(self, scaling):
        """The fitted parameters as the network on standardised rows sees them."""
        if scaling is None:
            return self.coefs_, self.intercepts_
        return unfold_standardization(
            self.coefs_, self.intercepts_, *scaling, output=False
        )

    def _labeled_rows(self, y):
        check_classification_targets(y)
        if self.unlabeled_label is None:
            return np.ones(len(y), dtype=bool)
        return y != self.unlabeled_label

    def _parameter_problems(self, incremental):
        """The rules between parameters (``_check_params``), the template's too."""
        problems = super()._parameter_problems(incremental)
        hidden = self._hidden_layers()  # malformed or empty: its own error
        if self.pretraining is not None and not incremental:
            # the first layer's autoencoder, as pre-training will set it up
            # (a shallow copy with the layer's parameters: the rules read
            # parameters only, and a clone costs more than the whole check)
            first = copy.copy(self._template())
            if hasattr(first, "_parameter_problems"):
                vars(first).update(
                    layer_parameters(hidden[0], self.activation, True, 1, 0)
                )
                problems += first._parameter_problems(False)
        return problems

    def _hidden_layers(self):
        hidden = check_layer_sizes(self.hidden_layer_sizes)
        if not hidden:
            raise ValueError(
                "hidden_layer_sizes must name at least one hidden layer: there is "
                "nothing to pre-train or transform without one."
            )
        return hidden

    def _split_labels(self, y, sample_weight=None):
        """Labeled-row mask and the classes, with clear errors.

        Rows of weight 0 are not counted when looking for the classes: a
        class that only they hold would never be trained.
        """
        labeled = self._labeled_rows(y)
        if sample_weight is not None and self.unlabeled_label is not None:
            if not (sample_weight[labeled] > 0).any():
                raise ValueError(
                    "Every labeled row has a sample weight of zero; fine-tuning "
                    "needs labeled rows."
                )
        if self.unlabeled_label is None:
            _warn_if_minus_one_looks_unlabeled(y)
        else:
            if not labeled.any():
                raise ValueError(
                    f"Every row is unlabeled (unlabeled_label="
                    f"{self.unlabeled_label!r}); fine-tuning needs labeled rows."
                )
        counted = labeled if sample_weight is None else labeled & (sample_weight > 0)
        classes = np.unique(y[counted])
        if len(classes) < 2:
            raise ValueError(
                "Classifier can't train when only one class is present: the "
                f"labeled rows all belong to class {classes[0]!r}."
            )
        return labeled, classes

    @staticmethod
    def _one_hot(y, classes, dtype):
        if len(classes) == 2:
            return (y == classes[1]).astype(dtype)[:, None]
        return (y[:, None] == classes[None, :]).astype(dtype)

    def _make_network(self, n_features, hidden, n_classes, dtype):
        binary = n_classes == 2
        return Network(
            [n_features, *hidden, 1 if binary else n_classes],
            [self.activation] * len(hidden) + ["logistic" if binary else "softmax"],
            "cross_entropy" if binary else "softmax_cross_entropy",
            alpha=self.alpha,
            dtype=dtype,
        )

    def _trainer(
        self,
        net,
        X,
        labeled,
        rng,
        decoder=None,
        sample_weight=None,
        reconstruction=True,
    ):
        """What fine-tuning trains: ``net``, or the joint network around it.

        With unlabeled rows, ``net``'s parameters move into the classifier
        of a ``SemiSupervisedNetwork``, whose first layer may also feed
        ``decoder`` (``(coef, intercept, out_activation, loss)`` of the first
        pre-trained layer, or None to start one at random);
        ``reconstruction=False`` leaves the decoder out (``partial_fit``).
        """
        reconstruction = reconstruction and self.reconstruction_weight > 0
        weight, noise = consistency_settings(
            self.consistency_weight,
            self.consistency_noise,
            int(labeled.sum()),
            X.shape[1],
        )
        joint = weight > 0 or reconstruction
        if not joint or not self._stochastic or labeled.all():
            return net

        def classifier(loss, heads):
            return Network(
                net.layer_units,
                net.activations,
                loss,
                alpha=self.alpha,
                heads=heads,
                dtype=net.dtype,
            )

        decoder_net = None
        if reconstruction:
            if decoder is None:
                output = reconstruction_output(X)
                decoder = (None, None, output["out_activation"], output["loss"])
            coef, intercept, out_activation, loss = decoder
            decoder_net = Network(
                [net.layer_units[1], net.layer_units[0]],
                [out_activation],
                loss,
                alpha=self.alpha,
                dtype=net.dtype,
            )
            if coef is None:
                decoder_net.initialize(rng)
            else:
                decoder_net.set_parameters([coef], [intercept])
        joint = SemiSupervisedNetwork(
            classifier,
            net.loss,
            consistency_weight=weight,
            noise=noise * _feature_scales(X, sample_weight),
            rampup=CONSISTENCY_RAMPUP * self.max_iter,
            rng=rng,
            decoder=decoder_net,
            reconstruction_weight=self.reconstruction_weight if reconstruction else 0,
        )
        # net's parameters move into the joint buffer: training them there
        # trains net (the two have the same layout)
        net.bind(joint.classifier.theta, joint.classifier.grad)
        return joint

    @staticmethod
    def _pretrained_decoder(autoencoder):
        """The first pre-trained layer's decoder, as fine-tuning may reuse it."""
        return (
            autoencoder.coefs_[1].copy(),
            autoencoder.intercepts_[1].copy(),
            autoencoder.out_activation_,
            autoencoder.loss_function_,
        )

    def _template(self):
        if self.autoencoder is not None:
            return self.autoencoder
        return self._default_template(self.pretraining)

    def _default_template(self, pretraining):
        """The per-layer autoencoder used when ``autoencoder=None``.

        Its output and loss stay ``'auto'``: the first layer's autoencoder
        resolves them from the data it reconstructs (a logistic output with
        the cross-entropy for data in [0, 1]); deeper layers are pinned to
        an identity output by ``layer_autoencoder``.
        """
        params = dict(
            tied_weights=True,
            alpha=LAYER_ALPHA,
            learning_rate=self.learning_rate,
            learning_rate_init=self.learning_rate_init,
        )
        if pretraining == "basic":
            return AutoencoderTransformer(**params)
        return DenoisingAutoencoder(**params, **DEFAULT_PRETRAINING_NOISE)

    def set_params(self, **params):
        """Set parameters, the default template's nested ones included.

        ``autoencoder__<name>`` with ``autoencoder=None`` first replaces
        None by the default template (built with the ``pretraining`` and
        learning rate in force), so grid searches over the per-layer
        autoencoder's parameters work without naming one.

        Parameters
        ----------
        **params : dict
            Estimator parameters, as for any scikit-learn estimator.

        Returns
        -------
        self : object
            The estimator.
        """
        nested = any(key.startswith("autoencoder__") for key in params)
        if nested and params.get("autoencoder", self.autoencoder) is None:
            pretraining = params.get("pretraining", self.pretraining)
            params = {"autoencoder": self._default_template(pretraining), **params}
        return super().set_params(**params)

    def _pretrain(self, X, hidden, net, rng, task=None, sample_weight=None):
        """Greedy pre-training on every row; copies encoders into ``net``."""
        if self.pretraining is None:
            return []
        autoencoders = pretrain_layers(
            X,
            hidden,
            [self.activation] * len(hidden),
            self._template(),
            self.pretrain_max_iter,
            rng,
            verbose=self.verbose,
            callback_context=task,
            sample_weight=sample_weight,
        )
        for layer, ae in enumerate(autoencoders):
            net.coefs[layer][...] = ae.coefs_[0]
            net.intercepts[layer][...] = ae.intercepts_[0]
        return autoencoders

    def _init_output_layer(self, net, X, y, hidden, sample_weight=None):
        """Start the output layer from a logistic regression on the top codes.

        After pre-training, the output layer is the only random one; fitting
        it first keeps fine-tuning from wrecking the pre-trained features
        with the large gradients of a random classifier.
        """
        if sample_weight is not None:  # rows of weight 0 may hold no class
            kept = sample_weight > 0
            X, y, sample_weight = X[kept], y[kept], sample_weight[kept]
        features = net.predict(X, n_layers=len(hidden))
        logistic = LogisticRegression(max_iter=1000).fit(
            features, y, sample_weight=sample_weight
        )
        net.coefs[-1][...] = logistic.coef_.T
        net.intercepts[-1][...] = logistic.intercept_

    def _validation_split(self, X, y, rng, sample_weight=None):
        """Training indices and the accuracy of held-out labeled rows."""
        train, held_out = validation_split(
            X.shape[0], self.validation_fraction, rng, stratify=y
        )
        X_val, y_val = X[held_out], y[held_out]
        weights = held_out_weights(sample_weight, held_out)
        classes = np.unique(y)

        def validation_score(net):
            out = net.predict(X_val)
            if out.shape[1] == 1:
                predicted = classes[(out[:, 0] > 0.5).astype(int)]
            else:
                predicted = classes[np.argmax(out, axis=1)]
            return float(np.average(predicted == y_val, weights=weights))

        validation_score.label = "validation accuracy"
        return train, validation_score
