"""torch.optim: stateful optimizers and learning-rate schedulers, computed by JAX/optax.

Mirrors ``torch.optim``: ``optimizer.zero_grad(); loss.backward(); optimizer.step()``
works as in torch, each ``step()`` running one fused jitted update per param group (see
:mod:`.optimizer`). ``AdaBelief`` (not in torch) follows the paper's reference package.

Example:
    >>> import pytorch_like as torch
    >>> opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    >>> sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
"""

from . import lr_scheduler, swa_utils
from .adabelief import AdaBelief
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "AdaBelief", "RMSprop", "Adagrad", "Adadelta",
           "Adamax", "NAdam", "RAdam", "LBFGS", "Rprop", "ASGD", "lr_scheduler",
           "Adafactor", "swa_utils"]
