"""Outlier and novelty detection with an autoencoder: ``AutoencoderOutlierDetector``.

An autoencoder fitted on normal rows reconstructs them well and unusual rows
badly; this module turns that into scikit-learn's outlier-detector API
(``score_samples`` higher for normal rows, ``decision_function`` negative
for outliers, ``predict`` in {+1, -1}), the way ``IsolationForest`` and
``LocalOutlierFactor(novelty=True)`` do. The scores are small pure functions
of the fitted autoencoder; the estimator only fits, calibrates and
thresholds them.
"""

from numbers import Real

import numpy as np
import scipy.sparse as sp
from scipy import linalg
from sklearn.base import BaseEstimator, OutlierMixin, _fit_context, clone
from sklearn.covariance import LedoitWolf
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.extmath import row_norms
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ._autoencoder import AutoencoderTransformer
from ._callbacks import (
    CallbackSupportMixin,
    end_root_task,
    root_task,
    sub_estimator_task,
)
from ._linear import LinearAutoencoder
from ._network import row_chunks
from ._pretraining import reconstruction_output
from ._validation import (
    check_sample_weight,
    column_mean_and_std,
    column_statistics,
    filled,
    has_missing,
    input_standardization,
    restore_on_error,
    rows_that_count,
    standardized,
    value_range,
)

#: Largest code of the default autoencoder (``autoencoder=None``), chosen on
#: a validation protocol (user guide, "Outlier detection").
DEFAULT_N_COMPONENTS = 16

#: The default code has a quarter as many components as there are features
#: (at most ``DEFAULT_N_COMPONENTS``): chosen on validation splits of wine,
#: breast cancer and iris against a third, a half and the square root
#: (``benchmarks/bench_tabular.py``); digits and MNIST keep 16.
DEFAULT_CODE_FRACTION = 0.25

#: A feature's squared error is divided by its mean over the training rows,
#: floored at this fraction of the features' average mean, so a feature the
#: model always reconstructs exactly does not divide by zero.
ERROR_WEIGHT_FLOOR = 1e-3


def default_code_size(n_features):
    """Code size of the default autoencoder for data of ``n_features``."""
    return min(DEFAULT_N_COMPONENTS, max(1, int(n_features * DEFAULT_CODE_FRACTION)))


def error_weights(mean_errors):
    """Per-feature weights ``mean(m) / m_j`` of the squared errors.

    ``m_j`` is feature ``j``'s mean squared error on the training rows,
    floored at ``ERROR_WEIGHT_FLOOR`` times their average: each feature's
    error then counts in units of how well the model reconstructs that
    feature, scale-free, so no column dominates by its unit, and a feature
    usually reconstructed well counts more when it is not. Relative to the
    average error, the weights stay within ``[0, 1 / ERROR_WEIGHT_FLOOR]``;
    all ones when every feature is reconstructed exactly.
    """
    mean_errors = np.asarray(mean_errors, dtype=np.float64)
    average = float(mean_errors.mean())
    if not average > np.finfo(np.float64).tiny:  # exact (or denormal) fits
        return np.ones_like(mean_errors)
    return average / np.maximum(mean_errors, ERROR_WEIGHT_FLOOR * average)


#: ``normalized_reconstruction`` divides by ``sqrt(||x||^2 + tau^2)`` with
#: ``tau`` this fraction of the training rows' median norm, so nearly empty
#: rows do not get huge scores.
NORM_FLOOR = 0.1

OUTLIER_SCORES = (
    "reconstruction",
    "normalized_reconstruction",
    "code_density",
    "combined",
    "likelihood",
)


def is_density_model(estimator):
    """Whether ``score_samples`` of ``estimator`` is a log-likelihood."""
    return get_tags(estimator).estimator_type == "density_estimator"


def normalized_error(errors, norms, norm_floor):
    """Reconstruction error per unit of the row's norm.

    For non-negative data (intensities, counts, pixels) the error of normal
    rows grows with their mass: a ``1`` has few ink pixels to get wrong, an
    ``8`` many. Dividing by the norm compares rows of different mass.
    """
    return errors / norm_divisor(norms, norm_floor)


