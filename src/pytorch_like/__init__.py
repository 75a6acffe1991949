"""pytorch_like: PyTorch's API on JAX and XLA.

Write the PyTorch you know with ``import pytorch_like as torch``: tensors with
``.backward()`` and ``.grad``, ``nn.Module``, ``optim``; JAX computes the gradients and XLA
compiles the work for CPU, GPU or TPU.

Example:
    >>> import pytorch_like as torch
    >>> x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    >>> y = x ** 2; y.retain_grad(); z = y.sum(); z.backward()
    >>> x.grad
    tensor([[2., 4.],
            [6., 8.]])
"""

from __future__ import annotations

from . import _backend  # noqa: F401  (first: it sets JAX's CPU dispatch before any array exists)
from . import _dtype
from ._device import device
from ._dtype import (
    bfloat16,
    complex64,
    complex128,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from ._size import Size
from .autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .tensor import Tensor
from . import autograd  # noqa: E402  (after Tensor: the engine imports it lazily)
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled  # noqa: E402
from .ops.creation import *  # noqa: F401,F403,E402
from .ops.creation import __all__ as _creation_all
from .ops.indexing import *  # noqa: F401,F403,E402
from .ops.indexing import __all__ as _indexing_all
from .ops.linalg import *  # noqa: F401,F403,E402
from .ops.linalg import __all__ as _linalg_all
from .ops.pointwise import *  # noqa: F401,F403,E402
from .ops.pointwise import __all__ as _pointwise_all
from .ops.reduction import *  # noqa: F401,F403,E402
from .ops.reduction import __all__ as _reduction_all
from .ops.shape import *  # noqa: F401,F403,E402
from .ops.shape import __all__ as _shape_all
from .ops.search import *  # noqa: F401,F403,E402
from .ops.search import __all__ as _search_all
from .ops.complex import *  # noqa: F401,F403,E402
from .ops.complex import __all__ as _complex_all
from .ops.shape import view  # noqa: F401,E402
from .serialization import load, save  # noqa: E402
from .compiler import compile  # noqa: E402,A004
from . import compiler  # noqa: E402
from . import nn, optim, utils  # noqa: E402
from . import distributed  # noqa: E402
from . import amp  # noqa: E402
from . import linalg  # noqa: E402
from . import func  # noqa: E402
from . import distributions  # noqa: E402
from . import special, testing  # noqa: E402
from . import onnx  # noqa: E402
from . import jit  # noqa: E402
from . import fft  # noqa: E402
from . import profiler  # noqa: E402
from .func import vmap  # noqa: E402
from . import accelerator, backends, cuda  # noqa: E402
from ._formatting import set_printoptions  # noqa: E402
from . import _tensor_str, return_types  # noqa: E402,F401  (torch._tensor_str, torch.return_types)
from ._settings import (  # noqa: E402
    are_deterministic_algorithms_enabled,
    get_float32_matmul_precision,
    is_deterministic_algorithms_warn_only_enabled,
    set_float32_matmul_precision,
    use_deterministic_algorithms,
)
from .amp import autocast  # noqa: E402
from .nn.functional import cosine_similarity, pairwise_distance  # noqa: E402,F401
from .amp.autocast_mode import (  # noqa: E402
    autocast_decrement_nesting,
    autocast_increment_nesting,
    clear_autocast_cache,
    get_autocast_cpu_dtype,
    get_autocast_dtype,
    get_autocast_gpu_dtype,
    is_autocast_cache_enabled,
    is_autocast_cpu_enabled,
    is_autocast_enabled,
    set_autocast_cache_enabled,
    set_autocast_dtype,
    set_autocast_enabled,
)

bool = _dtype.bool_  # noqa: A001  (torch.bool)
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16
cfloat = complex64
cdouble = complex128


def is_tensor(obj) -> bool:
    """Mirrors ``torch.is_tensor``."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:  # noqa: A002
    return input.is_floating_point()


def numel(input: Tensor) -> int:  # noqa: A002
    return input.numel()


def result_type(tensor1, tensor2) -> dtype:
    from .ops._util import result_dtype

    return result_dtype(tensor1, tensor2)


def can_cast(from_: dtype, to: dtype) -> bool:
    return from_._cat <= to._cat


from ._dtype import finfo, iinfo  # noqa: E402
from ._toplevel import *  # noqa: F401,F403,E402
from ._toplevel import __all__ as _toplevel_all  # noqa: E402
from .ops._toplevel_aten import *  # noqa: F401,F403,E402  (also binds the matching Tensor methods)
from .ops._toplevel_aten import __all__ as _toplevel_aten_all  # noqa: E402
# torch's top-level functions that are nn.functional's own (torch.conv2d is F.conv2d).
from .nn.functional import adaptive_avg_pool1d, avg_pool1d, bilinear  # noqa: E402,F401
from .nn.functional import channel_shuffle, conv1d, conv2d, conv3d  # noqa: E402,F401
from .nn.functional import conv_transpose1d, conv_transpose2d, conv_transpose3d  # noqa: E402,F401
from .nn.functional import hardshrink, pdist, pixel_shuffle, pixel_unshuffle  # noqa: E402,F401
from .nn.functional import prelu  # noqa: E402,F401
# torch's constants, layouts and memory formats, torch.cpu, DLPack and the small legacy
# pieces of its namespace.
from ._layout import *  # noqa: F401,F403,E402
from ._layout import __all__ as _layout_all  # noqa: E402
from ._namespace_extras import *  # noqa: F401,F403,E402
from ._namespace_extras import __all__ as _extras_all  # noqa: E402
from .random import default_generator  # noqa: E402,F401
from .utils.dlpack import from_dlpack  # noqa: E402,F401  (also binds torch.utils.dlpack)
from . import cpu  # noqa: E402,F401

from math import e, inf, nan, pi  # noqa: E402,F401  (torch's are math's own floats)

newaxis = None

_namespace_all = (["pi", "e", "inf", "nan", "newaxis", "default_generator", "from_dlpack",
                   "cpu"] + list(_layout_all) + list(_extras_all))

_functional_all = ["adaptive_avg_pool1d", "avg_pool1d", "bilinear", "channel_shuffle", "conv1d",
                   "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                   "conv_transpose3d", "hardshrink", "pdist", "pixel_shuffle",
                   "pixel_unshuffle", "prelu"]

__version__ = "0.1.0"

__all__ = (
    ["Tensor", "Size", "device", "dtype", "Generator", "autograd", "no_grad", "enable_grad",
     "set_grad_enabled", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled",
     "manual_seed", "seed",
     "initial_seed", "get_rng_state", "set_rng_state", "get_default_dtype",
     "set_default_dtype", "promote_types", "result_type", "can_cast", "is_tensor",
     "is_floating_point", "numel", "float32", "float64", "float16", "bfloat16", "int8",
     "int16", "int32", "int64", "uint8", "complex64", "complex128", "bool", "float", "double",
     "half", "long", "int", "short", "cfloat", "cdouble", "view", "save", "load", "compile",
     "compiler", "nn", "optim", "utils", "distributed", "amp", "autocast", "cuda",
     "linalg",
     "backends", "accelerator", "set_printoptions", "use_deterministic_algorithms",
     "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
     "set_float32_matmul_precision", "get_float32_matmul_precision", "is_anomaly_enabled",
     "is_anomaly_check_nan_enabled",
     "is_autocast_enabled", "set_autocast_enabled", "get_autocast_dtype", "set_autocast_dtype",
     "is_autocast_cache_enabled", "set_autocast_cache_enabled", "clear_autocast_cache",
     "autocast_increment_nesting", "autocast_decrement_nesting", "get_autocast_gpu_dtype",
     "get_autocast_cpu_dtype", "is_autocast_cpu_enabled"]
    + list(_creation_all) + list(_indexing_all) + list(_linalg_all) + list(_pointwise_all)
    + list(_reduction_all) + list(_shape_all) + list(_search_all)
    + ["cosine_similarity", "pairwise_distance"]
    + ["finfo", "iinfo"] + list(_toplevel_all)
    + ["func", "vmap", "distributions"]
    + ["special", "testing", "onnx", "jit"]
    + ["fft", "profiler"] + list(_complex_all) + list(_toplevel_aten_all)
    + _functional_all
    + _namespace_all
)

# torch's out= keyword on the top-level functions that take it (torch.add(a, b, out=c)); the
# op functions, and the Tensor methods bound to them, keep no out= (as in torch).
from .ops._out import install as _install_out  # noqa: E402
from .ops._out import share as _share_out  # noqa: E402

_install_out(globals())
_share_out(vars(special))
del _install_out, _share_out

# torch's NumPy-style keywords (x.sum(axis=0), keepdims=True) on the functions and Tensor
# methods its argument parser serves.
from .ops._numpy_names import install as _install_numpy_names  # noqa: E402

_install_numpy_names(globals())
del _install_numpy_names
