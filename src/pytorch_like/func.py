"""``torch.func`` (functorch): composable function transforms, run by JAX's own transforms.

Mirrors ``torch.func``: ``grad``, ``grad_and_value``, ``vjp``, ``jvp``, ``jacrev``,
``jacfwd``, ``hessian``, ``vmap``, ``functional_call`` and ``stack_module_state``. Each
transform takes a function of pytorch_like Tensors (or tuples, lists and dicts of them) and
runs it on JAX tracers wrapped as Tensors, so the library's ops are traced, not
re-implemented; ``jax.grad``, ``jax.vmap``, ``jax.jvp``... do the transforming. Transforms
nest (``vmap(grad(f))``, ``jacrev(jacrev(f))``) and run inside ``compile``.

Each transformed call is traced once (``jax.make_jaxpr``) and run as one compiled program,
cached by the traced program's text, so calling it again compiles nothing. The call is
itself recorded for autograd: when an argument requires grad, the results carry a
``grad_fn`` whose backward is ``jax.vjp`` of the whole transformed call, so ``.backward()``
through ``grad(f)(x)`` works as in torch (second order included). Random ops inside draw
from the global generator, and a backward replays the same draws.

Deliberate differences from torch: the function is traced, so it cannot read Python values
from tensors (``.item()``, ``if t > 0:``), as under ``compile``; ``torch.no_grad()`` inside
it does not stop the transform's own differentiation; tensors it captures by closure are
constants to the transform and receive no gradient through it (pass them as arguments, e.g.
with ``functional_call``); ``vmap(..., randomness='error')`` reports a random op after the
call rather than at it; errors that describe a pytree write it as ``(*, *)`` rather than
torch's ``TreeSpec(...)``; ``jacrev``'s ``chunk_size`` is accepted and the rows are
computed together.

Example:
    >>> from pytorch_like.func import grad, vmap, functional_call
    >>> def loss(params, x, y):
    ...     return F.mse_loss(functional_call(model, params, (x,)), y)
    >>> params = {k: v.detach() for k, v in model.named_parameters()}
    >>> per_sample = vmap(grad(loss), in_dims=(None, 0, 0))(params, xs, ys)
"""

from __future__ import annotations

import collections
import functools
from typing import Any, Callable, Mapping, Sequence

import jax
import jax.numpy as jnp
from jax.extend.core import ClosedJaxpr, jaxpr_as_fun

from .autograd.engine import _flip
from .autograd.function import _Pseudo
from .autograd.grad_mode import _state as _grad_state
from .nn.utils.stateless import _functional_call
from .ops._dispatch import Node, _edge
from .random import default_generator
from .tensor import Tensor

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call", "stack_module_state"]


def _is_tensor(x) -> bool:
    return isinstance(x, Tensor)


class _Ordered(dict):
    """A dict as a pytree node that keeps its insertion order (JAX sorts a dict's keys; torch's
    pytrees, and so torch.func's results, keep the order the user wrote)."""

    __slots__ = ()


jax.tree_util.register_pytree_node(
    _Ordered, lambda d: (list(d.values()), tuple(d.keys())),
    lambda keys, values: _Ordered(zip(keys, values)))


def _ordered(tree):
    if type(tree) is dict:
        return _Ordered((k, _ordered(v)) for k, v in tree.items())
    if type(tree) in (tuple, list):
        return type(tree)(map(_ordered, tree))
    return tree


def _plain(tree):
    if isinstance(tree, _Ordered):
        return {k: _plain(v) for k, v in tree.items()}
    if type(tree) in (tuple, list):
        return type(tree)(map(_plain, tree))
    return tree


def _flatten(tree) -> tuple[list, Any]:
    return jax.tree_util.tree_flatten(_ordered(tree), is_leaf=_is_tensor)


def _unflatten(treedef, leaves):
    return _plain(jax.tree_util.tree_unflatten(treedef, list(leaves)))


def _spec(tree) -> str:
    """A pytree's structure in torch's short notation: ``*`` for a leaf."""
    if isinstance(tree, tuple):
        inner = ", ".join(map(_spec, tree))
        return f"({inner},)" if len(tree) == 1 else f"({inner})"
    if isinstance(tree, list):
        return "[" + ", ".join(map(_spec, tree)) + "]"
    if isinstance(tree, dict):
        return "{" + ", ".join(f"{k!r}: {_spec(v)}" for k, v in tree.items()) + "}"
    return "*"


def _fn_name(func) -> str:
    return getattr(func, "__name__", repr(func))


