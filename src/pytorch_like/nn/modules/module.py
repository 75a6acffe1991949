"""``Module``: the base class of every model; mirrors ``torch.nn.Module``.

Parameters, submodules and buffers are registered by attribute assignment (or
``register_parameter`` / ``add_module`` / ``register_buffer``) and found again by
``parameters()``, ``named_modules()``, ``state_dict()`` ... in torch's order and with its
dotted names. Calling a module runs its forward pre-hooks, ``forward`` and forward hooks.

Example:
    >>> class Net(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.layer1 = torch.nn.Linear(4, 2)
    ...     def forward(self, x):
    ...         return self.layer1(x)
    >>> list(Net().state_dict())
    ['layer1.weight', 'layer1.bias']
"""

from __future__ import annotations

import itertools
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, Callable, Iterator, NamedTuple

from ... import _structure
from ..._structure import _TrackedDict
from ... import _dtype as D
from ...autograd.anomaly_mode import user_stacklevel
from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from ..parameter import Buffer, Parameter

__all__ = ["Module", "register_module_forward_pre_hook", "register_module_forward_hook",
           "register_module_backward_hook", "register_module_full_backward_pre_hook",
           "register_module_full_backward_hook"]

_hook_ids = itertools.count()

# Hooks common to every module (torch's globals of the same names); they run before each
# module's own hooks.
_global_forward_pre_hooks: dict = OrderedDict()
_global_forward_hooks: dict = OrderedDict()
_global_forward_hooks_with_kwargs: dict = {}
_global_forward_hooks_always_called: dict = {}
_global_backward_pre_hooks: dict = OrderedDict()
_global_backward_hooks: dict = OrderedDict()
# None until a global backward hook is registered; then whether they are full hooks.
_global_is_full_backward_hook: bool | None = None

_MIXED_GLOBAL = ("Cannot use both regular backward hooks and full backward hooks as a global "
                 "Module hook. Please use only one of them.")
_MIXED = ("Cannot use both regular backward hooks and full backward hooks on a single Module. "
          "Please use only one of them.")


def _typename(obj: Any) -> str:
    """The name torch's ``torch.typename`` gives an object, for error messages."""
    if isinstance(obj, Tensor):
        from ...autograd.engine import _type_name

        return _type_name(obj.dtype)
    if isinstance(obj, type):
        mod, name = obj.__module__, obj.__qualname__
    else:
        mod, name = type(obj).__module__, type(obj).__qualname__
    return name if mod in ("", "builtins") else f"{mod}.{name}"


def _addindent(text: str, spaces: int) -> str:
    """Indent every line of ``text`` but the first (nested module reprs)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    pad = " " * spaces
    return lines[0] + "\n" + "\n".join(pad + line for line in lines[1:])


class _IncompatibleKeys(NamedTuple("IncompatibleKeys", [("missing_keys", list),
                                                        ("unexpected_keys", list)])):
    """What ``load_state_dict`` returns; mirrors torch's ``_IncompatibleKeys``."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, "
                f"unexpected_keys={self.unexpected_keys!r})")

    __str__ = __repr__


class RemovableHandle:
    """A handle whose ``remove()`` unregisters a hook; mirrors torch's ``RemovableHandle``.

    Example:
        >>> h = model.register_forward_hook(lambda m, i, o: None)
        >>> h.remove()
    """

    def __init__(self, *dicts: dict) -> None:
        self.id = next(_hook_ids)
        self._dicts = dicts

    def remove(self) -> None:
        for d in self._dicts:
            d.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _register_hook(hooks: dict, hook: Callable, prepend: bool, *extra: dict) -> RemovableHandle:
    handle = RemovableHandle(hooks, *extra)
    hooks[handle.id] = hook
    if prepend:
        items = list(hooks.items())
        hooks.clear()
        hooks[handle.id] = hook
        hooks.update(items[:-1])
    return handle


def register_module_forward_pre_hook(hook: Callable) -> RemovableHandle:
    """Mirrors ``torch.nn.modules.module.register_module_forward_pre_hook``: ``hook(module,
    args)`` before every module's forward (before the module's own pre-hooks).

    Example:
        >>> h = register_module_forward_pre_hook(lambda m, args: None)
        >>> h.remove()
    """
    return _register_hook(_global_forward_pre_hooks, hook, False)


