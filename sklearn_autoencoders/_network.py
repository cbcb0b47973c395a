"""Dense feed-forward networks whose parameters live in one flat buffer.

This module holds the network math shared by every estimator: the layer
layout (with optional tied weights), parameter initialisation, the forward
pass, backpropagation, and the objective (loss plus weight penalty).

Layer ``l`` maps ``A[l-1]`` to ``A[l] = act_l(A[l-1] @ W_l + b_l)`` (row
vectors, ``W_l`` of shape ``(fan_in, fan_out)``, as in scikit-learn's MLP).

All weights come first in the flat vector ``theta``, then all biases, so
one optimizer pass updates everything and a penalty is one pass over the
weight slice. A *tied* layer owns no weight block: it uses the transpose of
another layer's block, and backpropagation sums both layers' gradients into
that block (``dE/dW = A_enc^T delta_enc + (A_dec^T delta_dec)^T``).

Networks trained together share one flat vector too: ``Network.bind`` puts
each one's parameters in a contiguous slice of it. ``SemiSupervisedNetwork``
joins a classifier and the decoder of its first hidden layer that way: the
decoder is a *head* (``ReconstructionHead``) reading that layer, owning the
slice ``"decoder"`` of the flat vector, whose gradient enters the
classifier's backpropagation at that layer, so the layers before it serve
both outputs.

What the training loops need from a network is written down once, as
``TrainableNetwork``; what a head must provide, as ``Head``.
"""

import math
from typing import Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp
from sklearn.utils import gen_batches

from ._activations import ACTIVATIONS, DERIVATIVES, slope
from ._losses import (
    LOSS_OUTPUT_ACTIVATION,
    LOSSES,
    PENALTIES,
    ConsistencyLoss,
    PenaltyContext,
)
from ._validation import filled, has_missing

#: Rows per chunk in the allocating forward pass: bounds its memory.
FORWARD_CHUNK_SIZE = 4096


def row_chunks(X, indices=None, chunk_size=FORWARD_CHUNK_SIZE):
    """``(slice into the output, rows of X)`` pairs of bounded size.

    ``indices`` selects (and orders) the rows, so a held-out subset of a
    memory map is read chunk by chunk instead of copied whole. Sparse rows
    stay sparse.
    """
    n_rows = X.shape[0] if indices is None else len(indices)
    for rows in gen_batches(n_rows, chunk_size):
        yield rows, (X[rows] if indices is None else X[indices[rows]])


def chunk_rows(coefs):
    """Rows per chunk such that no layer's chunk outgrows the input's.

    ``FORWARD_CHUNK_SIZE`` rows of the input, fewer when a layer is wider
    than the input (a 256-unit hidden layer on 50 features): memory stays
    within a few input-sized chunks whatever the architecture.
    """
    widest = max(W.shape[1] for W in coefs)
    return max(1, int(FORWARD_CHUNK_SIZE * min(1.0, coefs[0].shape[0] / widest)))


def _forward_chunk(coefs, intercepts, activations, A):
    for W, b, act in zip(coefs, intercepts, activations):
        A = A @ W  # a sparse first chunk gives a dense product
        A += b
        ACTIVATIONS[act](A)
    return A


def forward(coefs, intercepts, activations, X, n_layers=None):
    """Run ``X`` through the first ``n_layers`` layers and return the output.

    Rows are processed in chunks of ``FORWARD_CHUNK_SIZE``, so memory beyond
    the output is bounded whatever the number of samples.

    Parameters
    ----------
    coefs, intercepts : list of ndarray
        Weights ``(fan_in, fan_out)`` and biases ``(fan_out,)`` per layer.
    activations : list of str
        Activation per layer.
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Input, of the parameters' dtype.
    n_layers : int, default=None
        How many layers to apply; all by default.

    Returns
    -------
    out : ndarray of shape (n_samples, fan_out of the last layer applied)
    """
    n_layers = len(coefs) if n_layers is None else n_layers
    out = np.empty((X.shape[0], coefs[n_layers - 1].shape[1]), dtype=coefs[0].dtype)
    layers = (coefs[:n_layers], intercepts[:n_layers], activations[:n_layers])
    for rows, chunk in row_chunks(X, chunk_size=chunk_rows(layers[0])):
        out[rows] = _forward_chunk(*layers, chunk)
    return out


def _fill_chunk(chunk, fill):
    """A chunk with its missing entries (NaN) set to ``fill`` (a copy), or itself."""
    return filled(chunk, fill) if has_missing(chunk) else chunk


