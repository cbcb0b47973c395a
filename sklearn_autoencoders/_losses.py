"""Losses at the output layer and weight penalties.

A loss receives the output layer's *pre-activation* ``Z`` (overwritten with
the activated output), the targets ``Y`` and a ``delta`` buffer that it fills
with ``dLoss/dZ``. Working from the pre-activation lets the cross-entropies
use exact, overflow-free formulas (``log(1 + exp(z))`` via ``logaddexp``)
instead of taking ``log`` of a probability that may round to 0.

All losses are averaged over samples and summed over outputs, so for the
autoencoder ``squared_error`` is ``(1 / 2n) sum_n ||g(x_n) - x_n||^2``.

Penalties act on the flat vector of all weights (never the biases) and use
scikit-learn's MLP scaling: ``alpha / n`` with ``n`` the minibatch size.
"""

import numpy as np

from ._activations import ACTIVATIONS, DERIVATIVES


def squared_error(Z, Y, delta, activation, scratch):
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

    Returns
    -------
    loss : float
    """
    n_samples = Z.shape[0]
    ACTIVATIONS[activation](Z)
    np.subtract(Z, Y, out=delta)
    flat = delta.reshape(-1)
    loss = 0.5 * float(np.dot(flat, flat)) / n_samples
    delta *= 1.0 / n_samples
    DERIVATIVES[activation](Z, delta, scratch)
    return loss


def binary_cross_entropy(Z, Y, delta, activation, scratch):
    """Binary cross-entropy of logistic outputs, from the logits.

    ``-y log s(z) - (1 - y) log(1 - s(z)) = softplus(z) - y z`` with
    ``softplus(z) = max(z, 0) + log(t)`` and ``t = 1 + exp(-|z|)`` in
    [1, 2], and the output ``s(z) = exp(min(z, 0)) / t``. Both are finite
    for any logit, and every pass is an ``exp``, ``log`` or arithmetic
    ufunc, which NumPy vectorises: a third of the time of ``logaddexp``
    followed by ``expit`` on the 784-wide output of an MNIST autoencoder.
    """
    n_samples = Z.shape[0]
    y_dot_z = float(np.dot(Y.reshape(-1), Z.reshape(-1)))
    t = scratch
    np.abs(Z, out=t)
    np.negative(t, out=t)
    np.exp(t, out=t)
    t += 1
    np.maximum(Z, 0, out=delta)
    loss = float(delta.sum(dtype=np.float64)) - y_dot_z
    np.minimum(Z, 0, out=Z)
    np.exp(Z, out=Z)
    Z /= t
    np.log(t, out=t)
    loss += float(t.sum(dtype=np.float64))
    np.subtract(Z, Y, out=delta)
    delta *= 1.0 / n_samples
    return loss / n_samples


def softmax_cross_entropy(Z, Y, delta, activation, scratch):
    """Categorical cross-entropy of softmax outputs, from the logits.

    ``-sum_k y_k log softmax(z)_k = sum_k y_k (log sum_j exp(z_j) - z_k)``,
    evaluated after subtracting each row's maximum so nothing overflows.
    """
    n_samples = Z.shape[0]
    Z -= Z.max(axis=1, keepdims=True)
    y_dot_z = float(np.dot(Y.reshape(-1), Z.reshape(-1)))
    np.exp(Z, out=Z)
    row_sums = Z.sum(axis=1)
    loss = float(np.dot(Y.sum(axis=1), np.log(row_sums))) - y_dot_z
    Z /= row_sums[:, None]
    np.subtract(Z, Y, out=delta)
    delta *= 1.0 / n_samples
    return loss / n_samples


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
