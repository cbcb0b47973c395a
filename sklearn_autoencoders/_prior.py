"""A Gaussian mixture prior fitted to the codes a variational autoencoder uses.

A variational autoencoder is trained with the prior ``N(0, I)``, but the
codes its encoder gives the data, the *aggregate posterior*
``q(z) = sum_i w_i q(z | x_i) / sum_i w_i``, rarely fill that ball: the
ELBO trades the prior's fit for the reconstruction, so ``N(0, I)`` puts
mass where no row's code lies, and decoded draws from those holes are
blurs of several classes. Fitting a Gaussian mixture ``g`` to ``q(z)``
after training and using it as the prior ("ex-post density estimation",
Ghosh et al., 2020) repairs both ``sample`` and the likelihood: the
importance-weighted bound ``log mean_k p(x | z_k) g(z_k) / q(z_k | x)``
is a lower bound on ``log p(x)`` for any prior ``g``, and the prior's term
of the ELBO, ``E_q(z|x)[log g(z)]``, is the only one that changes.

The mixture is fitted by EM to ``q(z)`` itself, not to draws from it: each
row is the Gaussian ``N(mu_i, diag(s_i^2))``, its responsibilities come
from ``E_q[log N(z; m_c, S_c)] = log N(mu_i; m_c, S_c) - tr(S_c^-1 diag(s_i^2)) / 2``
(a lower bound by Jensen, tight at the optimum responsibilities), and the
M-step adds the rows' posterior variances to the covariances. No draw is
made, so a weighted row is exactly a repeated one.

Every mixture of two or more components keeps, at weight 1%, the single
Gaussian fitted to all the codes (a defensive mixture, Hesterberg, 1995):
a row whose code falls between the fitted components then loses at most
``log(100)`` nats of the prior's term against that Gaussian, instead of
an unbounded amount. On MNIST codes it was what made more components pay
on held-out rows: without it a few held-out rows scored far below the
rest, and the held-out mean fell from 8 to 16 components while the median
still rose.

The number of components grows by splitting (Linde, Buzo & Gray, 1980):
each component is cut in two along its principal axis, then EM runs to
convergence, so the fits of 1, 2, 4, ... components are one deterministic
sequence, with no random start and no dependence on the rows' order.
"""

import numpy as np
from scipy.special import logsumexp

from ._variational import LOG_2PI

#: Added to the covariances' diagonals, as ``GaussianMixture``'s
#: ``reg_covar``: a component on a few codes stays invertible.
PRIOR_REG_COVAR = 1e-6

#: EM stops when the bound per unit weight improves by less than this (as
#: ``GaussianMixture``'s ``tol``).
PRIOR_TOL = 1e-3

#: EM iterations at each number of components.
PRIOR_MAX_ITER = 100

#: Weight of the broad component every mixture of two or more keeps: the
#: single Gaussian fitted to all the codes (see ``with_broad_component``).
BROAD_WEIGHT = 0.01

#: A component with less than this share of the weight is dropped.
MIN_COMPONENT_WEIGHT = 1e-8

#: The split half of a Gaussian along an axis of spread ``sigma`` has its
#: mean at ``sqrt(2 / pi) sigma`` from the centre and variance
#: ``(1 - 2 / pi) sigma^2`` along it: the split starts there.
_HALF_OFFSET = np.sqrt(2 / np.pi)


class GaussianMixturePrior:
    """Weights, means and covariances of a Gaussian mixture over codes.

    Parameters
    ----------
    weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, n_latent)
    covariances : ndarray of shape (n_components, n_latent, n_latent)
    """

    def __init__(self, weights, means, covariances):
        self.weights = np.asarray(weights, dtype=np.float64)
        self.means = np.asarray(means, dtype=np.float64)
        self.covariances = np.asarray(covariances, dtype=np.float64)
        # lower Cholesky factors of the covariances; their inverses whiten
        self.cholesky = np.linalg.cholesky(self.covariances)
        self.whitening = np.linalg.inv(self.cholesky)
        self.log_det = 2 * np.log(np.diagonal(self.cholesky, axis1=1, axis2=2)).sum(
            axis=1
        )

    @classmethod
    def standard_normal(cls, n_latent):
        """``N(0, I)``, the prior the network is trained with."""
        return cls(np.ones(1), np.zeros((1, n_latent)), np.eye(n_latent)[None].copy())

    @property
    def n_components(self):
        return len(self.weights)

    def component_log_densities(self, means, variances=None):
        """``(n, c)``: each row's ``log w_c + E[log N(z; m_c, S_c)]``.

        ``z = means`` exactly when ``variances`` is None; otherwise
        ``z ~ N(means, diag(variances))`` and the expectation is in closed
        form (the Jensen bound the EM raises).
        """
        means = np.asarray(means, dtype=np.float64)
        n, k = means.shape
        out = np.empty((n, self.n_components))
        for c in range(self.n_components):
            white = (means - self.means[c]) @ self.whitening[c].T
            out[:, c] = np.einsum("ij,ij->i", white, white)
        if variances is not None:
            # tr(S^-1 diag(s^2)) = sum_j s_j^2 (S^-1)_jj, (S^-1)_jj = |W[:, j]|^2
            precision_diagonals = np.einsum(
                "cij,cij->cj", self.whitening, self.whitening
            )
            out += np.asarray(variances, dtype=np.float64) @ precision_diagonals.T
        out *= -0.5
        out += np.log(self.weights) - 0.5 * (self.log_det + k * LOG_2PI)
        return out

    def log_density(self, codes):
        """``log g(z)`` of each row of ``codes`` (float64)."""
        return logsumexp(self.component_log_densities(codes), axis=1)

    def expected_log_density(self, means, variances):
        """Each row's lower bound on ``E_{N(means, diag(variances))}[log g(z)]``."""
        return logsumexp(self.component_log_densities(means, variances), axis=1)

    def sample(self, n_samples, rng):
        """``n_samples`` codes drawn from the mixture (float64)."""
        counts = rng.multinomial(n_samples, self.weights / self.weights.sum())
        codes = [
            self.means[c]
            + rng.standard_normal((count, self.means.shape[1])) @ self.cholesky[c].T
            for c, count in enumerate(counts)
        ]
        codes = np.concatenate(codes)
        # the draws come grouped by component: shuffle their order
        return codes[rng.permutation(n_samples)]