def _residual_chunks(coefs, intercepts, activations, X, indices=None, fill=0.0):
    """``(output rows, g(x) - x)`` of an autoencoder, chunk by chunk.

    A missing entry of ``x`` (NaN) enters the network as ``fill`` (its
    column's mean in the network's input space, see ``_validation.filled``)
    and has a residual of 0: only observed entries are scored.
    """
    for rows, chunk in row_chunks(X, indices, chunk_rows(coefs)):
        network_input = _fill_chunk(chunk, fill)
        reconstruction = _forward_chunk(coefs, intercepts, activations, network_input)
        reconstruction -= chunk.toarray() if sp.issparse(chunk) else chunk
        if network_input is not chunk:
            np.nan_to_num(reconstruction, copy=False, nan=0.0)
        yield rows, reconstruction


def squared_reconstruction_errors(
    coefs, intercepts, activations, X, indices=None, fill=0.0
):
    """Per-sample ``||g(x) - x||^2`` over observed entries, chunk by chunk."""
    n_rows = X.shape[0] if indices is None else len(indices)
    errors = np.empty(n_rows, dtype=coefs[0].dtype)
    residuals = _residual_chunks(coefs, intercepts, activations, X, indices, fill)
    for rows, residual in residuals:
        errors[rows] = np.einsum("ij,ij->i", residual, residual)
    return errors


def feature_reconstruction_errors(coefs, intercepts, activations, X, fill=0.0):
    """Per-sample, per-feature ``(g(x) - x)^2``, shape ``(n, d)``, dense.

    A missing entry's error is 0 (see ``_residual_chunks``).
    """
    errors = np.empty(X.shape, dtype=coefs[0].dtype)
    residuals = _residual_chunks(coefs, intercepts, activations, X, fill=fill)
    for rows, residual in residuals:
        errors[rows] = residual * residual
    return errors


