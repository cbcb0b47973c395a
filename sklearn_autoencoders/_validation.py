"""Checks and small helpers shared by the estimators."""

import functools
import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight

from ._callbacks import CALLBACK_STATE
from ._optimizers import SOLVERS


def check_layer_sizes(hidden_layer_sizes):
    """Validate ``hidden_layer_sizes`` and return it as a list of ints."""
    sizes = list(np.atleast_1d(np.asarray(hidden_layer_sizes, dtype=object)))
    if not all(isinstance(s, Integral) and not isinstance(s, bool) for s in sizes):
        raise ValueError(
            f"hidden_layer_sizes must be a sequence of positive integers, "
            f"got {hidden_layer_sizes!r}."
        )
    if any(s < 1 for s in sizes):
        raise ValueError(
            f"hidden_layer_sizes must contain only positive integers, "
            f"got {hidden_layer_sizes!r}."
        )
    return [int(s) for s in sizes]


def resolve_batch_size(batch_size, n_samples):
    """``'auto'`` means ``min(200, n_samples)``, as in scikit-learn's MLP."""
    return min(200, n_samples) if batch_size == "auto" else min(batch_size, n_samples)


def generator_from(random_state):
    """A ``numpy.random.Generator`` seeded from a scikit-learn ``random_state``."""
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return np.random.default_rng(seed)


def value_range(X):
    """Smallest and largest stored value of dense or sparse ``X``.

    ``None`` for no stored values. Two reductions, no temporary the size of
    ``X`` (it may be a memory map); a sparse matrix's implicit zeros are not
    counted.
    """
    values = X.data if sp.issparse(X) else X
    if values.size == 0:
        return None
    low, high = float(values.min()), float(values.max())
    if np.isnan(low):  # missing entries: the range of the observed ones
        observed = ~np.isnan(values)
        if not observed.any():
            return None
        low, high = float(values[observed].min()), float(values[observed].max())
    return low, high


def has_missing(X):
    """Whether dense or sparse ``X`` holds a NaN (a missing entry).

    One reduction and no temporary (``X`` may be a memory map): a sum is
    NaN exactly when an entry is, since infinite values were refused and
    ``check_magnitude`` keeps the sums finite.
    """
    values = X.data if sp.issparse(X) else X
    return values.size > 0 and bool(np.isnan(values.sum(dtype=np.float64)))


def check_observed(X):
    """Refuse ``X`` whose every entry is missing: nothing to learn from."""
    values = X.data if sp.issparse(X) else X
    if sp.issparse(X) and values.size < X.shape[0] * X.shape[1]:
        return X  # implicit zeros are observed
    if np.isnan(values).all():
        raise ValueError(
            "Input X contains NaN in every entry: there is no observed value "
            "to train on."
        )
    return X


def filled(X, value=0.0):
    """A copy of ``X`` with its missing entries set to ``value``.

    ``value`` is a scalar or one per column: 0 in the network's
    standardised space, where it is the column's mean, exactly what the
    masking noise writes. Sparse stays sparse (its implicit zeros are
    observed zeros).
    """
    if sp.issparse(X):
        X = X.copy()
        missing = np.isnan(X.data)
        columns = X.indices[missing]
        X.data[missing] = value[columns] if np.ndim(value) else value
        return X
    out = np.array(X, dtype=X.dtype, order="C")
    missing = np.isnan(out)
    if np.ndim(value):
        out[missing] = np.broadcast_to(value, X.shape)[missing]
    else:
        out[missing] = value
    return out


def check_magnitude(X):
    """Refuse data whose squared norms overflow its dtype.

    Every estimator sums squares of rows (losses, scatter matrices); with
    values near ``sqrt(finfo.max)`` those sums become inf, and training would
    then stop with a confusing divergence error. Say what to do instead.
    """
    bounds = value_range(X)
    if bounds is None:
        return X
    largest = max(abs(bounds[0]), abs(bounds[1]))
    limit = np.sqrt(np.finfo(X.dtype).max / (4.0 * X.shape[1]))
    if largest > limit:
        raise ValueError(
            f"X has values up to {largest:.3g}, too large for {X.dtype}: their "
            f"squared norms overflow. Scale the data first (for example with "
            "StandardScaler)"
            + (", or pass float64 data." if X.dtype == np.float32 else ".")
        )
    return X


def restore_on_error(fit_method):
    """Leave the estimator exactly as it was when ``fit_method`` raises.

    ``validate_data`` records ``n_features_in_`` before training starts, so
    without this a failed first ``fit`` would look fitted, and a failed
    refit would mix old and new attributes. The estimators only rebind
    attributes (never modify fitted arrays in place), so restoring a shallow
    copy of ``__dict__`` is enough.
    """

    @functools.wraps(fit_method)
    def wrapper(self, *args, **kwargs):
        state = dict(self.__dict__)
        try:
            return fit_method(self, *args, **kwargs)
        except Exception:
            # scikit-learn's callback bookkeeping stays for the teardown
            live = {k: v for k, v in self.__dict__.items() if k in CALLBACK_STATE}
            self.__dict__.clear()
            self.__dict__.update(state)
            self.__dict__.update(live)
            raise

    return wrapper