def register_module_forward_hook(hook: Callable, *, with_kwargs: bool = False,
                                 always_call: bool = False) -> RemovableHandle:
    """Mirrors ``torch.nn.modules.module.register_module_forward_hook``: ``hook(module,
    args, output)`` after every module's forward (before the module's own hooks).

    Example:
        >>> h = register_module_forward_hook(lambda m, args, out: None)
        >>> h.remove()
    """
    handle = _register_hook(_global_forward_hooks, hook, False,
                            _global_forward_hooks_with_kwargs,
                            _global_forward_hooks_always_called)
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def register_module_backward_hook(hook: Callable) -> RemovableHandle:
    """Mirrors the deprecated ``register_module_backward_hook``: a non-full backward hook
    on every module (see ``Module.register_backward_hook``)."""
    global _global_is_full_backward_hook
    if _global_is_full_backward_hook is True:
        raise RuntimeError(_MIXED_GLOBAL)
    _global_is_full_backward_hook = False
    return _register_hook(_global_backward_hooks, hook, False)


def register_module_full_backward_pre_hook(hook: Callable) -> RemovableHandle:
    """Mirrors ``register_module_full_backward_pre_hook``: ``hook(module, grad_output)`` for
    every module during backward (before the module's own pre-hooks).

    Example:
        >>> h = register_module_full_backward_pre_hook(lambda m, go: None)
        >>> h.remove()
    """
    return _register_hook(_global_backward_pre_hooks, hook, False)


def register_module_full_backward_hook(hook: Callable) -> RemovableHandle:
    """Mirrors ``register_module_full_backward_hook``: ``hook(module, grad_input,
    grad_output)`` for every module during backward (before the module's own hooks).

    Example:
        >>> h = register_module_full_backward_hook(lambda m, gi, go: None)
        >>> h.remove()
    """
    global _global_is_full_backward_hook
    if _global_is_full_backward_hook is False:
        raise RuntimeError(_MIXED_GLOBAL)
    _global_is_full_backward_hook = True
    return _register_hook(_global_backward_hooks, hook, False)


