"""``torch.nn.utils.rnn``: variable-length batches for recurrent layers.

Mirrors torch's ``PackedSequence`` (a named tuple ``data, batch_sizes, sorted_indices,
unsorted_indices``; ``data`` holds the valid steps time-major, ``batch_sizes[t]`` how many
sequences are still running at step ``t``), ``pack_padded_sequence``,
``pad_packed_sequence``, ``pad_sequence``, ``unpad_sequence``, ``pack_sequence``,
``unpack_sequence`` and ``invert_permutation``. ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU``
accept a ``PackedSequence`` and return one, as in torch.

Packing and unpacking are gathers along the first axis, so gradients flow through them.
The lengths are read on the host (torch also wants them on the CPU): inside a function
given to ``pytorch_like.compile`` pass them as a Python list of ints. Deliberate
difference: lengths longer than the padded input raise an error (torch reads past the
end).

Example:
    >>> from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    >>> x = torch.randn(4, 3, 2)                       # (T, B, features), zero padded
    >>> packed = pack_padded_sequence(x, [4, 2, 1])
    >>> packed.batch_sizes
    tensor([3, 2, 1, 1])
    >>> out, lengths = pad_packed_sequence(torch.nn.GRU(2, 5)(packed)[0])
    >>> out.shape, lengths
    (torch.Size([4, 3, 5]), tensor([4, 2, 1]))
"""

from __future__ import annotations

from collections import namedtuple
from typing import Iterable

import jax
import numpy as np

from ... import _dtype as D
from ...ops.creation import full, tensor
from ...ops.reduction import argsort
from ...ops.shape import cat, stack
from ...tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]