def accepted_sparse_format(solver):
    """Sparse input is read batch by batch ('csr'); L-BFGS needs it dense.

    The full-batch solver would have to densify the whole matrix for its
    targets, which is exactly what sparse input is meant to avoid.
    """
    return "csr" if SOLVERS[solver].stochastic else False


def as_dtype(X, dtype):
    """``X`` in ``dtype``: C-contiguous when dense, unchanged format if sparse."""
    if sp.issparse(X):
        return X.astype(dtype, copy=False)
    return np.ascontiguousarray(X, dtype=dtype)


def check_sample_weight(sample_weight, X):
    """Validated sample weights in ``X``'s dtype, or None.

    Non-negative, finite, one per row, and not all zero: a zero total
    leaves nothing to average, so it is refused with scikit-learn's
    message. The caller's array is never modified.
    """
    if sample_weight is None:
        return None
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=X.dtype, ensure_non_negative=True
    )
    if not sample_weight.sum(dtype=np.float64) > 0:
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return sample_weight


def rows_that_count(X, sample_weight):
    """``X`` without its rows of weight 0 (``X`` itself if there are none).

    For statistics that are not sums (a column's range): a row of weight 0
    must weigh nothing, as if it had been removed.
    """
    if sample_weight is None or (sample_weight > 0).all():
        return X
    return X[sample_weight > 0]


def validation_split(n_samples, fraction, rng, stratify=None):
    """``(sorted training rows, held-out rows)`` for early stopping.

    The split's seed is drawn from ``rng``, so it follows ``random_state``
    and a refit with the same seed holds out the same rows.
    """
    seed = int(rng.integers(np.iinfo(np.int32).max))
    train, held_out = train_test_split(
        np.arange(n_samples), test_size=fraction, random_state=seed, stratify=stratify
    )
    return np.sort(train), held_out


def held_out_weights(sample_weight, held_out):
    """Weights of the rows held out for early stopping (None: equal), checked."""
    if len(held_out) < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    if sample_weight is None:
        return None
    weights = sample_weight[held_out]
    if not weights.sum(dtype=np.float64) > 0:
        raise ValueError(
            "The sample weights of the rows held out for early stopping are all "
            "zero; change random_state or validation_fraction."
        )
    return weights


def column_bounds(X):
    """Per-column minimum and maximum as dense 1-D arrays (sparse or dense X).

    Dense ``X`` may have NaN: the bounds are over each column's observed
    entries (NaN for a column with none), via ``fmin`` / ``fmax``, which
    skip NaN without the warning of ``nanmin`` on an empty column.
    """
    if sp.issparse(X):
        low = X.min(axis=0).toarray().ravel()
        high = X.max(axis=0).toarray().ravel()
        return low.astype(X.dtype), high.astype(X.dtype)
    return np.fmin.reduce(X, axis=0), np.fmax.reduce(X, axis=0)


#: ``standardize='auto'`` standardises data with a column whose typical
#: magnitude ``|mean| + std`` is above this (or whose every value is below
#: its inverse in magnitude): far outside the range the units, the
#: initialisation and the default learning rates are made for.
STANDARDIZE_ABOVE = 10.0


#: Rows per chunk when ``column_mean_and_std`` reads dense data.
STATISTICS_CHUNK_ROWS = 4096


def column_mean_and_std(X, sample_weight=None):
    """Per-column mean and standard deviation in float64, chunk by chunk.

    Never allocates a temporary the size of ``X`` (it may be a memory map):
    sums of the rows shifted by the first chunk's mean, which keeps the
    variance accurate when the mean is large against the spread. With
    ``sample_weight`` both are weighted (a row of weight 2 counts twice).
    Missing entries (NaN) are left out of their column's statistics; a
    column with no observed entry gets mean 0 and std 0.
    """
    if has_missing(X):
        return _observed_mean_and_std(X, sample_weight)
    shift = X[:STATISTICS_CHUNK_ROWS].mean(axis=0, dtype=np.float64)
    total = np.zeros(X.shape[1])
    squares = np.zeros(X.shape[1])
    for start in range(0, X.shape[0], STATISTICS_CHUNK_ROWS):
        chunk = X[start : start + STATISTICS_CHUNK_ROWS] - shift
        if sample_weight is None:
            total += chunk.sum(axis=0)
            squares += np.einsum("ij,ij->j", chunk, chunk)
        else:
            weights = sample_weight[start : start + STATISTICS_CHUNK_ROWS]
            total += weights @ chunk
            squares += weights @ (chunk * chunk)
    n = X.shape[0] if sample_weight is None else float(sample_weight.sum())
    offset = total / n
    variance = np.maximum(squares / n - offset**2, 0.0)
    return shift + offset, np.sqrt(variance)


