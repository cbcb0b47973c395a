"""The variational autoencoder's network: a Gaussian encoder, a decoder
likelihood, and the evidence lower bound (ELBO) they are trained on.

Conventions as in ``_network``: row vectors, one flat parameter vector
shared by the parts (encoder first, then decoder, then the Gaussian
likelihood's log-variances), every loss a mean over rows (weighted with
``sample_weight``) and a sum over features.

The model (Kingma & Welling, 2014): a code ``z ~ N(0, I)`` of ``k`` units,
a decoder ``p(x | z)`` and an encoder ``q(z | x) = N(mu(x), diag(exp(v(x))))``
whose last layer is linear with ``2k`` outputs, ``[mu, v]``. One row's
objective is the negative ELBO

``-log p(x | z) + beta * KL(q(z | x) || N(0, I))``,  ``z = mu + exp(v / 2) eps``

with one draw ``eps ~ N(0, I)`` per row and step (the reparameterisation:
the gradient reaches ``mu`` and ``v`` through ``z``) and the KL term in
closed form, ``(1/2) sum_j (mu_j^2 + exp(v_j) - 1 - v_j)``.

The decoder's likelihood is Bernoulli (a logistic output, the binary
cross-entropy) or Gaussian with one learned variance per feature
(``GaussianLikelihood``): with linear units that model is factor analysis,
whose optimum the ELBO can reach exactly (the posterior of a linear
Gaussian model is Gaussian with a covariance that does not depend on
``x``), so a linear variational autoencoder is never worse than it.

The noise ``eps`` is keyed by the row (``RowKeyedNormal``): a function of
the row's bytes, a seed and the step, not of its position. A row of weight
2 then draws exactly what the row twice does, so ``sample_weight`` keeps
its meaning (a repeated row) step for step, as in the other estimators.
"""

import math

import numpy as np

from ._network import Network, bind_parts, forward, row_chunks

#: ``log(2 pi)``, the Gaussian densities' constant.
LOG_2PI = math.log(2 * math.pi)

#: Log-variances (the encoder's and the likelihood's) are clipped to this
#: interval, where their exponentials stay finite in float32; a unit past
#: a bound gets no gradient until it comes back.
LOG_VARIANCE_BOUNDS = (-15.0, 15.0)

#: The likelihood's variances start at the columns' variances, at least
#: this fraction of their average.
VARIANCE_START_FLOOR = 1e-3

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def splitmix64(x, out=None, scratch=None):
    """The SplitMix64 finaliser of each ``uint64`` in ``x``.

    A bijection of 64-bit integers whose outputs pass BigCrush when fed a
    counter (Steele et al., 2014): counter-based random numbers, so a
    draw is a pure function of its key, computed for a whole array at once.
    ``out`` (which may be ``x``) and ``scratch``, ``uint64`` arrays of the
    result's shape, are filled in place; without them new arrays are made.
    """
    x = np.asarray(x, dtype=np.uint64)
    if out is None:
        out = np.empty(x.shape, np.uint64)
    if scratch is None:
        scratch = np.empty(x.shape, np.uint64)
    with np.errstate(over="ignore"):
        np.add(x, _GOLDEN, out=out)
        for shift, multiplier in ((30, _MIX[0]), (27, _MIX[1]), (31, None)):
            np.right_shift(out, np.uint64(shift), out=scratch)
            out ^= scratch
            if multiplier is not None:
                out *= multiplier
    return out


