"""``LinearAutoencoder``: the lecture's closed form, PCA when centered.

The linear autoencoder ``h(x) = x W W^T`` (tied, no bias) is optimal when
``W W^T`` projects on the top ``n_components`` eigenvectors of ``X^T X``
(Baldi & Hornik, 1989). With ``center=True`` the data are centered first,
which is exactly PCA.

The closed form is computed from the scatter matrix, accumulated chunk by
chunk with the pairwise update of Chan, Golub & LeVeque (each chunk is
centered on its own mean before its product, and chunks are merged with a
rank-one correction), so ``fit`` and any sequence of ``partial_fit`` calls
agree to rounding, and large means do not cancel the small spread.
"""

import copy
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import randomized_svd, svd_flip
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._callbacks import CallbackSupportMixin, end_root_task, root_task
from ._network import Network, row_chunks
from ._schedules import SCHEDULES
from ._state import PlainStateMixin
from ._training import History, TrainingConfig, run_solver
from ._validation import (
    check_magnitude,
    check_sample_weight,
    column_mean_and_std,
    generator_from,
    has_missing,
    restore_on_error,
)

#: Rows per chunk when accumulating the scatter matrix: a chunk and its
#: centered copy stay in cache while BLAS multiplies them.
SCATTER_CHUNK_SIZE = 4096

#: ``solver='gradient'`` warns when it ends more than this fraction above
#: the closed form's reconstruction error.
GRADIENT_TOLERANCE = 0.01

#: Above this many features the optimum that warning compares with comes
#: from a randomized SVD instead of a full eigendecomposition.
EXACT_OPTIMUM_MAX_FEATURES = 2000


class ScatterAccumulator:
    """Running count, mean and centered scatter ``sum (x - mean)(x - mean)^T``.

    Each chunk is shifted by a reference point close to the mean (the mean
    so far, or the first chunk's), and one symmetric product of the shifted
    chunk augmented with a column of ones yields both its scatter and its
    column sums: no separate pass for the chunk mean, and no cancellation
    from a large mean. Chunks are then merged with Chan et al.'s update. The
    mean and scatter are kept in float64; the products run in the data's
    dtype.

    With sample weights, every sum is weighted (``sum w (x - mean)(x -
    mean)^T``, the mean weighted, and ``n_samples`` the total weight), so
    a row of weight 2 adds exactly what the row twice would; ``n_rows``
    still counts the rows.
    """

    def __init__(self, n_features):
        self.n_samples = 0
        self.n_rows = 0
        self.mean = np.zeros(n_features)
        self.scatter = np.zeros((n_features, n_features))

    def update(self, X, sample_weight=None):
        n_features = X.shape[1]
        if self.n_samples:
            shift = self.mean.astype(X.dtype)
        else:
            shift = X[:SCATTER_CHUNK_SIZE].mean(axis=0)
        buffer = np.empty((min(len(X), SCATTER_CHUNK_SIZE), n_features + 1), X.dtype)
        buffer[:, n_features] = 1
        weighted = None if sample_weight is None else np.empty_like(buffer)
        self.n_rows += len(X)
        for start in range(0, len(X), SCATTER_CHUNK_SIZE):
            chunk = X[start : start + SCATTER_CHUNK_SIZE]
            augmented = buffer[: len(chunk)]
            np.subtract(chunk, shift, out=augmented[:, :n_features])
            right = augmented
            if sample_weight is not None:
                right = weighted[: len(chunk)]
                weights = sample_weight[start : start + SCATTER_CHUNK_SIZE]
                np.multiply(augmented, weights[:, None], out=right)
            with np.errstate(over="ignore", invalid="ignore"):
                product = (augmented.T @ right).astype(np.float64)
            if not np.isfinite(product).all():
                # Overflow shows in the small product: no extra pass over X.
                check_magnitude(chunk)
                raise ValueError("X is too large to square in its dtype; scale it.")
            sums = product[:n_features, n_features]
            # the ones column's own product counts the chunk's (weighted) rows
            n_chunk = len(chunk) if sample_weight is None else product[-1, -1]
            if n_chunk == 0:
                continue  # only rows of weight 0
            chunk_scatter = product[:n_features, :n_features]
            chunk_scatter -= np.outer(sums, sums) / n_chunk
            self._merge(n_chunk, shift + sums / n_chunk, chunk_scatter)
        return self

    def _merge(self, n_chunk, chunk_mean, chunk_scatter):
        n_total = self.n_samples + n_chunk
        delta = chunk_mean - self.mean
        self.scatter += chunk_scatter
        self.scatter += (self.n_samples * n_chunk / n_total) * np.outer(delta, delta)
        self.mean += delta * (n_chunk / n_total)
        self.n_samples = n_total

    def merge(self, other):
        """Fold another accumulator (over different rows) into this one."""
        if other.n_samples:
            self._merge(other.n_samples, other.mean, other.scatter)
        self.n_rows += other.n_rows
        return self

    def gram(self, center):
        """``X_c^T X_c`` when centering, else the raw ``X^T X``."""
        if center:
            return self.scatter
        return self.scatter + self.n_samples * np.outer(self.mean, self.mean)