# -- the recorded transformed call ----------------------------------------------------------

class _TransformNode(Node):
    """A recorded transformed call: backward is ``jax.vjp`` of the whole call."""

    __slots__ = ("pure", "diff_out")

    def _restricted(self):
        saved, diff, diff_out, pure = self.saved, self.diff, self.diff_out, self.pure

        def f(*d):
            full = list(saved)
            for i, v in zip(diff, d):
                full[i] = v
            outs = pure(*full)
            return [outs[k] for k in diff_out]
        return f

    def run(self, cts: list, graph: bool) -> list:
        if graph:
            return self._run_recorded(cts)
        cts = [jnp.zeros(shape, dt) if c is None else c
               for c, (shape, dt, _) in zip(cts, self.out_meta)]
        _, pull = jax.vjp(self._restricted(), *[self.saved[i] for i in self.diff])
        return list(pull(cts))

    def _run_recorded(self, cts: list) -> list:
        # create_graph: the vjp itself is a transformed call of the inputs and cotangents,
        # recorded like any other, so it can be differentiated again.
        from .autograd.engine import _edge_dtype, _input_handle

        n_diff = len(self.diff)
        restricted = self._restricted()
        primals = [self.saved[i] for i in self.diff]

        def pull(*xs):
            _, back = jax.vjp(restricted, *xs[:n_diff])
            return list(back(list(xs[n_diff:])))

        handles = [_input_handle(v, e, _edge_dtype(e)) for v, e in zip(primals, self.edges)]
        ct_tensors = [Tensor._make(jnp.zeros(shape, dt), dtype) if c is None else c
                      for c, (shape, dt, dtype) in zip(cts, self.out_meta)]
        dtypes = [h._dtype for h in handles]
        return _call(pull, handles + ct_tensors, dtypes, self.op.grad_name + "Backward")


class _Pin:
    """The global generator's key at a transformed call, replayed whenever the call's
    function runs again (the backward re-runs it), so random ops draw the same values."""

    def __init__(self) -> None:
        default_generator._ensure()
        self.start = self.after = default_generator._key

    def wrap(self, pure: Callable) -> Callable:
        def run(*xs):
            saved = default_generator._key
            default_generator._key = self.start
            try:
                out = pure(*xs)
                self.after = default_generator._key
            finally:
                default_generator._key = saved
            return out
        return run

    @property
    def drew(self) -> bool:
        return self.after is not self.start


_PROGRAMS: collections.OrderedDict = collections.OrderedDict()
_PROGRAMS_LIMIT = 256


def _program(jaxpr) -> Callable:
    """One jitted program per distinct traced computation, keyed by its text (shapes,
    dtypes, ops and literals; the captured arrays are arguments, so their values are not
    part of the key): calling a transform again compiles nothing."""
    text = str(jaxpr)
    run = _PROGRAMS.get(text)
    if run is None:
        def evaluate(consts, *xs):
            return jaxpr_as_fun(ClosedJaxpr(jaxpr, consts))(*xs)
        run = _PROGRAMS[text] = jax.jit(evaluate)
        if len(_PROGRAMS) > _PROGRAMS_LIMIT:
            _PROGRAMS.popitem(last=False)
    else:
        _PROGRAMS.move_to_end(text)
    return run


def _stage(pure: Callable, pin: _Pin, arrays: list) -> tuple[Callable, list]:
    """``pure`` traced once into a jaxpr and run as one compiled program (the library's
    ops and JAX's transform of them fused), the generator's key an input and output of
    it. Returns the program as a function of the arrays (random draws replayed) and the
    outputs."""
    drew: list = []

    def traced(key, *xs):
        saved = default_generator._key
        default_generator._key = key
        try:
            out = pure(*xs)
            after = default_generator._key
        finally:
            default_generator._key = saved
        drew.append(after is not key)
        return list(out), after

    closed = jax.make_jaxpr(traced)(pin.start, *arrays)
    run = _program(closed.jaxpr)
    consts, start = list(closed.consts), pin.start
    *outs, after = run(consts, start, *arrays)  # the outputs, then the key, flat
    if drew[-1]:
        pin.after = after

    def program(*xs):
        return list(run(consts, start, *xs)[:-1])
    return program, outs


