"""
Novelty detection: one digit class against the other nine
=========================================================

The standard one-class protocol: fit a detector on the training images of
one digit only, then score every test image; the other nine digits are the
outliers. A good detector ranks the digit it has seen above everything else
(ROC AUC near 1). ``AutoencoderOutlierDetector`` scores rows by the
reconstruction error of its autoencoder (divided by the row's norm for
non-negative data such as pixels), the density of its codes and the error
of PCA at the same code size, each standardised on the training rows (see
``outlier_score``), and follows
scikit-learn's outlier API: ``score_samples``, ``decision_function``,
``predict`` with +1 / -1 and ``contamination``.

The peers are scikit-learn's detectors, fitted on the same rows:
``LocalOutlierFactor(novelty=True)``, ``IsolationForest``, ``OneClassSVM``
and PCA's reconstruction error at the same code size. The benchmark
``benchmarks/bench_outliers.py`` runs the same protocol on MNIST too, with
several seeds and contaminated training rows.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor
from sklearn.svm import OneClassSVM

from sklearn_autoencoders import AutoencoderOutlierDetector

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.2, stratify=y, random_state=0
)


def pca_scores(train, test, n_components=16):
    """Minus PCA's squared reconstruction error (higher = more normal)."""
    pca = PCA(n_components).fit(train)
    residual = pca.inverse_transform(pca.transform(test)) - test
    return -(residual**2).sum(axis=1)


# %%
# One detector per digit
# ----------------------
# ``AutoencoderOutlierDetector()`` at its defaults: the package's default
# autoencoder with a code of 16 units.
detectors = {
    "autoencoder": lambda: AutoencoderOutlierDetector(random_state=0),
    "LOF": lambda: LocalOutlierFactor(novelty=True),
    "IsolationForest": lambda: IsolationForest(random_state=0),
    "OneClassSVM": lambda: OneClassSVM(gamma="scale"),
}
auc = {name: [] for name in [*detectors, "PCA(16)"]}
fitted = {}
for digit in range(10):
    train = X_train[y_train == digit]
    normal = y_test == digit
    for name, make in detectors.items():
        model = make().fit(train)
        auc[name].append(roc_auc_score(normal, model.score_samples(X_test)))
        if name == "autoencoder":
            fitted[digit] = model
    auc["PCA(16)"].append(roc_auc_score(normal, pca_scores(train, X_test)))

for name, values in auc.items():
    print(f"{name:16s} mean ROC AUC {np.mean(values):.4f}")

width = 0.8 / len(auc)
fig, ax = plt.subplots(figsize=(9, 3.5))
for i, (name, values) in enumerate(auc.items()):
    ax.bar(
        np.arange(10) + i * width,
        values,
        width,
        label=f"{name} ({np.mean(values):.3f})",
    )
ax.set_xticks(np.arange(10) + 0.4 - width / 2, [str(d) for d in range(10)])
ax.set_xlabel("digit the detector was fitted on")
ax.set_ylabel("ROC AUC on the test split")
ax.set_ylim(0.85, 1.0)
ax.legend(loc="lower left", fontsize="small", ncol=3)
fig.tight_layout()

# %%
# The most and least typical test images
# --------------------------------------
# The detector fitted on the 3s, its eight highest and eight lowest
# ``score_samples`` on the test split, and how many test rows ``predict``
# flags (``contamination='auto'``: below Tukey's lower fence of the training
# scores).
detector = fitted[3]
scores = detector.score_samples(X_test)
order = np.argsort(scores)
flagged = detector.predict(X_test) == -1
print(
    f"fitted on 3s: flags {flagged[y_test == 3].mean():.0%} of the test 3s and "
    f"{flagged[y_test != 3].mean():.0%} of the other digits"
)
fig, axes = plt.subplots(2, 8, figsize=(9, 2.8))
for ax, index in zip(axes[0], order[::-1][:8]):
    ax.imshow(X_test[index].reshape(8, 8), cmap="gray_r")
    ax.set_title(f"{y_test[index]}: {scores[index]:.2f}", fontsize=8)
for ax, index in zip(axes[1], order[:8]):
    ax.imshow(X_test[index].reshape(8, 8), cmap="gray_r")
    ax.set_title(f"{y_test[index]}: {scores[index]:.2f}", fontsize=8)
for ax in axes.ravel():
    ax.set_axis_off()
axes[0, 0].text(-12, 4, "most\ntypical", fontsize=9, va="center")
axes[1, 0].text(-12, 4, "least\ntypical", fontsize=9, va="center")
fig.suptitle("Detector fitted on 3s: test images by score (label: score)")
plt.show()

# %%
# Which pixels made a digit an outlier
# ------------------------------------
# ``feature_contributions`` apportions the score over the features: each
# pixel's share of the reconstruction errors, plus the code density shared
# out by each pixel's distance from the training mean. For the least
# typical test images of the detector fitted on 3s, the pixels it could not
# explain as a 3 light up.
contributions = detector.feature_contributions(X_test)
fig, axes = plt.subplots(2, 6, figsize=(9, 3.2))
for column, index in enumerate(order[:6]):
    axes[0, column].imshow(X_test[index].reshape(8, 8), cmap="gray_r")
    axes[0, column].set_title(f"a {y_test[index]}", fontsize=9)
    axes[1, column].imshow(contributions[index].reshape(8, 8), cmap="Reds")
for ax in axes.ravel():
    ax.set_axis_off()
axes[0, 0].text(-12, 4, "image", fontsize=9, va="center")
axes[1, 0].text(-12, 4, "contri-\nbutions", fontsize=9, va="center")
fig.suptitle("Detector fitted on 3s: where the least typical images differ")

# %%
# On a table: which measurement is off
# ------------------------------------
# On raw measurements (wine: proline in the thousands, hue near 1) the
# detector measures its errors in the units its network trains in, so no
# column dominates by its unit; a wine whose magnesium is pushed five
# standard deviations up is flagged, and magnesium is named.
from sklearn.datasets import load_wine  # noqa: E402

wine = load_wine()
wine_detector = AutoencoderOutlierDetector(random_state=0).fit(wine.data)
odd = wine.data[:1].copy()
odd[0, 4] += 5 * wine.data[:, 4].std()
share = wine_detector.feature_contributions(odd)[0]
share /= share.sum()
print("predict:", wine_detector.predict(odd))
for name, value in sorted(zip(wine.feature_names, share), key=lambda p: -p[1])[:3]:
    print(f"  {name:14s} {value:.0%} of the row's contributions")
plt.show()