#: Attributes that partial_fit leaves to be computed on first use.
_DEFERRED = (
    "components_",
    "singular_values_",
    "explained_variance_",
    "explained_variance_ratio_",
    "reconstruction_error_",
)


def _is_dask_array(X):
    return type(X).__module__.startswith("dask.") and hasattr(X, "to_delayed")


def _block_statistics(block):
    """Count, mean and scatter of one Dask block (validated like fit's input)."""
    block = check_array(block, dtype=[np.float64, np.float32])
    return ScatterAccumulator(block.shape[1]).update(block)


def _merged(left, right):
    return left.merge(right)


def dask_scatter(X):
    """The scatter accumulator of a Dask array, reduced blockwise.

    Each row block is reduced to ``(count, mean, scatter)`` where it lives
    (on a distributed cluster, on its worker); the small results are merged
    pairwise in a tree, so only ``n_features x n_features`` matrices travel.
    """
    import dask

    if X.ndim != 2:
        raise ValueError(f"Expected a 2D Dask array, got {X.ndim} dimensions.")
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    level = [dask.delayed(_block_statistics)(block) for block in X.to_delayed().ravel()]
    while len(level) > 1:
        pairs = zip(level[::2], level[1::2])
        merged = [dask.delayed(_merged)(left, right) for left, right in pairs]
        level = merged + (level[-1:] if len(level) % 2 else [])
    (accumulator,) = dask.compute(level[0])
    return accumulator


def _eigh_solution(gram):
    """Singular values and right singular vectors from a Gram matrix.

    NumPy's LAPACK is used rather than SciPy's: it shares the BLAS thread
    pool of the matrix products, and a second pool spinning beside the
    first can slow both down severalfold.
    """
    eigenvalues, eigenvectors = np.linalg.eigh(gram)
    eigenvalues = np.clip(eigenvalues[::-1], 0, None)
    return np.sqrt(eigenvalues), eigenvectors[:, ::-1].T