def _call(pure: Callable, tensors: list, dtypes: Callable | list, name: str,
          pin: _Pin | None = None, random_error: bool = False) -> list:
    """``pure`` (arrays -> list of arrays) on the tensors' arrays, as Tensors of ``dtypes``
    (a list, or a function giving it once ``pure`` has run); recorded for autograd when an
    input requires grad. The generator moves on as if the function had run eagerly;
    ``random_error`` makes a random draw torch's vmap error."""
    pin = pin or _Pin()
    arrays = [t._cell.a for t in tensors]
    pure, outs = _stage(pure, pin, arrays)
    if pin.drew:
        if random_error:
            raise RuntimeError(_RANDOM_ERROR)
        default_generator._key = pin.after
    if callable(dtypes):
        dtypes = dtypes()
    record = _grad_state.enabled and any(t._rg for t in tensors)
    if not record:
        return [Tensor._make(a, d) for a, d in zip(outs, dtypes)]
    diff = tuple(i for i, t in enumerate(tensors) if t._rg)
    diff_out = [k for k, d in enumerate(dtypes) if d.is_floating_point or d.is_complex]
    versions = tuple((t._ver, t._ver[0], t._dtype, tuple(t.shape), t._node, t._oidx)
                     for t in tensors)
    node = _TransformNode(_Pseudo(name), (), None, tuple(arrays), (), diff,
                          tuple(_edge(tensors[i]) for i in diff), versions,
                          tuple((outs[k].shape, outs[k].dtype, dtypes[k]) for k in diff_out))
    node.pure = pure
    node.diff_out = diff_out
    res = []
    for k, (a, d) in enumerate(zip(outs, dtypes)):
        if k in diff_out:
            res.append(Tensor._make(a, d, True, node, diff_out.index(k)))
        else:
            res.append(Tensor._make(a, d))
    return res


# -- arguments ---------------------------------------------------------------------------

class _Args:
    """Positional arguments seen as flat Tensor leaves: what a transform passes to JAX."""

    def __init__(self, args: tuple) -> None:
        self.args = args
        self.trees = [_flatten(a) for a in args]
        self.leaves = [leaf for leaves, _ in self.trees for leaf in leaves]
        self.owner = [i for i, (leaves, _) in enumerate(self.trees) for _ in leaves]
        self.tpos = [k for k, x in enumerate(self.leaves) if isinstance(x, Tensor)]
        self.tensors = [self.leaves[k] for k in self.tpos]

    def rebuild(self, arrays) -> tuple:
        """The arguments with each Tensor leaf replaced by a Tensor around ``arrays[j]``."""
        leaves = list(self.leaves)
        for k, a in zip(self.tpos, arrays):
            leaves[k] = Tensor._make(a, leaves[k]._dtype)
        out, start = [], 0
        for leaves_i, treedef in self.trees:
            n = len(leaves_i)
            out.append(_unflatten(treedef, leaves[start:start + n]))
            start += n
        return tuple(out)

    def positions(self, argnums: tuple, differentiable: bool = True) -> list:
        """Indices into ``tensors`` of the leaves of the arguments in ``argnums``; every
        such leaf must be a Tensor (a floating one, where it is ``differentiable``)."""
        for k, x in enumerate(self.leaves):
            if self.owner[k] not in argnums:
                continue
            if not isinstance(x, Tensor):
                raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
            if differentiable and not (x._dtype.is_floating_point or x._dtype.is_complex):
                raise RuntimeError("only Tensors of floating point dtype can require gradients")
        return [j for j, k in enumerate(self.tpos) if self.owner[k] in argnums]

    def structure(self, argnums, leaves: list):
        """``leaves`` (one per Tensor of the ``argnums`` arguments) in those arguments'
        structure: one argument's tree for an int, a tuple of trees for a tuple."""
        it = iter(leaves)
        nums = (argnums,) if isinstance(argnums, int) else argnums
        trees = []
        for i in nums:
            leaves_i, treedef = self.trees[i]
            trees.append(_unflatten(treedef, [next(it) for _ in leaves_i]))
        return trees[0] if isinstance(argnums, int) else tuple(trees)


def _norm_argnums(argnums, n: int) -> tuple:
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        nums = (argnums,)
    elif isinstance(argnums, tuple) and all(isinstance(a, int) for a in argnums):
        nums = argnums
        if not nums:
            raise RuntimeError("argnums must be non-empty")
    else:
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    out = []
    for a in nums:
        if not -n <= a < n:
            raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")
        out.append(a % n)
    return tuple(out)


def _resolved(argnums, nums: tuple):
    return nums[0] if isinstance(argnums, int) else nums


def _output_arrays(tree, what: Callable[[Any], str]) -> tuple[list, Any, list]:
    leaves, treedef = _flatten(tree)
    for x in leaves:
        if not isinstance(x, Tensor):
            raise RuntimeError(what(x))
    return [x._cell.a for x in leaves], treedef, [x._dtype for x in leaves]


