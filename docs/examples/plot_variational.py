"""
Variational autoencoder: new digits, a walk through the code, a likelihood
==========================================================================

``VariationalAutoencoder`` is a density model in scikit-learn's sense: its
``score`` is the held-out log-likelihood per row (as ``PCA.score`` and
``FactorAnalysis.score`` are), and ``sample`` draws new rows. Its decoder
maps a code ``z`` to a distribution over images; its encoder gives each
image a Gaussian posterior over codes. It trains with the prior
``z ~ N(0, I)`` and then fits a Gaussian mixture to the codes it uses.

The digits are dequantised (uniform noise within each grey level), the
usual way to give a continuous density model integer-valued pixels.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA, FactorAnalysis
from sklearn.model_selection import train_test_split

from sklearn_autoencoders import VariationalAutoencoder

X = load_digits().data
X = (X + np.random.default_rng(0).uniform(0, 1, X.shape)) / 17
X_train, X_test = train_test_split(X, test_size=0.2, random_state=0)

# %%
# Held-out log-likelihood against the linear density models
# ----------------------------------------------------------
# At the same latent size, probabilistic PCA and factor analysis are the
# linear members of the family. The variational autoencoder starts at
# factor analysis (``init='auto'``) and early stopping keeps that start
# unless a later epoch beats it on held-out rows.
k = 8
vae = VariationalAutoencoder(n_components=k, max_iter=80, random_state=0)
vae.fit(X_train)
for name, model in [
    ("PCA", PCA(k).fit(X_train)),
    ("FactorAnalysis", FactorAnalysis(k).fit(X_train)),
    ("VariationalAutoencoder", vae),
]:
    print(f"{name:24s} {model.score(X_test):7.2f} nats per row")

# %%
# New digits
# ----------
# ``sample`` draws a code from the prior and a row from ``p(x | z)``; the
# decoder's mean (``inverse_transform`` of the code) is the smoother image.
# The network trains with the prior ``N(0, I)``, but the codes it gives
# the training images do not fill that ball: codes drawn from it often
# land between digits and decode to blends. ``prior='auto'`` therefore
# fits a Gaussian mixture to the training images' codes after training
# (``prior_weights_``, ``prior_means_``, ``prior_covariances_``), and
# ``sample``, ``sample_codes`` and ``score`` use it. Below, the decoder
# means of 16 codes from each.
rng = np.random.default_rng(1)
fitted_codes = vae.sample_codes(16, random_state=1)
print(f"prior='auto' chose {len(vae.prior_weights_)} components")
fig, axes = plt.subplots(4, 8, figsize=(8, 4.6))
for row, codes in enumerate([rng.standard_normal((16, k)), fitted_codes]):
    for ax, image in zip(
        axes[2 * row : 2 * row + 2].ravel(), vae.inverse_transform(codes)
    ):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_axis_off()
axes[0, 0].set_title("codes from N(0, I)", loc="left", fontsize=9)
axes[2, 0].set_title("codes from the fitted prior", loc="left", fontsize=9)
fig.suptitle("decoder means of 16 codes from each prior")
plt.show()

# %%
# A walk through a two-dimensional code
# -------------------------------------
# With two code units the whole code space fits on a page: decode a grid
# of codes at the prior's quantiles and the digits morph into one another.
from scipy.stats import norm  # noqa: E402

vae2 = VariationalAutoencoder(n_components=2, max_iter=80, random_state=0)
vae2.fit(X_train)
grid = norm.ppf(np.linspace(0.05, 0.95, 10))
codes = np.array([[a, b] for b in grid[::-1] for a in grid])
images = vae2.inverse_transform(codes).reshape(10, 10, 8, 8)
canvas = images.transpose(0, 2, 1, 3).reshape(80, 80)
plt.figure(figsize=(5, 5))
plt.imshow(canvas, cmap="gray_r", vmin=0, vmax=1)
plt.axis("off")
plt.title("decoder means over a 10 x 10 grid of codes")
plt.show()
