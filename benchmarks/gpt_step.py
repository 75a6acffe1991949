"""Training-step speed of a small character-level GPT: pytorch_like vs torch eager.

Run: python benchmarks/gpt_step.py [--config small medium] [--steps 20] [--dropout 0.0]
     [--torch-threads N]

The model is the decoder-only transformer of the "Let's build GPT" lecture (token and
position embeddings; blocks of LayerNorm -> multi-head causal self-attention with one
key/query/value Linear per head and a registered ``tril`` mask -> residual, LayerNorm ->
feed-forward -> residual; final LayerNorm and ``lm_head``), written once in
``make_model`` against the torch API and built with both libraries. Each step is the usual
``logits, loss = model(xb, yb); opt.zero_grad(set_to_none=True); loss.backward();
opt.step()`` with AdamW(lr=3e-4) on random token batches (vocabulary 65).

Columns:
  ``torch``        torch eager;
  ``eager``        the same loop with pytorch_like;
  ``comp(model)``  the loop around ``model = pytorch_like.compile(model)`` (the forward is
                   one program recorded as one autograd node, the backward a second one, the
                   optimizer step eager);
  ``compiled``     the whole step function under ``pytorch_like.compile``.

All four start from torch's initial weights (copied through numpy into ``load_state_dict``)
and run on the same batches. With dropout 0 (the default) the script first checks that
they compute the same thing: the first-step losses must agree to 1e-5 relative and the
third-step losses to 1e-4; it exits non-zero otherwise. Timing then alternates the
implementations in shuffled rounds in this one process (each turn: two untimed steps,
then one timed), and the table gives median ms per step, the torch/X ratios and the
compiled variants' first-call times. Absolute times drift between runs on shared
machines; compare the ratios. When other processes load the cores, torch's OpenMP threads
can slow its step by an order of magnitude (they spin-wait for each other while
descheduled); ``--torch-threads 1`` then gives a steadier torch figure, and the header
prints the thread count used.
"""

from __future__ import annotations

import argparse
import sys
import time

import jax
import numpy as np

import pytorch_like as pl
from _timing import block as _sync
from _timing import cpu_dispatch, interleaved_us

try:
    import torch
except ImportError:
    torch = None

VOCAB = 65
LR = 3e-4
CHECK_STEPS = 3
N_BATCHES = 4
CONFIGS = {
    "small": dict(n_embd=64, n_head=4, n_layer=4, block_size=32, batch=16),
    "medium": dict(n_embd=128, n_head=4, n_layer=4, block_size=64, batch=32),
}