def _split_aux(out, has_aux: bool, api: str):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{api}: output of function f should be a tuple: (output, aux) if "
                           "has_aux is True")
    return out


def _aux_what(x) -> str:
    return f"Expected tensors, got unsupported type {type(x)}"


# -- grad --------------------------------------------------------------------------------

def grad_and_value(func: Callable, argnums: int | tuple = 0, has_aux: bool = False) -> Callable:
    """Mirrors ``torch.func.grad_and_value``: a function returning ``(gradient, value)``,
    or ``(gradient, (value, aux))`` with ``has_aux``; computed by ``jax.value_and_grad``.

    Example:
        >>> g, v = grad_and_value(lambda x: (x ** 2).sum())(torch.tensor([1., 2.]))
        >>> g, v
        (tensor([2., 4.]), tensor(5.))
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return _grad_call(func, argnums, has_aux, args, kwargs, with_value=True)
    return wrapper


def grad(func: Callable, argnums: int | tuple = 0, has_aux: bool = False) -> Callable:
    """Mirrors ``torch.func.grad``: the gradient of a function returning one scalar Tensor,
    with respect to the arguments in ``argnums`` (pytrees of Tensors); with ``has_aux`` the
    function returns ``(scalar, aux)`` and the result is ``(gradient, aux)``.

    Example:
        >>> grad(lambda x: x.sin().sum())(torch.zeros(2))
        tensor([1., 1.])
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return _grad_call(func, argnums, has_aux, args, kwargs, with_value=False)
    return wrapper


def _grad_call(func, argnums, has_aux: bool, args: tuple, kwargs: dict, with_value: bool):
    api = "grad_and_value(f)(*args)"
    nums = _norm_argnums(argnums, len(args))
    spec = _Args(args)
    diff = spec.positions(nums)
    meta: dict = {}

    def pure(*arrays):
        def scalar(d):
            full = list(arrays)
            for j, v in zip(diff, d):
                full[j] = v
            out, aux = _split_aux(func(*spec.rebuild(full), **kwargs), has_aux, api)
            if not isinstance(out, Tensor):
                raise RuntimeError(f"{api}: Expected f(*args) to return a Tensor, got "
                                   f"{type(out)}")
            if out.dim() != 0:
                raise RuntimeError(f"{api}: Expected f(*args) to return a scalar Tensor, got "
                                   f"tensor with {out.dim()} dims. Maybe you wanted to use the "
                                   "vjp or jacrev APIs instead?")
            aux_arrays, meta["aux_tree"], meta["aux_dtypes"] = _output_arrays(aux, _aux_what)
            meta["value_dtype"] = out._dtype
            return out._cell.a, aux_arrays

        (value, aux), grads = jax.value_and_grad(scalar, has_aux=True)(
            [arrays[j] for j in diff])
        return [_flip(g) for g in grads] + [value] + list(aux)

    def dtypes():
        return [spec.tensors[j]._dtype for j in diff] + [meta["value_dtype"]] + \
            meta["aux_dtypes"]

    outs = _call(pure, spec.tensors, dtypes, "GradBackward")
    n = len(diff)
    grads = spec.structure(_resolved(argnums, nums), outs[:n])
    value = outs[n]
    if has_aux:
        aux = _unflatten(meta["aux_tree"], outs[n + 1:])
        return (grads, (value, aux)) if with_value else (grads, aux)
    return (grads, value) if with_value else grads


# -- vjp / jvp ---------------------------------------------------------------------------

def _only_tensors(api: str) -> Callable[[Any], str]:
    return lambda x: (f"{api}: expected f(*primals) to return only tensors, got unsupported "
                      f"type {type(x)}")


def _check_float_outputs(dtypes: list, api: str) -> None:
    for d in dtypes:
        if not (d.is_floating_point or d.is_complex):
            raise RuntimeError(f"{api}: All outputs of f must be floating-point or complex "
                               f"Tensors, got Tensor with dtype {d}")