def norm_divisor(norms, norm_floor):
    """``sqrt(||x||^2 + tau^2)``, what ``normalized_error`` divides by."""
    return np.sqrt(norms**2 + norm_floor**2)


def robust_standardize(values, center, scale):
    """``(values - center) / scale``: put two scores on one scale."""
    return (values - center) / scale


def weighted_percentile(values, q, sample_weight=None):
    """``np.percentile(values, q)`` with each value repeated by its weight.

    NumPy's default (linear) definition, generalised: with ``W`` the total
    weight, the percentile sits at position ``q / 100 * (W - 1)`` of the
    sorted values, each occupying as many positions as its weight, and is
    interpolated between its two neighbours as NumPy does. Integer weights
    give exactly the percentile of the repeated values; None gives
    ``np.percentile``.
    """
    if sample_weight is None:
        return np.percentile(values, q)
    order = np.argsort(values, kind="stable")
    kept = sample_weight[order] > 0
    sorted_values = values[order][kept].astype(np.float64)
    ends = np.cumsum(sample_weight[order][kept], dtype=np.float64)
    position = np.maximum(np.asarray(q, dtype=np.float64) / 100 * (ends[-1] - 1), 0)
    below = np.floor(position)

    def at(index):  # the value at a 0-based position of the repeated values
        return sorted_values[np.searchsorted(ends, index, side="right")]

    low, high = at(below), at(np.minimum(below + 1, np.floor(ends[-1] - 1)))
    t = position - below
    difference = high - low
    # NumPy's lerp: from the nearer end, so t = 1 gives exactly ``high``
    return np.where(t >= 0.5, high - difference * (1 - t), low + difference * t)


def median_and_spread(values, sample_weight=None):
    """(Weighted) median and interquartile range (1 where the range is zero)."""
    q1, median, q3 = weighted_percentile(values, [25, 50, 75], sample_weight)
    spread = q3 - q1
    return median, spread if spread > 0 else 1.0


def weighted_ledoit_wolf(X, sample_weight):
    """``LedoitWolf().fit(X)`` with each row repeated by its weight.

    Ledoit and Wolf's shrinkage is made of sums over rows (second and
    fourth moments); weighting each sum, with the total weight as the row
    count, gives exactly the estimate for integer repetitions, for any
    weights. Returns a fitted ``LedoitWolf``.
    """
    X = np.asarray(X, dtype=np.float64)
    n = float(sample_weight.sum(dtype=np.float64))
    weights = sample_weight.astype(np.float64)[:, None]
    location = column_mean_and_std(X, sample_weight)[0]
    centered = X - location
    scatter = centered.T @ (weights * centered)
    covariance = scatter / n
    n_features = X.shape[1]
    shrinkage = 0.0
    if n_features > 1:
        squares = centered**2
        trace_terms = (weights * squares).sum(axis=0) / n
        mu = trace_terms.sum() / n_features
        beta_ = float(np.sum(squares.T @ (weights * squares)))
        delta_ = float(np.sum(scatter**2)) / n**2
        beta = (beta_ / n - delta_) / (n_features * n)
        delta = delta_ - 2.0 * mu * trace_terms.sum() + n_features * mu**2
        delta /= n_features
        beta = min(beta, delta)
        shrinkage = 0.0 if beta == 0 else beta / delta
        covariance = (1.0 - shrinkage) * covariance
        covariance.flat[:: n_features + 1] += shrinkage * mu
    model = LedoitWolf()
    model.location_, model.covariance_ = location, covariance
    model.precision_ = linalg.pinvh(covariance, check_finite=False)
    model.shrinkage_, model.n_features_in_ = shrinkage, n_features
    return model


def _weights(sample_weight):
    """``fit`` keyword arguments: an autoencoder given as a parameter may
    not take ``sample_weight``, so it is only passed when there are weights."""
    return {} if sample_weight is None else {"sample_weight": sample_weight}