# -- the model, written once against the torch API (built with torch and pytorch_like) -----
def make_model(lib, cfg: dict):
    """The GPT language model of ``cfg`` built with ``lib`` (``torch`` or ``pytorch_like``)."""
    nn = lib.nn
    F = lib.nn.functional
    n_embd, block_size, dropout = cfg["n_embd"], cfg["block_size"], cfg["dropout"]

    class Head(nn.Module):
        """One head of causal self-attention."""

        def __init__(self, head_size):
            super().__init__()
            self.key = nn.Linear(n_embd, head_size, bias=False)
            self.query = nn.Linear(n_embd, head_size, bias=False)
            self.value = nn.Linear(n_embd, head_size, bias=False)
            self.register_buffer("tril", lib.tril(lib.ones(block_size, block_size)))
            self.dropout = nn.Dropout(dropout)

        def forward(self, x):
            B, T, C = x.shape
            k = self.key(x)
            q = self.query(x)
            wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5
            wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
            wei = F.softmax(wei, dim=-1)
            wei = self.dropout(wei)
            v = self.value(x)
            return wei @ v

    class MultiHeadAttention(nn.Module):
        def __init__(self, num_heads, head_size):
            super().__init__()
            self.heads = nn.ModuleList([Head(head_size) for _ in range(num_heads)])
            self.proj = nn.Linear(head_size * num_heads, n_embd)
            self.dropout = nn.Dropout(dropout)

        def forward(self, x):
            out = lib.cat([h(x) for h in self.heads], dim=-1)
            return self.dropout(self.proj(out))

    class FeedForward(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(
                nn.Linear(n_embd, 4 * n_embd), nn.ReLU(), nn.Linear(4 * n_embd, n_embd),
                nn.Dropout(dropout))

        def forward(self, x):
            return self.net(x)

    class Block(nn.Module):
        def __init__(self, n_head):
            super().__init__()
            self.sa = MultiHeadAttention(n_head, n_embd // n_head)
            self.ffwd = FeedForward()
            self.ln1 = nn.LayerNorm(n_embd)
            self.ln2 = nn.LayerNorm(n_embd)

        def forward(self, x):
            x = x + self.sa(self.ln1(x))
            return x + self.ffwd(self.ln2(x))

    class GPTLanguageModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.token_embedding_table = nn.Embedding(VOCAB, n_embd)
            self.position_embedding_table = nn.Embedding(block_size, n_embd)
            self.blocks = nn.Sequential(*[Block(cfg["n_head"]) for _ in range(cfg["n_layer"])])
            self.ln_f = nn.LayerNorm(n_embd)
            self.lm_head = nn.Linear(n_embd, VOCAB)
            self.apply(self._init_weights)

        @staticmethod
        def _init_weights(module):
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)

        def forward(self, idx, targets=None):
            B, T = idx.shape
            tok_emb = self.token_embedding_table(idx)
            pos_emb = self.position_embedding_table(lib.arange(T))
            x = tok_emb + pos_emb
            x = self.blocks(x)
            x = self.ln_f(x)
            logits = self.lm_head(x)
            if targets is None:
                return logits, None
            B, T, C = logits.shape
            logits = logits.view(B * T, C)
            loss = F.cross_entropy(logits, targets.view(B * T))
            return logits, loss

    return GPTLanguageModel()


def train_step(model, opt):
    def step(xb, yb):
        logits, loss = model(xb, yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss
    return step



def _batches(cfg: dict, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    shape = (cfg["batch"], cfg["block_size"])
    return [(rng.integers(0, VOCAB, shape).astype(np.int64),
             rng.integers(0, VOCAB, shape).astype(np.int64)) for _ in range(N_BATCHES)]


class Runner:
    """One implementation: its step, its batches, and the arrays to wait on after a step."""

    def __init__(self, step, batches, params=None):
        self.step, self.batches, self.params, self.i = step, batches, params, 0

    def __call__(self):
        xb, yb = self.batches[self.i % len(self.batches)]
        self.i += 1
        loss = self.step(xb, yb)
        if self.params is None:  # torch eager: the step has finished when it returns
            return loss
        # pytorch_like dispatches asynchronously and runs several programs per step: wait
        # for the loss and the updated parameters, or the step's tail would be timed in
        # the next implementation's turn.
        return [loss._cell.a] + [p._cell.a for p in self.params]


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-12)


def run(name: str, steps: int, dropout: float) -> tuple[dict, bool]:
    cfg = dict(CONFIGS[name], dropout=dropout)
    data = _batches(cfg)
    res: dict = {}

    torch.manual_seed(0)
    tm = make_model(torch, cfg)
    state = {k: v.detach().cpu().numpy().copy() for k, v in tm.state_dict().items()}
    topt = torch.optim.AdamW(tm.parameters(), lr=LR)
    tdata = [(torch.from_numpy(x.copy()), torch.from_numpy(y.copy())) for x, y in data]
    pdata = [(pl.tensor(x), pl.tensor(y)) for x, y in data]

    def pl_model():
        m = make_model(pl, cfg)
        m.load_state_dict({k: pl.tensor(v) for k, v in state.items()})
        return m, pl.optim.AdamW(m.parameters(), lr=LR)

    runners = {"torch": Runner(train_step(tm, topt), tdata)}
    me, oe = pl_model()
    runners["eager"] = Runner(train_step(me, oe), pdata, list(me.parameters()))
    mc, oc = pl_model()
    runners["comp(model)"] = Runner(train_step(pl.compile(mc), oc), pdata, list(mc.parameters()))
    ms, os_ = pl_model()
    runners["compiled"] = Runner(pl.compile(train_step(ms, os_)), pdata, list(ms.parameters()))

    # Correctness: the same first CHECK_STEPS steps (they also warm every implementation up;
    # the compiled variants' first calls trace and compile).
    losses: dict = {}
    for impl, r in runners.items():
        losses[impl] = []
        for i in range(CHECK_STEPS):
            t0 = time.perf_counter()
            out = r()
            _sync(out)
            if i < 2:
                res[f"{impl} call{i + 1} s"] = time.perf_counter() - t0
            loss = out[0] if isinstance(out, list) else out
            losses[impl].append(float(np.asarray(loss.detach() if impl == "torch" else loss)))
    ok = True
    if dropout == 0.0:
        ref = losses["torch"]
        for impl, ls in losses.items():
            e1, e3 = _rel(ls[0], ref[0]), _rel(ls[-1], ref[-1])
            good = e1 <= 1e-5 and e3 <= 1e-4
            ok &= good
            print(f"  check {name}/{impl:12s} losses {' '.join(f'{v:.6f}' for v in ls)}  "
                  f"rel.err step1 {e1:.1e} step{CHECK_STEPS} {e3:.1e}  "
                  f"{'ok' if good else 'MISMATCH'}", flush=True)
    else:
        print(f"  check {name}: skipped (dropout {dropout} draws differ between libraries)")

    times = interleaved_us(runners, number=1, rounds=steps, sync=_sync, settle=2)
    res.update({k: v / 1e3 for k, v in times.items()})
    return res, ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", nargs="+", choices=list(CONFIGS), default=["small"])
    ap.add_argument("--steps", type=int, default=20, help="timed rounds")
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--torch-threads", type=int, default=None,
                    help="torch.set_num_threads (default: torch's own choice)")
    args = ap.parse_args()
    if torch is None:
        sys.exit("this benchmark needs torch (the reference and the initial weights)")
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    print(f"jax {jax.__version__} on {jax.devices()[0].device_kind}; torch {torch.__version__} "
          f"({torch.get_num_threads()} threads); dropout {args.dropout}; CPU dispatch "
          f"{cpu_dispatch()}")
    rows = []
    all_ok = True
    for name in args.config:
        r, ok = run(name, args.steps, args.dropout)
        all_ok &= ok
        rows.append((name, r))
    print(f"{'config':8s} {'torch':>8s} {'eager':>8s} {'comp(model)':>12s} {'compiled':>9s} "
          f"{'torch/eager':>12s} {'torch/c(m)':>11s} {'torch/comp':>11s} "
          f"{'c(m) 1st s':>11s} {'comp 1st s':>11s} {'comp 2nd s':>11s}")
    for name, r in rows:
        th = r["torch"]
        print(f"{name:8s} {th:8.2f} {r['eager']:8.2f} {r['comp(model)']:12.2f} "
              f"{r['compiled']:9.2f} {th / r['eager']:12.2f} {th / r['comp(model)']:11.2f} "
              f"{th / r['compiled']:11.2f} {r['comp(model) call1 s']:11.2f} "
              f"{r['compiled call1 s']:11.2f} {r['compiled call2 s']:11.2f}")
    print("(median ms per step; torch/X > 1 means X is faster than torch eager; 1st/2nd s: "
          "wall time of the compiled variants' first calls, which trace and compile)")
    print(f"correctness check: {'PASSED' if all_ok else 'FAILED'}"
          + (" (skipped: dropout > 0)" if args.dropout else ""))
    if not all_ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