def vjp(func: Callable, *primals, has_aux: bool = False):
    """Mirrors ``torch.func.vjp``: ``(func(*primals), vjp_fn)`` (plus ``aux`` with
    ``has_aux``); ``vjp_fn(cotangents)`` returns one gradient per primal, as a tuple.

    Example:
        >>> out, vjp_fn = vjp(torch.sin, torch.zeros(2))
        >>> vjp_fn(torch.ones(2))
        (tensor([1., 1.]),)
    """
    spec = _Args(primals)
    diff = spec.positions(tuple(range(len(primals))))
    meta: dict = {}

    def forward(*arrays):
        out, aux = _split_aux(func(*spec.rebuild(arrays)), has_aux, "vjp(f, *primals)")
        arrays_out, meta["tree"], meta["dtypes"] = _output_arrays(
            out, _only_tensors("vjp(f, *primals)"))
        _check_float_outputs(meta["dtypes"], "vjp(f, ...)")
        meta["spec"] = _spec(out)
        aux_arrays, meta["aux_tree"], meta["aux_dtypes"] = _output_arrays(aux, _aux_what)
        meta["n"] = len(arrays_out)
        return arrays_out + aux_arrays

    pin = _Pin()
    replay = pin.wrap(forward)  # vjp_fn re-runs the function: with the same random draws
    outs = _call(forward, spec.tensors, lambda: meta["dtypes"] + meta["aux_dtypes"],
                 "VjpBackward", pin=pin)
    n = meta["n"]
    output = _unflatten(meta["tree"], outs[:n])
    shapes = [tuple(o.shape) for o in outs[:n]]

    def vjp_fn(cotangents, *, retain_graph: bool = True, create_graph: bool | None = None):
        leaves, tree = _flatten(cotangents)
        if tree != meta["tree"]:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree "
                               "structure of outputs to the function. cotangents: "
                               f"{_spec(cotangents)}, primal output: {meta['spec']}")
        for i, (c, s) in enumerate(zip(leaves, shapes)):
            if tuple(c.shape) != s:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{c.shape} and output[{i}] has a shape of "
                                   f"{outs[i].shape}.")
        n_in = len(spec.tensors)

        def pull(*xs):
            def f(*d):
                return replay(*d)[:n]
            outs_, back = jax.vjp(f, *xs[:n_in])
            return [_flip(g) for g in
                    back([_flip(c.astype(o.dtype)) for c, o in zip(xs[n_in:], outs_)])]

        grads = _call(pull, spec.tensors + list(leaves),
                      [t._dtype for t in spec.tensors], "VjpFnBackward")
        return spec.structure(tuple(range(len(primals))), [grads[j] for j in diff])

    if has_aux:
        return output, vjp_fn, _unflatten(meta["aux_tree"], outs[n:])
    return output, vjp_fn