class LinearAutoencoder(
    CallbackSupportMixin,
    PlainStateMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
):
    """Linear autoencoder with tied weights, solved in closed form.

    The network ``h(x) = x W W^T`` with ``W`` of shape
    ``(n_features, n_components)`` minimises
    ``E(W) = (1/n) sum_n ||x_n - x_n W W^T||^2`` when ``W``'s columns span the
    top ``n_components`` eigenvectors of ``X^T X`` (Baldi & Hornik, 1989).
    This estimator computes them directly: ``transform`` is the encoder
    ``Phi(x) = (x - mean_) W`` and ``inverse_transform`` the tied decoder.

    With ``center=False`` (the lecture's linear autoencoder) nothing is
    subtracted and ``mean_`` is zero; with ``center=True`` the data are
    centered first and the result equals :class:`~sklearn.decomposition.PCA`
    element for element (same signs, same attributes).

    Parameters
    ----------
    n_components : int, default=None
        Code size. ``None`` keeps ``min(n_samples, n_features)``.

    center : bool, default=False
        Subtract the mean before solving (PCA) or not (the uncentered linear
        autoencoder).

    solver : {'auto', 'eigh', 'svd', 'randomized', 'gradient'}, default='auto'
        ``'eigh'`` diagonalises the ``n_features x n_features`` scatter
        matrix, accumulated in chunks (fast for tall data);
        ``'svd'`` takes the thin SVD of the data (accurate for wide data);
        ``'randomized'`` is Halko et al.'s approximate truncated SVD, run
        only when asked; ``'auto'`` always picks an exact solver: ``'eigh'``
        when ``n_samples >= n_features``, else ``'svd'``. ``'gradient'``
        trains the tied linear network by minibatch Adam through the same
        engine as the nonlinear autoencoders: it reaches the same subspace,
        and with ``alpha > 0`` its columns align with the individual
        principal directions. ``partial_fit`` always uses the exact
        streaming closed form.

    alpha : float, default=0.0
        Strength of a non-uniform L2 penalty on ``W`` (``'gradient'`` only):
        column ``j`` is penalised with ``alpha * (j + 1) / n_components``.
        A uniform penalty leaves ``W`` free to rotate inside the principal
        subspace (``||W R|| = ||W||``); distinct strengths break that symmetry
        so that each column converges to one principal direction (Bao et al.,
        2020), at the cost of shrinking the columns slightly. That rotation
        is slow and easily drowned by minibatch noise: use a full batch
        (``batch_size=n_samples``), ``tol=0`` and thousands of epochs.

    max_iter : int, default=200
        Epochs of the ``'gradient'`` solver.

    tol : float, default=1e-6
        Minimum improvement of the loss per epoch (``'gradient'`` only).

    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` before the
        ``'gradient'`` solver stops.

    learning_rate : {'constant', 'adaptive', 'cosine'}, default='adaptive'
        Learning-rate schedule of ``'gradient'``, as in
        ``AutoencoderTransformer``. ``'adaptive'`` divides the step by 5
        whenever the loss stalls, which removes the minibatch noise that
        keeps a constant step hovering near the optimum: with the defaults
        the solver ends within 1% of the closed form's error. If it ends
        more than 1% above it, a ``ConvergenceWarning`` says how far.

    learning_rate_init : float, default=1e-2
        Adam's step size (``'gradient'`` only). Larger than the nonlinear
        autoencoders' default: a linear network has no units to saturate.

    batch_size : int or 'auto', default='auto'
        Minibatch size of ``'gradient'``; ``'auto'`` is ``min(200, n_samples)``.

    random_state : int, RandomState instance or None, default=None
        Seeds the ``'randomized'`` and ``'gradient'`` solvers.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The encoder ``W^T``: principal directions of ``X^T X`` (uncentered)
        or of the covariance (centered), sorted by decreasing explained
        variance, signs fixed as in PCA.

    mean_ : ndarray of shape (n_features,)
        Per-feature mean subtracted before encoding; zeros when
        ``center=False``.

    explained_variance_ : ndarray of shape (n_components,)
        ``singular_values_**2 / (n_samples - 1)``: variance (second moment
        when not centering) captured by each component.

    explained_variance_ratio_ : ndarray of shape (n_components,)
        Fraction of the total captured by each component.

    singular_values_ : ndarray of shape (n_components,)
        Singular values of the (centered) data for each component.

    n_components_ : int
        Number of components kept.

    n_samples_seen_ : int or float
        Number of samples the model was fitted on: the number of training
        rows, or the sum of their ``sample_weight``.

    reconstruction_error_ : float
        Mean squared training reconstruction error
        ``(1/n) sum_n ||x_n - h(x_n)||^2``; for the exact solvers the sum of
        the trailing squared singular values divided by ``n``.

    n_iter_ : int
        Epochs run by ``'gradient'``; 1 for the closed forms (one solve).

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during ``fit``, when they are all strings.

    See Also
    --------
    sklearn.decomposition.PCA : Equal to ``LinearAutoencoder(center=True)``.
    sklearn.decomposition.IncrementalPCA : Approximate streaming PCA;
        ``partial_fit`` here is exact.
    AutoencoderTransformer : Nonlinear autoencoder.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from sklearn_autoencoders import LinearAutoencoder
    >>> X = np.random.RandomState(0).normal(size=(100, 5))
    >>> ae = LinearAutoencoder(n_components=2, center=True).fit(X)
    >>> pca = PCA(n_components=2).fit(X)
    >>> bool(np.allclose(ae.components_, pca.components_))
    True
    >>> stream = LinearAutoencoder(n_components=2, center=True)
    >>> for chunk in np.array_split(X, 4):
    ...     stream = stream.partial_fit(chunk)
    >>> bool(np.allclose(stream.transform(X), ae.transform(X)))
    True
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "center": ["boolean"],
        "solver": [StrOptions({"auto", "eigh", "svd", "randomized", "gradient"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_components=None,
        *,
        center=False,
        solver="auto",
        alpha=0.0,
        max_iter=200,
        tol=1e-6,
        n_iter_no_change=10,
        learning_rate="adaptive",
        learning_rate_init=1e-2,
        batch_size="auto",
        random_state=None,
    ):
        self.n_components = n_components
        self.center = center
        self.solver = solver
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.batch_size = batch_size
        self.random_state = random_state

    def _validate(self, X, reset):
        """Validated dense ``X``; missing entries refused with the way forward.

        PCA's eigenproblem needs complete rows, and filling them silently
        would bias the components towards the fill.
        """
        X = validate_data(
            self,
            X,
            reset=reset,
            dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",
        )
        if has_missing(X):
            raise ValueError(
                "Input X contains NaN: LinearAutoencoder solves PCA's "
                "eigenproblem, which needs complete rows. Fill the missing "
                "entries first (AutoencoderImputer or SimpleImputer in a "
                "Pipeline), or use AutoencoderTransformer, which trains on "
                "the observed entries only."
            )
        return X

    @_fit_context(prefer_skip_nested_validation=True)
    @restore_on_error
    def fit(self, X, y=None, sample_weight=None):
        """Compute the top principal directions of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored; present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows: the mean and the scatter matrix are
            weighted, so a weight of 2 gives exactly the model of the row
            repeated, and 0 that of the row removed.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if _is_dask_array(X):
            if sample_weight is not None:
                raise ValueError(
                    "sample_weight is not supported with Dask arrays; weight the "
                    "rows in memory, or fit a NumPy array."
                )
            return self._fit_dask(X)
        X = self._validate(X, reset=True)
        sample_weight = check_sample_weight(sample_weight, X)
        n_samples, n_features = X.shape
        n_components = self._check_n_components(n_samples, n_features)
        solver = self.solver
        if solver == "auto":
            solver = "eigh" if n_samples >= n_features else "svd"
        # one task for scikit-learn's callbacks, whatever the solver
        task = root_task(self, X, max_subtasks=0)
        if solver == "gradient":
            self._fit_gradient(X, n_components, sample_weight)
        elif solver == "eigh":
            accumulator = ScatterAccumulator(n_features).update(X, sample_weight)
            self._solve_scatter(accumulator, n_components, X.dtype)
        else:
            self._fit_svd(X, n_components, solver, sample_weight)
        end_root_task(self, task, X)
        return self

    def _fit_dask(self, X):
        """Closed form of a Dask array: statistics reduced on the scheduler."""
        if self.solver not in ("auto", "eigh"):
            raise ValueError(
                "Dask arrays are fitted with the blockwise 'eigh' closed form; "
                f"solver={self.solver!r} needs the data in memory."
            )
        accumulator = dask_scatter(X)
        n_features = X.shape[1]
        if accumulator.n_samples == 0:
            raise ValueError(
                "Found array with 0 sample(s) while a minimum of 1 is required."
            )
        n_components = self._check_n_components(accumulator.n_samples, n_features)
        dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
        self.n_features_in_ = n_features
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self._solve_scatter(accumulator, n_components, np.dtype(dtype))
        return self

    def _check_exact_solver(self):
        if self.solver in ("randomized", "gradient"):
            raise AttributeError(
                "partial_fit streams the exact closed form; it is available for "
                f"solver='auto', 'eigh' or 'svd', not solver={self.solver!r}."
            )
        return True

    @available_if(_check_exact_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    @restore_on_error
    def partial_fit(self, X, y=None, sample_weight=None):
        """Add a chunk of samples to the exact streaming closed form.

        Accumulates the count, mean and scatter matrix: after any sequence
        of chunks the model equals ``fit`` (with ``solver='eigh'``) on all of
        them, to rounding. The eigenproblem is solved once, when the
        components are first used after the last chunk, so streaming many
        chunks costs a single solve.

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
            The updated estimator.
        """
        first = "n_samples_seen_" not in vars(self)
        X = self._validate(X, reset=first)
        if first:
            accumulator = ScatterAccumulator(X.shape[1])
        else:
            accumulator = self._streaming_state()
            X = X.astype(self.mean_.dtype, copy=False)
        sample_weight = check_sample_weight(sample_weight, X)
        accumulator.update(X, sample_weight)
        n_components = self._check_n_components(accumulator.n_rows, X.shape[1])
        # Streaming many chunks should cost one eigendecomposition, not one
        # per chunk: the solution is computed when it is first used.
        for name in _DEFERRED:
            vars(self).pop(name, None)
        mean = accumulator.mean if self.center else np.zeros_like(accumulator.mean)
        self.mean_ = mean.astype(X.dtype)
        self.n_components_ = n_components
        self.n_samples_seen_ = accumulator.n_samples
        self.n_iter_ = 1
        self._accumulator, self._svd_factors = accumulator, None
        self._pending_solve = (n_components, X.dtype)
        return self

    def __getattr__(self, name):
        # Only reached for missing attributes: the deferred partial_fit solution.
        pending = vars(self).get("_pending_solve")
        if name in _DEFERRED and pending is not None:
            del self._pending_solve
            self._solve_scatter(self._accumulator, *pending)
            return vars(self)[name]
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}"
        )

    def transform(self, X):
        """Encode ``X``: ``(X - mean_) @ components_.T``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Codes.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        X = X.astype(self.components_.dtype, copy=False)
        codes = np.empty((X.shape[0], self.n_components_), dtype=X.dtype)
        for rows, chunk in row_chunks(X):
            codes[rows] = (chunk - self.mean_) @ self.components_.T
        return codes

    def inverse_transform(self, X):
        """Decode codes with the tied weights: ``X @ components_ + mean_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            Reconstructions.
        """
        check_is_fitted(self)
        X = check_array(X, dtype=self.components_.dtype)
        if X.shape[1] != self.n_components_:
            raise ValueError(
                f"X has {X.shape[1]} features, but inverse_transform expects "
                f"codes of {self.n_components_} features."
            )
        return X @ self.components_ + self.mean_

    def score_samples(self, X):
        """Negative squared reconstruction error of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``-||x - h(x)||^2``.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        X = X.astype(self.components_.dtype, copy=False)
        scores = np.empty(X.shape[0], dtype=X.dtype)
        for rows, residual in self._residual_chunks(X):
            scores[rows] = -np.einsum("ij,ij->i", residual, residual)
        return scores

    def feature_errors(self, X):
        """Squared reconstruction error of each feature of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to reconstruct.

        Returns
        -------
        errors : ndarray of shape (n_samples, n_features)
            ``(h(x) - x)^2``; ``-errors.sum(axis=1)`` is ``score_samples(X)``.
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        X = X.astype(self.components_.dtype, copy=False)
        errors = np.empty_like(X)
        for rows, residual in self._residual_chunks(X):
            errors[rows] = residual * residual
        return errors

    def _residual_chunks(self, X):
        """``(rows, h(x) - x)`` chunk by chunk."""
        for rows, chunk in row_chunks(X):
            centered = chunk - self.mean_
            yield rows, (centered @ self.components_.T) @ self.components_ - centered

    def score(self, X, y=None, sample_weight=None):
        """Mean negative squared reconstruction error (higher is better).

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
            ``-mean_n ||x_n - h(x_n)||^2``.
        """
        return float(np.average(self.score_samples(X), weights=sample_weight))

    # -- internals ------------------------------------------------------
    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    def _check_n_components(self, n_samples, n_features):
        limit = min(n_samples, n_features)
        if self.n_components is None:
            return limit
        if self.n_components > limit:
            raise ValueError(
                f"n_components={self.n_components} must be at most "
                f"min(n_samples, n_features)={limit} (n_samples={n_samples}, "
                f"n_features={n_features})."
            )
        return self.n_components

    def _solve_scatter(self, accumulator, n_components, dtype):
        """The closed form from an accumulated scatter matrix ('eigh')."""
        gram = accumulator.gram(self.center)
        singular_values, Vt = _eigh_solution(gram)
        self._set_solution(
            singular_values,
            Vt,
            np.trace(gram),
            n_components,
            dtype,
            accumulator.n_samples,
            accumulator.mean,
        )
        self._n_rows_seen = accumulator.n_rows
        self._accumulator, self._svd_factors = accumulator, None

    def _fit_svd(self, X, n_components, solver, sample_weight=None):
        """The closed form from an SVD of the data ('svd', 'randomized').

        Weighted rows enter as ``sqrt(w) (x - mean)``: their scatter is the
        weighted one.
        """
        check_magnitude(X)
        n_samples, n_features = X.shape
        if sample_weight is None:
            mean = X.mean(axis=0, dtype=np.float64)
        else:
            n_samples = float(sample_weight.sum(dtype=np.float64))
            mean = column_mean_and_std(X, sample_weight)[0]  # float64 sums
        X_centered = X - mean.astype(X.dtype) if self.center else X
        if sample_weight is not None:
            X_centered = X_centered * np.sqrt(sample_weight)[:, None]
        if solver == "svd":
            _, singular_values, Vt = np.linalg.svd(X_centered, full_matrices=False)
        else:
            _, singular_values, Vt = randomized_svd(
                X_centered, n_components, random_state=self.random_state
            )
        total = float(np.einsum("ij,ij->", X_centered, X_centered, dtype=np.float64))
        self._set_solution(
            singular_values, Vt, total, n_components, X.dtype, n_samples, mean
        )
        # An exact SVD holds the whole Gram matrix: keep its factors so that
        # partial_fit can continue from them.
        exact = solver == "svd"
        self._accumulator = None
        self._svd_factors = (singular_values, Vt, mean) if exact else None
        self._n_rows_seen = X.shape[0]

    def _streaming_state(self):
        """A copy of the statistics accumulated so far, for ``partial_fit``."""
        if self._accumulator is not None:
            return copy.deepcopy(self._accumulator)
        singular_values, Vt, mean = self._svd_factors
        Vt = Vt.astype(np.float64)
        gram = (Vt.T * singular_values.astype(np.float64) ** 2) @ Vt
        accumulator = ScatterAccumulator(len(mean))
        accumulator.n_samples = self.n_samples_seen_
        accumulator.n_rows = self._n_rows_seen
        accumulator.mean = mean.copy()
        if not self.center:
            gram -= self.n_samples_seen_ * np.outer(mean, mean)
        accumulator.scatter = gram
        return accumulator

    def _set_solution(
        self,
        singular_values,
        Vt,
        total,
        n_components,
        dtype,
        n_samples,
        mean,
        reconstruction_error=None,
    ):
        """Store the top components with PCA's conventions.

        ``reconstruction_error`` defaults to the trailing squared singular
        values over ``n``, exact when the rows of ``Vt`` are orthonormal.
        """
        vars(self).pop("_pending_solve", None)
        _, Vt = svd_flip(None, np.array(Vt), u_based_decision=False)
        squared = singular_values[:n_components].astype(np.float64) ** 2
        denominator = max(n_samples - 1, 1)
        self.components_ = np.ascontiguousarray(Vt[:n_components], dtype=dtype)
        self.singular_values_ = singular_values[:n_components].astype(dtype)
        self.explained_variance_ = (squared / denominator).astype(dtype)
        total = float(total)
        self.explained_variance_ratio_ = (
            squared / total if total > 0 else np.zeros_like(squared)
        ).astype(dtype)
        if reconstruction_error is None:
            reconstruction_error = max(total - float(squared.sum()), 0.0) / n_samples
        self.reconstruction_error_ = reconstruction_error
        self.mean_ = (mean if self.center else np.zeros_like(mean)).astype(dtype)
        self.n_components_ = n_components
        self.n_samples_seen_ = n_samples
        self.n_iter_ = 1

    def _fit_gradient(self, X, n_components, sample_weight=None):
        """Train ``x W W^T`` by Adam through the shared engine."""
        check_magnitude(X)
        n_samples, n_features = X.shape
        weights = np.ones(n_samples) if sample_weight is None else sample_weight
        if sample_weight is not None:
            n_samples = float(sample_weight.sum(dtype=np.float64))
        if not self.center:
            mean = np.zeros(n_features, X.dtype)
        elif sample_weight is None:
            mean = X.mean(axis=0)
        else:
            mean = column_mean_and_std(X, sample_weight)[0].astype(X.dtype)
        X_centered = np.ascontiguousarray(X - mean) if self.center else X
        net = Network(
            [n_features, n_components, n_features],
            ["identity", "identity"],
            "squared_error",
            tied={1: 0},
            alpha=self.alpha,
            penalty_scale=np.tile(
                np.arange(1, n_components + 1) / n_components, n_features
            ),
            biases=False,
            dtype=X.dtype,
        )
        rng = generator_from(self.random_state)
        net.initialize(rng)
        history = History()
        adam = TrainingConfig.from_params(
            self.get_params(deep=False), solver="adam", shuffle=True, verbose=False
        )
        run_solver(
            adam, net, X_centered, rng=rng, history=history, sample_weight=sample_weight
        )
        W = net.coefs[0].astype(np.float64)
        codes = X_centered @ W
        captured = np.einsum("ij,ij,i->j", codes, codes, weights)
        order = np.argsort(captured)[::-1]
        total = float(
            np.einsum("ij,ij,i->", X_centered, X_centered, weights, dtype=np.float64)
        )
        # ||X - X W W^T||^2 = ||X||^2 - 2 ||X W||^2 + tr(W^T X^T X W W^T W),
        # without an n x d residual (each row's term weighted)
        cross = float(np.einsum("ij,ij,i->", codes @ (W.T @ W), codes, weights))
        error = max(total - 2 * float(captured.sum()) + cross, 0.0) / n_samples
        self._set_solution(
            np.sqrt(captured[order]),
            W[:, order].T,
            total,
            n_components,
            X.dtype,
            n_samples,
            mean.astype(np.float64),
            reconstruction_error=error,
        )
        self.n_iter_ = history.n_iter
        self._accumulator = self._svd_factors = None
        self._n_rows_seen = X.shape[0]
        self._warn_if_short_of_optimum(
            X_centered, n_components, total, n_samples, sample_weight
        )

    def _warn_if_short_of_optimum(
        self, X, n_components, total, n_samples, sample_weight=None
    ):
        """ConvergenceWarning when gradient descent ends >1% above the optimum.

        The optimum is the closed form's error (Baldi & Hornik, 1989): the
        energy outside the top ``n_components`` eigenvalues of ``X^T X``
        (accumulated in float64 as by the closed-form solvers): one
        ``d x d`` eigendecomposition (a randomized SVD for many features),
        cheap next to the training.
        """
        if X.shape[1] <= EXACT_OPTIMUM_MAX_FEATURES:
            scatter = ScatterAccumulator(X.shape[1]).update(X, sample_weight)
            top = np.linalg.eigvalsh(scatter.gram(center=False))[::-1][:n_components]
        else:
            if sample_weight is not None:
                X = X * np.sqrt(sample_weight)[:, None]
            _, singular, _ = randomized_svd(X, n_components, n_iter=7, random_state=0)
            top = singular.astype(np.float64) ** 2
        optimum = max(total - float(top.sum()), 0.0) / n_samples
        excess = self.reconstruction_error_ / optimum - 1 if optimum > 0 else 0.0
        if excess > GRADIENT_TOLERANCE:
            warnings.warn(
                f"solver='gradient' ended {excess:.1%} above the closed form's "
                f"reconstruction error ({self.reconstruction_error_:.6g} vs "
                f"{optimum:.6g}) after {self.n_iter_} epochs. Raise max_iter, use "
                "learning_rate='adaptive', or a closed-form solver.",
                ConvergenceWarning,
                stacklevel=3,
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
