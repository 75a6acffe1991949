"""Recurrent layers: RNN, LSTM, GRU and their single-step cells RNNCell, LSTMCell, GRUCell.

Mirrors ``torch.nn``: torch's constructor arguments, parameter names (``weight_ih_l0``,
``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``, ``weight_hr_l0`` and ``..._reverse``), gate
order (LSTM: input, forget, cell, output; GRU: reset, update, new, with the reset gate applied
to ``W_hn h + b_hn``), initialisation ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))`` and
return values (``output, h_n`` or ``output, (h_n, c_n)``).

The whole stack (every layer, both directions, inter-layer dropout) is ONE op: a JAX
function whose time loop is ``jax.lax.scan``, so eager mode is one cached jitted call and
backward one vjp, however long the sequence. Input projections of all time steps are one
matrix product before the scan; only the recurrent product runs per step.

A ``PackedSequence`` input (``nn.utils.rnn``) runs the same scan on the padded batch with
a mask of valid steps: a sequence's state stops changing after its last step (and, in the
reverse direction, starts at it), padded steps output nothing, and the output is packed
again. Deliberate difference: dropout masks come from JAX's generator (``manual_seed``
reproducible, bits differ from torch's).

Example:
    >>> lstm = torch.nn.LSTM(10, 20, num_layers=2, batch_first=True)
    >>> out, (h, c) = lstm(torch.randn(3, 5, 10))
    >>> out.shape, h.shape
    (torch.Size([3, 5, 20]), torch.Size([2, 3, 20]))
"""

from __future__ import annotations