class Module:
    """Base class for all neural network modules; mirrors ``torch.nn.Module``.

    Subclasses call ``super().__init__()`` first, then assign layers, ``Parameter``s and
    buffers as attributes, and define ``forward``.

    Example:
        >>> class Net(torch.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc = torch.nn.Linear(3, 1)
        ...     def forward(self, x):
        ...         return self.fc(x)
        >>> Net()(torch.randn(2, 3)).shape
        torch.Size([2, 1])
    """

    _version: int = 1
    training: bool
    dump_patches: bool = False
    call_super_init: bool = False

    def __init__(self, *args, **kwargs) -> None:
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected argument")
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        # Tracked so that compile notices structural changes without re-walking modules.
        setattr_(self, "_parameters", _TrackedDict())
        setattr_(self, "_buffers", _TrackedDict())
        setattr_(self, "_non_persistent_buffers_set", set())
        setattr_(self, "_modules", _TrackedDict())
        setattr_(self, "_forward_hooks", OrderedDict())
        setattr_(self, "_forward_hooks_with_kwargs", {})
        setattr_(self, "_forward_hooks_always_called", {})
        setattr_(self, "_forward_pre_hooks", OrderedDict())
        setattr_(self, "_forward_pre_hooks_with_kwargs", {})
        setattr_(self, "_backward_hooks", OrderedDict())
        setattr_(self, "_backward_pre_hooks", OrderedDict())
        setattr_(self, "_is_full_backward_hook", None)
        setattr_(self, "_state_dict_hooks", OrderedDict())
        setattr_(self, "_load_state_dict_post_hooks", OrderedDict())

    def forward(self, *input: Any) -> Any:  # noqa: A002
        """Define the computation of the module; every subclass overrides it."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function')

    # -- calling -------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
                or self._backward_pre_hooks or _global_forward_pre_hooks
                or _global_forward_hooks or _global_backward_hooks
                or _global_backward_pre_hooks):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args: tuple, kwargs: dict):
        full_bw: list = []
        legacy_bw: list = []
        if self._backward_hooks or _global_backward_hooks:
            full_bw, legacy_bw = self._get_backward_hooks()
        pre_bw = self._get_backward_pre_hooks()
        for hid, hook in (*_global_forward_pre_hooks.items(), *self._forward_pre_hooks.items()):
            if hid in self._forward_pre_hooks_with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of (new_args, "
                            f"new_kwargs), but got {res}.")
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        bw_hook = None
        if full_bw or pre_bw:
            from ._backward_hook import BackwardHook

            # Identity nodes around the inputs and outputs call the hooks during backward.
            bw_hook = BackwardHook(self, full_bw, pre_bw)
            args = bw_hook.setup_input_hook(args)
        called = set()
        result = None
        try:
            result = self.forward(*args, **kwargs)
            for hid, hook in (*_global_forward_hooks.items(), *self._forward_hooks.items()):
                called.add(hid)
                if hid in self._forward_hooks_with_kwargs \
                        or hid in _global_forward_hooks_with_kwargs:
                    res = hook(self, args, kwargs, result)
                else:
                    res = hook(self, args, result)
                if res is not None:
                    result = res
            if bw_hook is not None:
                if not isinstance(result, (Tensor, tuple)):
                    warnings.warn("For backward hooks to be called, module output should be a "
                                  "Tensor or a tuple of Tensors but received "
                                  f"{type(result)}", stacklevel=user_stacklevel())
                result = bw_hook.setup_output_hook(result)
            if legacy_bw:
                from ._backward_hook import attach_legacy_hooks

                attach_legacy_hooks(self, legacy_bw, args, result)
        except Exception:
            # Hooks registered with always_call=True still run when forward raises.
            for hid, hook in list(_global_forward_hooks.items()):
                if hid in _global_forward_hooks_always_called and hid not in called:
                    try:
                        hook(self, args, result)
                    except Exception as e:  # noqa: BLE001  (torch warns and goes on)
                        warnings.warn("global module forward hook with ``always_call=True`` "
                                      "raised an exception that was silenced as another "
                                      f"error was raised in forward: {e}",
                                      stacklevel=user_stacklevel())
            for hid, hook in list(self._forward_hooks.items()):
                if hid in self._forward_hooks_always_called and hid not in called:
                    try:
                        if hid in self._forward_hooks_with_kwargs:
                            hook(self, args, kwargs, None)
                        else:
                            hook(self, args, None)
                    except Exception:
                        pass
            raise
        return result

    def _get_backward_hooks(self) -> tuple[list, list]:
        """(full hooks, legacy hooks) for this call, global ones first; mirrors torch's."""
        full: list = []
        legacy: list = []
        if _global_is_full_backward_hook is True:
            full += _global_backward_hooks.values()
        elif _global_is_full_backward_hook is False:
            legacy += _global_backward_hooks.values()
        if self._is_full_backward_hook is True:
            full += self._backward_hooks.values()
        elif self._is_full_backward_hook is False:
            legacy += self._backward_hooks.values()
        return full, legacy

    def _get_backward_pre_hooks(self) -> list:
        return [*_global_backward_pre_hooks.values(), *self._backward_pre_hooks.values()]

    def register_full_backward_pre_hook(self, hook: Callable,
                                        prepend: bool = False) -> RemovableHandle:
        """Mirrors ``Module.register_full_backward_pre_hook``: ``hook(module, grad_output)``
        runs when the gradients of the module's outputs are known, and may return a tuple
        replacing ``grad_output``.

        Example:
            >>> h = lin.register_full_backward_pre_hook(lambda m, go: (go[0] * 0.5,))
        """
        return _register_hook(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook: Callable,
                                    prepend: bool = False) -> RemovableHandle:
        """Mirrors ``Module.register_full_backward_hook``: ``hook(module, grad_input,
        grad_output)`` runs when the gradients of the module's positional Tensor inputs are
        known (None for inputs that need none) and may return a tuple replacing
        ``grad_input``. If no input requires grad it runs with the output gradients.

        Example:
            >>> h = lin.register_full_backward_hook(lambda m, gi, go: print(go[0].shape))
        """
        if self._is_full_backward_hook is False:
            raise RuntimeError(_MIXED)
        self._is_full_backward_hook = True
        return _register_hook(self._backward_hooks, hook, prepend)

    def register_backward_hook(self, hook: Callable) -> RemovableHandle:
        """Mirrors the deprecated ``Module.register_backward_hook``: ``hook(module,
        grad_input, grad_output)`` with the gradients of the last autograd node of the
        forward (its inputs' gradients, which need not be the module's inputs').

        Example:
            >>> h = lin.register_backward_hook(lambda m, gi, go: None)
        """
        if self._is_full_backward_hook is True:
            raise RuntimeError(_MIXED)
        self._is_full_backward_hook = False
        return _register_hook(self._backward_hooks, hook, False)

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Mirrors ``Module.register_forward_pre_hook``: ``hook(module, args)`` runs before
        ``forward`` and may return replacement args (``(args, kwargs)`` with ``with_kwargs``).
        """
        handle = _register_hook(self._forward_pre_hooks, hook, prepend,
                                self._forward_pre_hooks_with_kwargs)
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        return handle

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """Mirrors ``Module.register_forward_hook``: ``hook(module, args, output)`` runs after
        ``forward`` and may return a replacement output.
        """
        handle = _register_hook(self._forward_hooks, hook, prepend,
                                self._forward_hooks_with_kwargs,
                                self._forward_hooks_always_called)
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        return handle

    def register_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, state_dict, prefix, local_metadata)`` after each module's entries."""
        return _register_hook(self._state_dict_hooks, hook, False)

    def register_load_state_dict_post_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, incompatible_keys)`` after ``load_state_dict``; mirrors torch's."""
        return _register_hook(self._load_state_dict_post_hooks, hook, False)

    # -- registration --------------------------------------------------------------------
    def register_buffer(self, name: str, tensor: Tensor | None,
                        persistent: bool = True) -> None:
        """Mirrors ``Module.register_buffer``: state that is not a parameter (running
        statistics); ``persistent=False`` leaves it out of ``state_dict()``.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError('buffer name can\'t contain "."')
        if name == "":
            raise KeyError('buffer name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            "(torch Tensor or None required)")
        if isinstance(tensor, Buffer):
            persistent = tensor.__dict__.get("persistent", persistent)
            tensor = tensor.detach()
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Mirrors ``Module.register_parameter``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"parameter name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError('parameter name can\'t contain "."')
        if name == "":
            raise KeyError('parameter name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            "(torch.nn.Parameter or None required)")
        if param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must "
                f"be created explicitly. To express '{name}' as a function of another Tensor, "
                "compute the value in the forward() method.")
        self._parameters[name] = param

    def add_module(self, name: str, module: Module | None) -> None:
        """Mirrors ``Module.add_module``: register a child module under ``name``."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {_typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """Mirrors ``Module.get_submodule('a.b')``."""
        if target == "":
            return self
        mod = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(f"{mod._get_name()} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """Mirrors ``Module.get_parameter('a.weight')``."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if not hasattr(mod, name):
            raise AttributeError(f"{mod._get_name()} has no attribute `{name}`")
        param = getattr(mod, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """Mirrors ``Module.get_buffer('bn.running_mean')``."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if not hasattr(mod, name):
            raise AttributeError(f"{mod._get_name()} has no attribute `{name}`")
        if name not in mod._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return getattr(mod, name)

    # -- attribute protocol --------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        if "_parameters" in d:
            params = d["_parameters"]
            if name in params:
                return params[name]
        if "_buffers" in d:
            bufs = d["_buffers"]
            if name in bufs:
                return bufs[name]
        if "_modules" in d:
            mods = d["_modules"]
            if name in mods:
                return mods[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        _structure.bump()
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._discard(name, "_buffers", "_modules", "_non_persistent_buffers_set")
            d.pop(name, None)
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                "(torch.nn.Parameter or None expected)")
            self.register_parameter(name, value)
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._discard(name, "_parameters", "_buffers", "_non_persistent_buffers_set")
            d.pop(name, None)
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                "(torch.nn.Module or None expected)")
            modules[name] = value
            return
        buffers = d.get("_buffers")
        if isinstance(value, Buffer) or (buffers is not None and name in buffers):
            if buffers is None:
                raise AttributeError("cannot assign buffer before Module.__init__() call")
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                "(torch.nn.Buffer, torch.Tensor or None expected)")
            if isinstance(value, Buffer):
                persistent = value.__dict__.get("persistent", True)
                d.pop(name, None)
                self._buffers.pop(name, None)
                self.register_buffer(name, value, persistent)
            else:
                buffers[name] = value
            return
        object.__setattr__(self, name, value)

    def _discard(self, name: str, *where: str) -> None:
        d = self.__dict__
        for w in where:
            container = d.get(w)
            if container is None:
                continue
            if isinstance(container, set):
                container.discard(name)
            else:
                container.pop(name, None)

    def __delattr__(self, name: str) -> None:
        _structure.bump()
        for w in ("_parameters", "_buffers", "_modules"):
            container = self.__dict__.get(w)
            if container is not None and name in container:
                del container[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = list(object.__dir__(self))
        keys += list(self._parameters) + list(self._modules) + list(self._buffers)
        return sorted(k for k in set(keys) if not k[0].isdigit())

    def __setstate__(self, state: dict) -> None:
        _structure.bump()
        self.__dict__.update(state)
        for attr in ("_parameters", "_buffers", "_modules"):
            if type(self.__dict__.get(attr)) is dict:
                self.__dict__[attr] = _TrackedDict(self.__dict__[attr])
        for attr, default in (("_forward_hooks_with_kwargs", {}),
                              ("_forward_hooks_always_called", {}),
                              ("_forward_pre_hooks_with_kwargs", {}),
                              ("_state_dict_hooks", OrderedDict()),
                              ("_backward_hooks", OrderedDict()),
                              ("_backward_pre_hooks", OrderedDict()),
                              ("_is_full_backward_hook", None),
                              ("_load_state_dict_post_hooks", OrderedDict()),
                              ("_non_persistent_buffers_set", set())):
            self.__dict__.setdefault(attr, default)

    # -- traversal -----------------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """Mirrors ``Module.named_modules``: this module then its descendants, preorder."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Mirrors ``Module.named_children``: direct children, each once."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, attr: str, prefix: str, recurse: bool,
                       remove_duplicate: bool) -> Iterator[tuple[str, Tensor]]:
        seen = set()
        mods = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                if recurse else [(prefix, self)])
        for mod_prefix, mod in mods:
            for name, value in mod.__dict__[attr].items():
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield mod_prefix + ("." if mod_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Mirrors ``Module.named_parameters``: (dotted name, Parameter), shared ones once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Mirrors ``Module.parameters``: what an optimizer is built from."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """Mirrors ``Module.named_buffers`` (non-persistent buffers included)."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # -- state_dict ----------------------------------------------------------------------
    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()

    def state_dict(self, *args, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> dict[str, Tensor]:
        """Mirrors ``Module.state_dict``: an OrderedDict of dotted names to tensors.

        Each module contributes its parameters, then its persistent buffers, then its
        children's entries; values are detached tensors sharing the module's values
        (``keep_vars=True`` gives the Parameters themselves). The dict carries torch's
        ``_metadata`` (per-module versions) so checkpoints round-trip with torch.
        """
        if args:
            # torch's deprecated positional form: state_dict(destination, prefix, keep_vars).
            destination = args[0]
            if len(args) > 1:
                prefix = args[1]
            if len(args) > 2:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        meta = getattr(destination, "_metadata", None)
        if meta is not None:
            meta[prefix[:-1]] = {"version": self._version}
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".",
                                  keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            res = hook(self, destination, prefix, meta.get(prefix[:-1]) if meta else {})
            if res is not None:
                destination = res
        return destination

    def _load_from_state_dict(self, state_dict: Mapping, prefix: str, local_metadata: dict,
                              strict: bool, missing_keys: list, unexpected_keys: list,
                              error_msgs: list, assign: bool = False) -> None:
        local = [(n, p) for n, p in self._parameters.items() if p is not None]
        local += [(n, b) for n, b in self._buffers.items()
                  if b is not None and n not in self._non_persistent_buffers_set]
        local_names = {n for n, _ in local}
        for name, param in local:
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                error_msgs.append(
                    f'While copying the parameter named "{key}", expected torch.Tensor or '
                    f"Tensor-like object from checkpoint but received {type(value)}")
                continue
            if param.ndim == 0 and value.ndim == 1 and value.shape[0] == 1:
                value = value[0]  # torch accepts a [1] tensor for a scalar entry
            if tuple(value.shape) != tuple(param.shape):
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape {value.shape} from "
                    f"checkpoint, the shape in current model is {param.shape}.")
                continue
            try:
                with no_grad():
                    if assign:
                        self._assign_loaded(name, param, value)
                    else:
                        param.copy_(value)
            except Exception as ex:  # noqa: BLE001  (reported the way torch reports it)
                error_msgs.append(
                    f'While copying the parameter named "{key}", whose dimensions in the '
                    f"model are {param.shape} and whose dimensions in the checkpoint are "
                    f"{value.shape}, an exception occurred : {ex.args}.")
        if strict:
            for key in state_dict.keys():
                if key.startswith(prefix):
                    head = key[len(prefix):].split(".", 1)[0]
                    if head not in self._modules and head not in local_names:
                        unexpected_keys.append(key)

    def _assign_loaded(self, name: str, param: Tensor, value: Tensor) -> None:
        if name in self._parameters:
            new = value if isinstance(value, Parameter) else Parameter(
                value.detach(), param.requires_grad)
            self._parameters[name] = new
        else:
            self._buffers[name] = value.detach()

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Mirrors ``Module.load_state_dict``: copy values into the existing tensors.

        Values are copied in place into the module's Parameter objects, so an optimizer
        built on them keeps working. Returns ``(missing_keys, unexpected_keys)``; with
        ``strict`` either kind raises torch's RuntimeError, and a size mismatch always does.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing: list = []
        unexpected: list = []
        errors: list = []
        metadata = getattr(state_dict, "_metadata", None)

        def load(module: Module, prefix: str) -> None:
            local_meta = {} if metadata is None else metadata.get(prefix[:-1], {})
            module._load_from_state_dict(state_dict, prefix, local_meta, True, missing,
                                         unexpected, errors, assign)
            for name, child in module._modules.items():
                if child is not None:
                    load(child, prefix + name + ".")

        load(self, "")
        result = _IncompatibleKeys(missing, unexpected)
        for hook in self._load_state_dict_post_hooks.values():
            hook(self, result)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                    ", ".join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
                type(self).__name__, "\n\t".join(errors)))
        return result

    # -- modes, devices, dtypes ----------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Mirrors ``Module.train``: sets ``training`` here and in every descendant."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> Module:
        """Mirrors ``Module.eval``: ``train(False)`` (dropout off, BatchNorm running stats)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Mirrors ``Module.zero_grad``: drop (default) or zero every parameter's ``.grad``."""
        for p in self.parameters():
            g = p._grad
            if g is None:
                continue
            if set_to_none:
                p._grad = None
            else:
                g.detach_()
                with no_grad():
                    g.zero_()

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Mirrors ``Module.apply``: ``fn`` on every descendant (children first), then self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def _apply(self, fn: Callable[[Tensor], Tensor]) -> Module:
        """Convert every parameter (in place, keeping the Parameter objects), its grad,
        and every buffer with ``fn``; mirrors torch's ``_apply``."""
        for module in self.children():
            module._apply(fn)
        with no_grad():
            for p in self._parameters.values():
                if p is None:
                    continue
                new = fn(p)
                if new is not p:
                    # A new storage for the same Parameter object: optimizers keep it.
                    from ...tensor import _Storage

                    p._cell = _Storage(new._cell.a)
                    p._dtype = new._dtype
                g = p._grad
                if g is not None:
                    ng = fn(g)
                    if ng is not g:
                        p._grad = Tensor._make(ng._cell.a, ng._dtype)
            for name, b in self._buffers.items():
                if b is not None:
                    self._buffers[name] = fn(b)
        return self

    def to(self, *args, **kwargs) -> Module:
        """Mirrors ``Module.to(device)``, ``.to(dtype)``, ``.to(device, dtype)``, ``.to(tensor)``.

        A dtype applies to floating point (and complex) parameters and buffers only; integer
        buffers such as ``num_batches_tracked`` keep theirs.
        """
        dtype = kwargs.get("dtype")
        device = kwargs.get("device")
        for a in args:
            if isinstance(a, D.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype, device = a.dtype, a.device
            elif a is not None:
                device = a
        if dtype is not None:
            dtype = D.to_dtype(dtype)
            if not (dtype.is_floating_point or dtype.is_complex):
                raise TypeError("nn.Module.to only accepts floating point or complex dtypes, "
                                f"but got desired dtype={dtype}")

        def convert(t: Tensor) -> Tensor:
            if dtype is not None and (t.is_floating_point() or t.is_complex()):
                return t.to(device=device, dtype=dtype)
            return t.to(device=device) if device is not None else t

        return self._apply(convert)

    def _float_apply(self, dtype: D.dtype) -> Module:
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)

    def float(self) -> Module:
        return self._float_apply(D.float32)

    def double(self) -> Module:
        return self._float_apply(D.float64)

    def half(self) -> Module:
        return self._float_apply(D.float16)

    def bfloat16(self) -> Module:
        return self._float_apply(D.bfloat16)

    def type(self, dst_type) -> Module:
        return self._apply(lambda t: t.to(D.to_dtype(dst_type)))

    def cpu(self) -> Module:
        return self._apply(lambda t: t.cpu())

    def cuda(self, device=None) -> Module:
        return self._apply(lambda t: t.cuda(device))

    def share_memory(self) -> Module:
        return self

    # -- repr ----------------------------------------------------------------------------
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in ``repr``; layers override it."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(m), 2)
                       for name, m in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"