def jvp(func: Callable, primals: tuple, tangents: tuple, *, strict: bool = False,
        has_aux: bool = False):
    """Mirrors ``torch.func.jvp``: ``(func(*primals), J @ tangents)`` (plus ``aux``), by
    ``jax.jvp``.

    Example:
        >>> jvp(torch.sin, (torch.zeros(2),), (torch.ones(2),))
        (tensor([0., 0.]), tensor([1., 1.]))
    """
    api = "jvp(f, primals, tangents)"
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{api}: Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    if not isinstance(tangents, tuple):
        raise RuntimeError(f"{api}: Expected tangents to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    p_spec, t_spec = _Args(primals), _Args(tangents)
    if [t for _, t in p_spec.trees] != [t for _, t in t_spec.trees] or \
            len(primals) != len(tangents):
        raise RuntimeError(f"{api}: Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, "
                           "tangents also must be. Got primals with structure "
                           f"{_spec(primals)} and tangents with structure {_spec(tangents)}")
    p_spec.positions(tuple(range(len(primals))))
    t_spec.positions(tuple(range(len(tangents))), differentiable=False)
    for p, t in zip(p_spec.tensors, t_spec.tensors):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(
                "Trying to set a forward gradient that has a different size than that of the "
                "original Tensor, this is not supported. Tensor is of size "
                f"[{', '.join(map(str, p.shape))}] while the given forward gradient is of size "
                f"[{', '.join(map(str, t.shape))}].")
    n_in = len(p_spec.tensors)
    meta: dict = {}

    def forward(*arrays):
        out, aux = _split_aux(func(*p_spec.rebuild(arrays)), has_aux, api)
        arrays_out, meta["tree"], meta["dtypes"] = _output_arrays(out, _only_tensors(api))
        aux_arrays, meta["aux_tree"], meta["aux_dtypes"] = _output_arrays(aux, _aux_what)
        meta["n"] = len(arrays_out)
        return arrays_out, aux_arrays

    def pure(*xs):
        ps = list(xs[:n_in])
        ts = [t.astype(p.dtype) for t, p in zip(xs[n_in:], ps)]
        (outs, aux), (touts, _) = jax.jvp(forward, (*ps,), (*ts,))
        return list(outs) + list(touts) + list(aux)

    res = _call(pure, p_spec.tensors + t_spec.tensors,
                lambda: meta["dtypes"] * 2 + meta["aux_dtypes"], "JvpBackward")
    n = meta["n"]
    out = (_unflatten(meta["tree"], res[:n]), _unflatten(meta["tree"], res[n:2 * n]))
    if has_aux:
        return out + (_unflatten(meta["aux_tree"], res[2 * n:]),)
    return out


# -- jacobians ---------------------------------------------------------------------------

def _jacobian(func, argnums, has_aux: bool, args: tuple, kwargs: dict, forward_mode: bool,
              randomness: str = "same"):
    api = "jacfwd" if forward_mode else "vjp(f, ...)"
    name = "jacfwd" if forward_mode else "jacrev"
    nums = _norm_argnums(argnums, len(args))
    spec = _Args(args)
    diff = spec.positions(nums)
    meta: dict = {}
    for i, j in enumerate(diff):
        if spec.tensors[j]._dtype.is_complex:
            # torch's transforms refuse complex inputs rather than pick a convention.
            raise RuntimeError(f"{name}: Expected all inputs to be real but received complex "
                               f"tensor at flattened input idx: {i}")

    def pure(*arrays):
        def f(d):
            full = list(arrays)
            for j, v in zip(diff, d):
                full[j] = v
            out, aux = _split_aux(func(*spec.rebuild(full), **kwargs), has_aux, api)
            outs, meta["tree"], meta["dtypes"] = _output_arrays(
                out, _only_tensors("vjp(f, *primals)"))
            if not forward_mode:
                _check_float_outputs(meta["dtypes"], api)
            for i, dt in enumerate(meta["dtypes"]):
                if dt.is_complex:
                    raise RuntimeError(f"{name}: Expected all outputs to be real but received "
                                       f"complex tensor at flattened input idx: {i}")
            meta["shapes"] = [o.shape for o in outs]
            aux_arrays, meta["aux_tree"], meta["aux_dtypes"] = _output_arrays(aux, _aux_what)
            return outs, aux_arrays

        transform = jax.jacfwd if forward_mode else jax.jacrev
        jac, aux = transform(f, has_aux=True)([arrays[j] for j in diff])
        # jac[o][d]: d(output o)/d(input d), of shape out.shape + in.shape.
        return [block for row in jac for block in row] + list(aux)

    def dtypes():
        ins = [spec.tensors[j]._dtype for j in diff]
        blocks = [od if forward_mode else idt for od in meta["dtypes"] for idt in ins]
        return blocks + meta["aux_dtypes"]

    outs = _call(pure, spec.tensors, dtypes, "JacobianBackward",
                 random_error=randomness == "error")
    n_out, n_in = len(meta["dtypes"]), len(diff)
    resolved = _resolved(argnums, nums)
    rows = [spec.structure(resolved, outs[o * n_in:(o + 1) * n_in]) for o in range(n_out)]
    jac = _unflatten(meta["tree"], rows)
    if has_aux:
        return jac, _unflatten(meta["aux_tree"], outs[n_out * n_in:])
    return jac


def jacrev(func: Callable, argnums: int | tuple = 0, *, has_aux: bool = False,
           chunk_size: int | None = None, _preallocate_and_copy: bool = False) -> Callable:
    """Mirrors ``torch.func.jacrev``: the Jacobian by reverse mode (``jax.jacrev``); each
    output leaf becomes a block of shape ``out.shape + in.shape`` (a tuple of blocks for a
    tuple ``argnums``). ``chunk_size`` is accepted; the rows are computed together.

    Example:
        >>> jacrev(lambda x: x ** 2)(torch.tensor([1., 2.]))
        tensor([[2., 0.],
                [0., 4.]])
    """
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return _jacobian(func, argnums, has_aux, args, kwargs, forward_mode=False)
    return wrapper


def jacfwd(func: Callable, argnums: int | tuple = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable:
    """Mirrors ``torch.func.jacfwd``: the Jacobian by forward mode (``jax.jacfwd``), laid out
    as ``jacrev``'s. ``randomness`` behaves as in ``vmap``.

    Example:
        >>> jacfwd(torch.sin)(torch.zeros(2))
        tensor([[1., 0.],
                [0., 1.]])
    """
    _check_randomness(randomness)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return _jacobian(func, argnums, has_aux, args, kwargs, forward_mode=True,
                         randomness=randomness)
    return wrapper


def hessian(func: Callable, argnums: int | tuple = 0) -> Callable:
    """Mirrors ``torch.func.hessian``: ``jacfwd(jacrev(func, argnums), argnums)``.

    Example:
        >>> hessian(lambda x: (x ** 3).sum())(torch.ones(2))
        tensor([[6., 0.],
                [0., 6.]])
    """
    return jacfwd(jacrev(func, argnums), argnums)


# -- vmap --------------------------------------------------------------------------------

_RANDOM_ERROR = ("vmap: called random operation while in randomness error mode. Please either "
                 "use the 'same' or 'different' randomness flags on vmap or perform the "
                 "randomness operation out of vmap")


def _check_randomness(randomness: str) -> None:
    if randomness not in ("error", "different", "same"):
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")


def _broadcast_dims(dims, tree, api: str, what: str) -> list:
    """One dimension per leaf of ``tree``: ``dims`` is an int/None or a prefix of ``tree``."""
    if dims is None or isinstance(dims, int):
        return [dims] * len(_flatten(tree)[0])
    if isinstance(dims, (tuple, list)) and isinstance(tree, (tuple, list)) \
            and len(dims) == len(tree):
        return [d for sd, st in zip(dims, tree) for d in _broadcast_dims(sd, st, api, what)]
    if isinstance(dims, dict) and isinstance(tree, dict) and set(dims) == set(tree):
        return [d for k in tree for d in _broadcast_dims(dims[k], tree[k], api, what)]
    raise ValueError(f"{api}: {what} is not compatible with the structure of `inputs`. "
                     f"{what} has structure {_spec(dims)} but inputs has structure "
                     f"{_spec(tree)}.")


def vmap(func: Callable, in_dims: int | tuple = 0, out_dims: int | tuple = 0,
         randomness: str = "error", *, chunk_size: int | None = None) -> Callable:
    """Mirrors ``torch.func.vmap`` / ``torch.vmap``: ``func`` mapped over a dimension of its
    inputs by ``jax.vmap``. ``in_dims`` (an int, None, or a prefix of the arguments'
    structure) says which dimension of each Tensor is mapped; ``out_dims`` where the batch
    dimension goes in each output. Keyword arguments are not mapped. ``randomness``:
    ``'error'`` (a random op is an error), ``'same'`` (one draw shared by the batch) or
    ``'different'`` (a key of its own for each element). ``chunk_size`` maps that many
    elements at a time.

    Example:
        >>> vmap(torch.dot)(torch.ones(4, 3), torch.ones(4, 3))
        tensor([3., 3., 3., 3.])
    """
    _check_randomness(randomness)
    if chunk_size is not None and chunk_size <= 0:
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return _vmap_call(func, in_dims, out_dims, randomness, chunk_size, args, kwargs)
    return wrapper


def _vmap_call(func, in_dims, out_dims, randomness: str, chunk_size, args: tuple,
               kwargs: dict):
    name = _fn_name(func)
    api = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
    if not (isinstance(in_dims, (int, tuple)) and not isinstance(in_dims, bool)):
        raise ValueError(f"{api}: expected `in_dims` to be int or a (potentially nested) tuple "
                         f"matching the structure of inputs, got: {type(in_dims)}.")
    if isinstance(in_dims, tuple) and len(in_dims) != len(args):
        raise ValueError(f"{api}: in_dims is not compatible with the structure of `inputs`. "
                         f"in_dims has structure {_spec(in_dims)} but inputs has structure "
                         f"{_spec(args)}.")
    spec = _Args(args)
    dims = _broadcast_dims(in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args),
                           args, api, "in_dims")
    tdims = []
    for x, d in zip(spec.leaves, dims):
        if not isinstance(x, Tensor):
            if d is not None:
                raise ValueError(f"{api}: Got in_dim={d} for an input but the input is of type "
                                 f"{type(x)}. We cannot vmap over non-Tensor arguments, please "
                                 "use None as the respective in_dim")
            continue
        if d is not None and not -x.dim() <= d < x.dim():
            raise ValueError(f"{api}: Got in_dim={d} for some input, but that input is a Tensor "
                             f"of dimensionality {x.dim()} so expected in_dim to satisfy "
                             f"-{x.dim()} <= in_dim < {x.dim()}.")
        tdims.append(d)
    sizes = [t.shape[d] for t, d in zip(spec.tensors, tdims) if d is not None]
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if len(set(sizes)) > 1:
        raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                         f"dimension, got sizes {sizes} for the mapped dimension")
    batch = sizes[0]
    meta: dict = {}

    def per_example(key, *arrays):
        saved_key = default_generator._key
        if key is not None:
            default_generator._key = key
        try:
            out = func(*spec.rebuild(arrays), **kwargs)
        finally:
            if key is not None:
                default_generator._key = saved_key
        leaves, tree = _flatten(out)
        for x in leaves:
            if not isinstance(x, Tensor):
                raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got "
                                 f"type {type(x)}. Did you mean to set out_dims= to None for "
                                 "output?")
        odims = _broadcast_dims(out_dims, out, f"vmap({name}, ...)", "out_dims")
        for x, d in zip(leaves, odims):
            if d is not None and not -(x.dim() + 1) <= d <= x.dim():
                raise IndexError(f"Dimension out of range (expected to be in range of "
                                 f"[{-(x.dim() + 1)}, {x.dim()}], but got {d})")
        meta.update(tree=tree, dtypes=[x._dtype for x in leaves], odims=odims)
        return [x._cell.a for x in leaves]

    def mapped(key, arrays: list, n: int) -> list:
        def tree_fn(k, *xs):
            flat = per_example(k, *xs)
            return jax.tree_util.tree_unflatten(meta["tree"], flat)
        res = jax.vmap(tree_fn, in_axes=(None if key is None else 0, *tdims),
                       out_axes=out_dims, axis_size=n)(key, *arrays)
        return jax.tree_util.tree_leaves(res)

    def pure(*arrays):
        keys = None
        if randomness == "different":
            keys = jax.random.split(default_generator._next_key(), batch)
        if chunk_size is None or chunk_size >= batch:
            return mapped(keys, list(arrays), batch)
        parts = []
        for start in range(0, batch, chunk_size):
            stop = min(start + chunk_size, batch)
            piece = [a if d is None else jax.lax.slice_in_dim(a, start, stop, axis=d)
                     for a, d in zip(arrays, tdims)]
            parts.append(mapped(None if keys is None else keys[start:stop], piece,
                                stop - start))
        return [p[0] if d is None else jnp.concatenate(p, axis=d)
                for p, d in zip(zip(*parts), meta["odims"])]

    outs = _call(pure, spec.tensors, lambda: meta["dtypes"], "VmapBackward",
                 random_error=randomness == "error")
    return _unflatten(meta["tree"], outs)


