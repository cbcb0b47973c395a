"""Seconds per epoch of a 784-256-784 tanh autoencoder (Adam, batch 128).

Compares, in the same run and on the same data:

* this package's ``AutoencoderTransformer`` (float32, untied and tied; float64),
* scikit-learn's ``MLPRegressor`` fitted X -> X with the same architecture
  (float64 and float32 input),
* an equivalent PyTorch CPU loop, when torch is installed (tied and untied).

Every model uses alpha=0, Adam with learning rate 1e-3, batch 128, shuffling,
and the half squared error averaged over samples. Each figure is the median
over ``--repeats`` fits of ``--epochs`` epochs, divided by the epochs.

Usage: python benchmarks/bench_training.py [--n-samples 4000] [--epochs 5]
"""

import argparse
import warnings

import numpy as np
from _common import blas_summary, digit_images_28, median_time
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from sklearn_autoencoders import AutoencoderTransformer

HIDDEN, BATCH, LR = 256, 128, 1e-3


def ours(X, epochs, tied):
    ae = AutoencoderTransformer(
        HIDDEN,
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)

    X64, _ = digit_images_28(args.n_samples)
    X32 = X64.astype(np.float32)
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


if __name__ == "__main__":
    main()
