"""The autograd lesson, runnable: ``python -m pytorch_like.examples.autograd``.

x (requires grad) -> y = x**2 -> z = y.sum() -> z.backward(); then
x.grad == dz/dy * dy/dx == 2 * x and y.grad == dz/dy == 1 (kept by y.retain_grad()).
"""

from __future__ import annotations

import pytorch_like as torch


def main() -> int:
    x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    y = x ** 2
    y.retain_grad()
    z = y.sum()
    print("x =", x)
    print("y = x ** 2 =", y)
    print("z = y.sum() =", z)
    z.backward()
    print("after z.backward():")
    print("x.grad (dz/dx = 2 * x) =", x.grad)
    print("y.grad (dz/dy = 1)     =", y.grad)
    ok = torch.equal(x.grad, 2 * x.detach()) and torch.equal(y.grad, torch.ones_like(y))
    print("gradients as expected:", ok)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
