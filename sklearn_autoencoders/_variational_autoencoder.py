"""``VariationalAutoencoder``: a density model and a generator of new rows."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    DensityMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.decomposition import FactorAnalysis
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted

from ._autoencoder import (
    AUTO_EARLY_STOPPING_MIN_ROWS,
    AUTO_HIDDEN_UNITS,
    auto_code_size,
)
from ._base import (
    ENGINE_PARAMETER_CONSTRAINTS,
    NetworkEstimatorMixin,
    has_stochastic_solver,
)
from ._callbacks import end_root_task, epoch_callbacks, root_task
from ._network import row_chunks
from ._optimizers import STOCHASTIC_SOLVERS
from ._prior import GaussianMixturePrior, fit_mixture_ladder
from ._training import fitted_history_attributes, run_solver
from ._validation import (
    check_layer_sizes,
    column_statistics,
    held_out_weights,
    restore_on_error,
    standardized,
    validation_split,
    value_range,
)
from ._variational import (
    LOG_VARIANCE_BOUNDS,
    RowKeyedNormal,
    VariationalNetwork,
    can_embed_factor_analysis,
    decode,
    embed_factor_analysis,
    encode,
    encode_mean,
    importance_average,
    importance_log_likelihood,
    importance_terms,
)

#: Seed of the importance samples ``score_samples`` draws: fixed, so a
#: row's score is a function of the row (and the model) only.
SCORE_SEED = 0

#: ``prior='auto'``: the mixtures tried grow by doubling up to this many
#: components (64 added half a nat per image on MNIST codes, at twice the
#: EM's time).
AUTO_MAX_PRIOR_COMPONENTS = 32

#: ``prior='auto'``: one row in this many (by its key) is held out to
#: choose the prior; at least ``AUTO_EARLY_STOPPING_MIN_ROWS`` distinct rows
#: on each side, or the prior stays ``N(0, I)``.
PRIOR_HOLD_OUT_EVERY = 10

#: ``prior='auto'``: the ladder stops after this many doublings in a row
#: that score no better than the best so far.
PRIOR_PATIENCE = 2


def weighted_factor_analysis(X, n_components, sample_weight=None):
    """``(mean, loadings, noise_variance)`` of ``FactorAnalysis`` on ``X``, weighted.

    Factor analysis reads the data only through their mean and covariance;
    with weights, it is fitted on the centred rows scaled by
    ``sqrt(n w_i / sum(w))`` and their negatives, whose mean is 0 and whose
    covariance is the weighted covariance.
    """
    X = np.asarray(X, dtype=np.float64)
    if sample_weight is None:
        mean = X.mean(axis=0)
        rows = X
    else:
        weights = np.asarray(sample_weight, dtype=np.float64)
        mean = weights @ X / weights.sum()
        scaled = (X - mean) * np.sqrt(len(X) * weights / weights.sum())[:, None]
        rows = np.vstack([scaled, -scaled])
    fa = FactorAnalysis(n_components, random_state=0).fit(rows)
    noise = np.maximum(fa.noise_variance_, np.exp(LOG_VARIANCE_BOUNDS[0]))
    return mean, fa.components_, noise


def _posteriors(parts, X, n_latent):
    """Each row's posterior means and variances (float64), chunk by chunk."""
    means = np.empty((X.shape[0], n_latent))
    variances = np.empty((X.shape[0], n_latent))
    for rows, chunk in row_chunks(X):
        mu, v = encode(*parts, chunk, n_latent)
        means[rows], variances[rows] = mu, np.exp(v.astype(np.float64))
    return means, variances


def is_binary(X):
    """Whether every value of ``X`` is 0 or 1 (``likelihood='auto'``)."""
    bounds = value_range(X)
    if bounds is None or bounds[0] < 0 or bounds[1] > 1:
        return False
    return bool(np.all((X == 0) | (X == 1)))