class AutoencoderOutlierDetector(CallbackSupportMixin, OutlierMixin, BaseEstimator):
    """Outlier and novelty detection with an autoencoder's reconstruction error.

    An autoencoder is fitted to the training rows (normal data, possibly with
    a few outliers); rows it reconstructs badly, or whose codes fall where
    training codes are rare, are scored as outliers. The API is
    scikit-learn's for outlier detectors, as in ``IsolationForest`` and
    ``LocalOutlierFactor(novelty=True)``: ``score_samples`` is higher for
    normal rows, ``decision_function = score_samples - offset_`` is negative
    for outliers, and ``predict`` returns +1 for inliers and -1 for outliers.

    Parameters
    ----------
    autoencoder : estimator, default=None
        The autoencoder to fit: any estimator with ``fit``, ``transform``
        and ``score_samples`` (the negative squared reconstruction error),
        such as ``AutoencoderTransformer``, ``DenoisingAutoencoder`` or
        ``LinearAutoencoder``. It is cloned; its parameters are tunable as
        ``autoencoder__<name>`` (pass an explicit autoencoder to tune them).
        ``None`` uses the package's default ``AutoencoderTransformer``
        with a code of a quarter of the features, at most 16 (16 on digits
        and MNIST, 3 on wine's 13 features): the sizes that detected best
        on the validation protocols of the user guide, and always narrower
        than the data.

    outlier_score : {'auto', 'reconstruction', 'normalized_reconstruction', \
            'code_density', 'combined', 'likelihood'}, default='auto'
        How a row is scored (higher is more normal). Errors are measured
        where the network trains: on data far from unit scale (the rule of
        ``standardize='auto'``), each feature's squared error is divided by
        its mean over the training rows (``error_weights_``), so no column
        dominates by its unit; on data of one unit (images, scaled data)
        they are the data's squared errors.

        - ``'reconstruction'``: minus the squared reconstruction error
          ``||g(x) - x||^2``.
        - ``'normalized_reconstruction'``: minus the squared error divided
          by the row's norm ``sqrt(||x||^2 + tau^2)`` (``tau`` a tenth of the
          training rows' median norm). For non-negative data, where rows of
          more mass have more to reconstruct.
        - ``'code_density'``: minus the squared Mahalanobis distance of the
          row's code to the training codes (Ledoit-Wolf covariance).
        - ``'combined'``: the sum of the autoencoder's reconstruction
          score, the code density and the reconstruction score of PCA at
          the same code size (``pca_``), each standardised by its median
          and interquartile range on the training rows. The reconstruction
          scores are normalised by the norm when every training value is
          non-negative, plain otherwise: for signed data the norm measures
          the distance from the origin, and dividing by it would hide rows
          that are far away. PCA is left out when the autoencoder is a
          ``LinearAutoencoder`` (it would repeat its error) and when the
          training data are sparse (its ``d x d`` scatter matrix). That
          PCA is fitted on the features divided by ``feature_scale_``.
        - ``'likelihood'``: the log-likelihood of a density model
          (``VariationalAutoencoder``), its own ``score_samples``.
        - ``'auto'``: ``'likelihood'`` for a density model; otherwise
          ``'combined'``, which detected best on the validation
          protocol of the user guide ("Outlier detection"), most clearly
          when the training rows hold a few outliers themselves.

        The norm divides the errors only for non-negative data of one unit
        (``feature_scale_`` None). ``feature_contributions`` apportions
        any of these scores over the features.

    contamination : 'auto' or float in (0, 0.5], default='auto'
        Expected fraction of outliers in the training rows: ``offset_`` is
        that quantile of the training scores. ``'auto'`` uses Tukey's lower
        fence instead, ``Q1 - 1.5 * IQR`` of the training scores, so rows
        scoring far below the bulk of the training rows are outliers.

    random_state : int, RandomState instance or None, default=None
        Seeds the default autoencoder, or a given one whose own
        ``random_state`` is None; pass an int for reproducible fits.

    Attributes
    ----------
    autoencoder_ : estimator
        The fitted autoencoder.

    outlier_score_ : str
        The score used, with ``'auto'`` resolved.

    reconstruction_score_ : str or None
        The reconstruction part of the score: ``'normalized_reconstruction'``
        or ``'reconstruction'`` (see ``outlier_score``); None for
        ``'likelihood'``.

    offset_ : float
        Threshold on ``score_samples``: ``decision_function`` is
        ``score_samples - offset_``.

    norm_floor_ : float
        ``tau`` of the normalised reconstruction error.

    feature_scale_ : ndarray of shape (`n_features_in_`,) or None
        The scale errors are measured in: the autoencoder's
        ``input_scale_`` when it standardised, else the training columns'
        standard deviations when the data are far from unit scale; None
        for data of unit scale and for an autoencoder without
        ``inverse_transform``.

    error_weights_ : list of ndarray or None
        Per-feature weights of the squared errors of the autoencoder and
        (``'combined'``) of ``pca_``, in that order: the features' average
        mean squared error on the training rows over each feature's own
        (in units of ``feature_scale_``). None when ``feature_scale_`` is
        None.

    code_covariance_ : LedoitWolf or None
        Covariance model of the training codes (``'code_density'`` and
        ``'combined'`` only).

    pca_ : LinearAutoencoder or None
        The PCA of the training rows whose reconstruction error is a part
        of ``'combined'``, with as many components as the autoencoder's
        code; None for the other scores, around a ``LinearAutoencoder``,
        for sparse training data, and while the components explain every
        training row exactly (no more rows than components).

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when ``X`` has
        feature names that are all strings.

    See Also
    --------
    sklearn.ensemble.IsolationForest : Outlier detection by random splits.
    sklearn.neighbors.LocalOutlierFactor : Outlier detection by local density.
    AutoencoderTransformer : The default autoencoder.

    Notes
    -----
    The training scores that set ``offset_`` are in-sample: the autoencoder
    has fitted those rows, so held-out normal rows score a little lower and
    are flagged somewhat more often than ``contamination`` says.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_autoencoders import AutoencoderOutlierDetector
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16.0
    >>> detector = AutoencoderOutlierDetector(random_state=0).fit(X[y == 0])
    >>> zeros, sevens = X[y == 0][:5], X[y == 7][:5]
    >>> scores = detector.score_samples(zeros), detector.score_samples(sevens)
    >>> bool(scores[0].mean() > scores[1].mean())
    True
    >>> detector.predict(sevens)
    array([-1, -1, -1, -1, -1])
    """

    _parameter_constraints: dict = {
        "autoencoder": [HasMethods(["fit", "transform", "score_samples"]), None],
        "outlier_score": [StrOptions({"auto", *OUTLIER_SCORES})],
        "contamination": [
            StrOptions({"auto"}),
            Interval(Real, 0, 0.5, closed="right"),
        ],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        autoencoder=None,
        *,
        outlier_score="auto",
        contamination="auto",
        random_state=None,
    ):
        self.autoencoder = autoencoder
        self.outlier_score = outlier_score
        self.contamination = contamination
        self.random_state = random_state

    # -- public API -----------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    @restore_on_error
    def fit(self, X, y=None, sample_weight=None):
        """Fit the autoencoder on ``X`` and calibrate the scores and threshold.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows, mostly normal.
        y : None
            Ignored; present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows, passed to the autoencoder's ``fit`` and
            used by the calibration: the code covariance, the medians and
            quartiles, and the quantile that sets ``offset_`` are weighted
            (a weight of 2 counts a row as twice, 0 ignores it).

        Returns
        -------
        self : object
            The fitted detector.
        """
        X = self._validate_X(X, reset=True)
        sample_weight = check_sample_weight(sample_weight, X)
        task = root_task(self, X)
        self._column_means = column_statistics(X, sample_weight)[0].astype(X.dtype)
        autoencoder = self._make_autoencoder(X)
        with sub_estimator_task(task, "autoencoder", autoencoder):
            autoencoder.fit(X, **_weights(sample_weight))
        self.feature_scale_ = self._feature_scale(autoencoder, X, sample_weight)
        self._pca = self._new_pca(autoencoder, X)
        self.pca_ = None
        if self._pca is not None:
            self._fit_pca(self._pca, self._complete(X), sample_weight)
        self._calibrate(autoencoder, X, sample_weight)
        end_root_task(self, task, X)
        return self

    def _autoencoder_has_partial_fit(self):
        template = self._template()
        if not hasattr(template, "partial_fit"):
            raise AttributeError(
                f"{type(template).__name__} has no partial_fit, so neither has "
                "this detector."
            )
        return True

    @available_if(_autoencoder_has_partial_fit)
    @_fit_context(prefer_skip_nested_validation=False)
    @restore_on_error
    def partial_fit(self, X, y=None, sample_weight=None):
        """Update the autoencoder with a chunk of rows and recalibrate on it.

        The first call creates the autoencoder; each call runs its
        ``partial_fit`` (one epoch for the stochastic autoencoders), then
        recomputes the score's calibration and ``offset_`` from this
        chunk's scores, so the threshold follows the latest model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A chunk of training rows.
        y : None
            Ignored; present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the chunk's rows, as in ``fit``.

        Returns
        -------
        self : object
            The updated detector.
        """
        first = not hasattr(self, "autoencoder_")
        X = self._validate_X(X, reset=first)
        sample_weight = check_sample_weight(sample_weight, X)
        autoencoder = self._make_autoencoder(X) if first else self.autoencoder_
        autoencoder.partial_fit(X, **_weights(sample_weight))
        if first:
            self._column_means = column_statistics(X, sample_weight)[0].astype(X.dtype)
            self.feature_scale_ = self._feature_scale(autoencoder, X, sample_weight)
            self._pca, self.pca_ = self._new_pca(autoencoder, X), None
        if self._pca is not None:
            self._fit_pca(self._pca, self._complete(X), sample_weight, partial=True)
        self._calibrate(autoencoder, X, sample_weight)
        return self

    def score_samples(self, X):
        """Normality score of each row: the higher, the more normal.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            The score named by ``outlier_score_``.
        """
        check_is_fitted(self)
        return self._score(self._validate_X(X, reset=False))

    def decision_function(self, X):
        """Shifted score: negative for outliers, positive for inliers.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        decision : ndarray of shape (n_samples,)
            ``score_samples(X) - offset_``.
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """Label rows as inliers (+1) or outliers (-1).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to label.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            +1 where ``decision_function(X) >= 0``, -1 elsewhere.
        """
        decision = self.decision_function(X)
        return np.where(decision < 0, -1, 1)

    def feature_contributions(self, X):
        """How much each feature makes each row anomalous.

        The score's errors apportioned over the features, so a user can ask
        which measurements made a row an outlier. Each reconstruction part
        is already a sum over features (the squared error of each feature,
        weighted as in the score); the code density, a distance between
        codes, is shared out in proportion to each feature's squared
        standardised distance from the training mean. Each part is divided
        by the spread that standardises it in ``'combined'``, and, for
        ``'normalized_reconstruction'``, by the row's norm.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to explain.

        Returns
        -------
        contributions : ndarray of shape (n_samples, n_features)
            Non-negative; larger is more anomalous. Each row sums to
            ``-score_samples(X)`` up to one constant shared by all rows
            (the parts' training medians).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_wine
        >>> from sklearn_autoencoders import AutoencoderOutlierDetector
        >>> X = load_wine().data
        >>> detector = AutoencoderOutlierDetector(random_state=0).fit(X)
        >>> row = X[:1].copy()
        >>> row[0, 4] += 5 * X[:, 4].std()  # magnesium, far too high
        >>> int(np.argmax(detector.feature_contributions(row)))
        4
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        if not hasattr(self.autoencoder_, "inverse_transform"):
            raise AttributeError(
                f"{type(self.autoencoder_).__name__} has no inverse_transform: "
                "its errors cannot be apportioned over the features."
            )
        if self.outlier_score_ == "likelihood":
            return np.asarray(self.autoencoder_.feature_errors(X), dtype=X.dtype)
        norm = self._norm_factor(X)
        weights = self.error_weights_ or [None, None]
        parts = [
            self._feature_errors(model, X, weights[index])
            for index, model in enumerate(self._reconstructors())
        ]
        if norm is not None:
            parts = [part / norm[:, None] for part in parts]
        if self.code_covariance_ is not None:
            parts.insert(
                0 if self.outlier_score_ == "code_density" else 1,
                self._density_contributions(X),
            )
        if self.outlier_score_ == "combined":
            parts = [
                part / spread for part, (_, spread) in zip(parts, self._standardizers)
            ]
        return np.asarray(sum(parts), dtype=X.dtype)

    # -- internals ------------------------------------------------------
    def _validate_X(self, X, reset):
        input_tags = get_tags(self).input_tags
        return validate_data(
            self,
            X,
            reset=reset,
            dtype=[np.float64, np.float32],
            accept_sparse="csr" if input_tags.sparse else False,
            ensure_all_finite="allow-nan" if input_tags.allow_nan else True,
        )

    def _complete(self, X):
        """``X`` with missing entries (NaN) set to the training column means.

        For the parts of the score that need complete rows: the PCA and
        the row norms. The autoencoder scores observed entries only.
        """
        if not has_missing(X):
            return X
        return filled(X, self._column_means.astype(X.dtype))

    def _template(self, X=None):
        """The autoencoder to clone; the default one sized for ``X``.

        The default keeps a logistic output (data in [0, 1]) without the
        autoencoder's fallback to PCA (``init='random'``; such a network
        never starts as PCA anyway): PCA's error is already a part of
        ``'combined'``, and on one-class digits the network's own error
        detects better beside it.
        """
        if self.autoencoder is not None:
            return self.autoencoder
        if X is None:
            return AutoencoderTransformer(n_components=DEFAULT_N_COMPONENTS)
        logistic = reconstruction_output(X)["out_activation"] == "logistic"
        return AutoencoderTransformer(
            n_components=default_code_size(X.shape[1]),
            init="random" if logistic else "auto",
        )

    def _make_autoencoder(self, X):
        autoencoder = clone(self._template(X))
        own_seed = autoencoder.get_params(deep=False).get("random_state", 0)
        if self.random_state is not None and own_seed is None:
            autoencoder.set_params(random_state=self.random_state)
        return autoencoder

    def _resolved_score(self):
        """``'auto'``: a density model's log-likelihood, else ``'combined'``."""
        if self.outlier_score != "auto":
            return self.outlier_score
        return "likelihood" if is_density_model(self._template()) else "combined"

    def _feature_scale(self, autoencoder, X, sample_weight):
        """The per-feature scale errors are measured in, or None (data units).

        The autoencoder's own standardisation where it trained on one, else
        the package's ``standardize='auto'`` rule applied to ``X``: data far
        from unit scale get their columns' standard deviations. An
        autoencoder without ``inverse_transform`` gives no per-feature
        errors: its ``score_samples`` is used as it is.
        """
        if not hasattr(autoencoder, "inverse_transform"):
            return None
        scale = getattr(autoencoder, "input_scale_", None)
        if scale is None:
            scaling = input_standardization(X, "auto", sample_weight)
            scale = None if scaling is None else scaling[1]
        return None if scale is None else np.asarray(scale, dtype=X.dtype)

    def _scaled(self, X):
        """``X`` in the units the errors are measured in (the PCA's input)."""
        if self.feature_scale_ is None:
            return X
        return standardized(X, np.zeros_like(self.feature_scale_), self.feature_scale_)

    def _new_pca(self, autoencoder, X):
        """The unfitted PCA of the ``'combined'`` score, or None.

        PCA (a centred ``LinearAutoencoder``) at the autoencoder's code
        size. Left out for a linear autoencoder, whose own error it would
        repeat, and for sparse training data, whose PCA needs a dense
        ``d x d`` scatter matrix (as for the autoencoder's PCA start).
        """
        if (
            self._resolved_score() != "combined"
            or isinstance(autoencoder, LinearAutoencoder)
            or sp.issparse(X)
        ):
            return None
        self._pca_size = min(autoencoder.transform(X[:1]).shape[1], X.shape[1])
        self._pca_rows = 0
        return LinearAutoencoder(self._pca_size, center=True)

    def _fit_pca(self, pca, X, sample_weight, partial=False):
        """Fit (``partial``: stream a chunk into) the PCA the score uses.

        It is fitted where the errors are measured (``_scaled``). No more
        components than rows; and none at all while they explain every
        training row exactly (no more rows than components, or duplicated
        rows): the training errors are then zero, with no spread to
        standardise them by, and the zero-variance components an arbitrary
        basis that would remove an arbitrary part of a new row's error.
        """
        self._pca_rows = (self._pca_rows if partial else 0) + X.shape[0]
        pca.set_params(n_components=min(self._pca_size, self._pca_rows))
        X = self._scaled(X)
        if partial:
            # one dense chunk into the exact streaming scatter
            chunk = X.toarray() if sp.issparse(X) else X
            pca.partial_fit(chunk, sample_weight=sample_weight)
        else:
            pca.fit(X, sample_weight=sample_weight)
        explained = float(np.sum(pca.explained_variance_ratio_))
        spans = explained >= 1 - 100 * np.finfo(X.dtype).eps
        self.pca_ = None if spans else pca

    def _reconstructors(self):
        """The models whose reconstruction error is part of the score."""
        models = []
        if self.outlier_score_ not in ("code_density", "likelihood"):
            models.append(self.autoencoder_)
        if self.outlier_score_ == "combined" and self.pca_ is not None:
            models.append(self.pca_)
        return models

    def _calibrate(self, autoencoder, X, sample_weight=None):
        """Fit the score's reference statistics and ``offset_`` on ``X``."""
        self.autoencoder_ = autoencoder
        bounds = value_range(rows_that_count(X, sample_weight))
        non_negative = bounds is None or bounds[0] >= 0
        score = self._resolved_score()
        if score == "likelihood" and not is_density_model(autoencoder):
            raise ValueError(
                "outlier_score='likelihood' needs a density model whose "
                "score_samples is a log-likelihood, such as "
                f"VariationalAutoencoder; got {type(autoencoder).__name__}."
            )
        # 'combined' divides the error by the norm only for non-negative
        # data of one unit: a norm across features of different units is
        # the largest unit's
        plain = self.feature_scale_ is not None or not non_negative
        error_kind = "reconstruction" if plain else "normalized_reconstruction"
        self.reconstruction_score_ = (
            None
            if score == "likelihood"
            else (score if score in OUTLIER_SCORES[:2] else error_kind)
        )
        self.outlier_score_ = score
        w = sample_weight
        median_norm = float(weighted_percentile(row_norms(self._complete(X)), 50, w))
        self.norm_floor_ = NORM_FLOOR * median_norm if median_norm > 0 else 1.0
        self.error_weights_ = None
        if self.feature_scale_ is not None:
            self.error_weights_ = [
                error_weights(
                    np.average(self._feature_errors(model, X), axis=0, weights=w)
                ).astype(X.dtype)
                for model in self._reconstructors()
            ]
        self.code_covariance_ = None
        if score in ("code_density", "combined"):
            codes = autoencoder.transform(X)
            self.code_covariance_ = (
                LedoitWolf().fit(codes) if w is None else weighted_ledoit_wolf(codes, w)
            )
            self._location = column_statistics(self._scaled(X), w)[0].astype(X.dtype)
        parts = self._score_parts(X)
        if score == "combined":
            self._standardizers = [median_and_spread(part, w) for part in parts]
        scores = self._combine(parts, X.dtype)
        if self.contamination == "auto":
            q1, q3 = weighted_percentile(scores, [25, 75], w)
            self.offset_ = float(q1 - 1.5 * (q3 - q1))
        else:
            self.offset_ = float(
                weighted_percentile(scores, 100.0 * self.contamination, w)
            )

    def _feature_errors(self, model, X, weights=None):
        """Squared error of each feature of each row, ``(n, d)``, dense.

        In the units of ``feature_scale_`` (the PCA works there; the
        autoencoder's residual is divided by it), times ``weights``.
        """
        errors = np.empty(X.shape, dtype=X.dtype)
        for rows, chunk in row_chunks(X):
            chunk = chunk.toarray() if sp.issparse(chunk) else chunk
            if model is self.pca_:
                chunk = self._scaled(self._complete(chunk))
                residual = model.inverse_transform(model.transform(chunk)) - chunk
            else:
                residual = model.inverse_transform(model.transform(chunk)) - chunk
                np.nan_to_num(residual, copy=False, nan=0.0)  # a missing entry
                if self.feature_scale_ is not None:
                    residual /= self.feature_scale_
            residual *= residual
            if weights is not None:
                residual *= weights
            errors[rows] = residual
        return errors

    def _row_errors(self, index, model, X):
        """``model``'s error of each row: weighted per feature when scaled."""
        if self.error_weights_ is not None:
            return self._feature_errors(model, X, self.error_weights_[index]).sum(1)
        if sp.issparse(X) and isinstance(model, LinearAutoencoder):
            # dense rows by bounded chunks: the linear model takes no sparse input
            return np.concatenate(
                [-model.score_samples(chunk.toarray()) for _, chunk in row_chunks(X)]
            )
        if model is self.pca_:
            X = self._complete(X)
        return -model.score_samples(X)

    def _norm_factor(self, X):
        """The divisor of ``'normalized_reconstruction'``, or None."""
        if self.reconstruction_score_ != "normalized_reconstruction":
            return None
        return norm_divisor(row_norms(self._complete(X)), self.norm_floor_)

    def _score_parts(self, X):
        """Minus each error ``outlier_score_`` is made of, computed once.

        In the order ``_standardizers`` follows: the autoencoder's
        reconstruction, the code density, PCA's reconstruction.
        """
        if self.outlier_score_ == "likelihood":
            return [self.autoencoder_.score_samples(X)]
        norm = self._norm_factor(X)
        errors = [
            self._row_errors(index, model, X)
            for index, model in enumerate(self._reconstructors())
        ]
        if norm is not None:
            errors = [error / norm for error in errors]
        if self.code_covariance_ is not None:
            codes = self.autoencoder_.transform(X)
            errors.insert(
                0 if self.outlier_score_ == "code_density" else 1,
                self.code_covariance_.mahalanobis(codes),
            )
        return [-error for error in errors]

    def _combine(self, parts, dtype):
        if self.outlier_score_ == "combined":
            scores = sum(
                robust_standardize(part, *standardizer)
                for part, standardizer in zip(parts, self._standardizers)
            )
        else:
            (scores,) = parts
        return np.asarray(scores, dtype=dtype)

    def _score(self, X):
        return self._combine(self._score_parts(X), X.dtype)

    def _density_contributions(self, X):
        """The code density apportioned: each feature's share of the row's
        squared standardised distance from the training mean."""
        distances = self.code_covariance_.mahalanobis(self.autoencoder_.transform(X))
        offsets = self._scaled(X.toarray() if sp.issparse(X) else X) - self._location
        np.nan_to_num(offsets, copy=False, nan=0.0)  # a missing entry: no share
        offsets *= offsets
        totals = offsets.sum(axis=1, keepdims=True)
        shares = np.divide(
            offsets,
            totals,
            out=np.full_like(offsets, 1.0 / X.shape[1]),
            where=totals > 0,
        )
        return shares * distances[:, None]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        template = self._template()
        tags.input_tags.sparse = get_tags(template).input_tags.sparse
        tags.input_tags.allow_nan = get_tags(template).input_tags.allow_nan
        return tags