class RowKeyedNormal:
    """Standard normal draws that are a function of (row, seed, step).

    Each row's key mixes its bytes with one random odd multiplier per
    feature (all ``uint64`` arithmetic, wrapping); the draw for latent
    unit ``j`` at step ``t`` is two SplitMix64 outputs of the key and a
    counter, turned into a normal by Box-Muller. Equal rows draw equal
    noise, which is what makes a weighted row exactly a repeated one.

    The work arrays grow to the largest batch seen and are reused: a
    training step's only temporary here is one ``(n, 2k)`` broadcast copy
    that numpy buffers, never the ``(n, d)`` row words.

    Parameters
    ----------
    n_features, n_latent : int
    seed : int
        From the estimator's random stream.
    """

    def __init__(self, n_features, n_latent, seed):
        self.n_latent = n_latent
        self.seed = np.uint64(seed)
        self.multipliers = splitmix64(
            self.seed + np.arange(n_features, dtype=np.uint64)
        )
        self.multipliers |= np.uint64(1)
        self._counters = np.arange(2 * n_latent, dtype=np.uint64)
        self._rows = 0

    def _buffers(self, n):
        """The work arrays, grown to ``n`` rows, as views of ``n`` rows."""
        if n > self._rows:
            d, k2 = len(self.multipliers), 2 * self.n_latent
            self._words = np.empty((n, d), np.uint64)
            self._key_scratch = np.empty(n, np.uint64)
            self._bits, self._bit_scratch = (
                np.empty((n, k2), np.uint64) for _ in range(2)
            )
            self._uniforms = np.empty((2, n, k2 // 2))
            self._rows = n
        return (
            self._words[:n],
            self._key_scratch[:n],
            self._bits[:n],
            self._bit_scratch[:n],
            self._uniforms[:, :n],
        )

    def row_keys(self, X, out=None):
        """One ``uint64`` key per row of ``X`` (dense, float32 or float64).

        Written into ``out`` when given (a new array otherwise).
        """
        X = np.ascontiguousarray(X)
        words, scratch = self._buffers(X.shape[0])[:2]
        keys = np.empty(X.shape[0], np.uint64) if out is None else out
        words[...] = X.view(np.uint64 if X.itemsize == 8 else np.uint32)
        # integer matmul wraps modulo 2**64, as the key's arithmetic wants
        np.matmul(words, self.multipliers, out=keys)
        keys ^= self.seed
        return splitmix64(keys, out=keys, scratch=scratch)

    def draw(self, keys, step, out):
        """Fill ``out`` (``len(keys) x n_latent``) with the rows' draws at ``step``."""
        k = self.n_latent
        *_, bits, scratch, uniforms = self._buffers(len(keys))
        with np.errstate(over="ignore"):
            counters = splitmix64(np.uint64(step) * np.uint64(2 * k + 1))
            # a copy then an in-place xor: half what a broadcast xor
            # allocates (numpy buffers a column broadcast either way)
            bits[...] = keys[:, None]
            bits ^= counters + self._counters
        splitmix64(bits, out=bits, scratch=scratch)
        # uniforms in (0, 1) from the top 53 bits, each half contiguous
        np.right_shift(bits, np.uint64(11), out=scratch)
        radius, angle = uniforms
        radius[...] = scratch[:, :k]
        angle[...] = scratch[:, k:]
        uniforms += 0.5
        uniforms *= 2.0**-53
        # Box-Muller: sqrt(-2 log u1) cos(2 pi u2)
        np.log(radius, out=radius)
        radius *= -2.0
        np.sqrt(radius, out=radius)
        angle *= 2 * math.pi
        np.cos(angle, out=angle)
        radius *= angle
        out[...] = radius
        return out


#: The likelihood's variances stay above this fraction of the columns'
#: average variance (as ``GaussianMixture``'s ``reg_covar``): a constant
#: column (MNIST's blank border) would otherwise drive its variance, and
#: the steps, to the bound's extreme.
VARIANCE_FLOOR = 1e-4


def _clipped(V, out, bounds=LOG_VARIANCE_BOUNDS):
    """``V`` clipped to ``bounds`` into ``out``; the mask of those inside."""
    np.clip(V, *bounds, out=out)
    return out == V


class GaussianLikelihood:
    """``-log N(x; mean, diag(exp(s)))`` with learned log-variances ``s``.

    A loss for ``Network`` (identity output: the decoder's mean) that owns
    its parameters, one log-variance per feature: a per-feature noise as in
    factor analysis, which is what a linear decoder needs to contain it
    (a per-row variance would not adapt to features of different spread).
    Its gradient with respect to ``s`` is written into its slice of the
    flat gradient on every call.
    """

    output_activation = "identity"

    def __init__(self, n_features, dtype):
        self.n_params = n_features
        self.bounds = LOG_VARIANCE_BOUNDS
        self.bind(np.zeros(n_features, dtype), np.zeros(n_features, dtype))

    def bind(self, theta, grad):
        theta[...] = getattr(self, "log_variance", 0.0)
        self.log_variance, self.grad = theta, grad
        self._clipped, self._precision = np.empty_like(theta), np.empty_like(theta)

    def __call__(self, Z, Y, delta, activation, scratch, weights=None):
        n_samples = Z.shape[0]
        s, precision = self._clipped, self._precision
        inside = _clipped(self.log_variance, s, self.bounds)
        np.negative(s, out=precision)
        np.exp(precision, out=precision)
        np.subtract(Z, Y, out=delta)
        np.multiply(delta, delta, out=scratch)
        if weights is None:
            mean_squares = scratch.sum(axis=0) / n_samples
        else:
            mean_squares = weights @ scratch
        loss = 0.5 * float(
            np.dot(mean_squares, precision) + s.sum() + Z.shape[1] * LOG_2PI
        )
        # dLoss/ds_j = (1 - mean(r_j^2) / var_j) / 2 inside the bounds
        np.multiply(mean_squares, precision, out=self.grad)
        np.subtract(1.0, self.grad, out=self.grad)
        self.grad *= 0.5 * inside
        delta *= precision
        if weights is None:
            delta *= 1.0 / n_samples
        else:
            delta *= weights[:, None]
        return loss


def gaussian_log_density(log_variance, means, X):
    """Each row's ``log N(x; mean, diag(exp(s)))`` (float64); ``s``: log-variances."""
    s = np.clip(log_variance, *LOG_VARIANCE_BOUNDS).astype(np.float64)
    residual = X - means
    return -0.5 * (
        np.einsum("ij,ij->i", residual * np.exp(-s), residual)
        + s.sum()
        + X.shape[1] * LOG_2PI
    )


def bernoulli_log_density(logits, X):
    """Each row's ``sum_j x_j log p_j + (1 - x_j) log(1 - p_j)``, from logits."""
    return np.einsum("ij,ij->i", X, logits) - np.logaddexp(0, logits).sum(axis=1)


class ELBOLoss:
    """The encoder's loss: sample the code, run the decoder, add the KL term.

    Called by the encoder ``Network`` on its output pre-activations
    ``[mu, v]`` (identity); it writes ``dLoss/d[mu, v]`` into ``delta``, and
    the decoder's backpropagation (the decoder's own gradients included)
    happens inside, through ``Network.loss_and_gradient``'s
    ``input_delta``.
    """

    output_activation = "identity"

    def __init__(self, decoder, noise, n_latent, beta):
        self.decoder, self.noise, self.n_latent = decoder, noise, n_latent
        self.beta = beta
        self.batch, self.sample_weight, self.step = None, None, 0
        self._size = 0

    def _allocate(self, n):
        if n > self._size:
            dtype, k = self.decoder.dtype, self.n_latent
            self._eps, self._std, self._code, self._dcode, self._clip = (
                np.empty((n, k), dtype) for _ in range(5)
            )
            self._kl_rows, self._row_sum, self._shares = (
                np.empty(n, dtype) for _ in range(3)
            )
            self._keys = np.empty(n, np.uint64)
            self._size = n

    def __call__(self, Z, Y, delta, activation, scratch, weights=None):
        n, k = Z.shape[0], self.n_latent
        self._allocate(n)
        mu, v = Z[:, :k], Z[:, k:]
        eps, std, code = self._eps[:n], self._std[:n], self._code[:n]
        dcode, clip = self._dcode[:n], self._clip[:n]
        keys = self.noise.row_keys(self.batch, out=self._keys[:n])
        self.noise.draw(keys, self.step, eps)
        inside = _clipped(v, clip)
        v = clip
        np.multiply(v, 0.5, out=std)
        np.exp(std, out=std)
        np.multiply(std, eps, out=code)
        code += mu
        loss = self.decoder.loss_and_gradient(
            code, Y, input_delta=dcode, sample_weight=self.sample_weight
        )
        # the KL term per row, (|mu|^2 + sum(exp(v)) - k - sum(v)) / 2,
        # then its (weighted) mean
        variance = np.multiply(std, std, out=scratch[:, :k])
        kl_rows, row_sum = self._kl_rows[:n], self._row_sum[:n]
        np.einsum("ij,ij->i", mu, mu, out=kl_rows)
        kl_rows += variance.sum(axis=1, out=row_sum)
        kl_rows -= k
        kl_rows -= v.sum(axis=1, out=row_sum)
        kl_rows *= 0.5
        if weights is None:
            shares = self._shares[:n]
            shares.fill(1.0 / n)
        else:
            shares = weights
        loss += self.beta * float(np.dot(kl_rows, shares))
        # dLoss/dmu = dcode + beta * mu;
        # dLoss/dv = dcode * eps * std / 2 + beta * (exp(v) - 1) / 2
        grad_mu, grad_v = delta[:, :k], delta[:, k:]
        np.multiply(mu, shares[:, None], out=grad_mu)
        grad_mu *= self.beta
        grad_mu += dcode
        variance -= 1.0
        variance *= shares[:, None]
        variance *= self.beta
        np.multiply(dcode, eps, out=grad_v)
        grad_v *= std
        grad_v += variance
        grad_v *= 0.5 * inside
        return loss


class VariationalNetwork:
    """Encoder, decoder and likelihood trained on the negative ELBO.

    A ``TrainableNetwork`` (``_network``): the package's loops, solvers,
    stopping rules and callbacks train it unchanged. ``beta`` rises
    linearly from 0 over the first ``warmup`` epochs (the KL warm-up of
    Sonderby et al., 2016), so the decoder learns to use the code before
    the prior pulls it shut.

    Parameters
    ----------
    hidden_layer_sizes : list of int
        Encoder hidden layers; the decoder mirrors them.
    n_features, n_latent : int
    activation : str
        Hidden units.
    likelihood : {'gaussian', 'bernoulli'}
    beta : float
    warmup : float
        Epochs of the KL warm-up (0: full ``beta`` at once).
    alpha : float
        L2 weight penalty (scikit-learn's ``alpha / n`` per batch).
    seed : int
        Of the row-keyed noise.
    dtype : numpy dtype
    """

    def __init__(
        self,
        hidden_layer_sizes,
        n_features,
        n_latent,
        *,
        activation,
        likelihood,
        beta,
        warmup,
        alpha,
        seed,
        dtype,
    ):
        hidden = list(hidden_layer_sizes)
        self.n_features, self.n_latent = n_features, n_latent
        self.likelihood_name = likelihood
        self.dtype = np.dtype(dtype)
        self.beta, self.warmup = float(beta), float(warmup)
        self.likelihood = (
            GaussianLikelihood(n_features, self.dtype)
            if likelihood == "gaussian"
            else None
        )
        out_activation = "identity" if likelihood == "gaussian" else "logistic"
        decoder_loss = self.likelihood or "cross_entropy"
        self.decoder = Network(
            [n_latent, *hidden[::-1], n_features],
            [activation] * len(hidden) + [out_activation],
            decoder_loss,
            alpha=alpha,
            dtype=self.dtype,
        )
        self.noise = RowKeyedNormal(n_features, n_latent, seed)
        self.elbo = ELBOLoss(self.decoder, self.noise, n_latent, self.beta)
        self.encoder = Network(
            [n_features, *hidden, 2 * n_latent],
            [activation] * len(hidden) + ["identity"],
            self.elbo,
            alpha=alpha,
            dtype=self.dtype,
        )
        parts = {"encoder": self.encoder, "decoder": self.decoder}
        if self.likelihood is not None:
            parts["likelihood"] = self.likelihood
        self.theta, self.grad, self.slices = bind_parts(parts, self.dtype)
        self.n_params = self.theta.size
        self.warmup_epochs = int(math.ceil(self.warmup))
        self.advance(0.0)

    def initialize(self, random_state, mean, variance):
        """Glorot weights, the decoder at the data's marginals.

        The decoder's output bias starts at the columns' ``mean`` (its
        logit for Bernoulli) and the likelihood's log-variances at the
        columns' ``variance``: the model starts as independent features,
        the baseline every density model should beat, instead of at unit
        variances an Adam step of ``learning_rate_init`` would take
        thousands of steps to leave. The encoder's log-variances start
        near 0 (``q = N(mu, I)``).
        """
        self.encoder.initialize(random_state)
        self.decoder.initialize(random_state)
        self.encoder.coefs[-1][:, self.n_latent :] *= 0.01
        self.encoder.intercepts[-1][...] = 0.0
        mean = np.asarray(mean, dtype=np.float64)
        if self.likelihood is None:
            p = np.clip(mean, 1e-3, 1 - 1e-3)
            self.decoder.intercepts[-1][...] = np.log(p / (1 - p))
        else:
            self.decoder.intercepts[-1][...] = mean
            # a constant column (or a single row) would start at the bound,
            # where the steps are e^15 times too large for plain SGD
            average = float(np.mean(variance))
            if average > 0:
                self.likelihood.bounds = (
                    max(LOG_VARIANCE_BOUNDS[0], math.log(VARIANCE_FLOOR * average)),
                    LOG_VARIANCE_BOUNDS[1],
                )
            floor = VARIANCE_START_FLOOR * average if average > 0 else 1.0
            self.likelihood.log_variance[...] = np.log(np.maximum(variance, floor))

    def advance(self, progress):
        """The KL weight for the step at ``progress`` epochs."""
        t = 1.0 if self.warmup <= 0 else min(1.0, progress / self.warmup)
        self.elbo.beta = self.beta * t  # a Python float: no float64 upcast

    def loss_and_gradient(self, X, Y, sample_weight=None):
        """The negative ELBO on one batch (``Y`` the targets, the clean rows)."""
        self.elbo.batch, self.elbo.sample_weight = X, sample_weight
        loss = self.encoder.loss_and_gradient(X, Y, sample_weight=sample_weight)
        self.elbo.step += 1
        return loss

    def predict(self, X, n_layers=None):
        """The decoder's mean at the posterior mean."""
        coefs, intercepts, activations = self.parameters()
        codes = encode_mean(coefs, intercepts, activations, X, self.n_latent)
        return decode(coefs, intercepts, activations, codes)

    def parameters(self):
        """Copies of ``(coefs, intercepts, activations)`` of encoder and decoder."""
        parts = []
        for net in (self.encoder, self.decoder):
            coefs, intercepts = net.export_parameters()
            parts.append((coefs, intercepts, list(net.activations)))
        return tuple(zip(*parts))


def encode(coefs, intercepts, activations, X, n_latent):
    """``(mu, v)`` of ``q(z | x)`` for each row: the encoder's two halves."""
    out = forward(coefs[0], intercepts[0], activations[0], X)
    return out[:, :n_latent], np.clip(out[:, n_latent:], *LOG_VARIANCE_BOUNDS)


def encode_mean(coefs, intercepts, activations, X, n_latent):
    """The posterior means ``mu(x)``."""
    return encode(coefs, intercepts, activations, X, n_latent)[0]


def decode(coefs, intercepts, activations, codes, logits=False):
    """The decoder's mean (probabilities for Bernoulli; ``logits`` on request)."""
    dec_activations = list(activations[1])
    if logits:
        dec_activations[-1] = "identity"
    return forward(coefs[1], intercepts[1], dec_activations, codes)


def standard_normal_log_density(codes):
    """``log N(z; 0, I)`` of each row of ``codes`` (float64)."""
    codes = np.asarray(codes, dtype=np.float64)
    return -0.5 * (np.einsum("ij,ij->i", codes, codes) + codes.shape[1] * LOG_2PI)


def importance_log_likelihood(
    coefs,
    intercepts,
    activations,
    log_variance,
    X,
    n_latent,
    eps,
    log_prior=standard_normal_log_density,
    chunk_size=512,
):
    """Each row's importance-weighted estimate of ``log p(x)`` (float64).

    ``log (1/K) sum_k p(x | z_k) g(z_k) / q(z_k | x)`` with
    ``z_k = mu + exp(v / 2) eps_k`` (Burda et al., 2016): a lower bound on
    ``log p(x)`` under the prior ``g`` (``log_prior``, codes to log
    densities) that tightens as ``K = len(eps)`` grows; ``K = 1`` is the
    ELBO. The same ``eps`` serve every row, so each row's estimate depends
    on that row only. ``log_variance`` holds the Gaussian likelihood's
    log-variances; None means Bernoulli.
    """
    out = np.empty(X.shape[0])
    terms = importance_terms(
        coefs, intercepts, activations, log_variance, X, n_latent, eps, chunk_size
    )
    for rows, log_ratio, codes in terms:
        out[rows] = importance_average(log_ratio, codes, log_prior)
    return out


def importance_terms(
    coefs, intercepts, activations, log_variance, X, n_latent, eps, chunk_size=512
):
    """``(rows, log p(x | z_k) - log q(z_k | x), z_k)`` chunk by chunk.

    The prior-free part of the importance weights, shape ``(K, m)``, and
    the ``(K * m, k)`` codes it was computed at.
    """
    n_draws = eps.shape[0]
    for rows, chunk in row_chunks(X, chunk_size=chunk_size):
        mu, v = encode(coefs, intercepts, activations, chunk, n_latent)
        std = np.exp(0.5 * v)
        m = chunk.shape[0]
        # (K, m, k) codes, decoded in one pass
        codes = mu[None] + std[None] * eps[:, None, :].astype(mu.dtype)
        flat = codes.reshape(n_draws * m, n_latent)
        targets = np.tile(np.asarray(chunk, dtype=np.float64), (n_draws, 1))
        if log_variance is None:
            logits = decode(coefs, intercepts, activations, flat, logits=True)
            log_px = bernoulli_log_density(logits.astype(np.float64), targets)
        else:
            means = decode(coefs, intercepts, activations, flat)
            log_px = gaussian_log_density(
                log_variance, means.astype(np.float64), targets
            )
        log_q = -0.5 * (
            np.einsum("kj,kj->k", eps, eps)[:, None]
            + v.sum(axis=1, dtype=np.float64)[None]
            + n_latent * LOG_2PI
        )
        yield rows, log_px.reshape(n_draws, m) - log_q, flat


def importance_average(log_ratio, codes, log_prior):
    """``log mean_k exp(log_ratio_k + log g(z_k))`` of each row (float64)."""
    log_w = log_ratio + log_prior(codes).reshape(log_ratio.shape)
    top = log_w.max(axis=0)
    return top + np.log(np.exp(log_w - top).mean(axis=0))


def can_embed_factor_analysis(hidden_layer_sizes, activation, n_latent):
    """Whether ``embed_factor_analysis`` can set this architecture exactly."""
    if not hidden_layer_sizes:
        return True
    return activation == "relu" and min(hidden_layer_sizes) >= 2 * n_latent


def factor_analysis_posterior(loadings, noise_variance):
    """Rotated loadings ``W`` and the posterior's ``(gain, log-variances)``.

    Factor analysis, ``x = z W + mean + noise`` with ``noise ~ N(0, Psi)``,
    has a Gaussian posterior with covariance ``(I + W Psi^-1 W^T)^-1`` and
    mean ``(x - mean) Psi^-1 W^T`` times it. ``W`` is defined up to a
    rotation of the code; the one that diagonalises ``W Psi^-1 W^T`` makes
    that covariance diagonal, which a variational encoder can represent:
    the posterior is then exact, and the ELBO equals the log-likelihood.
    """
    scaled = loadings / noise_variance
    eigenvalues, rotation = np.linalg.eigh(scaled @ loadings.T)
    eigenvalues = np.clip(eigenvalues, 0, None)
    W = rotation.T @ loadings
    gain = (W / noise_variance).T / (1 + eigenvalues)  # (d, k)
    return W, gain, -np.log1p(eigenvalues)


def embed_factor_analysis(net, mean, loadings, noise_variance):
    """Set a ``VariationalNetwork`` to a factor analysis model exactly.

    The encoder computes the exact posterior (``factor_analysis_posterior``)
    and the decoder ``z W + mean`` with the noise's variances. Through ReLU
    hidden layers a linear map travels as the pair ``relu(u), relu(-u)``
    (as ``_network.embed_pca`` does), in the first ``2k`` units of each
    layer; the other units keep their random incoming weights and start
    with zero outgoing weights, so they change nothing until training grows
    them. Training therefore starts at factor analysis's likelihood.
    """
    k = net.n_latent
    W, gain, log_variance = factor_analysis_posterior(loadings, noise_variance)
    eye = np.eye(k)
    pass_through = np.block([[eye, -eye], [-eye, eye]])
    # the encoder: x -> [mu, v]; the decoder: z -> z W + mean
    enc_in = np.hstack([gain, np.zeros_like(gain)])
    enc_bias = np.concatenate([-(mean @ gain), log_variance])
    enc_out = np.vstack(
        [np.hstack([eye, np.zeros((k, k))]), np.hstack([-eye, np.zeros((k, k))])]
    )
    for net_part, first, first_bias, last, last_bias in (
        (net.encoder, gain, -(mean @ gain), enc_out, np.r_[np.zeros(k), log_variance]),
        (net.decoder, eye, np.zeros(k), np.vstack([W, -W]), mean),
    ):
        coefs, intercepts = net_part.coefs, net_part.intercepts
        if len(coefs) == 1:  # linear: the map itself
            if net_part is net.encoder:
                coefs[0][...], intercepts[0][...] = enc_in, enc_bias
            else:
                coefs[0][...], intercepts[0][...] = W, mean
            continue
        coefs[0][:, : 2 * k] = np.hstack([first, -first])
        intercepts[0][: 2 * k] = np.r_[first_bias, -first_bias]
        for W_mid, b_mid in zip(coefs[1:-1], intercepts[1:-1]):
            W_mid[2 * k :, : 2 * k] = 0
            W_mid[: 2 * k, : 2 * k] = pass_through
            b_mid[: 2 * k] = 0
        coefs[-1][...] = 0
        coefs[-1][: 2 * k] = last
        intercepts[-1][...] = last_bias
    if net.likelihood is not None:
        net.likelihood.log_variance[...] = np.clip(
            np.log(noise_variance), *net.likelihood.bounds
        )
