"""More of torch.distributions: Poisson, Geometric, Binomial, Dirichlet, Chi2, StudentT,
Cauchy, HalfNormal, LogNormal, TransformedDistribution and its transforms,
MixtureSameFamily, RelaxedBernoulli, RelaxedOneHotCategorical and their KL pairs.

log_prob, entropy, moments, cdf/icdf and KL values and their gradients are compared with
real torch through tests/parity.py's ``check``; rsample gradients against torch (or jax)
given the same noise; sample statistics with a fixed seed and tolerances from the sample
size; shapes, expand, repr and validation errors against torch.
"""

import math

import numpy as np
import pytest
from parity import check

import pytorch_like as pl
import pytorch_like.distributions as D
from pytorch_like.distributions import transforms as T

try:
    import torch
    import torch.distributions as TD
    import torch.distributions.transforms as TT
except ImportError:  # the torch half of check() is skipped; direct uses importorskip
    torch = TD = TT = None

rng = np.random.default_rng(1)


def _pos(*shape, lo=0.5, hi=2.0):
    return rng.uniform(lo, hi, shape).astype(np.float32)


def _f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _ev(d, name):
    v = getattr(d, name)
    return v() if callable(v) else v


def test_discrete_families_against_torch():
    k = np.array([[0.0, 1.0, 3.0], [2.0, 0.0, 5.0]], np.float32)
    names = ["mean", "mode", "variance", "stddev"]

    def run(lib, m, rate, p, logit, rate2, p2):
        po, ge, gl = m.Poisson(rate), m.Geometric(probs=p), m.Geometric(logits=logit)
        b = m.Binomial(5, probs=p)
        bl = m.Binomial(lib.tensor([5.0, 5.0, 5.0]), logits=logit)
        x = lib.tensor(k)
        out = [po.log_prob(x), ge.log_prob(x), gl.log_prob(x), b.log_prob(x), bl.log_prob(x),
               ge.entropy(), gl.entropy(), b.entropy(), bl.entropy(),
               m.kl_divergence(po, m.Poisson(rate2)),
               m.kl_divergence(ge, m.Geometric(p2)),
               m.kl_divergence(b, m.Binomial(5, p2))]
        for d in (po, ge, gl, b, bl):
            out += [_ev(d, n) for n in names]
        return out

    check(lambda *a: run(pl, D, *a), lambda *a: run(torch, TD, *a), _pos(3, lo=0.5, hi=4),
          _pos(3, lo=0.1, hi=0.9), _f32(3), _pos(3), _pos(3, lo=0.1, hi=0.9),
          atol=1e-5, rtol=1e-4)


def test_continuous_families_against_torch():
    x = _pos(4, 3, lo=0.1, hi=3.0)
    xr = _f32(4, 3)
    u = rng.uniform(0.05, 0.95, (4, 3)).astype(np.float32)
    names = ["mean", "mode", "variance", "stddev"]

    def run(lib, m, df, loc, scale, loc2, scale2):
        st, ca = m.StudentT(df * 3, loc, scale), m.Cauchy(loc, scale)
        hn, ln, c2 = m.HalfNormal(scale), m.LogNormal(loc, scale), m.Chi2(df)
        out = [st.log_prob(lib.tensor(xr)), st.entropy(), ca.log_prob(lib.tensor(xr)),
               ca.cdf(lib.tensor(xr)), ca.icdf(lib.tensor(u)), ca.entropy(),
               hn.log_prob(lib.tensor(x)), hn.cdf(lib.tensor(x)), hn.icdf(lib.tensor(u)),
               hn.entropy(), ln.log_prob(lib.tensor(x)), ln.cdf(lib.tensor(x)),
               ln.icdf(lib.tensor(u)), ln.entropy(), c2.log_prob(lib.tensor(x)), c2.entropy(),
               m.kl_divergence(ca, m.Cauchy(loc2, scale2)),
               m.kl_divergence(hn, m.HalfNormal(scale2)),
               m.kl_divergence(ln, m.LogNormal(loc2, scale2))]
        for d in (st, hn, ln, c2):
            out += [_ev(d, n) for n in names]
        return out + [ca.mode]

    check(lambda *a: run(pl, D, *a), lambda *a: run(torch, TD, *a), _pos(3), _f32(3),
          _pos(3), _f32(3), _pos(3), atol=1e-5, rtol=1e-4)


