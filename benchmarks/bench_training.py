"""Seconds per epoch: the lecture's tanh autoencoder and the default recipe.

Part 1, a 784-256-784 tanh autoencoder (Adam, batch 128), compares in the
same run and on the same data:

* this package's ``AutoencoderTransformer`` (float32, untied and tied; float64),
* scikit-learn's ``MLPRegressor`` fitted X -> X with the same architecture
  (float64 and float32 input),
* an equivalent PyTorch CPU loop, when torch is installed (tied and untied).

Every model uses alpha=0, Adam with learning rate 1e-3, batch 128, shuffling,
and the half squared error averaged over samples. Each figure is the median
over ``--repeats`` fits of ``--epochs`` epochs, divided by the epochs.

Part 2 times what users now run by default on images in [0, 1]: the
default ``AutoencoderTransformer(n_components=30)`` (784-256-30-256-784,
tied ReLU layers, linear code, logistic output with the cross-entropy, Adam
with the warm-up + cosine schedule, batch 200, alpha = 5e-3 * 784) and the
documented recipe (``hidden_layer_sizes=(512,)``), against PyTorch running
the same layers, loss, penalty, batch size and per-step learning-rate
update.

Usage: python benchmarks/bench_training.py [--n-samples 4000] [--epochs 5]
"""

import argparse
import warnings

