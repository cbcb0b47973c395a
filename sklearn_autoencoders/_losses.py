"""Losses at the output layer and weight penalties.

A loss receives the output layer's *pre-activation* ``Z`` (overwritten with
the activated output), the targets ``Y`` and a ``delta`` buffer that it fills
with ``dLoss/dZ``. Working from the pre-activation lets the cross-entropies
use exact, overflow-free formulas (``log(1 + exp(z))`` via ``logaddexp``)
instead of taking ``log`` of a probability that may round to 0.

All losses are averaged over samples and summed over outputs, so for the
autoencoder ``squared_error`` is ``(1 / 2n) sum_n ||g(x_n) - x_n||^2``.
With ``weights`` (each row's share of the average, summing to 1: sample
weights over their batch total) the average is weighted instead,
``(1 / 2) sum_n w_n ||g(x_n) - x_n||^2``: a row of weight 2 counts exactly
as the same row twice. ``weights=None`` is the plain mean, kept on its own
path because it is the hot one.

Penalties act on the flat vector of all weights (never the biases) and use
scikit-learn's MLP scaling: ``alpha / n`` with ``n`` the minibatch size (its
total sample weight when weighted, as in scikit-learn's MLP).

*Layer penalties* act on one layer's activations ``A`` (the sparse and the
contractive autoencoders' code): each adds its gradient with respect to the
layer's pre-activation to ``delta`` (which backpropagation then carries to
every earlier parameter) and returns its value; one that also depends on
the weights directly writes that gradient into ``direct`` (see below).
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._activations import ACTIVATIONS, DERIVATIVES, slope


def _row_sums(A):
    """Per-row sums (the weighted losses' per-sample values), in A's dtype:
    as precise as the unweighted losses' BLAS dot products, and a third of
    the time of summing in float64."""
    return A.sum(axis=1)


def _average_rows(delta, weights):
    """Turn per-row gradients into those of the (weighted) mean over rows."""
    if weights is None:
        delta *= 1.0 / delta.shape[0]
    else:
        delta *= weights[:, None]


def squared_error(Z, Y, delta, activation, scratch, weights=None):
    """Half squared error ``(1 / 2n) ||act(Z) - Y||^2`` and its gradient.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_outputs)
        Pre-activations of the output layer; replaced by ``act(Z)``.
    Y : ndarray of shape (n_samples, n_outputs)
        Targets.
    delta : ndarray of shape (n_samples, n_outputs)
        Filled with the gradient of the loss with respect to ``Z``.
    activation : str
        Output activation, any key of ``ACTIVATIONS`` but ``'softmax'``.
    scratch : ndarray of shape (n_samples, n_outputs)
        Work space.
    weights : ndarray of shape (n_samples,), default=None
        Each row's share of the average (summing to 1); None: ``1 / n``.

    Returns
    -------
    loss : float
    """
    ACTIVATIONS[activation](Z)
    np.subtract(Z, Y, out=delta)
    if weights is None:
        flat = delta.reshape(-1)
        loss = 0.5 * float(np.dot(flat, flat)) / Z.shape[0]
    else:
        squares = np.einsum("ij,ij->i", delta, delta)
        loss = 0.5 * float(np.dot(squares, weights))
    _average_rows(delta, weights)
    DERIVATIVES[activation](Z, delta, scratch)
    return loss


def binary_cross_entropy(Z, Y, delta, activation, scratch, weights=None):
    """Binary cross-entropy of logistic outputs, from the logits.

    ``-y log s(z) - (1 - y) log(1 - s(z)) = softplus(z) - y z`` with
    ``softplus(z) = max(z, 0) + log(t)`` and ``t = 1 + exp(-|z|)`` in
    [1, 2], and the output ``s(z) = exp(min(z, 0)) / t``. Both are finite
    for any logit, and every pass is an ``exp``, ``log`` or arithmetic
    ufunc, which NumPy vectorises: a third of the time of ``logaddexp``
    followed by ``expit`` on the 784-wide output of an MNIST autoencoder.
    """
    n_samples = Z.shape[0]
    if weights is None:
        y_dot_z = float(np.dot(Y.reshape(-1), Z.reshape(-1)))
    else:
        y_dot_z = np.einsum("ij,ij->i", Y, Z)
    t = scratch
    np.abs(Z, out=t)
    np.negative(t, out=t)
    np.exp(t, out=t)
    t += 1
    np.maximum(Z, 0, out=delta)
    if weights is None:
        loss = float(delta.sum(dtype=np.float64)) - y_dot_z
    else:
        per_row = _row_sums(delta) - y_dot_z
    np.minimum(Z, 0, out=Z)
    np.exp(Z, out=Z)
    Z /= t
    np.log(t, out=t)
    if weights is None:
        loss += float(t.sum(dtype=np.float64))
        loss /= n_samples
    else:
        per_row += _row_sums(t)
        loss = float(np.dot(per_row, weights))
    np.subtract(Z, Y, out=delta)
    _average_rows(delta, weights)
    return loss


def softmax_cross_entropy(Z, Y, delta, activation, scratch, weights=None):
    """Categorical cross-entropy of softmax outputs, from the logits.

    ``-sum_k y_k log softmax(z)_k = sum_k y_k (log sum_j exp(z_j) - z_k)``,
    evaluated after subtracting each row's maximum so nothing overflows.
    """
    n_samples = Z.shape[0]
    Z -= Z.max(axis=1, keepdims=True)
    if weights is None:
        y_dot_z = float(np.dot(Y.reshape(-1), Z.reshape(-1)))
    else:
        y_dot_z = np.einsum("ij,ij->i", Y, Z)
    np.exp(Z, out=Z)
    row_sums = Z.sum(axis=1)
    if weights is None:
        loss = (float(np.dot(Y.sum(axis=1), np.log(row_sums))) - y_dot_z) / n_samples
    else:
        per_row = _row_sums(Y) * np.log(row_sums) - y_dot_z
        loss = float(np.dot(per_row, weights))
    Z /= row_sums[:, None]
    np.subtract(Z, Y, out=delta)
    _average_rows(delta, weights)
    return loss


def _shares(weights):
    """Weights rescaled to sum to 1 (all zero: left as they are)."""
    total = weights.sum()
    return weights / total if total > 0 else weights


LOSSES = {
    "squared_error": squared_error,
    "cross_entropy": binary_cross_entropy,
    "softmax_cross_entropy": softmax_cross_entropy,
}

#: The output activation each cross-entropy is defined for.
LOSS_OUTPUT_ACTIVATION = {
    "cross_entropy": "logistic",
    "softmax_cross_entropy": "softmax",
}


def _value_at_zero_target(loss, activation, z):
    """Per-entry loss of targets 0 at pre-activations ``z`` (1-D, overwritten)."""
    if loss == "cross_entropy":
        return np.logaddexp(0, z, out=z)  # softplus(z) - 0 * z
    ACTIVATIONS[activation](z)
    z *= z
    z *= 0.5
    return z


class MaskedLoss:
    """A reconstruction loss over the observed entries of the targets only.

    A NaN target is a missing entry: it adds nothing to the loss nor to
    the gradient, so the network is never taught to reproduce a value no
    one measured. A row's observed entries keep the weight they would have
    in a complete row (the loss is still averaged over rows), so a table
    with a few holes trains as the complete table would.

    The wrapped loss runs on the targets with missing entries set to 0;
    their share of its gradient is then cleared, and their share of its
    value is computed from the saved pre-activations and subtracted
    (``_value_at_zero_target``), exactly, for the squared error and the
    binary cross-entropy alike. Batches without a missing entry take the
    wrapped loss's own path. Work buffers are kept from one batch to the
    next.

    Parameters
    ----------
    loss : {'squared_error', 'cross_entropy'}
        The reconstruction loss (a key of ``LOSSES``).
    output_activation : str
        The output layer's activation (``Network`` checks it).
    """

    def __init__(self, loss, output_activation):
        self.loss = loss
        self.output_activation = output_activation
        self._missing = self._targets = None

    def _buffers(self, Y):
        if self._missing is None or self._missing.shape[0] < Y.shape[0]:
            self._missing = np.empty(Y.shape, dtype=bool)
            self._targets = np.empty(Y.shape, dtype=Y.dtype)
        m = Y.shape[0]
        return self._missing[:m], self._targets[:m]

    def __call__(self, Z, Y, delta, activation, scratch, weights=None):
        missing, targets = self._buffers(Y)
        np.isnan(Y, out=missing)
        if not missing.any():
            return LOSSES[self.loss](Z, Y, delta, activation, scratch, weights)
        np.copyto(targets, Y)
        targets[missing] = 0
        rows = np.nonzero(missing)[0]
        z = Z[missing]  # a copy: the loss overwrites Z with the output
        loss = LOSSES[self.loss](Z, targets, delta, activation, scratch, weights)
        delta[missing] = 0
        excess = _value_at_zero_target(self.loss, activation, z)
        if weights is None:
            return loss - float(excess.sum(dtype=np.float64)) / Z.shape[0]
        return loss - float(np.dot(excess, weights[rows]))


class HiddenEntryLoss:
    """Half squared error over observed entries, the hidden ones emphasised.

    An entry the masking noise hid from the network weighs 1, one it could
    see ``visible_weight``, a missing one (NaN target) 0: copying what it
    sees is easy and teaches little, so the objective is led by what
    imputation asks, predicting an entry from the others (Vincent et al.'s
    emphasised denoising). ``masking.hidden`` is the batch's draw, made
    just before the loss is called (``_imputer.IndicatorMasking``). Linear
    output only; at ``visible_weight=1`` it is ``MaskedLoss('squared_error')``.
    """

    output_activation = "identity"

    def __init__(self, masking, visible_weight):
        self.masking = masking
        self.visible_weight = visible_weight

    def __call__(self, Z, Y, delta, activation, scratch, weights=None):
        residual = np.subtract(Z, Y, out=delta)
        np.nan_to_num(residual, copy=False, nan=0.0)
        emphasis = scratch
        emphasis.fill(self.visible_weight)
        hidden = self.masking.hidden
        if hidden is not None and hidden.shape == Z.shape:
            np.copyto(emphasis, 1.0, where=hidden)
        emphasis *= residual  # dLoss/dZ of each row's sum
        per_row = np.einsum("ij,ij->i", emphasis, residual)
        if weights is None:
            loss = 0.5 * float(per_row.sum(dtype=np.float64)) / Z.shape[0]
            np.multiply(emphasis, 1.0 / Z.shape[0], out=delta)
        else:
            loss = 0.5 * float(np.dot(per_row, weights))
            np.multiply(emphasis, weights[:, None], out=delta)
        return loss


class ConsistencyLoss:
    """Cross-entropy on labeled rows plus the Pi-model consistency on pairs.

    The semi-supervised objective of Laine & Aila (2017): a batch holds
    ``n_l`` labeled rows (the rows ``Y`` labels), then two differently
    corrupted copies of ``m`` further rows (``m`` first copies, then ``m``
    second copies). Its value is

    ``CE(labeled rows) + weight * (1 / m) sum_i ||p(x~_i) - p(x~'_i)||^2``

    with ``p`` the output probabilities (softmax, or the logistic output of
    a binary problem): unlabeled rows teach the network to give the same
    answer for two noisy views of one input, so its decision boundary moves
    away from dense regions of the data. Both copies receive the gradient
    (no target is held fixed). ``weight`` is an attribute, so the training
    loop can ramp it up step by step without rebuilding the network.
    With ``weights``, each part is a weighted mean over its own rows (the
    labeled rows; the pairs, by their first copies' weights).

    Parameters
    ----------
    classification : {'cross_entropy', 'softmax_cross_entropy'}
        The supervised loss, on the labeled rows.
    weight : float, default=0.0
        Weight of the consistency term.
    """

    def __init__(self, classification, weight=0.0):
        self.classification = classification
        self.weight = weight
        self.output_activation = LOSS_OUTPUT_ACTIVATION[classification]

    def __call__(self, Z, Y, delta, activation, scratch, weights=None):
        n_labeled = Y.shape[0]
        n_pairs = (Z.shape[0] - n_labeled) // 2
        # each part is a (weighted) mean over its own rows
        labeled_weights = pair_weights = None
        if weights is not None:
            labeled_weights = _shares(weights[:n_labeled])
            pair_weights = _shares(weights[n_labeled : n_labeled + n_pairs])
        loss = 0.0
        if n_labeled:
            loss = LOSSES[self.classification](
                Z[:n_labeled],
                Y,
                delta[:n_labeled],
                activation,
                scratch[:n_labeled],
                labeled_weights,
            )
        if not n_pairs:
            return loss
        P, grad = Z[n_labeled:], delta[n_labeled:]
        ACTIVATIONS[activation](P)
        difference, opposite = grad[:n_pairs], grad[n_pairs:]
        np.subtract(P[:n_pairs], P[n_pairs:], out=difference)
        if pair_weights is None:
            flat = difference.reshape(-1)
            loss += self.weight * float(np.dot(flat, flat)) / n_pairs
            difference *= 2 * self.weight / n_pairs
        else:
            squares = np.einsum("ij,ij->i", difference, difference)
            loss += self.weight * float(np.dot(squares, pair_weights))
            difference *= pair_weights[:, None]
            difference *= 2 * self.weight
        np.negative(difference, out=opposite)
        # dLoss/dP to dLoss/dZ through the output activation
        if activation == "softmax":
            grad -= np.einsum("ij,ij->i", grad, P)[:, None]
            grad *= P
        else:
            DERIVATIVES[activation](P, grad, scratch[n_labeled:])
        return loss


def l2_penalty(W, grad, strength, scratch, scale=None):
    """Weight decay ``(strength / 2) sum s w^2``; adds ``strength s w`` to grad.

    ``strength`` is ``alpha / n_samples``; ``scale`` (one factor per weight,
    default 1) lets the strength differ between weights.
    """
    penalty_grad = np.multiply(W, strength, out=scratch[0])
    if scale is not None:
        penalty_grad *= scale
    grad += penalty_grad
    return 0.5 * float(np.dot(W, penalty_grad))


def elimination_penalty(W, grad, strength, scratch, scale=None):
    """Weight elimination ``(strength / 2) sum s w^2 / (1 + w^2)``.

    Its gradient ``strength * w / (1 + w^2)^2`` is nearly weight decay for
    small weights and vanishes for large ones, so it prunes small weights
    while leaving the important large ones almost free.
    """
    inv, ratio = scratch
    np.multiply(W, W, out=inv)
    inv += 1
    np.reciprocal(inv, out=inv)  # 1 / (1 + w^2)
    np.multiply(W, inv, out=ratio)  # w / (1 + w^2)
    if scale is not None:
        ratio *= scale
    value = 0.5 * strength * float(np.dot(W, ratio))
    ratio *= inv
    ratio *= strength
    grad += ratio
    return value


PENALTIES = {"l2": l2_penalty, "elimination": elimination_penalty}


# -- layer penalties --------------------------------------------------------
class PenaltyContext(NamedTuple):
    """What a layer penalty sees of one batch; ``Network`` builds it.

    A layer penalty is called as ``penalty(context, **params)`` and returns
    ``(value, wrote_direct)``: it adds its gradient with respect to the
    layer's pre-activation to ``delta`` and, with ``wrote_direct``, has
    written gradients with respect to the spanned layers' weights into
    ``direct``, which the network adds to theirs.
    """

    #: Activations of the penalised layer, ``(n, h)``.
    A: np.ndarray
    #: ``dLoss/dZ`` of the penalised layer, ``(n, h)``; the penalty adds to it.
    delta: np.ndarray
    #: Weights of the layers the penalty spans, the penalised layer first.
    coefs: list
    #: The penalised layer's activation function.
    activation: str
    #: Buffers: ``work["rows"]`` three ``(n, h)`` arrays; other entries persist.
    work: dict
    #: Arrays shaped like ``coefs``, for gradients with respect to them.
    direct: list
    #: The rows' shares of the batch average (as for the losses); None: ``1/n``.
    weights: object = None


class LayerPenalty(NamedTuple):
    """A penalty on ``layer``'s activations, spanning ``n_layers`` layers."""

    layer: int
    function: Callable
    n_layers: int = 1


#: Mean activations are kept this far from 0 and 1 inside the KL divergence.
KL_EPSILON = 1e-7


def _buffer(work, name, shape, dtype):
    """A persistent work array, allocated on first use."""
    if name not in work or work[name].shape != shape:
        work[name] = np.empty(shape, dtype=dtype)
    return work[name]


def _row_mean(A, weights):
    """Per-column (weighted) mean over the rows, in float64."""
    if weights is None:
        return A.mean(axis=0, dtype=np.float64)
    # one BLAS pass in the data's dtype: a float64 vector would copy A
    return np.dot(weights, A).astype(np.float64)


def kl_sparsity_penalty(context, *, strength, target):
    """Sparsity ``strength * sum_j KL(target || mean_n a_nj)`` (Ng, 2011).

    The KL divergence between Bernoulli means needs activations in [0, 1]:
    logistic units are used as they are, tanh units as ``(a + 1) / 2``.
    Its gradient with respect to ``a_nj`` is the same for every sample,
    ``strength * (-target / m_j + (1 - target) / (1 - m_j)) / n``, so the
    penalty costs one mean and one product with the derivative.
    """
    A, delta, _, activation, work, _, weights = context
    shift = 1.0 if activation == "tanh" else 0.0
    half = 0.5 if activation == "tanh" else 1.0
    mean = (_row_mean(A, weights) + shift) * half
    mean = np.clip(mean, KL_EPSILON, 1 - KL_EPSILON)
    rho = target
    value = strength * float(
        np.sum(rho * np.log(rho / mean) + (1 - rho) * np.log((1 - rho) / (1 - mean)))
    )
    share = 1.0 / A.shape[0] if weights is None else 1.0
    column_grad = (strength * half * share) * (-rho / mean + (1 - rho) / (1 - mean))
    grad = slope(A, activation, work["rows"][0])
    grad *= column_grad.astype(A.dtype)
    if weights is not None:
        grad *= weights[:, None]
    delta += grad
    return value, False


def l1_activity_penalty(context, *, strength):
    """Activity penalty ``strength * mean_n sum_j a_nj`` for ReLU units.

    The sparsity penalty of ReLU codes, whose mean activation has no upper
    bound for a KL divergence to compare with a target: it pushes every
    unit towards 0, where a ReLU is exactly silent.
    """
    A, delta, _, activation, work, _, weights = context
    grad, scratch, _ = work["rows"]
    np.sign(A, out=grad)
    # ReLU outputs are non-negative: their L1 norm is their sum
    if weights is None:
        value = strength * float(A.sum(dtype=np.float64)) / A.shape[0]
        grad *= strength / A.shape[0]
    else:
        value = strength * float(_row_mean(A, weights).sum())
        grad *= weights[:, None]
        grad *= strength
    DERIVATIVES[activation](A, grad, scratch)
    delta += grad
    return value, False


def _curvature(A, activation, slope, scratch):
    """Turn ``slope = act'(z)`` into ``act''(z) / c``; returns ``c``.

    Logistic: ``act'' = s (1 - 2a)`` (``c = 1``); tanh: ``act'' = -2 a s``,
    left as ``a s`` with ``c = -2`` so the caller folds the constant into
    its own scalar factor. Only for curved units.
    """
    if activation == "logistic":
        np.multiply(A, slope, out=scratch)
        scratch *= -2
        slope += scratch
        return 1.0
    slope *= A
    return -2.0


def _gram(X, out, copy):
    """``X^T X`` into ``out``, through a general matrix product.

    NumPy hands ``X.T @ X`` on one buffer to BLAS's symmetric rank-k
    update, which OpenBLAS runs 1.1 to 2.4 times slower than the general
    product at the contractive penalty's shapes (``W^T W`` of a 64 x 256
    ``W``: 141 against 71 microseconds in float32; ``V V^T`` of a 256 x 32
    ``V``: 125 against 52); a copy of the second operand (``copy``, shaped
    like ``X``) takes the fast path.
    """
    np.copyto(copy, X)
    return np.matmul(X.T, copy, out=out)


def contraction_penalty(context, *, strength, rows=None):
    """Contraction ``strength * mean_n ||J(x_n)||_F^2`` (Rifai et al., 2011).

    ``J`` is the Jacobian of the last spanned layer's output with respect to
    the input, for a first layer ``h = act(x W + b)`` followed by at most one
    linear layer ``c = h V + d``. With ``s_n = act'(z_n)``,
    ``J_n = W diag(s_n) V``, and
    ``||J_n||_F^2 = s_n^T (G * M) s_n`` with ``G = W^T W`` and ``M = V V^T``
    (``*`` elementwise): two ``h x h`` Gram matrices per minibatch instead of
    a ``d x k`` Jacobian per sample. Without ``V`` (one layer),
    ``M = I`` and ``||J_n||^2 = sum_j s_nj^2 ||W_j||^2``, one pass over ``A``.
    Gradients, with ``P = mean_n s_n s_n^T``: ``2 strength W (P * M)`` for
    ``W``, ``2 strength (P * G) V`` for ``V``, and through the curvature of
    the units ``(2 strength / n) (S (G * M)) * act''(z)`` for ``z`` (zero for
    ReLU and identity units).

    ``rows`` (two layers only): estimate the mean over the batch on its
    first ``rows`` rows, which are a random sample of it when the epochs are
    shuffled. ``P`` and the curvature term cost ``rows x h x h`` instead of
    ``n x h x h``; the two Gram matrices do not depend on the rows.
    """
    A, delta, coefs, activation, work, direct, weights = context
    slopes, product, scratch = work["rows"]
    if len(coefs) == 2 and rows is not None and rows < A.shape[0]:
        A, delta = A[:rows], delta[:rows]
        slopes, product, scratch = slopes[:rows], product[:rows], scratch[:rows]
        weights = None if weights is None else _shares(weights[:rows])
    n_samples = A.shape[0]
    slope(A, activation, slopes)
    curved = activation in ("logistic", "tanh")
    W = coefs[0]
    if len(coefs) == 1:
        column_norms = np.einsum("ij,ij->j", W, W)
        np.multiply(slopes, slopes, out=product)
        mean_square = _row_mean(product, weights)
        value = strength * float(np.dot(mean_square, column_norms))
        if curved:
            np.multiply(slopes, column_norms, out=product)  # (S C) with C diagonal
        np.multiply(W, ((2 * strength) * mean_square).astype(W.dtype), out=direct[0])
    else:
        V = coefs[1]
        units = (W.shape[1], W.shape[1])
        G = _buffer(work, "gram", units, W.dtype)
        M = _buffer(work, "tail_gram", units, W.dtype)
        P = _buffer(work, "slope_gram", units, W.dtype)
        _gram(W, G, _buffer(work, "W_copy", W.shape, W.dtype))
        _gram(V.T, M, _buffer(work, "V_copy", V.T.shape, W.dtype))
        # P holds 2 strength mean_n s_n s_n^T, the factor put on the rows of
        # the second operand: once, not on the h x h, d x h and h x k results
        if weights is None:
            np.multiply(slopes, 2 * strength / n_samples, out=scratch)
        else:
            np.multiply(slopes, (2 * strength) * weights[:, None], out=scratch)
        np.matmul(slopes.T, scratch, out=P)
        C = _buffer(work, "product", units, W.dtype)
        np.multiply(G, M, out=C)
        value = 0.5 * float(np.vdot(P, C))
        if curved:
            np.matmul(slopes, C, out=product)
        np.multiply(P, M, out=C)  # 2 strength Q, Q = (P / 2 strength) * M
        G *= P  # 2 strength R, R = (P / 2 strength) * G
        np.matmul(W, C, out=direct[0])
        np.matmul(G, V, out=direct[1])
    if curved:
        constant = _curvature(A, activation, slopes, scratch)
        product *= slopes
        if weights is None:
            product *= constant * 2 * strength / n_samples
        else:
            product *= weights[:, None]
            product *= constant * 2 * strength
        delta += product
    return value, True


LAYER_PENALTIES = {
    "kl_sparsity": kl_sparsity_penalty,
    "l1_activity": l1_activity_penalty,
    "contraction": contraction_penalty,
}
