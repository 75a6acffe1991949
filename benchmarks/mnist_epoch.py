"""Time per MNIST batch of the main job's loop: real torch eager vs pytorch_like compiled/eager.

Run: python benchmarks/mnist_epoch.py [--batches 200] [--batch-size 64] [--data-dir DIR]
     [--skip torch|compiled|eager ...] [--full-epoch]

Each implementation trains the classic MNIST CNN (``pytorch_like.examples.mnist.Net`` and the
same network written with real torch) with Adam, the training loop of the main job: shuffled
batches from a DataLoader (ToTensor + Normalize), ``zero_grad``, forward, ``nll_loss``,
``backward``, ``step``. The first ``--warmup`` batches (compilation, first-call costs) are not
timed; then ``--batches`` batches are, and the table gives ms per batch, the projected time
of a 938-batch epoch and the ratios to torch. Data: ``--data-dir``, ``$PYTORCH_LIKE_MNIST_DIR``
or random images when neither is there (timings are the same; accuracy is not measured).
All three run in this one process, one after another; on a shared machine absolute times
drift, so compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import pytorch_like as pl
import pytorch_like.nn.functional as plF
from pytorch_like.examples.mnist import Net
from pytorch_like.utils.data import DataLoader, TensorDataset
from pytorch_like.vision import datasets, transforms

try:
    import torch
except ImportError:
    torch = None

_MEAN, _STD = 0.1307, 0.3081


def _images(data_dir: str | None, n: int) -> tuple[np.ndarray, np.ndarray, bool]:
    if data_dir and os.path.isdir(data_dir):
        ds = datasets.MNIST(data_dir, train=True)
        return ds.data.numpy()[:n], ds.targets.numpy()[:n], True
    rng = np.random.default_rng(0)
    return (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
            rng.integers(0, 10, n).astype(np.int64), False)


def _run_pytorch_like(images, labels, args, eager: bool) -> float:
    pl.manual_seed(0)
    model = Net()
    opt = pl.optim.Adam(model.parameters(), lr=1e-3)
    if args.real_data:
        tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((_MEAN,), (_STD,))])
        ds = datasets.MNIST(args.data_dir, train=True, transform=tf)
    else:
        x = (images.astype(np.float32)[:, None] / 255.0 - _MEAN) / _STD
        ds = TensorDataset(pl.from_numpy(x), pl.from_numpy(labels))
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True,
                        generator=pl.Generator().manual_seed(0), drop_last=True)

    def train_step(data, target):
        opt.zero_grad()
        loss = plF.nll_loss(model(data), target)
        loss.backward()
        opt.step()
        return loss

    step = train_step if eager else pl.compile(train_step)
    return _time_loop(loader, step, args, sync=lambda loss: float(loss))


def _run_torch(images, labels, args) -> float:
    import torch.nn as tnn
    import torch.nn.functional as tF

    torch.manual_seed(0)

    class TorchNet(tnn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = tnn.Conv2d(1, 32, 3, 1)
            self.conv2 = tnn.Conv2d(32, 64, 3, 1)
            self.dropout1 = tnn.Dropout(0.25)
            self.dropout2 = tnn.Dropout(0.5)
            self.fc1 = tnn.Linear(9216, 128)
            self.fc2 = tnn.Linear(128, 10)

        def forward(self, x):
            x = tF.relu(self.conv1(x))
            x = tF.max_pool2d(tF.relu(self.conv2(x)), 2)
            x = torch.flatten(self.dropout1(x), 1)
            x = self.dropout2(tF.relu(self.fc1(x)))
            return tF.log_softmax(self.fc2(x), dim=1)

    model = TorchNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    # torchvision is not installed: the same ToTensor + Normalize, applied up front.
    x = torch.from_numpy((images.astype(np.float32)[:, None] / 255.0 - _MEAN) / _STD)
    ds = torch.utils.data.TensorDataset(x, torch.from_numpy(labels))
    loader = torch.utils.data.DataLoader(ds, batch_size=args.batch_size, shuffle=True,
                                         drop_last=True)

    def train_step(data, target):
        opt.zero_grad()
        loss = tF.nll_loss(model(data), target)
        loss.backward()
        opt.step()
        return loss

    return _time_loop(loader, train_step, args, sync=lambda loss: loss.item())


def _time_loop(loader, step, args, sync) -> float:
    """ms per batch over ``args.batches`` batches after ``args.warmup`` untimed ones."""
    it = iter(loader)
    for _ in range(args.warmup):
        sync(step(*next(it)))
    t0 = time.perf_counter()
    loss = None
    for _ in range(args.batches):
        loss = step(*next(it))
    sync(loss)
    return (time.perf_counter() - t0) / args.batches * 1e3


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batches", type=int, default=200)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--data-dir", default=os.environ.get("PYTORCH_LIKE_MNIST_DIR"))
    p.add_argument("--skip", nargs="*", default=[], choices=["torch", "compiled", "eager"])
    p.add_argument("--full-epoch", action="store_true",
                   help="time every batch of one epoch (60000 images) instead of --batches")
    args = p.parse_args()
    per_epoch = 60000 // args.batch_size
    if args.full_epoch:
        args.batches = per_epoch - args.warmup
    needed = (args.batches + args.warmup) * args.batch_size
    if needed > 60000:
        p.error(f"--batches + --warmup need {needed} images; MNIST has 60000")
    images, labels, args.real_data = _images(args.data_dir, 60000)
    print(f"data: {'MNIST from ' + args.data_dir if args.real_data else 'random images'}; "
          f"batch {args.batch_size}; {args.batches} timed batches after {args.warmup} warm-up")

    results: dict[str, float] = {}
    if "torch" not in args.skip:
        if torch is None:
            print("torch is not installed: skipping the torch baseline")
        else:
            results["torch eager"] = _run_torch(images, labels, args)
    if "compiled" not in args.skip:
        results["pytorch_like compiled"] = _run_pytorch_like(images, labels, args, eager=False)
    if "eager" not in args.skip:
        results["pytorch_like eager"] = _run_pytorch_like(images, labels, args, eager=True)

    base = results.get("torch eager")
    print(f"{'implementation':<24}{'ms/batch':>10}{'s/epoch':>10}{'vs torch':>10}")
    for name, ms in results.items():
        ratio = f"{ms / base:.2f}x" if base else "-"
        print(f"{name:<24}{ms:>10.1f}{ms * per_epoch / 1e3:>10.1f}{ratio:>10}")
    if "pytorch_like compiled" in results and "pytorch_like eager" in results:
        print(f"compiled speed-up over eager: "
              f"{results['pytorch_like eager'] / results['pytorch_like compiled']:.2f}x")


if __name__ == "__main__":
    main()
