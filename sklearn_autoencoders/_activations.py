"""Activation functions and their derivatives, all computed in place.

Every function keeps the dtype of its argument (float32 stays float32) and
allocates nothing: derivatives receive a ``scratch`` array of the same shape
to hold intermediate values. Derivatives are expressed through the
activation's *output* ``A`` (as in scikit-learn's MLP), so the forward pass
does not need to keep the pre-activations.
"""

import numpy as np
from scipy.special import expit


def inplace_identity(Z):
    """Leave ``Z`` unchanged: the identity activation."""


def inplace_logistic(Z):
    """Replace ``Z`` by the logistic sigmoid ``1 / (1 + exp(-Z))``.

    ``scipy.special.expit`` saturates to exactly 0 or 1 instead of
    overflowing, so any finite input is safe.
    """
    expit(Z, out=Z)


def inplace_tanh(Z):
    """Replace ``Z`` by ``tanh(Z)``."""
    np.tanh(Z, out=Z)


def inplace_relu(Z):
    """Replace ``Z`` by ``max(Z, 0)``."""
    np.maximum(Z, 0, out=Z)


def inplace_softmax(Z):
    """Replace each row of ``Z`` by its softmax.

    The row maximum is subtracted first so that ``exp`` never overflows.
    """
    Z -= Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)


ACTIVATIONS = {
    "identity": inplace_identity,
    "logistic": inplace_logistic,
    "tanh": inplace_tanh,
    "relu": inplace_relu,
    "softmax": inplace_softmax,
}

#: Activations a user may choose for hidden, code and output layers.
HIDDEN_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")


def inplace_identity_derivative(A, delta, scratch):
    """Multiply ``delta`` by the identity's derivative: nothing to do."""


def inplace_logistic_derivative(A, delta, scratch):
    """Multiply ``delta`` by ``A * (1 - A)``, the sigmoid's derivative."""
    np.subtract(1, A, out=scratch)
    scratch *= A
    delta *= scratch


def inplace_tanh_derivative(A, delta, scratch):
    """Multiply ``delta`` by ``1 - A**2``, the derivative of tanh."""
    np.multiply(A, A, out=scratch)
    np.subtract(1, scratch, out=scratch)
    delta *= scratch


def inplace_relu_derivative(A, delta, scratch):
    """Zero ``delta`` where the unit was inactive (``A == 0``).

    ``A`` is non-negative, so ``sign(A)`` is exactly the 0/1 derivative.
    """
    np.sign(A, out=scratch)
    delta *= scratch


DERIVATIVES = {
    "identity": inplace_identity_derivative,
    "logistic": inplace_logistic_derivative,
    "tanh": inplace_tanh_derivative,
    "relu": inplace_relu_derivative,
}


def slope(A, activation, out):
    """``out = act'(z)`` from the activations ``A``, in two passes at most.

    The derivative itself, where ``DERIVATIVES`` multiplies a ``delta`` by
    it: what the Jacobian of a layer needs (the contractive penalty, and
    ``code_sensitivity``).
    """
    if activation == "tanh":
        np.multiply(A, A, out=out)
        np.subtract(1, out, out=out)
    elif activation == "logistic":
        np.subtract(1, A, out=out)
        out *= A
    elif activation == "relu":
        np.sign(A, out=out)
    else:
        out[...] = 1
    return out
