"""notebooks/mnist.ipynb runs top to bottom, headless, on a small slice of MNIST.

Executed with nbclient in quick mode (``PYTORCH_LIKE_NOTEBOOK_QUICK=1``) and matplotlib's Agg
backend; skips without nbclient/ipykernel or without ``$PYTORCH_LIKE_MNIST_DIR``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "mnist.ipynb"


def _source(cell) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def test_committed_notebook_is_clean_and_in_lesson_order():
    nb = json.loads(NOTEBOOK.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c.get("outputs") == [] and c.get("execution_count") is None for c in code)
    first = _source(code[0])
    assert '"google.colab" in sys.modules' in first and "%pip install" in first
    text = "\n".join(_source(c) for c in nb["cells"])
    lesson = ["torch.tensor([[1., 2.], [3., 4.]])", "y = x**2", "y.retain_grad()",
              "z.backward()", "draw_autograd_graph", "class TwoLayerNet(nn.Module)",
              "state_dict()", "torch.optim.SGD", "torch.optim.Adam", "torch.optim.AdaBelief",
              '"params": net.layer1.parameters()', "loss.backward()", "optimizer.step()",
              "datasets.MNIST", "loss_curve", "plt.subplots(4, 8", "Test accuracy",
              "eager_ms"]
    # Each step appears after the previous one: the lesson's order.
    pos = 0
    for step in lesson:
        found = text.find(step, pos)
        assert found >= 0, f"{step!r} missing or out of order"
        pos = found + len(step)
    assert "graphviz" not in text


@pytest.mark.slow
def test_notebook_runs_headless_in_quick_mode(monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    if not os.environ.get("PYTORCH_LIKE_MNIST_DIR"):
        pytest.skip("PYTORCH_LIKE_MNIST_DIR is not set")
    # The kernel inherits this process's environment.
    monkeypatch.setenv("PYTORCH_LIKE_NOTEBOOK_QUICK", "1")
    # Headless: Jupyter's inline backend renders with Agg into the cell outputs, so the
    # plots can be checked; plain Agg where it is missing.
    try:
        import matplotlib_inline  # noqa: F401
        inline = True
    except ImportError:
        inline = False
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline" if inline
                       else "Agg")
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError on the first failing cell

    outputs = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", out
            if out.get("output_type") == "stream":
                outputs.append(out["text"])
            elif "data" in out and "text/plain" in out["data"]:
                outputs.append(out["data"]["text/plain"])
    text = "".join(outputs)
    assert "x.grad (= 2x) = tensor([[2., 4.],\n        [6., 8.]])" in text
    found = re.findall(r"Test accuracy: (\d+\.\d+)% on 1000 test images", text)
    assert found, text[-2000:]
    # 2048 training images, one epoch: chance is 10 %.
    assert float(found[-1]) > 70.0  # measured 83.5 %
    assert re.search(r"compiled: +\d+\.\d+ ms per batch", text)
    images = sum(1 for cell in nb.cells for out in cell.get("outputs", [])
                 if "image/png" in out.get("data", {}))
    if inline:
        assert images >= 5  # graph, optimizers, loss curve, digit grid, speed bars
    out_path = os.environ.get("PYTORCH_LIKE_NOTEBOOK_OUT")
    if out_path:  # keep the executed notebook to look at
        nbformat.write(nb, out_path)