_PackedSequenceBase = namedtuple("PackedSequence_",
                                 ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """Mirrors ``torch.nn.utils.rnn.invert_permutation``: the permutation that undoes
    ``permutation`` (None stays None).

    Example:
        >>> invert_permutation(torch.tensor([2, 0, 1]))
        tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    # The inverse of a permutation is its argsort (a tensor op: it also works on values
    # only known inside a compiled program).
    return argsort(permutation).to(D.int64)


class PackedSequence(_PackedSequenceBase):
    """Mirrors ``torch.nn.utils.rnn.PackedSequence``; build it with
    :func:`pack_padded_sequence` or :func:`pack_sequence`.

    ``PackedSequence(data, batch_sizes, sorted_indices=None, unsorted_indices=None)``;
    ``unsorted_indices`` defaults to the inverse of ``sorted_indices``.
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            # torch's internal form: ``data`` is the pair (data, batch_sizes).
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    # Host copies of ``batch_sizes`` and ``unsorted_indices`` (numpy), kept by the functions
    # here that build a PackedSequence: inside a compiled function the tensors are only
    # known when the program runs, while the layout they describe is needed while tracing.
    _host: tuple | None = None

    def _with_host(self, host: tuple | None) -> PackedSequence:
        self._host = host
        return self

    def to(self, *args, **kwargs) -> PackedSequence:
        """``data.to(...)``; the index tensors follow ``data``'s device, ``batch_sizes``
        stays where it is (torch keeps it on the CPU)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        dev = data.device
        idx = [None if i is None else i.to(dev) for i in (self.sorted_indices,
                                                         self.unsorted_indices)]
        return type(self)(data, self.batch_sizes, *idx)._with_host(self._host)

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def cuda(self, *args, **kwargs) -> PackedSequence:
        return self.to("cuda", *args, **kwargs)

    def double(self) -> PackedSequence:
        return self.to(dtype=D.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=D.float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=D.float16)

    def long(self) -> PackedSequence:
        return self.to(dtype=D.int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=D.int32)

    def short(self) -> PackedSequence:
        return self.to(dtype=D.int16)

    def char(self) -> PackedSequence:
        return self.to(dtype=D.int8)

    def byte(self) -> PackedSequence:
        return self.to(dtype=D.uint8)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def _host_ints(values) -> np.ndarray:
    if isinstance(values, Tensor):
        if isinstance(values._cell.a, jax.core.Tracer):
            raise RuntimeError(
                "The lengths of a packed sequence are needed while the compiled program is "
                "traced, but this tensor only has a value when it runs. Inside a function "
                "given to pytorch_like.compile, pass the lengths as a Python list of ints.")
        values = values.detach().numpy()
    return np.asarray(values).astype(np.int64).reshape(-1)


def _host_layout(sequence: PackedSequence) -> tuple[np.ndarray, np.ndarray | None]:
    """``batch_sizes`` and ``unsorted_indices`` of ``sequence`` as numpy arrays."""
    if sequence._host is not None:
        return sequence._host
    unsorted = sequence.unsorted_indices
    return (_host_ints(sequence.batch_sizes),
            None if unsorted is None else _host_ints(unsorted))


def _lengths(batch_sizes: np.ndarray) -> np.ndarray:
    """Each sequence's length, in sorted batch order, from ``batch_sizes``."""
    return (batch_sizes[:, None] > np.arange(int(batch_sizes[0]))[None, :]).sum(0)


def _to_padded(data: Tensor, batch_sizes: np.ndarray, total: int,
               padding_value: float) -> tuple[Tensor, np.ndarray]:
    """Packed ``data`` as a ``(total, B, *)`` grid in sorted batch order (one gather from
    ``data`` plus a padding row), and the sequence lengths."""
    b = int(batch_sizes[0])
    starts = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    grid = np.full((total, b), int(batch_sizes.sum()), np.int64)
    for t, (s, n) in enumerate(zip(starts, batch_sizes)):
        grid[t, :n] = s + np.arange(n)
    lengths = _lengths(batch_sizes)
    pad = full((1, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    rows = tensor(grid.reshape(-1), dtype=D.int64, device=data.device)
    padded = cat([data, pad]).index_select(0, rows).reshape(total, b, *data.shape[1:])
    return padded, lengths


def _pack_index(lengths: np.ndarray, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows of a (T, B) time-major grid, flattened, that hold valid steps, in packed order,
    and ``batch_sizes`` (``lengths`` sorted in decreasing order)."""
    steps = int(lengths.max())
    batch_sizes = (lengths[None, :] > np.arange(steps)[:, None]).sum(1).astype(np.int64)
    return _packed_rows(batch_sizes, batch), batch_sizes


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,  # noqa: A002
                         enforce_sorted: bool = True) -> PackedSequence:
    """Mirrors ``torch.nn.utils.rnn.pack_padded_sequence``.

    ``input`` is ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``), ``lengths`` a list or
    1-D tensor of the B lengths. With ``enforce_sorted`` they must be in decreasing order;
    otherwise the batch is sorted here and the permutation kept in the result.

    Example:
        >>> pack_padded_sequence(torch.zeros(3, 2, 1), [3, 1]).batch_sizes
        tensor([2, 1, 1])
    """
    lens = _host_ints(lengths)
    batch_dim = 0 if batch_first else 1
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
        sorted_indices = None
        back = None
    else:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
        sorted_indices = tensor(order, dtype=D.int64, device=input.device)
        input = input.index_select(batch_dim, sorted_indices)  # noqa: A001
        back = np.argsort(order)
    if batch_first:
        input = input.transpose(0, 1)  # noqa: A001
    steps, batch = input.shape[0], input.shape[1]
    if lens.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lens.size} (batch_size={batch})")
    if np.any(lens <= 0):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if int(lens.max()) > steps:
        raise RuntimeError(f"Expected all lengths to be at most the padded length {steps}, "
                           f"but found a length of {int(lens.max())}")
    rows, batch_sizes = _pack_index(lens, batch)
    data = _take_rows(input, rows)
    unsorted = None if back is None else tensor(back, dtype=D.int64, device=input.device)
    return PackedSequence(data, tensor(batch_sizes, dtype=D.int64), sorted_indices,
                          unsorted)._with_host((batch_sizes, back))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Mirrors ``torch.nn.utils.rnn.pad_packed_sequence``: ``(padded, lengths)``, in the
    batch order the sequence was packed from; ``lengths`` is int64.

    Example:
        >>> packed = pack_sequence([torch.ones(3), torch.ones(1)])
        >>> pad_packed_sequence(packed, batch_first=True)[0]
        tensor([[1., 1., 1.],
                [1., 0., 0.]])
    """
    data, _, _, unsorted = sequence
    sizes, back = _host_layout(sequence)
    steps = sizes.size
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and "
                             f"max sequence length being {steps}")
        steps = total_length
    padded, lengths = _to_padded(data, sizes, steps, padding_value)
    if unsorted is not None:
        padded = padded.index_select(1, unsorted)
        lengths = lengths[back]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, tensor(lengths, dtype=D.int64)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Mirrors ``torch.nn.utils.rnn.pad_sequence``: stack tensors of shape ``(L_i, *)`` into
    ``(max L, B, *)`` (``(B, max L, *)`` with ``batch_first``), padded on ``padding_side``.

    Example:
        >>> pad_sequence([torch.ones(2), torch.ones(1)], batch_first=True)
        tensor([[1., 1.],
                [1., 0.]])
    """
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    rest = tuple(sequences[0].shape[1:])
    out = []
    for s in sequences:
        if tuple(s.shape[1:]) != rest:
            dim = next(i for i, (a, b) in enumerate(zip(rest, s.shape[1:]), 1) if a != b)
            raise RuntimeError(f"The size of tensor a ({rest[dim - 1]}) must match the size "
                               f"of tensor b ({s.shape[dim]}) at non-singleton dimension "
                               f"{dim}")
        short = longest - s.shape[0]
        if short:
            pad = full((short, *rest), padding_value, dtype=s.dtype, device=s.device)
            s = cat([s, pad] if padding_side == "right" else [pad, s])
        out.append(s)
    return stack(out, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths,
                   batch_first: bool = False) -> list[Tensor]:
    """Mirrors ``torch.nn.utils.rnn.unpad_sequence``: the inverse of :func:`pad_sequence`
    (right padding).

    Example:
        >>> [t.shape for t in unpad_sequence(torch.zeros(3, 2), [3, 1])]
        [torch.Size([3]), torch.Size([1])]
    """
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(_host_ints(lengths))]


def pack_sequence(sequences: Iterable[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Mirrors ``torch.nn.utils.rnn.pack_sequence``: pack tensors of shape ``(L_i, *)``.

    Example:
        >>> pack_sequence([torch.ones(2, 1), torch.ones(1, 1)]).batch_sizes
        tensor([2, 1])
    """
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """Mirrors ``torch.nn.utils.rnn.unpack_sequence``: the inverse of :func:`pack_sequence`.

    Example:
        >>> [t.shape for t in unpack_sequence(pack_sequence([torch.ones(2), torch.ones(1)]))]
        [torch.Size([2]), torch.Size([1])]
    """
    padded, _ = pad_packed_sequence(packed_sequences, batch_first=True)
    # The lengths from the host copy of the layout: the tensor ones are only known when a
    # compiled program runs.
    sizes, back = _host_layout(packed_sequences)
    lengths = _lengths(sizes)
    return unpad_sequence(padded, (lengths if back is None else lengths[back]).tolist(),
                          batch_first=True)


def _take_rows(padded: Tensor, rows: np.ndarray) -> Tensor:
    """The packed ``data`` of a ``(T, B, *)`` grid: the given rows of it flattened."""
    steps, batch = padded.shape[0], padded.shape[1]
    flat = padded.reshape(steps * batch, *padded.shape[2:])
    return flat.index_select(0, tensor(rows, dtype=D.int64, device=padded.device))


def _packed_rows(batch_sizes: np.ndarray, batch: int) -> np.ndarray:
    """Rows of a flattened (T, B) time-major grid that ``data`` holds, in packed order."""
    return np.concatenate([t * batch + np.arange(n) for t, n in enumerate(batch_sizes)])


def _unpack_for_rnn(sequence: PackedSequence) -> tuple[Tensor, np.ndarray, np.ndarray]:
    """A packed RNN input as a zero-padded ``(T, B, *)`` tensor in sorted batch order, the
    ``(T, B)`` mask of valid steps, and the packed rows of the flattened grid."""
    batch_sizes = _host_layout(sequence)[0]
    padded, lengths = _to_padded(sequence.data, batch_sizes, batch_sizes.size, 0.0)
    mask = np.arange(batch_sizes.size)[:, None] < lengths[None, :]
    return padded, mask, _packed_rows(batch_sizes, padded.shape[1])