def test_dirichlet_against_torch():
    x = rng.dirichlet([1.0, 2.0, 3.0], (4, 2)).astype(np.float32)

    def run(lib, m, c, c2):
        d = m.Dirichlet(c)
        return [d.log_prob(lib.tensor(x)), d.entropy(), d.mean, d.mode, d.variance,
                m.kl_divergence(d, m.Dirichlet(c2))]

    check(lambda *a: run(pl, D, *a), lambda *a: run(torch, TD, *a), _pos(2, 3) + 1,
          _pos(2, 3), atol=1e-5, rtol=1e-4)
    pytest.importorskip("torch")
    low = np.array([[0.5, 0.7, 0.2], [2.0, 0.5, 3.0]], np.float32)
    np.testing.assert_array_equal(D.Dirichlet(pl.tensor(low)).mode.numpy(),
                                  TD.Dirichlet(torch.tensor(low)).mode.numpy())


def test_mixture_and_relaxed_against_torch():
    x = _f32(4, 2)
    xv = _f32(4, 2, 3)
    pr = rng.uniform(0.05, 0.95, (4, 3)).astype(np.float32)
    simplex = rng.dirichlet([1.0, 1.0, 1.0], (4, 2)).astype(np.float32)

    def run(lib, m, w, loc, scale, temp, logits):
        gmm = m.MixtureSameFamily(m.Categorical(logits=w), m.Normal(loc, scale))
        comp = m.Normal(loc[..., None] + lib.zeros(3), scale[..., None])
        mv = m.MixtureSameFamily(m.Categorical(logits=w), m.Independent(comp, 1))
        rb = m.RelaxedBernoulli(temp, logits=logits[0])
        ro = m.RelaxedOneHotCategorical(temp, logits=logits)
        return [gmm.log_prob(lib.tensor(x)), gmm.cdf(lib.tensor(x)), gmm.mean, gmm.variance,
                mv.log_prob(lib.tensor(xv)), mv.mean, mv.variance,
                rb.log_prob(lib.tensor(pr)), ro.log_prob(lib.tensor(simplex))]

    check(lambda *a: run(pl, D, *a), lambda *a: run(torch, TD, *a), _f32(2, 4), _f32(2, 4),
          _pos(2, 4), np.array(0.7, np.float32), _f32(2, 3),
          atol=1e-5, rtol=1e-4)


def test_transforms_and_transformed_distribution_against_torch():
    x = _f32(5, 3) * 0.5

    def run(lib, m, tm, loc, scale, a, b):
        base = m.Normal(loc, scale)
        ts = [tm.AffineTransform(a, b), tm.TanhTransform(), tm.AffineTransform(0.0, -2.0),
              tm.SigmoidTransform()]
        d = m.TransformedDistribution(base, ts)
        y = tm.ComposeTransform(ts)(lib.tensor(x))
        comp = tm.ComposeTransform(ts)
        e = m.TransformedDistribution(base, [tm.ExpTransform(), tm.AffineTransform(1.0, -3.0)])
        u = lib.tensor(np.linspace(0.1, 0.9, 3, dtype=np.float32))
        return [y, comp.inv(y), comp.log_abs_det_jacobian(lib.tensor(x), y), d.log_prob(y),
                e.log_prob(-lib.tensor(np.abs(x)) - 0.5), e.cdf(-lib.tensor(np.abs(x))),
                e.icdf(u)]

    check(lambda *a: run(pl, D, T, *a), lambda *a: run(torch, TD, TT, *a), _f32(3) * 0.3,
          _pos(3), _f32(3) * 0.3, _pos(3), atol=1e-4, rtol=1e-4)