def _m_step(means, variances, weights, responsibilities):
    """The mixture that maximises the bound for these responsibilities.

    Components left with (almost) no weight are dropped.
    """
    mass = weights[:, None] * responsibilities
    totals = mass.sum(axis=0)
    keep = totals > MIN_COMPONENT_WEIGHT * totals.sum()
    mass, totals = mass[:, keep], totals[keep]
    centres = (mass.T @ means) / totals[:, None]
    k = means.shape[1]
    covariances = np.empty((len(totals), k, k))
    for c in range(len(totals)):
        diff = means - centres[c]
        covariances[c] = (diff * mass[:, c : c + 1]).T @ diff
        # each row's own posterior variance joins the spread of the means
        covariances[c].flat[:: k + 1] += mass[:, c] @ variances
        covariances[c] /= totals[c]
        covariances[c].flat[:: k + 1] += PRIOR_REG_COVAR
    return GaussianMixturePrior(totals / totals.sum(), centres, covariances)


def _em(prior, means, variances, weights, total):
    """EM from ``prior`` to convergence on the rows' posteriors."""
    previous = -np.inf
    for _ in range(PRIOR_MAX_ITER):
        log_resp = prior.component_log_densities(means, variances)
        row_bound = logsumexp(log_resp, axis=1)
        bound = float(weights @ row_bound) / total
        responsibilities = np.exp(log_resp - row_bound[:, None])
        prior = _m_step(means, variances, weights, responsibilities)
        if bound - previous < PRIOR_TOL:
            break
        previous = bound
    return prior


def _split(prior, n_components):
    """``prior`` with its heaviest components cut in two, ``n_components`` in all.

    Each cut component becomes two halves along its principal axis, at
    ``+- sqrt(2 / pi) sigma`` with the variance along the axis shrunk to
    ``(1 - 2 / pi) sigma^2``: the two halves of a Gaussian, moment for moment.
    """
    n_cuts = min(n_components - prior.n_components, prior.n_components)
    spread = np.empty(prior.n_components)
    axes = np.empty_like(prior.means)
    for c, covariance in enumerate(prior.covariances):
        values, vectors = np.linalg.eigh(covariance)
        axis = vectors[:, -1]
        # a fixed sign, so equal inputs give equal components in equal order
        axis *= np.sign(axis[np.argmax(np.abs(axis))])
        spread[c], axes[c] = values[-1], axis
    cut = np.sort(np.argsort(-prior.weights * spread, kind="stable")[:n_cuts])
    weights, means, covariances = [], [], []
    for c in range(prior.n_components):
        w, m, S = prior.weights[c], prior.means[c], prior.covariances[c]
        if c not in cut:
            weights.append(w), means.append(m), covariances.append(S)
            continue
        offset = _HALF_OFFSET * np.sqrt(spread[c]) * axes[c]
        half = S - (2 / np.pi) * spread[c] * np.outer(axes[c], axes[c])
        half.flat[:: len(m) + 1] += PRIOR_REG_COVAR
        for sign in (1.0, -1.0):
            weights.append(w / 2), means.append(m + sign * offset)
            covariances.append(half)
    return GaussianMixturePrior(
        np.array(weights), np.array(means), np.array(covariances)
    )


def with_broad_component(prior, broad):
    """``prior`` at weight ``1 - BROAD_WEIGHT`` and ``broad`` at ``BROAD_WEIGHT``."""
    return GaussianMixturePrior(
        np.append((1 - BROAD_WEIGHT) * prior.weights, BROAD_WEIGHT),
        np.concatenate([prior.means, broad.means]),
        np.concatenate([prior.covariances, broad.covariances]),
    )


def fit_mixture_ladder(means, variances, weights, n_components):
    """Mixtures fitted to ``sum_i w_i N(means_i, diag(variances_i))``.

    Yields the fitted mixture at 1, 2, 4, ... components and finally at
    ``n_components`` (each doubling splits every component; the last step
    the heaviest ones only), each grown from the one before. Fewer
    components come out when EM empties some. From 2 components on, each
    also holds the broad component (the 1-component fit, at weight
    ``BROAD_WEIGHT``), one more than its EM-fitted ones.

    Parameters
    ----------
    means, variances : ndarray of shape (n_samples, n_latent)
        The rows' posterior means and variances.
    weights : ndarray of shape (n_samples,) or None
        The rows' weights (None: all 1).
    n_components : int
        The largest number of components.
    """
    means = np.asarray(means, dtype=np.float64)
    variances = np.asarray(variances, dtype=np.float64)
    weights = (
        np.ones(len(means)) if weights is None else np.asarray(weights, np.float64)
    )
    total = weights.sum()
    # one component: the M-step with every responsibility 1 is the optimum
    broad = prior = _m_step(means, variances, weights, np.ones((len(means), 1)))
    yield prior
    while prior.n_components < n_components:
        grown = _split(prior, min(2 * prior.n_components, n_components))
        grown = _em(grown, means, variances, weights, total)
        if grown.n_components <= prior.n_components:
            return  # EM emptied the new components: the data want no more
        prior = grown
        yield with_broad_component(prior, broad)
