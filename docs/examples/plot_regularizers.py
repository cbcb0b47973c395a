"""
Plain, denoising, sparse and contractive autoencoders side by side
==================================================================

Four autoencoders with the same shallow architecture (64 pixels, 36 code
units, tied weights) are trained on scikit-learn's digits; they differ only
in the regularizer:

- the plain autoencoder reconstructs its input;
- the denoising one reconstructs it from a copy with 30% of the pixels
  masked;
- the sparse one pays ``sparsity_weight * KL(rho || mean activation)`` per
  code unit, so each unit fires for about ``rho`` of the digits;
- the contractive one pays ``contraction_weight * ||d code / d x||^2``, so
  its codes move little when the input moves a little (weight 1: logistic
  code units, whose slope is at most 1/4, need more than the default
  ``'auto'`` weight, which was chosen for the default tanh network).

The printed figures show the trade: the sparse code is about 0.1 on
average and the contractive code half as sensitive to the input as the
plain one, both at the price of a larger reconstruction error. The
benchmark ``benchmarks/bench_regularizers.py`` measures what the default
networks' codes are worth as features.

Top: each code unit's weight vector drawn as an 8x8 image, the pattern the
unit responds to. Bottom: the distribution of the code activations over
the digits, rescaled to [0, 1]: the sparse code is mostly near 0.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from sklearn_autoencoders import (
    AutoencoderTransformer,
    ContractiveAutoencoder,
    DenoisingAutoencoder,
    SparseAutoencoder,
)

X, _ = load_digits(return_X_y=True)
X = X / 16.0
shallow = dict(
    n_components=36,
    hidden_layer_sizes=(),  # one code layer: its weights are the filters
    code_activation="logistic",
    max_iter=150,
    random_state=0,
)
models = {
    "plain": AutoencoderTransformer(**shallow),
    "denoising": DenoisingAutoencoder(noise="masking", noise_level=0.3, **shallow),
    "sparse": SparseAutoencoder(**shallow),  # target 0.1, weight 0.05 * 64
    "contractive": ContractiveAutoencoder(contraction_weight=1.0, **shallow),
}
for name, model in models.items():
    model.fit(X)
    codes = model.transform(X)
    sensitivity = model.code_sensitivity(X).mean()
    print(
        f"{name:>12}: mean code activation {codes.mean():.3f}, "
        f"mean ||d code / d x|| {sensitivity:.2f}, "
        f"reconstruction error {-model.score(X):.3f}"
    )

# %%
# The filters and the activations
# -------------------------------
fig = plt.figure(figsize=(12, 6.5))
columns = fig.subfigures(1, 4, wspace=0.04)
for column, (name, model) in zip(columns, models.items()):
    top, bottom = column.subfigures(2, 1, height_ratios=[2.2, 1])
    axes = top.subplots(6, 6)
    for axis, weights in zip(axes.ravel(), model.coefs_[0].T):
        bound = np.abs(weights).max()
        axis.imshow(weights.reshape(8, 8), cmap="RdBu_r", vmin=-bound, vmax=bound)
        axis.set_xticks([])
        axis.set_yticks([])
    top.suptitle(name)
    axis = bottom.subplots()
    axis.hist(model.transform(X).ravel(), bins=40, range=(0, 1), color="C0")
    axis.set_yticks([])
    axis.set_xlabel("code activation")
plt.show()