import numpy as np
from _common import (
    blas_summary,
    digit_images_28,
    median_time,
    torch_tied_autoencoder,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from sklearn_autoencoders import AutoencoderTransformer

HIDDEN, BATCH, LR = 256, 128, 1e-3
RECIPE_CODE = 30


def ours(X, epochs, tied):
    ae = AutoencoderTransformer(
        HIDDEN,
        hidden_layer_sizes=(),  # the lecture's d - 256 - d tanh network
        code_activation="tanh",
        out_activation="identity",
        loss="squared_error",
        learning_rate="constant",
        early_stopping=False,
        tied_weights=tied,
        alpha=0.0,
        batch_size=BATCH,
        learning_rate_init=LR,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        random_state=0,
    )
    return lambda: ae.fit(X)


def sklearn_mlp(X, epochs):
    mlp = MLPRegressor(
        hidden_layer_sizes=(HIDDEN,),
        activation="tanh",
        alpha=0.0,
        batch_size=BATCH,
        learning_rate_init=LR,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        random_state=0,
    )
    return lambda: mlp.fit(X, X)


def torch_loop(X, epochs, tied):
    import torch

    torch.manual_seed(0)
    data = torch.from_numpy(X)
    n, d = data.shape
    encoder = torch.nn.Linear(d, HIDDEN)
    decoder_bias = torch.nn.Parameter(torch.zeros(d))
    decoder = None if tied else torch.nn.Linear(HIDDEN, d)
    params = list(encoder.parameters()) + (
        [decoder_bias] if tied else list(decoder.parameters())
    )
    optimizer = torch.optim.Adam(params, lr=LR)

    def reconstruct(batch):
        code = torch.tanh(encoder(batch))
        if tied:
            return torch.nn.functional.linear(code, encoder.weight.t(), decoder_bias)
        return decoder(code)

    def fit():
        for _ in range(epochs):
            for rows in torch.randperm(n).split(BATCH):
                batch = data[rows]
                optimizer.zero_grad(set_to_none=True)
                loss = 0.5 * (reconstruct(batch) - batch).pow(2).sum() / len(rows)
                loss.backward()
                optimizer.step()

    return fit


def ours_recipe(X, epochs, hidden):
    ae = AutoencoderTransformer(
        RECIPE_CODE,
        hidden_layer_sizes=hidden,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        random_state=0,
    )
    return lambda: ae.fit(X)


def torch_recipe(X, epochs, hidden):
    """Tied ReLU layers, linear code, logistic cross-entropy, Adam + cosine."""
    import torch

    from sklearn_autoencoders._schedules import cosine_factor

    data = torch.from_numpy(X)
    n, d = data.shape
    encode, decode, parameters, weights = torch_tied_autoencoder(d, hidden, RECIPE_CODE)

    def net(batch):
        return decode(encode(batch))

    optimizer = torch.optim.Adam(parameters, lr=3e-3)
    alpha = 5e-3 * d  # alpha='auto'
    batch = 200
    n_batches = -(-n // batch)

    def fit():
        for epoch in range(epochs):
            for i, rows in enumerate(torch.randperm(n).split(batch)):
                optimizer.param_groups[0]["lr"] = 3e-3 * cosine_factor(
                    epoch + (i + 1) / n_batches, epochs
                )
                target = data[rows]
                optimizer.zero_grad(set_to_none=True)
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    net(target), target, reduction="sum"
                )
                penalty = sum((w * w).sum() for w in weights)
                loss = (loss + 0.5 * alpha * penalty) / len(rows)
                loss.backward()
                optimizer.step()

    return fit


def recipe_part(X32, epochs, repeats):
    runs = {
        "defaults (256,) f32": ours_recipe(X32, epochs, (256,)),
        "recipe (512,) f32": ours_recipe(X32, epochs, (512,)),
    }
    try:
        import torch  # noqa: F401

        runs["PyTorch (256,) f32"] = torch_recipe(X32, epochs, (256,))
        runs["PyTorch (512,) f32"] = torch_recipe(X32, epochs, (512,))
    except ImportError:
        print("(torch not installed: PyTorch rows skipped)")
    seconds = {}
    for name, run in runs.items():
        run()
        seconds[name] = median_time(run, repeats) / epochs
    print(
        f"\nPart 2: ReLU, linear code {RECIPE_CODE}, logistic cross-entropy, "
        "Adam + warm-up/cosine, batch 200\n"
    )
    print("| model | s/epoch |")
    print("|---|---:|")
    for name, value in seconds.items():
        print(f"| {name} | {value:.4f} |")
    for hidden in ("(256,)", "(512,)"):
        torch_time = seconds.get(f"PyTorch {hidden} f32")
        if torch_time:
            mine = seconds[
                f"{'defaults' if hidden == '(256,)' else 'recipe'} {hidden} f32"
            ]
            print(f"ours / PyTorch {hidden}: {mine / torch_time:.2f}x (ceiling 1.0x)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--part", choices=["all", "1", "2"], default="all", help="which part to run"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)

    X64, _ = digit_images_28(args.n_samples)
    X32 = X64.astype(np.float32)
    if args.part == "2":
        print(f"BLAS: {blas_summary()}")
        recipe_part(X32, args.epochs, args.repeats)
        return
    runs = {
        "sklearn-autoencoders float32": ours(X32, args.epochs, tied=False),
        "sklearn-autoencoders float32 tied": ours(X32, args.epochs, tied=True),
        "sklearn-autoencoders float64": ours(X64, args.epochs, tied=False),
        "MLPRegressor float64": sklearn_mlp(X64, args.epochs),
        "MLPRegressor float32": sklearn_mlp(X32, args.epochs),
    }
    try:
        import torch

        torch.set_num_threads(2)
        runs["PyTorch CPU float32"] = torch_loop(X32, args.epochs, tied=False)
        runs["PyTorch CPU float32 tied"] = torch_loop(X32, args.epochs, tied=True)
    except ImportError:
        print("(torch not installed: PyTorch rows skipped)")

    print(
        f"data: {X32.shape[0]} x {X32.shape[1]}, {args.epochs} epochs x "
        f"{args.repeats} repeats; BLAS: {blas_summary()}"
    )
    seconds = {}
    for name, run in runs.items():
        run()  # warm up: allocations, thread pools, first-touch pages
        seconds[name] = median_time(run, args.repeats) / args.epochs

    ours_untied = seconds["sklearn-autoencoders float32"]
    ours_tied = seconds["sklearn-autoencoders float32 tied"]
    torch_untied = seconds.get("PyTorch CPU float32")
    print(f"\n| {'model':36s} | s/epoch | vs ours f32 | vs PyTorch f32 |")
    print(f"|{'-' * 38}|--------:|------------:|---------------:|")
    for name, value in seconds.items():
        mine = ours_tied if "tied" in name else ours_untied
        reference = seconds.get(
            "PyTorch CPU float32 tied" if "tied" in name else "PyTorch CPU float32"
        )
        vs_torch = f"{value / reference:14.2f}x" if reference else f"{'-':>15s}"
        print(f"| {name:36s} | {value:7.4f} | {value / mine:10.2f}x | {vs_torch} |")
    mlp64 = seconds["MLPRegressor float64"]
    ratio = mlp64 / ours_untied
    print(f"\nMLPRegressor float64 / ours float32: {ratio:.2f}x (floor 2.5x)")
    if torch_untied:
        ratio = ours_untied / torch_untied
        print(f"ours float32 / PyTorch float32: {ratio:.2f}x (ceiling 1.1x)")
        ratio = ours_tied / seconds["PyTorch CPU float32 tied"]
        print(f"ours tied / PyTorch tied: {ratio:.2f}x")
    if args.part == "all":
        recipe_part(X32, args.epochs, args.repeats)


if __name__ == "__main__":
    main()