import math
import numbers
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from ... import _dtype as D
from ...autograd.grad_mode import no_grad
from ...ops._dispatch import Op, apply
from ...ops.creation import tensor
from ...random import _next_key
from ...tensor import Tensor
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, _host_layout, _take_rows, _unpack_for_rnn
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# -- the JAX computation ----------------------------------------------------------------
def _step_fn(mode: str):
    """The recurrence ``(h, c), x_proj -> (h, c)``; ``x_proj`` already holds W_ih x + b_ih."""

    def rnn(carry, xw, w_hh, b_hh, w_hr):
        h, c = carry
        pre = xw + h @ w_hh.T
        if b_hh is not None:
            pre = pre + b_hh
        h = jnp.tanh(pre) if mode == "RNN_TANH" else jax.nn.relu(pre)
        return h, c

    def lstm(carry, xw, w_hh, b_hh, w_hr):
        h, c = carry
        g = xw + h @ w_hh.T
        if b_hh is not None:
            g = g + b_hh
        i, f, gg, o = jnp.split(g, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(gg)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        if w_hr is not None:
            h = h @ w_hr.T
        return h, c

    def gru(carry, xw, w_hh, b_hh, w_hr):
        h, c = carry
        gh = h @ w_hh.T
        if b_hh is not None:
            gh = gh + b_hh
        xr, xz, xn = jnp.split(xw, 3, axis=-1)
        hr, hz, hn = jnp.split(gh, 3, axis=-1)
        r = jax.nn.sigmoid(xr + hr)
        z = jax.nn.sigmoid(xz + hz)
        n = jnp.tanh(xn + r * hn)
        return (1 - z) * n + z * h, c

    return {"LSTM": lstm, "GRU": gru}.get(mode, rnn)


def _unpack(ws, has_bias: bool, proj: bool):
    w_ih, w_hh = ws[0], ws[1]
    b_ih, b_hh = (ws[2], ws[3]) if has_bias else (None, None)
    w_hr = ws[-1] if proj else None
    return w_ih, w_hh, b_ih, b_hh, w_hr


def _rnn_fn(x, hx, cx, rng, mask, *w, mode, num_layers, num_dirs, hidden_size, has_bias,
            proj_size, dropout_p, batch_first, batched):
    if not batched:
        x = x[:, None]
        hx = None if hx is None else hx[:, None]
        cx = None if cx is None else cx[:, None]
    elif batch_first:
        x = jnp.swapaxes(x, 0, 1)
    n = x.shape[1]
    h_out = proj_size or hidden_size
    if hx is None:
        hx = jnp.zeros((num_layers * num_dirs, n, h_out), x.dtype)
    if cx is None and mode == "LSTM":
        cx = jnp.zeros((num_layers * num_dirs, n, hidden_size), x.dtype)
    step = _step_fn(mode)
    per = len(w) // (num_layers * num_dirs)
    layer_in = x
    h_n, c_n = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(num_dirs):
            idx = layer * num_dirs + d
            w_ih, w_hh, b_ih, b_hh, w_hr = _unpack(w[idx * per:(idx + 1) * per], has_bias,
                                                   bool(proj_size))
            # One matrix product for the input projections of every time step.
            xw = layer_in @ w_ih.T
            if b_ih is not None:
                xw = xw + b_ih

            def body(carry, xt, w_hh=w_hh, b_hh=b_hh, w_hr=w_hr):
                carry = step(carry, xt, w_hh, b_hh, w_hr)
                return carry, carry[0]

            def masked_body(carry, xt_m, w_hh=w_hh, b_hh=b_hh, w_hr=w_hr):
                # A finished sequence keeps its state; its padded steps output zeros.
                xt, m = xt_m
                new = step(carry, xt, w_hh, b_hh, w_hr)
                m = m[:, None]
                h = jnp.where(m, new[0], carry[0])
                c = jnp.where(m, new[1], carry[1]) if mode == "LSTM" else carry[1]
                return (h, c), jnp.where(m, new[0], 0)

            init = (hx[idx], cx[idx] if mode == "LSTM" else jnp.zeros((), x.dtype))
            if mask is None:
                (h_last, c_last), ys = jax.lax.scan(body, init, xw, reverse=d == 1)
            else:
                (h_last, c_last), ys = jax.lax.scan(masked_body, init, (xw, mask),
                                                    reverse=d == 1)
            outs.append(ys)
            h_n.append(h_last)
            c_n.append(c_last)
        layer_in = outs[0] if num_dirs == 1 else jnp.concatenate(outs, axis=-1)
        if dropout_p > 0.0 and layer < num_layers - 1:
            keep = jax.random.bernoulli(jax.random.fold_in(rng, layer), 1.0 - dropout_p,
                                        layer_in.shape)
            layer_in = jnp.where(keep, layer_in / (1.0 - dropout_p), 0).astype(layer_in.dtype)
    out = layer_in
    h_n = jnp.stack(h_n)
    if not batched:
        out, h_n = out[:, 0], h_n[:, 0]
    elif batch_first:
        out = jnp.swapaxes(out, 0, 1)
    if mode != "LSTM":
        return out, h_n
    c_n = jnp.stack(c_n)
    return out, h_n, (c_n if batched else c_n[:, 0])


_rnn_ops = {"RNN_TANH": Op("rnn_tanh", _rnn_fn, nout=2, grad_name="RnnTanhBackward0"),
            "RNN_RELU": Op("rnn_relu", _rnn_fn, nout=2, grad_name="RnnReluBackward0"),
            "GRU": Op("gru", _rnn_fn, nout=2, grad_name="GruBackward0"),
            "LSTM": Op("lstm", _rnn_fn, nout=3, grad_name="LstmBackward0")}


def _cell_fn(x, hx, cx, w_ih, w_hh, b_ih, b_hh, *, mode, batched):
    if not batched:
        x = x[None]
        hx = None if hx is None else hx[None]
        cx = None if cx is None else cx[None]
    hidden = w_hh.shape[1]
    if hx is None:
        hx = jnp.zeros((x.shape[0], hidden), x.dtype)
    if cx is None:
        cx = jnp.zeros((x.shape[0], hidden), x.dtype)
    xw = x @ w_ih.T
    if b_ih is not None:
        xw = xw + b_ih
    h, c = _step_fn(mode)((hx, cx), xw, w_hh, b_hh, None)
    if not batched:
        h, c = h[0], c[0]
    return (h, c) if mode == "LSTM" else h


_cell_ops = {"RNN_TANH": Op("rnn_tanh_cell", _cell_fn, grad_name="RnnTanhCellBackward0"),
             "RNN_RELU": Op("rnn_relu_cell", _cell_fn, grad_name="RnnReluCellBackward0"),
             "GRU": Op("gru_cell", _cell_fn, grad_name="GruCellBackward0"),
             "LSTM": Op("lstm_cell", _cell_fn, nout=2, grad_name="LstmCellBackward0")}


# -- modules ----------------------------------------------------------------------------
def _check_int(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")


_BLOCK = 1 << 16


@jax.jit
def _uniform_block(key, i):
    return jax.random.uniform(jax.random.fold_in(key, i), (_BLOCK,), jnp.float32, -1.0, 1.0)


def _host_uniform(n: int) -> np.ndarray:
    """``n`` draws of U(-1, 1) from the global generator.

    Drawn in fixed-size blocks by one jitted function, so building a model compiles nothing
    new whatever its parameter shapes (per-shape sampling compiled once per shape).
    """
    key = _next_key()
    blocks = [np.asarray(_uniform_block(key, i)) for i in range(max(1, -(-n // _BLOCK)))]
    return np.concatenate(blocks)[:n]


def _reset_uniform(params, hidden_size: int) -> None:
    """Every parameter ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch's RNNs."""
    params = list(params)
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    vals = _host_uniform(sum(p.numel() for p in params)) * bound
    off = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p.copy_(tensor(vals[off:off + n].reshape(tuple(p.shape)), dtype=p.dtype,
                           device=p.device))
            off += n


def _new_param(shape: tuple, dtype, device) -> Parameter:
    dt = dtype if dtype is not None else D.get_default_dtype()
    return Parameter(tensor(np.zeros(shape, np.float32), dtype=dt, device=device))


class RNNBase(Module):
    """The shared machinery of RNN, LSTM and GRU; mirrors ``torch.nn.RNNBase``.

    ``mode`` is ``'RNN_TANH'``, ``'RNN_RELU'``, ``'LSTM'`` or ``'GRU'``. Parameters are
    registered in torch's order (``_flat_weights_names``) so ``state_dict()`` keys and
    order match torch's.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout) if isinstance(dropout, numbers.Number) else dropout
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1

        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) \
                or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", UserWarning,
                          stacklevel=3)
        _check_int("hidden_size", hidden_size)
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        _check_int("num_layers", num_layers)
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")

        gate_size = _GATES[mode] * hidden_size
        dt = D.to_dtype(dtype) if dtype is not None else None
        names = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                real_hidden = proj_size if proj_size > 0 else hidden_size
                layer_in = input_size if layer == 0 else real_hidden * num_directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_in)),
                          ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for base, shape in shapes:
                    name = f"{base}_l{layer}{suffix}"
                    setattr(self, name, _new_param(shape, dt, device))
                    names.append(name)
        self._flat_weights_names = names
        self._all_weights = [names[i:i + len(names) // (num_layers * num_directions)]
                             for i in range(0, len(names),
                                            len(names) // (num_layers * num_directions))]
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as torch."""
        _reset_uniform(self.parameters(), self.hidden_size)

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters grouped per layer and direction, as ``torch.nn.RNNBase.all_weights``."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op kept for torch compatibility (there is no cuDNN weight buffer here)."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- forward helpers -------------------------------------------------------------------
    def _label(self) -> str:
        return type(self).__name__

    def _check_input(self, input: Tensor) -> bool:  # noqa: A002
        if isinstance(input, PackedSequence):
            if input.data.shape[-1] != self.input_size:
                raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                                   f"{self.input_size}, got {input.data.shape[-1]}")
            return True
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._label()}: expected a Tensor or PackedSequence input, "
                            f"got {type(input).__name__}")
        if input.dim() not in (2, 3):
            raise ValueError(f"{self._label()}: Expected input to be 2D or 3D, got "
                             f"{input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")
        return input.dim() == 3

    def _expected_hidden(self, input: Tensor, batched: bool, size: int) -> tuple:  # noqa: A002
        if isinstance(input, PackedSequence):
            n = int(_host_layout(input)[0][0])
        else:
            n = (input.shape[0] if self.batch_first else input.shape[1]) if batched else 1
        return (self.num_layers * (2 if self.bidirectional else 1), n, size)

    @staticmethod
    def _check_hidden(hx: Tensor, expected: tuple, batched: bool, label: str) -> None:
        got = tuple(hx.shape) if batched else (hx.shape[0], 1) + tuple(hx.shape[1:])
        if got != expected:
            raise RuntimeError(f"Expected {label} size {expected}, got "
                               f"[{', '.join(map(str, got))}]")

    def _run(self, input: Tensor, hx, cx, batched: bool):  # noqa: A002
        packed = isinstance(input, PackedSequence)
        mask = None
        if packed:
            sequence = input
            input, mask, rows = _unpack_for_rnn(sequence)  # noqa: A001
            order = sequence.sorted_indices
            if order is not None:
                # Initial states come in the caller's batch order, as in torch.
                hx = None if hx is None else hx.index_select(1, order)
                cx = None if cx is None else cx.index_select(1, order)
            mask = jnp.asarray(mask)
        p = self.dropout if self.training and self.num_layers > 1 else 0.0
        rng = _next_key() if p > 0.0 else None
        static = (("mode", self.mode), ("num_layers", self.num_layers),
                  ("num_dirs", 2 if self.bidirectional else 1),
                  ("hidden_size", self.hidden_size), ("has_bias", bool(self.bias)),
                  ("proj_size", int(self.proj_size)), ("dropout_p", float(p)),
                  ("batch_first", bool(self.batch_first) and not packed),
                  ("batched", batched))
        dt = input.dtype
        nout = 3 if self.mode == "LSTM" else 2
        outs = apply(_rnn_ops[self.mode], (input, hx, cx, rng, mask, *self._flat_weights),
                     static, out_dtype=(dt,) * nout)
        if not packed:
            return outs
        out, *states = outs
        data = _take_rows(out, rows)
        back = sequence.unsorted_indices
        if back is not None:
            states = [s.index_select(1, back) for s in states]
        return (PackedSequence(data, sequence.batch_sizes, sequence.sorted_indices,
                               back)._with_host(sequence._host), *states)


class RNN(RNNBase):
    """Elman RNN, ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``; mirrors ``torch.nn.RNN``.

    Arguments: ``input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False``. ``forward(input, hx=None)``
    returns ``(output, h_n)``; ``input`` may be a ``PackedSequence``.

    Example:
        >>> rnn = torch.nn.RNN(4, 8, num_layers=2, nonlinearity="relu")
        >>> out, h = rnn(torch.randn(6, 3, 4))
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        # torch's positional order: input_size, hidden_size, num_layers, nonlinearity, ...
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' "
                             "or 'relu'.")
        super().__init__(mode, *args, **kwargs)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor | PackedSequence,  # noqa: A002
                hx: Tensor | None = None) -> tuple[Tensor | PackedSequence, Tensor]:
        batched = self._check_input(input)
        if hx is not None:
            if batched and hx.dim() != 3:
                raise RuntimeError("For batched 3-D input, hx should also be 3-D but got "
                                   f"{hx.dim()}-D tensor")
            if not batched and hx.dim() != 2:
                raise RuntimeError("For unbatched 2-D input, hx should also be 2-D but got "
                                   f"{hx.dim()}-D tensor")
            self._check_hidden(hx, self._expected_hidden(input, batched, self.hidden_size),
                               batched, "hidden")
        return self._run(input, hx, None, batched)


class GRU(RNNBase):
    """Gated recurrent unit; mirrors ``torch.nn.GRU`` (gates r, z, n in torch's order).

    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``.
    ``forward(input, hx=None)`` returns ``(output, h_n)``.

    Example:
        >>> gru = torch.nn.GRU(4, 8, bidirectional=True, batch_first=True)
        >>> out, h = gru(torch.randn(3, 6, 4)); out.shape
        torch.Size([3, 6, 16])
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    forward = RNN.forward


class LSTM(RNNBase):
    """Long short-term memory; mirrors ``torch.nn.LSTM`` (gates i, f, g, o; ``proj_size``).

    ``forward(input, hx=None)`` with ``hx = (h_0, c_0)`` returns ``(output, (h_n, c_n))``.

    Example:
        >>> lstm = torch.nn.LSTM(4, 8, num_layers=2)
        >>> out, (h, c) = lstm(torch.randn(6, 3, 4))
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input: Tensor | PackedSequence,  # noqa: A002
                hx: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor | PackedSequence, tuple[Tensor, Tensor]]:
        batched = self._check_input(input)
        h0 = c0 = None
        if hx is not None:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise RuntimeError("LSTM expects hx to be a tuple (h_0, c_0)")
            h0, c0 = hx
            want = 3 if batched else 2
            if h0.dim() != want or c0.dim() != want:
                kind = "batched 3-D" if batched else "unbatched 2-D"
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but "
                                   f"got ({h0.dim()}-D, {c0.dim()}-D) tensors")
            real_hidden = self.proj_size or self.hidden_size
            self._check_hidden(h0, self._expected_hidden(input, batched, real_hidden), batched,
                               "hidden[0]")
            self._check_hidden(c0, self._expected_hidden(input, batched, self.hidden_size),
                               batched, "hidden[1]")
        out, h_n, c_n = self._run(input, h0, c0, batched)
        return out, (h_n, c_n)


class RNNCellBase(Module):
    """Shared parameters of the cells; mirrors ``torch.nn.RNNCellBase``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        dt = D.to_dtype(dtype) if dtype is not None else None
        gates = num_chunks * hidden_size
        self.weight_ih = _new_param((gates, input_size), dt, device)
        self.weight_hh = _new_param((gates, hidden_size), dt, device)
        if bias:
            self.bias_ih = _new_param((gates,), dt, device)
            self.bias_hh = _new_param((gates,), dt, device)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        _reset_uniform(self.parameters(), self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nl = getattr(self, "nonlinearity", "tanh")
        if nl != "tanh":
            s += f", nonlinearity={nl}"
        return s

    def _check(self, input: Tensor, hxs: tuple) -> bool:  # noqa: A002
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got "
                             f"{input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} "
                               f"expected {self.input_size}")
        batched = input.dim() == 2
        for k, h in enumerate(hxs):
            if h is None:
                continue
            if h.dim() != input.dim():
                raise ValueError(f"{type(self).__name__}: Expected hidden to be "
                                 f"{input.dim()}D, got {h.dim()}D instead")
            if batched and h.shape[0] != input.shape[0]:
                raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{k} "
                                   f"batch size {h.shape[0]}")
            if h.shape[-1] != self.hidden_size:
                raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got "
                                   f"{h.shape[-1]}, expected {self.hidden_size}")
        return batched

    def _cell(self, mode: str, input: Tensor, hx, cx):  # noqa: A002
        batched = self._check(input, (hx, cx))
        nout = 2 if mode == "LSTM" else 1
        return apply(_cell_ops[mode], (input, hx, cx, self.weight_ih, self.weight_hh,
                                       self.bias_ih, self.bias_hh),
                     (("mode", mode), ("batched", batched)),
                     out_dtype=(input.dtype,) * nout if nout > 1 else input.dtype)


class RNNCell(RNNCellBase):
    """One Elman RNN step; mirrors ``torch.nn.RNNCell`` (``nonlinearity`` tanh or relu).

    Example:
        >>> cell = torch.nn.RNNCell(4, 8); h = cell(torch.randn(3, 4)); h.shape
        torch.Size([3, 8])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        return self._cell(mode, input, hx, None)


class LSTMCell(RNNCellBase):
    """One LSTM step; mirrors ``torch.nn.LSTMCell``: ``forward(input, (h, c)) -> (h', c')``.

    Example:
        >>> cell = torch.nn.LSTMCell(4, 8); h, c = cell(torch.randn(3, 4))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor,  # noqa: A002
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        h0, c0 = (None, None) if hx is None else hx
        h, c = self._cell("LSTM", input, h0, c0)
        return h, c


class GRUCell(RNNCellBase):
    """One GRU step; mirrors ``torch.nn.GRUCell``.

    Example:
        >>> cell = torch.nn.GRUCell(4, 8); h = cell(torch.randn(3, 4))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        return self._cell("GRU", input, hx, None)