def _observed_mean_and_std(X, sample_weight=None):
    """``column_mean_and_std`` over each column's observed entries."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column
        shift = np.nan_to_num(np.nanmean(X[:STATISTICS_CHUNK_ROWS], axis=0))
    counts = np.zeros(X.shape[1])
    total = np.zeros(X.shape[1])
    squares = np.zeros(X.shape[1])
    for start in range(0, X.shape[0], STATISTICS_CHUNK_ROWS):
        chunk = X[start : start + STATISTICS_CHUNK_ROWS] - shift
        observed = ~np.isnan(chunk)
        chunk[~observed] = 0.0
        if sample_weight is None:
            counts += observed.sum(axis=0)
            total += chunk.sum(axis=0)
            squares += np.einsum("ij,ij->j", chunk, chunk)
        else:
            weights = sample_weight[start : start + STATISTICS_CHUNK_ROWS]
            counts += weights @ observed
            total += weights @ chunk
            squares += weights @ (chunk * chunk)
    counts = np.maximum(counts, np.finfo(np.float64).tiny)
    offset = total / counts
    variance = np.maximum(squares / counts - offset**2, 0.0)
    mean = np.where(counts > np.finfo(np.float64).tiny, shift + offset, 0.0)
    return mean, np.sqrt(variance)


def column_statistics(X, sample_weight=None):
    """Per-column (weighted) mean and std (float64) of dense or sparse X."""
    if sp.issparse(X):
        from sklearn.utils.sparsefuncs import mean_variance_axis

        mean, var = mean_variance_axis(X.tocsr(), axis=0, weights=sample_weight)
        return mean.astype(np.float64), np.sqrt(var.astype(np.float64))
    return column_mean_and_std(X, sample_weight)


def _off_scale_statistics(X, sample_weight=None):
    """Column ``(mean, std)`` when ``X`` is far from unit scale, else None.

    Two reductions decide most cases: ``|mean| + std <= sqrt(2) * max|x|``
    for every column, so data within ``10 / sqrt(2)`` in magnitude (images
    in [0, 1], standardised data) never need the per-column pass; when that
    pass runs, its statistics are returned so they are not computed twice.
    """
    bounds = value_range(X)
    largest = 0.0 if bounds is None else max(abs(bounds[0]), abs(bounds[1]))
    if largest == 0.0 or 1.0 / STANDARDIZE_ABOVE <= largest <= (
        STANDARDIZE_ABOVE / np.sqrt(2)
    ):
        return None  # nothing to scale, or certainly on scale
    mean, spread = column_statistics(X, sample_weight)
    if largest < 1.0 / STANDARDIZE_ABOVE:
        return mean, spread  # every value tiny
    if float((np.abs(mean) + spread).max()) > STANDARDIZE_ABOVE:
        return mean, spread
    return None


def input_standardization(X, mode, sample_weight=None, fix="standardize='auto'"):
    """``(mean, scale)`` to train on ``(X - mean) / scale``, or None.

    ``mode`` is ``True``, ``False`` or ``'auto'`` (only for data far from
    unit scale, see ``STANDARDIZE_ABOVE``); ``False`` on such data warns,
    naming ``fix``, the caller's setting that standardises (an estimator
    without ``'auto'`` names ``standardize=True``). Sparse data are scaled
    by each column's root mean square and not centred, which would densify
    them. Constant columns get a scale of 1, as in ``StandardScaler``.
    ``sample_weight`` weights the statistics.
    """
    statistics = None
    if mode is not True:
        statistics = _off_scale_statistics(X, sample_weight)
    if mode is False:
        if statistics is not None:
            warnings.warn(
                "X has features far from unit scale, which saturate the units "
                "or make training diverge, and standardize=False: scale X first "
                f"(for example with StandardScaler) or use {fix}.",
                UserWarning,
                stacklevel=5,
            )
        return None
    if mode is True:
        statistics = column_statistics(X, sample_weight)
    elif statistics is None:
        return None
    mean, spread = statistics
    if sp.issparse(X):
        spread = np.sqrt(spread**2 + mean**2)
        mean = np.zeros_like(mean)
    typical = np.abs(mean) + spread
    scale = np.where(spread > 10 * np.finfo(X.dtype).eps * (1 + typical), spread, 1.0)
    return mean.astype(X.dtype), scale.astype(X.dtype)


def standardized(X, mean, scale):
    """A standardised copy of ``X`` in its dtype (sparse stays sparse)."""
    if sp.issparse(X):
        return (X @ sp.diags(1.0 / scale).astype(X.dtype)).tocsr()
    Z = np.subtract(X, mean, dtype=X.dtype)
    Z /= scale
    return Z