@pytest.mark.slow
def test_rsample_gradients_with_the_same_noise():
    pytest.importorskip("torch")
    loc, scale, df = _f32(3), _pos(3), _pos(3) * 3
    pl.manual_seed(0)
    lo, sc = pl.tensor(loc, requires_grad=True), pl.tensor(scale, requires_grad=True)
    z_ca = D.Cauchy(lo, sc).rsample((4,))
    z_ln = D.LogNormal(lo, sc).rsample((4,))
    z_hn = D.HalfNormal(sc).rsample((4,))
    (z_ca.atan().sum() + z_ln.sqrt().sum() + z_hn.pow(2).sum()).backward()
    # The same noise through torch, recovered from our draws.
    e_ca = (z_ca.detach().numpy() - loc) / scale
    e_ln = (np.log(z_ln.detach().numpy()) - loc) / scale
    e_hn = z_hn.detach().numpy() / scale  # |eps|: the sign does not change the gradient
    tl, ts = torch.tensor(loc, requires_grad=True), torch.tensor(scale, requires_grad=True)
    t_ca = tl + ts * torch.tensor(e_ca)
    t_ln = (tl + ts * torch.tensor(e_ln)).exp()
    t_hn = ts * torch.tensor(e_hn)
    (t_ca.atan().sum() + t_ln.sqrt().sum() + t_hn.pow(2).sum()).backward()
    np.testing.assert_allclose(lo.grad.numpy(), tl.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(sc.grad.numpy(), ts.grad.numpy(), rtol=1e-4, atol=1e-4)

    # Gamma-based draws: torch's implicit reparameterization gradient of the same Gamma
    # draw, via torch._standard_gamma_grad, chained through each construction.
    # Every Gamma draw below has shape (6, 3): each new shape compiles the sampler and its
    # gradient afresh (seconds each), so sharing one shape keeps this test fast.
    pl.manual_seed(1)
    c = pl.tensor(df, requires_grad=True)
    chi = D.Chi2(c).rsample((6,))
    chi.sum().backward()
    g = torch.tensor(chi.detach().numpy() / 2)  # the unit-rate Gamma(df/2) draw
    want = (torch._standard_gamma_grad(torch.tensor(df / 2).expand(6, 3), g)).sum(0)
    np.testing.assert_allclose(c.grad.numpy(), want.numpy(), rtol=1e-3, atol=1e-5)

    conc = np.array([0.7, 2.0, 5.0], np.float32)
    pl.manual_seed(2)
    cd = pl.tensor(conc, requires_grad=True)
    w = pl.tensor(_f32(3))
    x = D.Dirichlet(cd).rsample((6,))
    (x * w).sum().backward()
    # x = g / sum(g) with g ~ Gamma(conc): the sum of g is not recoverable from x, so the
    # same Gamma draw g is taken again from the same seed, checked to give x, and the
    # reference is torch's implicit gradient of g chained through g / sum(g).
    pl.manual_seed(2)
    g = D.Gamma(pl.tensor(conc), 1.0).rsample((6,)).numpy()
    np.testing.assert_allclose(x.detach().numpy(), g / g.sum(-1, keepdims=True), rtol=1e-6)
    tg = torch.tensor(g, requires_grad=True)
    ((tg / tg.sum(-1, keepdim=True)) * torch.tensor(w.numpy())).sum().backward()
    want = (tg.grad * torch._standard_gamma_grad(torch.tensor(conc).expand(6, 3),
                                                 torch.tensor(g))).sum(0)
    np.testing.assert_allclose(cd.grad.numpy(), want.numpy(), rtol=1e-4, atol=1e-5)

    # StudentT and the relaxed one-hot: gradients reach every parameter.
    dft = pl.tensor(df, requires_grad=True)
    logits = pl.tensor(_f32(3), requires_grad=True)
    temp = pl.tensor(0.5, requires_grad=True)
    (D.StudentT(dft, lo, sc).rsample((6,)).sum()
     + D.RelaxedOneHotCategorical(temp, logits=logits).rsample().pow(2).sum()).backward()
    assert np.all(np.isfinite(dft.grad.numpy())) and np.all(np.isfinite(logits.grad.numpy()))
    assert np.isfinite(temp.grad.item())


@pytest.mark.slow
def test_sample_statistics():
    pl.manual_seed(0)
    n = 4000
    cases = [
        (D.Poisson(pl.tensor([0.5, 4.0])), [0.5, 4.0], [0.5, 4.0]),
        (D.Geometric(pl.tensor([0.3, 0.8])), [7 / 3, 0.25], [0.7 / 0.09, 0.2 / 0.64]),
        (D.Binomial(pl.tensor([3.0, 10.0]), pl.tensor([0.5, 0.2])), [1.5, 2.0], [0.75, 1.6]),
        (D.Dirichlet(pl.tensor([1.0, 3.0])), [0.25, 0.75], [3 / 80, 3 / 80]),
        (D.Chi2(pl.tensor([1.0, 5.0])), [1.0, 5.0], [2.0, 10.0]),
        (D.StudentT(pl.tensor([5.0, 10.0]), pl.tensor([1.0, -1.0])), [1.0, -1.0],
         [5 / 3, 1.25]),
        (D.HalfNormal(pl.tensor([1.0, 2.0])), [math.sqrt(2 / math.pi), 2 * math.sqrt(2 / math.pi)],
         [1 - 2 / math.pi, 4 * (1 - 2 / math.pi)]),
        (D.LogNormal(pl.tensor([0.0, 1.0]), pl.tensor([0.25, 0.5])),
         [math.exp(1 / 32), math.exp(1.125)],
         [math.expm1(1 / 16) * math.exp(1 / 16), math.expm1(0.25) * math.exp(2.25)]),
        (D.MixtureSameFamily(D.Categorical(pl.tensor([0.3, 0.7])),
                             D.Normal(pl.tensor([-2.0, 2.0]), pl.tensor([0.5, 1.0]))),
         [0.8], [0.3 * 0.25 + 0.7 + 0.3 * 2.8**2 + 0.7 * 1.2**2]),
        (D.RelaxedBernoulli(pl.tensor(0.05), probs=pl.tensor([0.2, 0.9])), [0.2, 0.9],
         [0.16, 0.09]),
    ]
    for dist, mean, var in cases:
        s = dist.sample((n,))
        want = (n,) + tuple(dist.batch_shape) + tuple(dist.event_shape)
        assert tuple(s.shape) == want and s.dtype == pl.float32, (dist, s.shape)
        got = s.numpy().astype(np.float64).reshape(n, -1).mean(0)
        se = np.sqrt(np.asarray(var, np.float64)) / math.sqrt(n)
        # 5 standard errors (plus slack for the relaxation's bias at temperature 0.05).
        assert np.all(np.abs(got - mean) < 5 * se + 0.01), (dist, got, mean)
    # Same sample shape as the cases above, so the samplers' compiled programs are reused.
    assert np.all(D.Binomial(pl.tensor([3.0, 3.0]), pl.tensor([0.5, 0.5])).sample((n,)).numpy()
                  <= 3)
    oh = D.RelaxedOneHotCategorical(pl.tensor(0.5), probs=pl.tensor([0.2, 0.8])).sample((n,))
    np.testing.assert_allclose(oh.numpy().sum(-1), 1.0, rtol=1e-5)
    # The Cauchy median and quartiles (its mean does not exist).
    c = np.sort(D.Cauchy(1.0, 2.0).sample((n,)).numpy())
    np.testing.assert_allclose([c[n // 4], c[n // 2], c[3 * n // 4]], [-1.0, 1.0, 3.0], atol=0.3)
    # Reproducible under manual_seed; no gradient on sample.
    pl.manual_seed(5)
    a = D.Dirichlet(pl.ones(2)).sample((n,))
    pl.manual_seed(5)
    np.testing.assert_array_equal(a.numpy(), D.Dirichlet(pl.ones(2)).sample((n,)).numpy())
    assert not D.LogNormal(pl.zeros(2, requires_grad=True), 1.0).sample().requires_grad


def _pairs(m, t):
    temp = t.tensor(0.5)
    return [
        m.Poisson(t.ones(2)), m.Poisson(2.0), m.Geometric(t.tensor([0.3, 0.5])),
        m.Geometric(logits=0.0), m.Binomial(4, t.tensor([0.5, 0.2])),
        m.Binomial(t.tensor([2.0, 3.0]), logits=t.zeros(2)), m.Dirichlet(t.ones(2, 3)),
        m.Chi2(t.ones(2)), m.Chi2(3.0), m.StudentT(t.ones(2)), m.StudentT(3.0, 0.0, 2.0),
        m.Cauchy(0.0, t.ones(2)), m.HalfNormal(t.ones(2)), m.HalfNormal(1.0),
        m.LogNormal(t.zeros(2), 1.0), m.LogNormal(0.0, 1.0),
        m.MixtureSameFamily(m.Categorical(t.ones(2, 3)), m.Normal(t.zeros(2, 3), 1.0)),
        m.RelaxedBernoulli(temp, probs=t.tensor([0.3, 0.6])),
        m.RelaxedOneHotCategorical(temp, logits=t.zeros(2, 3)),
        m.TransformedDistribution(m.Normal(t.zeros(2), 1.0), []),
    ]


@pytest.mark.slow
def test_shapes_expand_repr_and_support_match_torch():
    pytest.importorskip("torch")
    for ours, theirs in zip(_pairs(D, pl), _pairs(TD, torch)):
        assert repr(ours) == repr(theirs)
        assert repr(ours.support) == repr(theirs.support), ours
        assert ours.batch_shape == theirs.batch_shape, ours
        assert ours.event_shape == theirs.event_shape, ours
        assert ours.has_rsample == theirs.has_rsample, ours
        assert repr(type(ours).arg_constraints) == repr(type(theirs).arg_constraints), ours
        big = (5,) + tuple(ours.batch_shape)
        e_ours, e_theirs = ours.expand(big), theirs.expand(big)
        assert type(e_ours).__name__ == type(e_theirs).__name__
        assert e_ours.batch_shape == e_theirs.batch_shape, ours
        assert e_ours.event_shape == e_theirs.event_shape, ours
    # One expanded draw per kind of construction (each new shape costs an XLA compile).
    def mix(m, t):
        return m.MixtureSameFamily(m.Categorical(t.ones(3)), m.Normal(t.zeros(3), 1.0))

    for ours, theirs in [(D.Poisson(pl.ones(2)), TD.Poisson(torch.ones(2))),
                         (D.LogNormal(pl.zeros(2), 1.0), TD.LogNormal(torch.zeros(2), 1.0)),
                         (mix(D, pl), mix(TD, torch))]:
        big = (4,) + tuple(ours.batch_shape)
        assert (tuple(ours.expand(big).sample((2,)).shape)
                == tuple(theirs.expand(big).sample((2,)).shape))
    b_ours = D.Binomial(3, pl.tensor([0.2, 0.7])).enumerate_support()
    b_theirs = TD.Binomial(3, torch.tensor([0.2, 0.7])).enumerate_support()
    np.testing.assert_array_equal(b_ours.numpy(), b_theirs.numpy())
    for ours, theirs in [(T.ExpTransform(), TT.ExpTransform()),
                         (T.ComposeTransform([T.TanhTransform(), T.SigmoidTransform()]),
                          TT.ComposeTransform([TT.TanhTransform(), TT.SigmoidTransform()]))]:
        assert repr(ours) == repr(theirs)
        assert repr(ours.domain) == repr(theirs.domain)
        assert repr(ours.codomain) == repr(theirs.codomain)
        assert ours.bijective == theirs.bijective and ours.sign == theirs.sign
    assert T.ExpTransform() == T.ExpTransform() and T.ExpTransform() != T.TanhTransform()
    # A cached tanh inverts its own saturated draws exactly.
    t = T.TanhTransform(cache_size=1)
    x = pl.tensor([30.0])
    assert t.inv(t(x)) is x


def _message(case, m, t):
    try:
        case(m, t)
    except (ValueError, NotImplementedError) as e:
        return type(e), str(e)
    return None


def test_validation_errors_match_torch():
    pytest.importorskip("torch")
    cases = [
        lambda m, t: m.Poisson(t.tensor([-1.0])),
        lambda m, t: m.Poisson(t.tensor([1.0])).log_prob(t.tensor([0.5])),
        lambda m, t: m.Geometric(t.tensor([0.0, 0.5])),
        lambda m, t: m.Geometric(t.tensor(0.0)),
        lambda m, t: m.Geometric(),
        lambda m, t: m.Binomial(t.tensor([2.5]), t.tensor([0.5])),
        lambda m, t: m.Binomial(3, t.tensor([0.5])).log_prob(t.tensor([4.0])),
        lambda m, t: m.Binomial(t.tensor([2.0, 3.0]), t.tensor([0.5, 0.5])).entropy(),
        lambda m, t: m.Dirichlet(t.tensor(1.0)),
        lambda m, t: m.Dirichlet(t.tensor([1.0, -1.0])),
        lambda m, t: m.Dirichlet(t.ones(3)).log_prob(t.tensor([0.5, 0.5, 0.5])),
        lambda m, t: m.StudentT(t.tensor([-1.0])),
        lambda m, t: m.Cauchy(0.0, t.tensor([-1.0])),
        lambda m, t: m.HalfNormal(t.tensor([-1.0])),
        lambda m, t: m.HalfNormal(1.0).log_prob(t.tensor(-1.0)),
        lambda m, t: m.LogNormal(0.0, 1.0).log_prob(t.tensor(-1.0)),
        lambda m, t: m.Chi2(t.tensor([0.0])),
        lambda m, t: m.RelaxedBernoulli(t.tensor(0.5)),
        lambda m, t: m.RelaxedBernoulli(t.tensor(0.5), probs=t.tensor([1.5])),
        lambda m, t: m.MixtureSameFamily(m.Normal(0.0, 1.0), m.Normal(t.zeros(2), 1.0)),
        lambda m, t: m.MixtureSameFamily(m.Categorical(t.ones(3)), m.Normal(t.zeros(2), 1.0)),
        lambda m, t: m.MixtureSameFamily(m.Categorical(t.ones(2, 2)),
                                         m.Normal(t.zeros(3, 2), 1.0)),
        lambda m, t: m.TransformedDistribution(m.Normal(0.0, 1.0), "exp"),
        lambda m, t: m.kl_divergence(m.Binomial(2, t.tensor([0.5])),
                                     m.Binomial(3, t.tensor([0.5]))),
        lambda m, t: m.kl_divergence(m.LogNormal(0.0, 1.0),
                                     m.TransformedDistribution(m.Normal(0.0, 1.0), [])),
    ]
    for k, case in enumerate(cases):
        theirs = _message(case, TD, torch)
        assert theirs is not None, k
        assert _message(case, D, pl) == theirs, k