class VariationalAutoencoder(
    NetworkEstimatorMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    DensityMixin,
    BaseEstimator,
):
    """Variational autoencoder: a nonlinear latent-variable density model.

    A code ``z ~ N(0, I)`` of ``n_components`` units generates a row through
    a decoder network, ``p(x | z)``; an encoder network gives each row a
    Gaussian posterior ``q(z | x) = N(mu(x), diag(sigma^2(x)))``. Both are
    trained together on the evidence lower bound (ELBO) of Kingma & Welling
    (2014), ``E_q[log p(x | z)] - beta KL(q(z | x) || N(0, I))``, with the
    reparameterised sample ``z = mu + sigma * eps``. It follows
    scikit-learn's density models (``PCA``, ``FactorAnalysis``,
    ``GaussianMixture``): ``score_samples`` is each row's log-likelihood,
    ``score`` their mean (so ``GridSearchCV`` selects by held-out
    likelihood) and ``sample`` draws new rows. With linear units and the
    Gaussian likelihood the model is factor analysis, whose optimum the
    ELBO reaches exactly. After training, a Gaussian mixture fitted to the
    codes of the training rows replaces ``N(0, I)`` as the prior of
    ``sample`` and ``score_samples`` (``prior='auto'``): samples then come
    from where real rows' codes lie.

    Read more in the user guide, "Variational autoencoder".

    Parameters
    ----------
    n_components : int or 'auto', default='auto'
        Size of the code ``z``. ``'auto'``: half the features, at most 32.
        Units the data do not need fall back to the prior (their posterior
        is ``N(0, 1)`` for every row), so a generous size costs little.

    hidden_layer_sizes : array-like of int or 'auto', default='auto'
        Hidden layers of the encoder; the decoder mirrors them.
        ``'auto'``: one layer of ``max(256, 2 * n_components)`` units.
        ``()`` gives linear encoder and decoder (factor analysis).

    activation : {'relu', 'tanh', 'logistic', 'identity'}, default='relu'
        Hidden units.

    likelihood : {'auto', 'gaussian', 'bernoulli'}, default='auto'
        The decoder's ``p(x | z)``. ``'gaussian'``: a mean from the
        decoder and one learned variance per feature (as factor analysis's
        noise), a density in the data's units. ``'bernoulli'``: a
        probability per feature, for binary data; on values in [0, 1]
        that are not binary its ``score_samples`` is the negative
        cross-entropy, not a density. ``'auto'``: Bernoulli when every
        value is 0 or 1, Gaussian otherwise, so scores of continuous data
        compare with ``PCA.score`` and ``FactorAnalysis.score``.

    beta : float, default=1.0
        Weight of the KL term (1: the ELBO; larger values trade the
        likelihood for a more regular code, Higgins et al., 2017).

    kl_warmup : float in [0, 1], default=0.1
        Fraction of ``max_iter`` over which the KL weight rises linearly
        from 0 to ``beta`` (Sønderby et al., 2016): the decoder learns to
        use the code before the prior pulls it shut.

    n_importance_samples : int, default=50
        Draws ``K`` of the importance-weighted bound ``score_samples``
        returns (Burda et al., 2016): ``K = 1`` is the ELBO; the bound
        tightens towards ``log p(x)`` as ``K`` grows.

    prior : 'auto', 'standard_normal' or int, default='auto'
        The prior ``sample`` draws codes from and ``score_samples`` scores
        with. The network is always trained with ``N(0, I)``; afterwards a
        Gaussian mixture (full covariances) can be fitted to the codes the
        encoder gives the training rows, ``sum_i q(z | x_i)`` ("ex-post
        density estimation", Ghosh et al., 2020): decoded draws then come
        from where real rows' codes lie, not from the holes ``N(0, I)``
        leaves between them. An int: a mixture of that many components
        fitted by EM (fewer if EM leaves some empty), plus (from 2 on) one
        broad component at weight 1%, the single Gaussian fitted to all the
        codes, so that a row whose code falls between the others is never
        scored far below it.
        ``'standard_normal'``: keep ``N(0, I)``. ``'auto'``: choose among
        ``N(0, I)`` and mixtures of 1, 2, 4, ... 32 components, each fitted
        on nine training rows in ten, by the bound ``score_samples``
        returns on the tenth (held out by a hash of the row, so a weighted
        row stays a repeated one); the doubling stops after two sizes
        that do not improve it. Too few rows to hold out (fewer than 10
        distinct ones) keep ``N(0, I)``. The bound stays a lower bound on
        ``log p(x)`` under any prior.

    alpha : float, default=1e-4
        L2 penalty on the weights, scaled as in scikit-learn's MLP.

    solver : {'adam', 'sgd'}, default='adam'
        The objective is stochastic (a fresh ``eps`` every step), so only
        the minibatch solvers train it.

    batch_size : int or 'auto', default=64
        Rows per minibatch. 64 scored higher held-out likelihoods than
        ``'auto'`` (200) on validation splits of digits and breast cancer
        (equal on Gaussian data).

    learning_rate, learning_rate_init, max_iter, tol, validation_fraction, \
n_iter_no_change, shuffle, momentum, nesterovs_momentum, random_state, \
verbose, warm_start
        As in :class:`AutoencoderTransformer`.

    early_stopping : bool or 'auto', default='auto'
        Hold out ``validation_fraction`` of the rows and keep the epoch
        with the best held-out ELBO (computed with one fixed draw per row).
        ``'auto'``: when the fit starts at factor analysis and at least 10
        rows are held out, so that the start is kept unless an epoch beats
        it on held-out rows.

    standardize : bool or 'auto', default='auto'
        Train on standardised features: ``'auto'`` for data far from unit
        scale (as the other estimators). Scores and samples stay in the
        data's units (the log-likelihood includes the Jacobian of the
        standardisation).

    init : {'auto', 'factor_analysis', 'random'}, default='auto'
        The start. ``'factor_analysis'``: the network is set to compute
        ``FactorAnalysis(n_components)`` exactly (the exact posterior in
        the encoder, the loadings and noise in the decoder; ReLU hidden
        layers carry the linear maps as pairs ``relu(u), relu(-u)``), so
        with early stopping the fit ends no worse than factor analysis on
        held-out rows. ``'auto'``: that start where the architecture can
        compute it (ReLU hidden layers of at least ``2 * n_components``
        units, or none) with the Gaussian likelihood; random otherwise.

    Attributes
    ----------
    n_components_ : int
        Size of the code.

    likelihood_ : str
        ``'gaussian'`` or ``'bernoulli'``.

    coefs_, intercepts_ : list of ndarray
        Weights and biases of the encoder's layers, then the decoder's.
        The encoder's last layer has ``2 * n_components_`` outputs, the
        posterior means then log-variances. They read standardised rows
        when ``input_mean_`` is not None.

    prior_weights_ : ndarray of shape (n_prior_components,)
        Weights of the prior's mixture components (``[1.0]`` for
        ``N(0, I)``).

    prior_means_ : ndarray of shape (n_prior_components, k)
        Their means, ``k = n_components_``.

    prior_covariances_ : ndarray of shape (n_prior_components, k, k)
        Their covariances.

    noise_variance_ : ndarray of shape (n_features,) or None
        The Gaussian likelihood's variance of each feature, in the data's
        units; None for Bernoulli.

    input_mean_, input_scale_ : ndarray of shape (n_features,) or None
        The standardisation trained with; None when the data were not
        standardised.

    n_iter_, loss_, loss_curve_, best_loss_, validation_scores_, \
best_validation_score_, best_epoch_
        The training history, as in :class:`AutoencoderTransformer`; the
        loss is the negative ELBO per row of the standardised data.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features,)
        Names of features seen during ``fit``, when they are all strings.

    See Also
    --------
    sklearn.decomposition.PCA : Probabilistic PCA's ``score``, the linear
        model with one noise variance.
    sklearn.decomposition.FactorAnalysis : The linear model with one noise
        variance per feature.
    sklearn.mixture.GaussianMixture : Another density model with ``sample``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_autoencoders import VariationalAutoencoder
    >>> X = load_digits().data / 16
    >>> X = X + np.random.default_rng(0).uniform(0, 1 / 16, X.shape)
    >>> vae = VariationalAutoencoder(n_components=8, max_iter=30, random_state=0)
    >>> vae.fit(X[:1500]).transform(X[:2]).shape
    (2, 8)
    >>> vae.sample(3, random_state=0).shape
    (3, 64)
    >>> vae.inverse_transform(vae.sample_codes(3, random_state=0)).shape
    (3, 64)
    >>> bool(vae.score(X[1500:]) == vae.score_samples(X[1500:]).mean())
    True
    """

    # the likelihood and the row-keyed noise read dense rows
    _accepts_sparse = False

    #: The ELBO's likelihood would need a marginal over the missing
    #: entries; refused (scikit-learn's message names the imputers).
    _accepts_missing = False

    _parameter_constraints: dict = {
        **ENGINE_PARAMETER_CONSTRAINTS,
        "n_components": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "hidden_layer_sizes": ["array-like", StrOptions({"auto"})],
        "likelihood": [StrOptions({"auto", "gaussian", "bernoulli"})],
        "beta": [Interval(Real, 0, None, closed="left")],
        "kl_warmup": [Interval(Real, 0, 1, closed="both")],
        "n_importance_samples": [Interval(Integral, 1, None, closed="left")],
        "prior": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto", "standard_normal"}),
        ],
        "solver": [StrOptions(set(STOCHASTIC_SOLVERS))],
        "standardize": ["boolean", StrOptions({"auto"})],
        "init": [StrOptions({"auto", "factor_analysis", "random"})],
        "early_stopping": ["boolean", StrOptions({"auto"})],
    }

    def __init__(
        self,
        n_components="auto",
        *,
        hidden_layer_sizes="auto",
        activation="relu",
        likelihood="auto",
        beta=1.0,
        kl_warmup=0.1,
        n_importance_samples=50,
        prior="auto",
        alpha=1e-4,
        solver="adam",
        batch_size=64,
        learning_rate="cosine",
        learning_rate_init=1e-3,
        max_iter=200,
        tol=1e-4,
        early_stopping="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        shuffle=True,
        momentum=0.9,
        nesterovs_momentum=True,
        random_state=None,
        verbose=False,
        warm_start=False,
        standardize="auto",
        init="auto",
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.likelihood = likelihood
        self.beta = beta
        self.kl_warmup = kl_warmup
        self.n_importance_samples = n_importance_samples
        self.prior = prior
        self.alpha = alpha
        self.solver = solver
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
        self.init = init

    # -- fitting ------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    @restore_on_error
    def fit(self, X, y=None, sample_weight=None):
        """Train encoder and decoder on the ELBO of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored; present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows: the ELBO becomes a weighted mean and the
            standardisation is weighted; a weight of 2 counts a row as
            twice (its noise draws too), 0 ignores it.

        Returns
        -------
        self : object
            The fitted model.
        """
        self._check_params()
        reuse = self.warm_start and hasattr(self, "coefs_")
        self._fit(X, sample_weight, incremental=False, reuse=reuse)
        return self

    @available_if(has_stochastic_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    @restore_on_error
    def partial_fit(self, X, y=None, sample_weight=None):
        """Run one epoch of the solver on ``X``, from the model so far.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored; present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows (see ``fit``).

        Returns
        -------
        self : object
            The updated model.
        """
        self._check_params(incremental=True)
        self._fit(X, sample_weight, incremental=True, reuse=hasattr(self, "coefs_"))
        return self

    def _fit(self, X, sample_weight, *, incremental, reuse):
        data = self._prepare_data(X, None, sample_weight, reuse=reuse)
        likelihood = self.likelihood_ if reuse else self._resolve_likelihood(data.X)
        n_latent = self.n_components_ if reuse else self._code_size(data.X.shape[1])
        rng, history, optimizer = self._training_state(resume=incremental and reuse)
        net = VariationalNetwork(
            self._hidden_layer_sizes(n_latent),
            data.X.shape[1],
            n_latent,
            activation=self.activation,
            likelihood=likelihood,
            beta=self.beta,
            warmup=self.kl_warmup * self.max_iter,
            alpha=self.alpha,
            seed=int(rng.integers(np.iinfo(np.int64).max)),
            dtype=data.X.dtype,
        )
        starts_as_fa = not reuse and self._starts_as_factor_analysis(net, data.X)
        if reuse:
            net.theta[...] = self._theta
            if net.likelihood is not None:
                net.likelihood.bounds = self._log_variance_bounds
        else:
            mean, spread = column_statistics(data.X, data.sample_weight)
            net.initialize(rng, mean, spread**2)
            if starts_as_fa:
                embed_factor_analysis(
                    net, *weighted_factor_analysis(data.X, n_latent, data.sample_weight)
                )
        task = None if incremental else root_task(self, data.X)
        validation = None
        if not incremental and self._uses_early_stopping(data.X, starts_as_fa):
            validation = lambda: self._validation_split(data, net, rng)  # noqa: E731

        def fitted_state(network):
            return self._fitted_state(network, data.scaling, history, likelihood)

        with epoch_callbacks(task, self, data.X, None, fitted_state) as callbacks:
            optimizer = run_solver(
                self._training_config(),
                net,
                data.X,
                rng=rng,
                history=history,
                optimizer=optimizer,
                incremental=incremental,
                validation=validation,
                sample_weight=data.sample_weight,
                callbacks=callbacks,
            )
        state = fitted_state(net)
        prior = self._fit_prior(
            net.parameters(),
            state["_log_variance"],
            net.n_latent,
            data.X,
            data.sample_weight,
        )
        state |= {
            "_theta": net.theta.copy(),
            "prior_weights_": prior.weights,
            "prior_means_": prior.means,
            "prior_covariances_": prior.covariances,
        }
        self._commit_training(state, optimizer, rng)
        end_root_task(self, task, data.X)

    def _fit_prior(self, parts, log_variance, n_latent, X, sample_weight):
        """The prior of ``sample`` and ``score_samples`` (see ``prior``)."""
        standard_normal = GaussianMixturePrior.standard_normal(n_latent)
        if self.prior == "standard_normal":
            return standard_normal
        means, variances = _posteriors(parts, X, n_latent)
        weights = (
            np.ones(len(X)) if sample_weight is None else sample_weight.astype(float)
        )
        if self.prior != "auto":
            *_, prior = fit_mixture_ladder(means, variances, weights, self.prior)
            return prior
        # one row in ten by its key: equal rows fall on the same side
        keys = RowKeyedNormal(X.shape[1], n_latent, SCORE_SEED).row_keys(X)
        held_out = keys % np.uint64(PRIOR_HOLD_OUT_EVERY) == 0
        counts = weights > 0
        if (
            min(
                len(np.unique(keys[held_out & counts])),
                len(np.unique(keys[~held_out & counts])),
            )
            < AUTO_EARLY_STOPPING_MIN_ROWS
        ):
            return standard_normal
        # the held-out rows' bound under each candidate: decoded once
        eps = np.random.default_rng(SCORE_SEED).standard_normal(
            (self.n_importance_samples, n_latent)
        )
        terms = list(importance_terms(*parts, log_variance, X[held_out], n_latent, eps))

        def held_out_score(prior):
            scores = np.concatenate(
                [importance_average(r, z, prior.log_density) for _, r, z in terms]
            )
            return np.average(scores, weights=weights[held_out])

        best, best_score, misses = standard_normal, held_out_score(standard_normal), 0
        train = ~held_out
        ladder = fit_mixture_ladder(
            means[train], variances[train], weights[train], AUTO_MAX_PRIOR_COMPONENTS
        )
        for candidate in ladder:
            score = held_out_score(candidate)
            if score > best_score:
                best, best_score, misses = candidate, score, 0
            elif (misses := misses + 1) >= PRIOR_PATIENCE:
                break
        return best

    def _fitted_prior(self):
        return GaussianMixturePrior(
            self.prior_weights_, self.prior_means_, self.prior_covariances_
        )

    def _standardize_mode(self, X):
        """``standardize``, or None: Bernoulli probabilities read raw values."""
        binary = self.likelihood == "bernoulli" or (
            self.likelihood == "auto" and is_binary(X)
        )
        return None if binary else self.standardize

    def _resolve_likelihood(self, X):
        if self.likelihood == "auto":
            return "bernoulli" if is_binary(X) else "gaussian"
        if self.likelihood == "bernoulli":
            bounds = value_range(X)
            if bounds is not None and (bounds[0] < 0 or bounds[1] > 1):
                raise ValueError(
                    "likelihood='bernoulli' needs values in [0, 1]; X has values "
                    f"in [{bounds[0]:.3g}, {bounds[1]:.3g}]. Use "
                    "likelihood='gaussian' (or 'auto')."
                )
        return self.likelihood

    def _code_size(self, n_features):
        if self.n_components == "auto":
            return auto_code_size(n_features)
        return self.n_components

    def _hidden_layer_sizes(self, n_latent):
        if isinstance(self.hidden_layer_sizes, str):  # 'auto'
            return [max(AUTO_HIDDEN_UNITS, 2 * n_latent)]
        return check_layer_sizes(self.hidden_layer_sizes)

    def _starts_as_factor_analysis(self, net, X):
        """``init='auto'``: start at factor analysis where it fits exactly."""
        if self.init == "random" or net.likelihood is None:
            if self.init == "factor_analysis":
                raise ValueError(
                    "init='factor_analysis' needs the Gaussian likelihood; "
                    "binary data get the Bernoulli one (set likelihood='gaussian')."
                )
            return False
        fits = can_embed_factor_analysis(
            net.encoder.layer_units[1:-1], self.activation, net.n_latent
        ) and net.n_latent < min(X.shape)
        if self.init == "factor_analysis" and not fits:
            raise ValueError(
                "init='factor_analysis' needs ReLU hidden layers of at least "
                f"2 * n_components = {2 * net.n_latent} units (or none), and "
                "n_components below n_samples and n_features; use init='random'."
            )
        return fits

    def _uses_early_stopping(self, X, starts_as_fa):
        """``'auto'``: hold out rows to keep the factor analysis start unless beaten."""
        if self.early_stopping == "auto":
            n_held_out = int(X.shape[0] * self.validation_fraction)
            return starts_as_fa and n_held_out >= AUTO_EARLY_STOPPING_MIN_ROWS
        return self.early_stopping

    def _validation_split(self, data, net, rng):
        """Training rows and the held-out rows' mean ELBO (one fixed draw)."""
        train, held_out = validation_split(
            data.X.shape[0], self.validation_fraction, rng
        )
        held_out = np.sort(held_out)
        weights = held_out_weights(data.sample_weight, held_out)
        eps = np.random.default_rng(SCORE_SEED).standard_normal((1, net.n_latent))

        def validation_score(network):
            coefs, intercepts, activations = network.parameters()
            likelihood = network.likelihood
            log_variance = (
                None
                if likelihood is None
                else np.clip(likelihood.log_variance, *likelihood.bounds)
            )
            scores = importance_log_likelihood(
                coefs,
                intercepts,
                activations,
                log_variance,
                data.X[held_out],
                network.n_latent,
                eps,
            )
            return float(np.average(scores, weights=weights))

        validation_score.label = "validation score (ELBO per row)"
        return train, validation_score

    def _fitted_state(self, net, scaling, history, likelihood):
        (enc_coefs, dec_coefs), (enc_b, dec_b), (enc_act, dec_act) = net.parameters()
        mean, scale = scaling or (None, None)
        noise_variance = log_variance = bounds = None
        if net.likelihood is not None:
            bounds = net.likelihood.bounds
            log_variance = np.clip(net.likelihood.log_variance, *bounds)
            noise_variance = np.exp(log_variance.astype(np.float64))
            if scale is not None:
                noise_variance = noise_variance * scale.astype(np.float64) ** 2
        return {
            "coefs_": [*enc_coefs, *dec_coefs],
            "intercepts_": [*enc_b, *dec_b],
            "_activations": (enc_act, dec_act),
            "_n_encoder_layers": len(enc_coefs),
            "_log_variance": log_variance,
            "_log_variance_bounds": bounds,
            "noise_variance_": noise_variance,
            "n_components_": net.n_latent,
            "likelihood_": likelihood,
            "input_mean_": mean,
            "input_scale_": scale,
            "_history": history,
            **fitted_history_attributes(history),
        }

    # -- the fitted model -------------------------------------------------------
    def _parts(self):
        n = self._n_encoder_layers
        coefs = (self.coefs_[:n], self.coefs_[n:])
        intercepts = (self.intercepts_[:n], self.intercepts_[n:])
        return coefs, intercepts, self._activations

    def _standardized(self, X):
        return (
            X if self.input_mean_ is None else standardized(X, *self._fitted_scaling())
        )

    def transform(self, X):
        """The posterior means ``mu(x)``: each row's code.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        X_new : ndarray of shape (n_samples, `n_components_`)
            Posterior means, in the fitted dtype.
        """
        check_is_fitted(self)
        X = self._standardized(self._validate_X(X))
        return encode_mean(*self._parts(), X, self.n_components_)

    def inverse_transform(self, X):
        """The decoder's mean of ``p(x | z)`` for codes ``z``, in the data's units.

        Parameters
        ----------
        X : array-like of shape (n_samples, `n_components_`)
            Codes.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            Means (probabilities for the Bernoulli likelihood).
        """
        check_is_fitted(self)
        X = check_array(X, dtype=self.coefs_[0].dtype)
        if X.shape[1] != self.n_components_:
            raise ValueError(
                f"X has {X.shape[1]} features, but inverse_transform expects "
                f"codes of {self.n_components_} features."
            )
        means = decode(*self._parts(), X)
        if self.input_mean_ is not None:
            means = means * self.input_scale_ + self.input_mean_
        return means

    def sample_codes(self, n_samples=1, random_state=None):
        """Draw codes ``z`` from the fitted prior.

        ``inverse_transform`` of them gives the decoder's means, the
        noise-free new rows; ``sample`` adds the likelihood's noise.

        Parameters
        ----------
        n_samples : int, default=1
            Number of codes.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws; an int makes them reproducible.

        Returns
        -------
        Z : ndarray of shape (n_samples, `n_components_`)
            Codes, in the fitted dtype.
        """
        return self._draw_codes(n_samples, check_random_state(random_state))

    def _draw_codes(self, n_samples, rng):
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(
                f"n_samples must be a positive integer, got {n_samples!r}."
            )
        codes = self._fitted_prior().sample(n_samples, rng)
        return codes.astype(self.coefs_[0].dtype)

    def sample(self, n_samples=1, random_state=None):
        """Draw new rows: a code ``z`` from the prior, then ``x ~ p(x | z)``.

        The prior is the fitted mixture (``prior_weights_``,
        ``prior_means_``, ``prior_covariances_``); see ``prior``.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws; an int makes them reproducible.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            The rows, in the data's units (0 or 1 for Bernoulli).
        """
        rng = check_random_state(random_state)
        codes = self._draw_codes(n_samples, rng)
        dtype = codes.dtype
        means = decode(*self._parts(), codes)
        if self.likelihood_ == "bernoulli":
            return (rng.uniform(size=means.shape) < means).astype(dtype)
        spread = np.exp(0.5 * np.clip(self._log_variance, *LOG_VARIANCE_BOUNDS))
        noise = rng.standard_normal(means.shape) * spread
        X = means + noise.astype(dtype)
        if self.input_mean_ is not None:
            X = X * self.input_scale_ + self.input_mean_
        return X

    def score_samples(self, X):
        """Each row's log-likelihood ``log p(x)``, in nats: the
        importance-weighted bound with ``n_importance_samples`` draws.

        A lower bound on the log-likelihood of the model with the fitted
        prior (see ``prior``) that tightens as ``n_importance_samples``
        grows (one draw: the ELBO). The draws are
        fixed, so a row's score depends on that row only. In the data's
        units: a standardised fit adds ``-sum(log(input_scale_))``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Log-likelihood estimates (float64).
        """
        check_is_fitted(self)
        X = self._standardized(self._validate_X(X))
        eps = np.random.default_rng(SCORE_SEED).standard_normal(
            (self.n_importance_samples, self.n_components_)
        )
        scores = importance_log_likelihood(
            *self._parts(),
            self._log_variance,
            X,
            self.n_components_,
            eps,
            log_prior=self._fitted_prior().log_density,
        )
        if self.input_scale_ is not None:
            scores -= float(np.log(self.input_scale_.astype(np.float64)).sum())
        return scores

    def feature_errors(self, X):
        """How badly the model explains each feature of each row.

        Each feature's negative log-likelihood under the decoder at the
        row's posterior mean, less its smallest possible value:
        ``(x_j - m_j)^2 / (2 sigma_j^2)`` for the Gaussian likelihood (the
        squared error in units of the feature's learned noise), the binary
        cross-entropy for Bernoulli. What
        ``AutoencoderOutlierDetector.feature_contributions`` reports for
        ``outlier_score='likelihood'``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to explain.

        Returns
        -------
        errors : ndarray of shape (n_samples, n_features)
            Non-negative.
        """
        check_is_fitted(self)
        X = self._validate_X(X)
        means = self.inverse_transform(self.transform(X))
        if self.likelihood_ == "bernoulli":
            p = np.clip(means, 1e-7, 1 - 1e-7)
            return -(X * np.log(p) + (1 - X) * np.log1p(-p))
        residual = X - means
        residual *= residual
        residual /= (2 * self.noise_variance_).astype(X.dtype)
        return residual

    def score(self, X, y=None):
        """Mean log-likelihood of the rows (``score_samples``'s mean).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        score : float
            Mean log-likelihood per row, in nats.
        """
        return float(np.mean(self.score_samples(X)))

    @property
    def _n_features_out(self):
        return self.n_components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags
