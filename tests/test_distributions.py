"""torch.distributions: Normal, Bernoulli, Categorical, OneHotCategorical, Uniform,
Exponential, Laplace, Gamma, Beta, Independent, MultivariateNormal and kl_divergence.

log_prob, entropy, moments, cdf/icdf and KL values and their gradients with respect to the
parameters are compared with real torch through tests/parity.py's ``check``; rsample
gradients against torch given the same noise; sample shapes, dtypes and statistics;
validation errors with torch's types and wording; a VAE-style step under ``compile``
against eager; and the REINFORCE/PPO gradient of ``Categorical.log_prob``.
"""

import math
import warnings

import numpy as np
import pytest
from parity import check

import pytorch_like as pl
import pytorch_like.distributions as D

try:
    import torch
    import torch.distributions as TD
except ImportError:  # the torch half of check() is skipped; direct uses importorskip
    torch = TD = None

rng = np.random.default_rng(0)


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _pos(*shape):
    return (rng.uniform(0.5, 2.0, shape)).astype(np.float32)


def _spd(n, batch=()):
    a = rng.standard_normal(batch + (n, n)).astype(np.float32)
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n, dtype=np.float32)).astype(np.float32)


def test_normal_log_prob_entropy_moments_cdf_icdf_against_torch():
    x, u = _f32(4, 3), rng.uniform(0.05, 0.95, (4, 3)).astype(np.float32)
    names = ["mean", "mode", "stddev", "variance", "entropy"]

    def run(lib, m, loc, scale):
        d = m.Normal(loc, scale)
        return [d.log_prob(lib.tensor(x)), d.cdf(lib.tensor(x)), d.icdf(lib.tensor(u))] + [
            getattr(d, n)() if n == "entropy" else getattr(d, n) for n in names]

    check(lambda loc, s: run(pl, D, loc, s), lambda loc, s: run(torch, TD, loc, s),
          _f32(3), _pos(3), atol=1e-5, rtol=1e-4)


def test_bernoulli_probs_and_logits_against_torch():
    v = np.array([[0, 1, 1], [1, 0, 0]], np.float32)

    def run(lib, m, key, p):
        d = m.Bernoulli(**{key: p})
        return [d.log_prob(lib.tensor(v)), d.entropy(), d.mean, d.variance, d.probs, d.logits]

    for key, p in (("probs", rng.uniform(0.1, 0.9, 3).astype(np.float32)), ("logits", _f32(3))):
        check(lambda a, k=key: run(pl, D, k, a), lambda a, k=key: run(torch, TD, k, a), p,
              atol=1e-5, rtol=1e-4)


def test_categorical_log_prob_entropy_against_torch():
    labels = np.array([[0, 3], [2, 1], [3, 3]], np.int64)

    def run(lib, m, key, p):
        d = m.Categorical(**{key: p})
        return [d.log_prob(lib.tensor(labels)), d.entropy(), d.probs, d.logits]

    for key, p in (("probs", _pos(2, 4)), ("logits", _f32(2, 4))):
        check(lambda a, k=key: run(pl, D, k, a), lambda a, k=key: run(torch, TD, k, a), p,
              atol=1e-5, rtol=1e-4)

    onehot = np.eye(4, dtype=np.float32)[labels]

    def run_onehot(lib, m, p, q):
        d = m.OneHotCategorical(logits=p)
        return [d.log_prob(lib.tensor(onehot)), d.entropy(), d.mean, d.mode, d.variance,
                m.kl_divergence(d, m.OneHotCategorical(probs=q))]

    check(lambda *a: run_onehot(pl, D, *a), lambda *a: run_onehot(torch, TD, *a), _f32(2, 4),
          _pos(2, 4), atol=1e-5, rtol=1e-4)


def test_uniform_against_torch():
    x = np.array([0.1, 0.5, 1.4], np.float32)

    def run(lib, m, lo, hi):
        d = m.Uniform(lo, hi)
        return [d.log_prob(lib.tensor(x)), d.cdf(lib.tensor(x)), d.icdf(lib.tensor(x / 2)),
                d.entropy(), d.mean, d.stddev, d.variance]

    lo = np.array([0.0, -1.0, 0.2], np.float32)
    hi = np.array([1.0, 2.0, 1.5], np.float32)
    check(lambda a, b: run(pl, D, a, b), lambda a, b: run(torch, TD, a, b), lo, hi,
          atol=1e-5, rtol=1e-4)


def test_exponential_and_laplace_against_torch():
    x = np.abs(_f32(4, 3)) + 0.1
    u = rng.uniform(0.05, 0.95, (4, 3)).astype(np.float32)

    def run(lib, m, rate, loc, scale, rate2, loc2, scale2):
        e, la = m.Exponential(rate), m.Laplace(loc, scale)
        out = []
        for d in (e, la):
            out += [d.log_prob(lib.tensor(x)), d.cdf(lib.tensor(x)), d.icdf(lib.tensor(u)),
                    d.entropy(), d.mean, d.mode, d.stddev, d.variance]
        return out + [m.kl_divergence(e, m.Exponential(rate2)),
                      m.kl_divergence(la, m.Laplace(loc2, scale2))]

    args = (_pos(3), _f32(3), _pos(3), _pos(3), _f32(3), _pos(3))
    check(lambda *a: run(pl, D, *a), lambda *a: run(torch, TD, *a), *args, atol=1e-5,
          rtol=1e-4)


def test_gamma_and_beta_against_torch():
    x = np.abs(_f32(4, 3)) + 0.1

    u = rng.uniform(0.05, 0.95, (4, 3)).astype(np.float32)

    def run(lib, m, c, r, c2, r2):
        d, b = m.Gamma(c, r), m.Beta(c, r)
        return [d.log_prob(lib.tensor(x)), d.entropy(), d.mean, d.mode, d.variance,
                m.kl_divergence(d, m.Gamma(c2, r2)), b.log_prob(lib.tensor(u)), b.entropy(),
                b.mean, b.mode, b.variance, m.kl_divergence(b, m.Beta(c2, r2))]

    args = (_pos(3) * 2, _pos(3), _pos(3), _pos(3))
    check(lambda *a: run(pl, D, *a), lambda *a: run(torch, TD, *a), *args, atol=1e-5,
          rtol=1e-4)


def test_beta_mode_at_the_ends_matches_torch():
    # Concentrations below 1 put the mode at an end of [0, 1]; both equal to 1 is nan.
    pytest.importorskip("torch")
    c1 = [0.5, 2.0, 0.3, 3.0, 1.0, 1.0, 0.7]
    c0 = [0.5, 0.5, 2.0, 4.0, 1.0, 3.0, 0.2]
    ours = D.Beta(pl.tensor(c1), pl.tensor(c0)).mode.numpy()
    theirs = TD.Beta(torch.tensor(c1), torch.tensor(c0)).mode.numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_gamma_rsample_gradient_is_torchs_implicit_reparameterization():
    pytest.importorskip("torch")
    conc, rate = np.array([0.5, 2.0, 7.0], np.float32), np.array([1.0, 0.5, 3.0], np.float32)
    pl.manual_seed(0)
    c, r = pl.tensor(conc, requires_grad=True), pl.tensor(rate, requires_grad=True)
    z = D.Gamma(c, r).rsample((4,))
    z.sum().backward()
    unit = torch.tensor(z.detach().numpy() * rate)  # the unit-rate draws
    tc = torch.tensor(conc)
    want_c = (torch._standard_gamma_grad(tc.expand(4, 3), unit) / torch.tensor(rate)).sum(0)
    want_r = (-unit / torch.tensor(rate) ** 2).sum(0)
    np.testing.assert_allclose(c.grad.numpy(), want_c.numpy(), rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(r.grad.numpy(), want_r.numpy(), rtol=1e-4, atol=1e-5)


def test_independent_normal_against_torch():
    x = _f32(4, 2, 3)

    def run(lib, m, loc, scale):
        d = m.Independent(m.Normal(loc, scale), 1)
        assert tuple(d.batch_shape) == (2,) and tuple(d.event_shape) == (3,)
        return [d.log_prob(lib.tensor(x)), d.entropy(), d.mean, d.variance]

    check(lambda a, b: run(pl, D, a, b), lambda a, b: run(torch, TD, a, b), _f32(2, 3),
          _pos(2, 3), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("kind", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_multivariate_normal_against_torch(kind):
    x = _f32(4, 2, 3)
    mat = _spd(3, (2,))
    if kind == "scale_tril":
        mat = np.linalg.cholesky(mat).astype(np.float32)

    def run(lib, m, loc, a):
        # The matrix argument is built symmetric (or lower) inside so its gradient is too.
        a = (a + a.mT) / 2 if kind != "scale_tril" else a.tril()
        d = m.MultivariateNormal(loc, **{kind: a})
        return [d.log_prob(lib.tensor(x)), d.entropy(), d.variance, d.covariance_matrix,
                d.scale_tril, d.precision_matrix]

    check(lambda a, b: run(pl, D, a, b), lambda a, b: run(torch, TD, a, b), _f32(3), mat,
          atol=1e-4, rtol=1e-4)


def test_kl_divergences_values_and_gradients_against_torch():
    def normal(m, a, b, c, d):
        return m.kl_divergence(m.Normal(a, b), m.Normal(c, d))

    check(lambda *a: normal(D, *a), lambda *a: normal(TD, *a), _f32(3), _pos(3), _f32(3),
          _pos(3), atol=1e-5, rtol=1e-4)

    def bern(m, p, q):
        return m.kl_divergence(m.Bernoulli(logits=p), m.Bernoulli(probs=q))

    check(lambda *a: bern(D, *a), lambda *a: bern(TD, *a), _f32(3),
          rng.uniform(0.1, 0.9, 3).astype(np.float32), atol=1e-5, rtol=1e-4)

    def cat(m, p, q):
        return m.kl_divergence(m.Categorical(logits=p), m.Categorical(probs=q))

    check(lambda *a: cat(D, *a), lambda *a: cat(TD, *a), _f32(2, 4), _pos(2, 4), atol=1e-5,
          rtol=1e-4)

    def unif(m, a, b):
        return m.kl_divergence(m.Uniform(a, a + 1), m.Uniform(a - b, a + 2 + b))

    check(lambda *a: unif(D, *a), lambda *a: unif(TD, *a), _f32(3), _pos(3), atol=1e-5,
          rtol=1e-4)

    def mvn(m, l1, a, l2, b):
        return m.kl_divergence(m.MultivariateNormal(l1, scale_tril=a.tril()),
                               m.MultivariateNormal(l2, covariance_matrix=(b + b.mT) / 2))

    tril = np.linalg.cholesky(_spd(3, (2,))).astype(np.float32)
    check(lambda *a: mvn(D, *a), lambda *a: mvn(TD, *a), _f32(3), tril, _f32(3),
          _spd(3, (2,)), atol=1e-4, rtol=1e-4)

    def indep(m, a, b, c, d):
        return m.kl_divergence(m.Independent(m.Normal(a, b), 1), m.Independent(m.Normal(c, d), 1))

    check(lambda *a: indep(D, *a), lambda *a: indep(TD, *a), _f32(2, 3), _pos(2, 3),
          _f32(2, 3), _pos(2, 3), atol=1e-5, rtol=1e-4)


def test_kl_infinite_and_zero_limits_match_torch():
    pytest.importorskip("torch")
    ours = D.kl_divergence(D.Uniform(pl.tensor([0.0, 0.0]), pl.tensor([1.0, 3.0])),
                           D.Uniform(pl.tensor([0.0, 0.0]), pl.tensor([2.0, 2.0])))
    theirs = TD.kl_divergence(TD.Uniform(torch.tensor([0.0, 0.0]), torch.tensor([1.0, 3.0])),
                              TD.Uniform(torch.tensor([0.0, 0.0]), torch.tensor([2.0, 2.0])))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    p = np.array([[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]], np.float32)
    q = np.array([[0.2, 0.8, 0.0], [0.3, 0.3, 0.4]], np.float32)
    ours = D.kl_divergence(D.Categorical(probs=pl.tensor(p)), D.Categorical(probs=pl.tensor(q)))
    theirs = TD.kl_divergence(TD.Categorical(probs=torch.tensor(p)),
                              TD.Categorical(probs=torch.tensor(q)))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5)
    ent = D.Categorical(probs=pl.tensor(p)).entropy()
    np.testing.assert_allclose(ent.numpy(), TD.Categorical(probs=torch.tensor(p)).entropy(),
                               rtol=1e-5)


def test_kl_dispatch_register_and_errors():
    with pytest.raises(NotImplementedError,
                       match=r"^No KL\(p \|\| q\) is implemented for p type Normal and q type "
                             r"Categorical$"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Categorical(logits=pl.zeros(2)))

    class MyNormal(D.Normal):
        pass

    # A subclass uses its base's registration until it registers its own.
    base = D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(1.0, 1.0))
    np.testing.assert_allclose(base.item(), 0.5, rtol=1e-6)

    @D.register_kl(MyNormal, D.Normal)
    def _mine(p, q):
        return pl.tensor(42.0)

    assert D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(1.0, 1.0)).item() == 42.0
    assert D.kl_divergence(D.Normal(0.0, 1.0), MyNormal(1.0, 1.0)).item() == 0.5

    class MyOther(D.Normal):
        pass

    @D.register_kl(D.Normal, MyOther)
    def _other(p, q):
        return pl.tensor(7.0)

    with pytest.warns(RuntimeWarning, match="Ambiguous kl_divergence"):
        D.kl_divergence(MyNormal(0.0, 1.0), MyOther(1.0, 1.0))
    with pytest.raises(TypeError, match="Expected type_p to be a Distribution subclass"):
        D.register_kl(int, D.Normal)


def test_rsample_gradients_match_torch_with_the_same_noise():
    pytest.importorskip("torch")
    loc, scale = _f32(3), _pos(3)
    mvn_loc, tril = _f32(2), np.linalg.cholesky(_spd(2)).astype(np.float32)
    pl.manual_seed(0)
    ours = [pl.tensor(a, requires_grad=True) for a in (loc, scale, mvn_loc, tril)]
    z1 = D.Normal(ours[0], ours[1]).rsample((5,))
    z2 = D.MultivariateNormal(ours[2], scale_tril=ours[3]).rsample((5,))
    lo = pl.tensor(loc, requires_grad=True)
    z3 = D.Uniform(lo, lo + 2).rsample((5,))
    rate = pl.tensor(scale, requires_grad=True)
    z4 = D.Exponential(rate).rsample((5,))
    lap = pl.tensor(scale, requires_grad=True)
    z5 = D.Laplace(lo.detach(), lap).rsample((5,))
    (z1.sin().sum() + z2.pow(2).sum() + z3.pow(2).sum() + z4.pow(2).sum()
     + z5.pow(2).sum()).backward()
    # The same draws through torch: the noise is recovered from our sample.
    eps1 = (z1.detach().numpy() - loc) / scale
    eps2 = np.linalg.solve(tril, (z2.detach().numpy() - mvn_loc).T).T
    u3 = (z3.detach().numpy() - loc) / 2
    th = [torch.tensor(a, requires_grad=True) for a in (loc, scale, mvn_loc, tril)]
    t1 = th[0] + torch.tensor(eps1) * th[1]
    t2 = th[2] + (th[3] @ torch.tensor(eps2, dtype=torch.float32).T).T
    tlo = torch.tensor(loc, requires_grad=True)
    t3 = tlo + torch.tensor(u3) * 2
    trate = torch.tensor(scale, requires_grad=True)
    t4 = torch.tensor(z4.detach().numpy() * scale) / trate  # same unit-rate draw
    tlap = torch.tensor(scale, requires_grad=True)
    t5 = torch.tensor(loc) + torch.tensor((z5.detach().numpy() - loc) / scale) * tlap
    (t1.sin().sum() + t2.pow(2).sum() + t3.pow(2).sum() + t4.pow(2).sum()
     + t5.pow(2).sum()).backward()
    for o, t in zip(ours + [lo, rate, lap], th + [tlo, trate, tlap]):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.slow
def test_sample_shapes_dtypes_and_statistics():
    pl.manual_seed(0)
    n = 2000
    cases = [
        (D.Normal(pl.tensor([1.0, -2.0]), pl.tensor([0.5, 2.0])), (n, 2), pl.float32,
         [1.0, -2.0], [0.5, 2.0]),
        (D.Bernoulli(probs=pl.tensor([0.2, 0.7])), (n, 2), pl.float32, [0.2, 0.7],
         [0.4, math.sqrt(0.21)]),
        (D.Uniform(pl.tensor([0.0, 1.0]), pl.tensor([1.0, 5.0])), (n, 2), pl.float32,
         [0.5, 3.0], [1 / math.sqrt(12), 4 / math.sqrt(12)]),
        (D.Categorical(probs=pl.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])), (n, 2),
         pl.int64, [1.6, 0.5], [math.sqrt(0.44), 0.5]),
        (D.Exponential(pl.tensor([0.5, 4.0])), (n, 2), pl.float32, [2.0, 0.25], [2.0, 0.25]),
        (D.Gamma(pl.tensor([0.5, 3.0]), pl.tensor([1.0, 2.0])), (n, 2), pl.float32,
         [0.5, 1.5], [math.sqrt(0.5), math.sqrt(0.75)]),
        (D.Beta(pl.tensor([0.5, 3.0]), pl.tensor([1.0, 2.0])), (n, 2), pl.float32,
         [1 / 3, 0.6], [math.sqrt(0.5 / (2.25 * 2.5)), math.sqrt(6 / 150)]),
        (D.Laplace(pl.tensor([1.0, -1.0]), pl.tensor([1.0, 0.5])), (n, 2), pl.float32,
         [1.0, -1.0], [math.sqrt(2), math.sqrt(0.5)]),
        (D.MultivariateNormal(pl.tensor([1.0, 2.0]), pl.tensor([[1.0, 0.5], [0.5, 2.0]])),
         (n, 2), pl.float32, [1.0, 2.0], [1.0, math.sqrt(2.0)]),
    ]
    for dist, shape, dtype, mean, std in cases:
        s = dist.sample((n,))
        assert tuple(s.shape) == shape and s.dtype == dtype, (dist, s.shape, s.dtype)
        got = s.numpy().astype(np.float64).mean(0)
        se = np.asarray(std) / math.sqrt(n)
        assert np.all(np.abs(got - mean) < 5 * se + 1e-9), (dist, got, mean)
    # The same probabilities (and so draw shape) as the Categorical case: its compiled
    # sampler is reused. Each one-hot component is Bernoulli(p): 5 standard errors.
    p_oh = np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])
    oh = D.OneHotCategorical(probs=pl.tensor(p_oh.astype(np.float32))).sample((n,))
    assert tuple(oh.shape) == (n, 2, 3) and oh.dtype == pl.float32
    assert np.all(oh.numpy().sum(-1) == 1)
    assert np.all(np.abs(oh.numpy().mean(0) - p_oh)
                  < 5 * np.sqrt(p_oh * (1 - p_oh) / n) + 1e-9)
    c = D.Categorical(logits=pl.zeros(3, 5)).sample((2, 4))
    assert tuple(c.shape) == (2, 4, 3) and c.dtype == pl.int64
    assert 0 <= int(c.min()) and int(c.max()) <= 4
    assert tuple(D.Normal(0.0, 1.0).sample().shape) == ()
    assert tuple(D.Independent(D.Normal(pl.zeros(3, 2), 1.0), 2).rsample((4,)).shape) == (4, 3, 2)
    cov = np.cov(cases[-1][0].sample((n,)).numpy().T)
    np.testing.assert_allclose(cov, [[1.0, 0.5], [0.5, 2.0]], atol=0.2)
    # Samples carry no gradient; rsample does.
    loc = pl.zeros(2, requires_grad=True)
    assert not D.Normal(loc, 1.0).sample().requires_grad
    assert D.Normal(loc, 1.0).rsample().requires_grad
    # Reproducible under manual_seed.
    pl.manual_seed(3)
    a = D.Normal(pl.zeros(4), 1.0).sample()
    pl.manual_seed(3)
    np.testing.assert_array_equal(a.numpy(), D.Normal(pl.zeros(4), 1.0).sample().numpy())


@pytest.mark.slow
def test_shapes_expand_and_repr_match_torch():
    pytest.importorskip("torch")
    pairs = [
        (D.Normal(pl.zeros(2, 1), pl.ones(3)), TD.Normal(torch.zeros(2, 1), torch.ones(3))),
        (D.Bernoulli(0.3), TD.Bernoulli(0.3)),
        (D.Categorical(logits=pl.zeros(2, 4)), TD.Categorical(logits=torch.zeros(2, 4))),
        (D.Uniform(0.0, 1.0), TD.Uniform(0.0, 1.0)),
        (D.OneHotCategorical(logits=pl.zeros(2, 4)),
         TD.OneHotCategorical(logits=torch.zeros(2, 4))),
        (D.Exponential(pl.ones(2)), TD.Exponential(torch.ones(2))),
        (D.Laplace(0.0, pl.ones(2)), TD.Laplace(0.0, torch.ones(2))),
        (D.Gamma(pl.ones(2), 1.0), TD.Gamma(torch.ones(2), 1.0)),
        (D.Beta(pl.ones(2), 1.0), TD.Beta(torch.ones(2), 1.0)),
        (D.Independent(D.Normal(pl.zeros(3, 2), 1.0), 1),
         TD.Independent(TD.Normal(torch.zeros(3, 2), 1.0), 1)),
        (D.MultivariateNormal(pl.zeros(2, 3), pl.eye(3)),
         TD.MultivariateNormal(torch.zeros(2, 3), torch.eye(3))),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        assert repr(ours.support) == repr(theirs.support)
        assert ours.batch_shape == theirs.batch_shape
        assert ours.event_shape == theirs.event_shape
        assert ours.has_rsample == theirs.has_rsample
        big = (5,) + tuple(ours.batch_shape)
        assert ours.expand(big).batch_shape == theirs.expand(big).batch_shape
        assert tuple(ours.expand(big).sample().shape) == tuple(theirs.expand(big).sample().shape)
    np.testing.assert_array_equal(D.Bernoulli(pl.tensor([0.5, 0.3, 0.7])).mode.numpy(),
                                  TD.Bernoulli(torch.tensor([0.5, 0.3, 0.7])).mode.numpy())
    assert D.Categorical(logits=pl.tensor([0.0, 2.0, 1.0])).mode.item() == 1
    assert repr(D.Normal.arg_constraints) == repr(TD.Normal.arg_constraints)
    assert repr(D.MultivariateNormal.arg_constraints) == repr(TD.MultivariateNormal.arg_constraints)


def _message(case, m, t):
    try:
        case(m, t)
    except (ValueError, NotImplementedError) as e:
        return type(e), str(e)
    return None


def test_validation_errors_match_torch():
    pytest.importorskip("torch")
    cases = [
        lambda m, t: m.Normal(t.tensor([0.0]), t.tensor([-1.0])),
        lambda m, t: m.Normal(0.0, 1.0).log_prob(1.0),
        lambda m, t: m.Normal(t.zeros(2), 1.0).log_prob(t.zeros(3)),
        lambda m, t: m.Bernoulli(0.3).log_prob(t.tensor(0.5)),
        lambda m, t: m.Bernoulli(),
        lambda m, t: m.Bernoulli(probs=t.tensor([1.5])),
        lambda m, t: m.Categorical(probs=t.tensor(1.0)),
        lambda m, t: m.Categorical(logits=t.zeros(3)).log_prob(t.tensor(3)),
        lambda m, t: m.OneHotCategorical(logits=t.zeros(3)).log_prob(t.tensor([1.0, 1.0, 0.0])),
        lambda m, t: m.Uniform(1.0, 0.0),
        lambda m, t: m.Uniform(0.0, 1.0).log_prob(t.tensor(2.0)),
        lambda m, t: m.MultivariateNormal(t.zeros(2)),
        lambda m, t: m.MultivariateNormal(t.zeros(()), t.eye(2)),
        lambda m, t: m.MultivariateNormal(t.zeros(2), t.tensor([[1.0, 2.0], [2.0, 1.0]])),
        lambda m, t: m.MultivariateNormal(t.zeros(2), scale_tril=t.ones(2, 2)),
        lambda m, t: m.Independent(m.Normal(0.0, 1.0), 1),
        lambda m, t: m.Exponential(t.tensor([-1.0])),
        lambda m, t: m.Exponential(1.0).log_prob(t.tensor(-1.0)),
        lambda m, t: m.Laplace(0.0, t.tensor([0.0])),
        lambda m, t: m.Gamma(t.tensor([1.0]), t.tensor([-2.0])),
        lambda m, t: m.Beta(1.0, 2.0).log_prob(t.tensor(1.5)),
        lambda m, t: m.kl_divergence(m.MultivariateNormal(t.zeros(2), t.eye(2)),
                                     m.MultivariateNormal(t.zeros(3), t.eye(3))),
    ]
    for k, case in enumerate(cases):
        theirs = _message(case, TD, torch)
        assert theirs is not None, k
        assert _message(case, D, pl) == theirs, k
    # validate_args=False and the class default turn checks off.
    D.Normal(pl.tensor([0.0]), pl.tensor([-1.0]), validate_args=False)
    D.Distribution.set_default_validate_args(False)
    try:
        D.Uniform(1.0, 0.0)
    finally:
        D.Distribution.set_default_validate_args(True)


def test_reinforce_gradient_matches_torch_for_the_same_actions():
    logits, adv = _f32(6, 4), _f32(6)
    pl.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        actions = D.Categorical(logits=pl.tensor(logits)).sample()
    acts = actions.numpy()

    def ours(lg, a):
        dist = D.Categorical(logits=lg)
        return -(dist.log_prob(pl.tensor(acts)) * a).mean() - 0.01 * dist.entropy().mean()

    def theirs(lg, a):
        dist = TD.Categorical(logits=lg)
        return -(dist.log_prob(torch.tensor(acts)) * a).mean() - 0.01 * dist.entropy().mean()

    check(ours, theirs, logits, adv, atol=1e-5, rtol=1e-4)


@pytest.mark.slow
def test_vae_step_compiled_equals_eager():
    def run(compiled):
        pl.manual_seed(0)
        enc = pl.nn.Linear(4, 2 * 3)
        dec = pl.nn.Linear(3, 4)
        opt = pl.optim.SGD(list(enc.parameters()) + list(dec.parameters()), lr=0.1)
        x = pl.tensor(np.linspace(-1, 1, 8 * 4, dtype=np.float32).reshape(8, 4))

        def step(x):
            opt.zero_grad()
            mu, log_sigma = enc(x).chunk(2, dim=-1)
            q = D.Normal(mu, log_sigma.exp())
            z = q.rsample()
            recon = ((dec(z) - x) ** 2).sum(-1)
            kl = D.kl_divergence(q, D.Normal(pl.zeros_like(mu), pl.ones_like(mu))).sum(-1)
            loss = (recon + kl).mean()
            loss.backward()
            opt.step()
            return loss

        fn = pl.compile(step) if compiled else step
        losses = [fn(x).item() for _ in range(2)]
        return losses, enc.weight.detach().numpy(), dec.weight.detach().numpy()

    eager, compiled = run(False), run(True)
    for e, c in zip(eager, compiled):
        np.testing.assert_allclose(c, e, rtol=1e-5, atol=1e-6)