def jacobian_norms(coefs, intercepts, activations, X, n_layers):
    """Per-sample Frobenius norm of the Jacobian of layer ``n_layers``'s output.

    ``||d a_L / d x||_F`` for each row of ``X``, exact: the Jacobian
    ``W_1 D_1 W_2 D_2 ... W_L D_L`` (``D_l`` the diagonal of ``act_l'``) is
    built for a few rows at a time, so memory stays near a few megabytes.
    The contractive autoencoder's penalty is its square for one layer;
    for any encoder it measures how much the codes move with the input.
    """
    X = X.toarray() if sp.issparse(X) else X
    widest = max(W.shape[1] for W in coefs[:n_layers])
    rows_per_chunk = max(1, 2**20 // (X.shape[1] * widest))
    norms = np.empty(X.shape[0], dtype=coefs[0].dtype)
    for rows, chunk in row_chunks(X, chunk_size=rows_per_chunk):
        A, J = chunk, None
        for W, b, act in zip(coefs[:n_layers], intercepts, activations):
            A = A @ W + b
            ACTIVATIONS[act](A)
            slopes = slope(A, act, np.empty_like(A))
            J = (W[None] if J is None else J @ W) * slopes[:, None, :]
        norms[rows] = np.sqrt(np.einsum("nij,nij->n", J, J))
    return norms


def encoder_layers(n_layers):
    """How many of a mirrored autoencoder's ``n_layers`` layers encode.

    An autoencoder here is ``d -> h_1 -> ... -> k -> ... -> h_1 -> d``:
    its encoder is the first half of its layers, the last of them the code
    layer (index ``encoder_layers(n) - 1``). The one place that says so.
    """
    return n_layers // 2


def glorot_bound(fan_in, fan_out, activation):
    """Half-width of Glorot & Bengio's uniform initialisation."""
    factor = 2.0 if activation == "logistic" else 6.0
    return np.sqrt(factor / (fan_in + fan_out))


@runtime_checkable
class TrainableNetwork(Protocol):
    """What the training loops (``_training``) need from a network.

    ``Network`` and ``SemiSupervisedNetwork`` are the two in the package;
    anything else with these members trains with the same loops, solvers,
    stopping rules and callbacks.

    Attributes
    ----------
    theta, grad : ndarray of shape (n_params,)
        The flat parameters, updated in place by the optimizer, and the
        gradient ``loss_and_gradient`` writes (the optimizer may use it as
        scratch).
    n_params : int
    dtype : numpy dtype
        Of ``theta``, ``grad`` and the batches.
    warmup_epochs : int
        Epochs during which the objective itself changes (a ramped weight):
        their losses do not count towards a plateau.
    """

    theta: np.ndarray
    grad: np.ndarray
    n_params: int
    dtype: np.dtype
    warmup_epochs: int

    def loss_and_gradient(self, X, Y, sample_weight=None):
        """The objective on one batch; fills ``grad``, returns the loss."""

    def advance(self, progress):
        """Told the training progress, in epochs, before each step."""

    def predict(self, X, n_layers=None):
        """The forward pass (validation scores read it)."""


@runtime_checkable
class Head(Protocol):
    """An extra output reading one hidden layer of a ``Network``.

    A head owns its parameters (a named slice of the flat vector it is
    bound into) and, during backpropagation, adds the gradient of its own
    loss with respect to the layer's pre-activation to that layer's
    ``delta``, so the layers below serve the network's output and the
    head's alike. ``Network(heads=[...])`` calls it at ``layer``, after
    the layer's penalty.

    Attributes
    ----------
    layer : int
        The layer whose output activations the head reads.
    n_params : int
        Size of its slice of the flat parameter vector.
    """

    layer: int
    n_params: int

    def bind(self, theta, grad):
        """Keep the parameters (and gradient) in the given flat slices."""

    def backward(self, A, delta, shares, activation, rows):
        """Add the head's gradient to ``delta``; return its loss.

        ``A`` is the layer's activations, ``delta`` its ``dLoss/dZ``,
        ``shares`` the rows' weights (or None), ``activation`` the layer's
        activation and ``rows`` three buffers shaped like ``A``.
        """


class Network:
    """A dense network, its flat parameter buffer and its objective.

    Parameters
    ----------
    layer_units : list of int
        Units per layer, input first: ``[d, h_1, ..., out]``.
    activations : list of str
        Activation of each of the ``len(layer_units) - 1`` layers. For the
        cross-entropies the last one must match ``LOSS_OUTPUT_ACTIVATION``.
    loss : {'squared_error', 'cross_entropy', 'softmax_cross_entropy'} or callable
        A key of ``_losses.LOSSES``, or a loss with the same signature and
        an ``output_activation`` attribute (``_losses.ConsistencyLoss``).
    tied : dict of int to int, default=None
        ``{layer: source}``: ``layer`` uses ``coefs[source].T`` as weights.
    penalty : {'l2', 'elimination'}, default='l2'
    alpha : float, default=0.0
        Penalty strength, divided by the batch size as in scikit-learn.
    penalty_scale : ndarray of shape (n_weights,), default=None
        Per-weight factor on ``alpha`` (in ``theta``'s weight order); by
        default every weight is penalised equally.
    biases : bool, default=True
        If False, every layer has a fixed zero bias that is not a parameter
        (the lecture's linear autoencoder ``x W W^T``).
    layer_penalty : LayerPenalty, default=None
        A penalty on one layer's activations (``_losses.LAYER_PENALTIES``,
        its strength already bound), added to the objective; it may also
        depend on the weights of the ``n_layers - 1`` layers after it. Those
        layers must own their weight blocks (encoder layers do). It is
        called with one ``_losses.PenaltyContext``.
    heads : sequence of Head, default=()
        Extra outputs reading hidden layers (``Head``); their losses join
        the objective, their parameters are theirs (bound by the caller).
    dtype : numpy dtype, default=np.float64

    Attributes
    ----------
    theta, grad : ndarray of shape (n_params,)
        All parameters and their gradient; weights first, then biases.
    coefs, intercepts : list of ndarray
        Per-layer views into ``theta`` (a tied layer's weight is a
        transposed view of its source's block).
    """

    def __init__(
        self,
        layer_units,
        activations,
        loss,
        *,
        tied=None,
        penalty="l2",
        alpha=0.0,
        penalty_scale=None,
        biases=True,
        layer_penalty=None,
        heads=(),
        dtype=np.float64,
    ):
        self.layer_units = list(layer_units)
        self.activations = list(activations)
        self.loss = loss
        self.tied = dict(tied or {})
        self.penalty = penalty
        self.alpha = float(alpha)
        self.biases = biases
        self.layer_penalty = layer_penalty
        self.heads = list(heads)
        self.dtype = np.dtype(dtype)
        self.penalty_scale = (
            None if penalty_scale is None else np.asarray(penalty_scale, self.dtype)
        )
        self.n_layers = len(self.layer_units) - 1
        if callable(loss):
            self._loss = loss
            assert self.activations[-1] == loss.output_activation
        else:
            self._loss = LOSSES[loss]
            if loss in LOSS_OUTPUT_ACTIVATION:
                assert self.activations[-1] == LOSS_OUTPUT_ACTIVATION[loss]
        self._build_layout()
        if layer_penalty is not None:
            self._penalty_span = range(
                layer_penalty.layer, layer_penalty.layer + layer_penalty.n_layers
            )
            assert not any(self.block_of[layer][1] for layer in self._penalty_span)
        self.bind(
            np.zeros(self.n_params, dtype=self.dtype),
            np.zeros(self.n_params, dtype=self.dtype),
        )
        self._batch_size = 0

    def bind(self, theta, grad):
        """Keep the parameters (and gradient) in the given flat buffers.

        The current values are copied in, and every view is rebuilt on the
        new buffers: networks that are trained together (a classifier and
        the decoder of its first layer) can thus share one flat vector,
        each owning a contiguous slice of it, so one optimizer updates all.
        """
        if hasattr(self, "theta"):
            theta[...] = self.theta
        self.theta, self.grad = theta, grad
        self.coefs, self.intercepts = self.views(self.theta)
        self._weight_grads = self._block_views(self.grad)
        _, self.intercept_grads = self.views(self.grad)

    # -- layout ---------------------------------------------------------
    def _build_layout(self):
        fans = list(zip(self.layer_units[:-1], self.layer_units[1:]))
        # block_of[l] = (block index, transposed?)
        self._blocks, self.block_of = [], []
        for layer, (fan_in, fan_out) in enumerate(fans):
            source = self.tied.get(layer)
            if source is None:
                self.block_of.append((len(self._blocks), False))
                self._blocks.append((layer, fan_in, fan_out))
            else:
                assert fans[source] == (fan_out, fan_in) and source not in self.tied
                self.block_of.append(None)  # resolved below
        layer_block = {layer: k for k, (layer, _, _) in enumerate(self._blocks)}
        for layer, source in self.tied.items():
            self.block_of[layer] = (layer_block[source], True)
        self.n_weights = sum(fi * fo for _, fi, fo in self._blocks)
        n_biases = sum(self.layer_units[1:]) if self.biases else 0
        self.n_params = self.n_weights + n_biases
        # Backprop runs from the last layer down: the first layer to reach a
        # block writes its gradient, later ones accumulate into it.
        seen = set()
        self._writes_block = [False] * self.n_layers
        for layer in reversed(range(self.n_layers)):
            block = self.block_of[layer][0]
            self._writes_block[layer] = block not in seen
            seen.add(block)

    def _block_views(self, flat):
        views, start = [], 0
        for _, fan_in, fan_out in self._blocks:
            stop = start + fan_in * fan_out
            views.append(flat[start:stop].reshape(fan_in, fan_out))
            start = stop
        return views

    def views(self, flat):
        """Per-layer ``(coefs, intercepts)`` views into a flat vector."""
        blocks = self._block_views(flat)
        coefs = [
            blocks[block].T if transposed else blocks[block]
            for block, transposed in self.block_of
        ]
        if not self.biases:
            zeros = [np.zeros(units, self.dtype) for units in self.layer_units[1:]]
            return coefs, zeros
        intercepts, start = [], self.n_weights
        for units in self.layer_units[1:]:
            intercepts.append(flat[start : start + units])
            start += units
        return coefs, intercepts

    # -- parameters -----------------------------------------------------
    def initialize(self, random_state):
        """Glorot-uniform weights and biases drawn from ``random_state``."""
        for W, (layer, fan_in, fan_out) in zip(
            self._block_views(self.theta), self._blocks
        ):
            bound = glorot_bound(fan_in, fan_out, self.activations[layer])
            W[...] = random_state.uniform(-bound, bound, W.shape)
        for layer, b in enumerate(self.intercepts if self.biases else []):
            fan_in, fan_out = self.layer_units[layer : layer + 2]
            bound = glorot_bound(fan_in, fan_out, self.activations[layer])
            b[...] = random_state.uniform(-bound, bound, b.shape)

    def set_parameters(self, coefs, intercepts):
        """Copy per-layer weights and biases into ``theta``."""
        for layer, (_, transposed) in enumerate(self.block_of):
            if not transposed:
                self.coefs[layer][...] = coefs[layer]
        for b, value in zip(self.intercepts if self.biases else [], intercepts):
            b[...] = value

    def export_parameters(self, theta=None):
        """Copies of ``(coefs, intercepts)``; tied layers stay shared views."""
        theta = self.theta if theta is None else theta
        return self.views(theta.copy())

    # -- objective ------------------------------------------------------
    def _allocate(self, batch_size):
        """Buffers for batches of up to ``batch_size`` rows, reused."""
        if batch_size <= self._batch_size:
            return
        self._batch_size = batch_size
        units = self.layer_units[1:]
        self._A = [np.empty((batch_size, u), dtype=self.dtype) for u in units]
        self._deltas = [np.empty((batch_size, u), dtype=self.dtype) for u in units]
        self._scratch = np.empty(batch_size * max(units), dtype=self.dtype)
        self._ones = np.ones(batch_size, dtype=self.dtype)
        self._shares = np.empty(batch_size, dtype=self.dtype)
        self._tied_tmp = [
            None
            if writes
            else np.empty_like(self._weight_grads[self.block_of[layer][0]])
            for layer, writes in enumerate(self._writes_block)
        ]
        if self.layer_penalty is not None:
            shape = (batch_size, units[self.layer_penalty.layer])
            self._layer_penalty_rows = [np.empty(shape, self.dtype) for _ in range(3)]
            self._layer_penalty_work = {}
            self._layer_penalty_direct = [
                np.empty_like(self.coefs[layer]) for layer in self._penalty_span
            ]
        self._head_rows = {
            head.layer: [
                np.empty((batch_size, units[head.layer]), self.dtype) for _ in range(3)
            ]
            for head in self.heads
        }
        if self.alpha > 0 and not hasattr(self, "_penalty_scratch"):
            self._penalty_scratch = (
                np.empty(self.n_weights, dtype=self.dtype),
                np.empty(self.n_weights, dtype=self.dtype),
            )

    def _scratch_like(self, shape):
        return self._scratch[: shape[0] * shape[1]].reshape(shape)

    def loss_and_gradient(self, X, Y, input_delta=None, sample_weight=None):
        """Objective at ``theta`` on one batch; fills ``self.grad``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, layer_units[0])
            Network input (possibly corrupted).
        Y : ndarray of shape (n_samples, layer_units[-1])
            Targets (fewer rows for a loss that reads only some, such as
            ``ConsistencyLoss``).
        input_delta : ndarray of shape (n_samples, layer_units[0]), default=None
            If given, filled with the gradient with respect to ``X``: what a
            network that feeds this one needs to backpropagate further.
        sample_weight : ndarray of shape (n_samples,), default=None
            Weights of the rows, in the network's dtype: the loss and the
            layer penalty become weighted means, and the weight penalty's
            ``alpha`` is divided by the total weight instead of the row
            count (scikit-learn's MLP), so a row of weight 2 counts exactly
            as a repeated row. The total must be positive.

        Returns
        -------
        loss : float
            Data loss plus weight penalty.
        """
        n_samples = X.shape[0]
        self._allocate(n_samples)
        shares, total = None, n_samples
        if sample_weight is not None:
            total = float(sample_weight.sum(dtype=np.float64))
            shares = np.divide(
                sample_weight, self.dtype.type(total), out=self._shares[:n_samples]
            )
        A = self._forward_batch(X)
        deltas = [buf[:n_samples] for buf in self._deltas]
        last = self.n_layers - 1
        loss = self._loss(
            A[-1],
            Y,
            deltas[-1],
            self.activations[-1],
            self._scratch_like(A[-1].shape),
            shares,
        )
        penalized = None if self.layer_penalty is None else self.layer_penalty.layer
        for layer in range(last, -1, -1):
            delta = deltas[layer]
            if layer == penalized:
                # its delta part first: it flows into this layer's gradients
                value, wrote_direct = self._apply_layer_penalty(
                    A[layer + 1], delta, shares
                )
                loss += value
            for head in self.heads:
                if head.layer == layer:
                    loss += self._apply_head(head, A[layer + 1], delta, shares)
            self._weight_gradient(layer, A[layer], delta)
            if layer == penalized and wrote_direct:
                # later layers' blocks are complete by now (backprop runs down)
                for spanned, direct in zip(
                    self._penalty_span, self._layer_penalty_direct
                ):
                    self._weight_grads[self.block_of[spanned][0]] += direct
            if self.biases:
                # a row of ones times delta: BLAS, twice as fast as sum(axis=0)
                np.matmul(
                    self._ones[:n_samples], delta, out=self.intercept_grads[layer]
                )
            if layer > 0:
                previous = deltas[layer - 1]
                np.matmul(delta, self.coefs[layer].T, out=previous)
                DERIVATIVES[self.activations[layer - 1]](
                    A[layer], previous, self._scratch_like(previous.shape)
                )
            elif input_delta is not None:
                np.matmul(delta, self.coefs[0].T, out=input_delta)
        if self.alpha > 0:
            loss += PENALTIES[self.penalty](
                self.theta[: self.n_weights],
                self.grad[: self.n_weights],
                self.alpha / total,
                self._penalty_scratch,
                self.penalty_scale,
            )
        return loss

    def _forward_batch(self, X):
        """Every layer's activations for a batch, in the reused buffers.

        The last entry holds the output layer's pre-activations: the loss
        applies the output activation (from the logits where stabler).
        """
        A = [X] + [buf[: X.shape[0]] for buf in self._A]
        last = self.n_layers - 1
        for layer in range(self.n_layers):
            if sp.issparse(A[layer]):  # sparse input: a sparse x dense product
                A[layer + 1][...] = A[layer] @ self.coefs[layer]
            else:
                np.matmul(A[layer], self.coefs[layer], out=A[layer + 1])
            if self.biases:
                A[layer + 1] += self.intercepts[layer]
            if layer < last:
                ACTIVATIONS[self.activations[layer]](A[layer + 1])
        return A

    def _apply_layer_penalty(self, A_out, delta, shares):
        """Add the layer penalty's part to ``delta``; ``(value, wrote_direct)``."""
        n_samples = A_out.shape[0]
        work = self._layer_penalty_work
        work["rows"] = [buf[:n_samples] for buf in self._layer_penalty_rows]
        context = PenaltyContext(
            A_out,
            delta,
            [self.coefs[layer] for layer in self._penalty_span],
            self.activations[self.layer_penalty.layer],
            work,
            self._layer_penalty_direct,
            shares,
        )
        return self.layer_penalty.function(context)

    def _apply_head(self, head, A_out, delta, shares):
        """Add a head's gradient to ``delta``; returns its loss."""
        rows = [buf[: A_out.shape[0]] for buf in self._head_rows[head.layer]]
        return head.backward(A_out, delta, shares, self.activations[head.layer], rows)

    def _weight_gradient(self, layer, A_in, delta):
        block, transposed = self.block_of[layer]
        writes = self._writes_block[layer]
        if sp.issparse(A_in):  # only the first layer sees sparse input
            product = A_in.T @ delta
            if writes:
                self._weight_grads[block][...] = product
            else:
                self._weight_grads[block] += product
            return
        target = self._weight_grads[block] if writes else self._tied_tmp[layer]
        if transposed:
            np.matmul(delta.T, A_in, out=target)
        else:
            np.matmul(A_in.T, delta, out=target)
        if not writes:
            self._weight_grads[block] += target

    def predict(self, X, n_layers=None):
        """Allocating forward pass with the current parameters."""
        return forward(self.coefs, self.intercepts, self.activations, X, n_layers)

    #: Epochs during which the objective itself changes (none here).
    warmup_epochs = 0

    def advance(self, progress):
        """Told the training progress (in epochs) before each step; no-op here."""


class ReconstructionHead:
    """A decoder reading one layer of a network: a ``Head``.

    ``weight * loss(decoder(A[rows]), targets)``: the decoder (a
    ``Network`` whose parameters live beside its host's, in the slice the
    joint network names ``"decoder"``) reconstructs ``targets`` from the
    rows ``rows`` of the host layer's activations ``A``. It adds its
    gradient with respect to the layer's pre-activation to the host's
    ``delta``, so the host's backpropagation carries the reconstruction
    error to every earlier layer: the encoder is shared by the host's
    output and the decoder. ``rows`` and ``targets`` are set before each
    step.
    """

    def __init__(self, decoder, weight, layer=0):
        self.decoder = decoder
        self.weight = float(weight)
        self.layer = layer
        self.n_params = decoder.n_params
        self.rows, self.targets = slice(0, 0), None

    def bind(self, theta, grad):
        """Keep the decoder's parameters in the given flat slices."""
        self.decoder.bind(theta, grad)

    def backward(self, A, delta, shares, activation, rows):
        H = A[self.rows]
        back, scratch, _ = (buf[: H.shape[0]] for buf in rows)
        value = self.decoder.loss_and_gradient(
            H,
            self.targets,
            input_delta=back,
            sample_weight=self._row_weights(shares, H.shape[0]),
        )
        self.decoder.grad *= self.weight
        back *= self.weight
        DERIVATIVES[activation](H, back, scratch)
        delta[self.rows] += back
        return self.weight * value

    def _row_weights(self, weights, n_rows):
        """The host's row shares for the decoder's rows, summing to ``n_rows``.

        Their sum is the decoder's batch size, as without weights, so its
        weight penalty keeps its scale.
        """
        if weights is None:
            return None
        rows = weights[self.rows]
        return rows * rows.dtype.type(n_rows / float(rows.sum(dtype=np.float64)))


def bind_parts(parts, dtype):
    """One flat ``(theta, grad)`` for networks trained together.

    Each part (a ``Network``, a ``Head``, a loss that owns parameters) gets
    the contiguous slice named by its key, in order, through its ``bind``:
    one optimizer then updates them all. Returns ``(theta, grad, slices)``.
    """
    n_params = sum(part.n_params for part in parts.values())
    theta = np.zeros(n_params, dtype=dtype)
    grad = np.zeros(n_params, dtype=dtype)
    slices, start = {}, 0
    for name, part in parts.items():
        slices[name] = slice(start, start + part.n_params)
        part.bind(theta[slices[name]], grad[slices[name]])
        start += part.n_params
    return theta, grad, slices


class SemiSupervisedNetwork:
    """A classifier fine-tuned on labeled and unlabeled rows together.

    One objective over a batch ``[labeled rows; m other rows]``:

    * the cross-entropy of the labeled rows, as in supervised training;
    * ``consistency_weight * ramp`` times the Pi-model consistency
      (``ConsistencyLoss``) between the predictions for two copies of each
      of the ``m`` rows, each with fresh Gaussian noise of standard
      deviation ``noise`` (one per feature, or one for all);
    * optionally ``reconstruction_weight`` times the loss of a decoder that
      reconstructs the ``m`` clean rows from the first hidden layer of
      their first noisy copy (a denoising autoencoder sharing the
      classifier's first layer; ``ReconstructionHead``).

    The classifier and the decoder are two ``Network`` objects whose
    parameters are contiguous slices of one flat buffer, ``theta``
    (classifier first), so one optimizer trains both and the classifier's
    parameters are exactly those of a plain ``Network``. ``ramp`` rises
    from ``exp(-5)`` to 1 along ``exp(-5 (1 - t)^2)`` over the first
    ``rampup`` epochs (Laine & Aila, 2017): the noisy predictions of an
    untrained output layer would otherwise pull every row to one answer.
    The noise is drawn from ``rng``, so the objective is stochastic.

    Parameters
    ----------
    classifier : callable
        ``classifier(loss, heads) -> Network``: builds the classifier with
        the given output loss and heads (``Network``'s ``heads``).
    classification : {'cross_entropy', 'softmax_cross_entropy'}
    consistency_weight : float
    noise : float or ndarray of shape (n_features,)
    rampup : float
        Epochs of the ramp (0: full weight at once).
    rng : numpy.random.Generator
    decoder : Network, default=None
        Maps the first hidden layer to the input (its loss fixed); None, or
        ``reconstruction_weight=0``, leaves the reconstruction out.
    reconstruction_weight : float, default=0.0
    """

    def __init__(
        self,
        classifier,
        classification,
        *,
        consistency_weight,
        noise,
        rampup,
        rng,
        decoder=None,
        reconstruction_weight=0.0,
    ):
        self.consistency = ConsistencyLoss(classification)
        self.consistency_weight = float(consistency_weight)
        self.noise, self.rampup, self.rng = noise, rampup, rng
        if reconstruction_weight <= 0:
            decoder = None
        self.head = (
            None
            if decoder is None
            else ReconstructionHead(decoder, reconstruction_weight)
        )
        heads = [] if self.head is None else [self.head]
        self.classifier = classifier(self.consistency, heads)
        self.dtype = self.classifier.dtype
        # one flat vector, a named slice per part (classifier first)
        parts = {"classifier": self.classifier}
        if self.head is not None:
            parts["decoder"] = self.head
        self.theta, self.grad, self.slices = bind_parts(parts, self.dtype)
        self.n_params = self.theta.size
        self._stacked = np.empty((0, self.classifier.layer_units[0]), self.dtype)
        self.warmup_epochs = int(np.ceil(rampup))
        self.advance(0.0)

    def advance(self, progress):
        """Set the consistency weight for the step at ``progress`` epochs."""
        t = 1.0 if self.rampup <= 0 else min(1.0, progress / self.rampup)
        # a Python float: a NumPy float64 would upcast the float32 gradients
        self.consistency.weight = self.consistency_weight * math.exp(-5 * (1 - t) ** 2)

    def loss_and_gradient(self, X, Y, sample_weight=None):
        """Objective on a batch whose first ``len(Y)`` rows are labeled.

        The other ``m`` rows of ``X`` are clean; two noisy copies of them
        follow the labeled rows in the classifier's input. ``sample_weight``
        (one per row of ``X``) weights the labeled rows' cross-entropy and
        each pair's consistency (and reconstruction), each a weighted mean
        over its own rows.
        """
        n_labeled, m = Y.shape[0], X.shape[0] - Y.shape[0]
        rows = n_labeled + 2 * m
        if self._stacked.shape[0] < rows:
            self._stacked = np.empty((rows, X.shape[1]), self.dtype)
            self._stacked_weights = np.empty(rows, self.dtype)
        stacked = self._stacked[:rows]
        weights = None
        if sample_weight is not None:
            weights = self._stacked_weights[:rows]
            weights[: n_labeled + m] = sample_weight
            weights[n_labeled + m :] = sample_weight[n_labeled:]
        stacked[:n_labeled] = X[:n_labeled]
        for copy in (stacked[n_labeled : n_labeled + m], stacked[n_labeled + m :]):
            self.rng.standard_normal(dtype=self.dtype, out=copy)
            copy *= self.noise
            copy += X[n_labeled:]
        if self.head is not None:
            self.head.rows = slice(n_labeled, n_labeled + m)
            self.head.targets = X[n_labeled:]
        return self.classifier.loss_and_gradient(stacked, Y, sample_weight=weights)

    def predict(self, X, n_layers=None):
        """The classifier's forward pass."""
        return self.classifier.predict(X, n_layers)


def embed_pca(net, mean, components):
    """Set a mirrored ReLU autoencoder so that it computes PCA exactly.

    ``net`` is ``d -> h_1 -> ... -> k -> ... -> h_1 -> d`` with ReLU hidden
    units (each ``h_i >= 2k``), a linear code and a linear output, tied or
    not (a tied decoder's extra units start with zero input and bias, so at
    ``relu(0) = 0``, and come alive as the encoder side trains them).
    With ``z = (x - mean) components^T``, the first ``2k`` units of every
    hidden layer carry the pair ``relu(z), relu(-z)``, whose difference is
    ``z``; the code is ``z`` and the output ``z components + mean``: PCA's
    reconstruction. The other hidden units keep their random incoming
    weights but start with zero outgoing weights, so they change nothing
    until training grows them: gradient descent starts from PCA and can only
    improve on it (on the training loss).

    Parameters
    ----------
    net : Network
        Initialised at random; overwritten in place.
    mean : ndarray of shape (d,)
    components : ndarray of shape (k, d)
        Orthonormal rows (zero rows are allowed: unused code units).
    """
    n_encoder = encoder_layers(net.n_layers)
    k = net.layer_units[n_encoder]
    P = components.T.astype(net.dtype)
    mu = mean.astype(net.dtype)
    eye = np.eye(k, dtype=net.dtype)
    pass_through = np.block([[eye, -eye], [-eye, eye]])
    for layer, (W, b) in enumerate(zip(net.coefs, net.intercepts)):
        if net.block_of[layer][1]:
            # A tied decoder layer is its mirror's transpose, which the
            # encoder loop already shaped; its extra units start at relu(0).
            b[...] = mu if layer == net.n_layers - 1 else 0
            continue
        from_input, to_output = layer == 0, layer == net.n_layers - 1
        to_code = layer == n_encoder - 1
        from_code = layer == n_encoder
        if from_input:
            block = P if to_code else np.hstack([P, -P])
            W[:, : block.shape[1]] = block
            b[: block.shape[1]] = -(mu @ block)
            continue
        # every other layer reads pairs from a hidden layer, or the code
        if from_code:
            source = eye
        else:
            W[2 * k :, : (k if to_code else 2 * k)] = 0
            source = np.vstack([eye, -eye])
        if to_output:
            W[...] = 0
            W[: source.shape[0]] = source @ P.T
            b[...] = mu
        elif to_code:
            W[...] = 0
            W[: 2 * k] = source
            b[...] = 0
        else:
            W[: source.shape[0], : 2 * k] = (
                np.hstack([eye, -eye]) if from_code else pass_through
            )
            b[: 2 * k] = 0


def fold_standardization(coefs, intercepts, mean, scale, *, output=True):
    """The same network written for raw inputs: fold ``(x - mean) / scale`` in.

    A network trained on standardised rows ``z = (x - mean) / scale`` (and,
    with ``output=True``, reconstructing them through a linear output) is
    rewritten so that it reads raw ``x`` and reconstructs raw ``x``:
    ``W_1 <- W_1 / scale[:, None]``, ``b_1 <- b_1 - (mean / scale) @ W_1``
    and, for the output layer, ``W_L <- W_L * scale``,
    ``b_L <- b_L * scale + mean``. Every later computation (``transform``,
    ``score_samples``, ...) then works on raw data unchanged. Tied layers
    become separate arrays. Returns new lists; the inputs are not modified.
    """
    coefs, intercepts = list(coefs), list(intercepts)
    W = coefs[0] / scale[:, None]
    intercepts[0] = intercepts[0] - (mean / scale) @ coefs[0]
    coefs[0] = W
    if output:
        intercepts[-1] = intercepts[-1] * scale + mean
        coefs[-1] = coefs[-1] * scale
    return coefs, intercepts


def unfold_standardization(coefs, intercepts, mean, scale, *, output=True):
    """Inverse of ``fold_standardization``: the network on standardised rows."""
    coefs, intercepts = list(coefs), list(intercepts)
    coefs[0] = coefs[0] * scale[:, None]
    intercepts[0] = intercepts[0] + (mean / scale) @ coefs[0]
    if output:
        coefs[-1] = coefs[-1] / scale
        intercepts[-1] = (intercepts[-1] - mean) / scale
    return coefs, intercepts