# -- modules -----------------------------------------------------------------------------

def functional_call(module, parameter_and_buffer_dicts: Mapping[str, Tensor] | Sequence,
                    args: Any = None, kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """Mirrors ``torch.func.functional_call``: ``module(*args, **kwargs)`` with the given
    tensors (a dict, or a list/tuple of dicts, keyed by dotted names) in place of its
    parameters and buffers, the originals restored afterwards even on error.

    With ``tie_weights`` a tensor given for one of several tied names serves them all;
    ``strict`` requires exactly the module's names. Gradients flow to the tensors passed.

    Example:
        >>> model = torch.nn.Linear(3, 2)
        >>> params = {k: v.detach() for k, v in model.named_parameters()}
        >>> functional_call(model, params, (torch.ones(3),)).shape
        torch.Size([2])
    """
    return _functional_call(module, parameter_and_buffer_dicts, args, kwargs,
                            tie_weights=tie_weights, strict=strict)


def stack_module_state(models) -> tuple[dict, dict]:
    """Mirrors ``torch.func.stack_module_state``: the parameters and buffers of same-class
    models stacked along a new first dimension, as ``(params, buffers)`` dicts. Stacked
    parameters are new leaves that require grad where the originals do.

    Example:
        >>> params, buffers = stack_module_state([torch.nn.Linear(3, 2) for _ in range(4)])
        >>> params["weight"].shape
        torch.Size([4, 2, 3])
    """
    from .ops.shape import stack

    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not all(m.training == models[0].training for m in models):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/"
                           "eval mode.")
    if not all(type(m) is type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")

    def stacked(name: str, tensors: list) -> Tensor:
        rg = {t.requires_grad for t in tensors}
        if len(rg) > 1:
            raise RuntimeError(f"Expected {name} from each model to have the same "
                               ".requires_grad")
        out = stack([t.detach() for t in tensors])
        return out.requires_grad_() if rg.pop() else out

    all_params = [dict(m.named_parameters()) for m in models]
    all_buffers = [dict(m.named_buffers()) for m in models]
    params = {k: stacked(k, [p[k] for p in all_params]) for k in all_params[0]}
    buffers = {k: stacked(k, [b[k] for b in all_buffers]) for k in all_buffers[0]}
    return params, buffers
