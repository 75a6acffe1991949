"""``torch.nn.modules``: Module, containers and layers, re-exported by ``pytorch_like.nn``."""

from __future__ import annotations

from .activation import *  # noqa: F401,F403
from .activation import __all__ as _activation_all
from .adaptive import *  # noqa: F401,F403
from .adaptive import __all__ as _adaptive_all
from .channelshuffle import *  # noqa: F401,F403
from .channelshuffle import __all__ as _channelshuffle_all
from .container import *  # noqa: F401,F403
from .container import __all__ as _container_all
from .conv import *  # noqa: F401,F403
from .conv import __all__ as _conv_all
from .distance import *  # noqa: F401,F403
from .distance import __all__ as _distance_all
from .dropout import *  # noqa: F401,F403
from .dropout import __all__ as _dropout_all
from .flatten import *  # noqa: F401,F403
from .flatten import __all__ as _flatten_all
from .fold import *  # noqa: F401,F403
from .fold import __all__ as _fold_all
from .lazy import *  # noqa: F401,F403
from .lazy import __all__ as _lazy_all
from .linear import *  # noqa: F401,F403
from .linear import __all__ as _linear_all
from .linear_cross_entropy_options import LinearCrossEntropyOptions
from .loss import *  # noqa: F401,F403
from .loss import __all__ as _loss_all
from .module import Module
from .normalization import *  # noqa: F401,F403
from .normalization import __all__ as _normalization_all
from .padding import *  # noqa: F401,F403
from .padding import __all__ as _padding_all
from .pooling import *  # noqa: F401,F403
from .pooling import __all__ as _pooling_all
from .rnn import *  # noqa: F401,F403
from .rnn import __all__ as _rnn_all
from .sparse import *  # noqa: F401,F403
from .sparse import __all__ as _sparse_all
from .transformer import *  # noqa: F401,F403
from .transformer import __all__ as _transformer_all
from .upsampling import *  # noqa: F401,F403
from .upsampling import __all__ as _upsampling_all

__all__ = (["Module"] + list(_activation_all) + list(_container_all) + list(_conv_all)
           + list(_dropout_all) + list(_flatten_all) + list(_linear_all)
           + list(_normalization_all) + list(_padding_all) + list(_pooling_all)
           + list(_rnn_all) + list(_sparse_all) + list(_loss_all) + list(_transformer_all)
           + list(_upsampling_all) + list(_distance_all) + list(_lazy_all))
__all__ += list(_channelshuffle_all) + list(_fold_all)
__all__ += list(_adaptive_all)
__all__ += ["LinearCrossEntropyOptions"]
