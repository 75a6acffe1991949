"""Probability distributions; mirrors ``torch.distributions``.

Each distribution has torch's constructor arguments, ``batch_shape``/``event_shape``,
``sample``/``rsample`` (draws from the library's generator, so ``manual_seed`` makes them
reproducible eagerly and under ``compile``), ``log_prob``, ``entropy`` and moments; their
gradients come from the library's autograd. ``kl_divergence`` dispatches like torch's.

Example:
    >>> from pytorch_like.distributions import Normal, kl_divergence
    >>> q = Normal(torch.zeros(3), torch.ones(3))
    >>> z = q.rsample()
    >>> kl_divergence(q, Normal(0.0, 1.0)).sum()
    tensor(0.)
"""

from __future__ import annotations

from . import constraints, kl
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .chi2 import Chi2
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .half_normal import HalfNormal
from .independent import Independent
from .laplace import Laplace
from .log_normal import LogNormal
from .mixture_same_family import MixtureSameFamily
from .kl import kl_divergence, register_kl
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .poisson import Poisson
from .relaxed_bernoulli import LogitRelaxedBernoulli, RelaxedBernoulli
from .relaxed_categorical import ExpRelaxedCategorical, RelaxedOneHotCategorical
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .uniform import Uniform
from . import transforms

__all__ = ["Bernoulli", "Beta", "Categorical", "Distribution", "Exponential", "Gamma",
           "Independent", "Laplace", "Multinomial", "MultivariateNormal", "Normal",
           "OneHotCategorical", "Uniform", "constraints", "kl_divergence", "register_kl", "kl",
           "Binomial", "Cauchy", "Chi2", "Dirichlet", "ExpRelaxedCategorical", "Geometric",
           "HalfNormal", "LogNormal", "LogitRelaxedBernoulli", "MixtureSameFamily", "Poisson",
           "RelaxedBernoulli", "RelaxedOneHotCategorical", "StudentT",
           "TransformedDistribution", "transforms"]
