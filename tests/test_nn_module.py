"""nn.Module behaviour against torch: registration, traversal order and names, state_dict
(keys, order, metadata, detach, keep_vars), load_state_dict (in-place copy, errors with
torch's text), repr, hooks, train/eval, dtype/device moves, containers, Parameter."""

from __future__ import annotations

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import pytorch_like as pl
import pytorch_like.nn as pnn


def _net_class(lib):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1, bias=False)
            self.bn = nn.BatchNorm2d(4)
            self.register_buffer("scale", lib.ones(1))
            self.register_buffer("cache", lib.zeros(2), persistent=False)

        def forward(self, x):
            return lib.relu(self.bn(self.conv(x))) * self.scale

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.alpha = nn.Parameter(lib.ones(1))
            self.features = nn.Sequential(Block(), nn.MaxPool2d(2), nn.Dropout(0.1))
            self.heads = nn.ModuleDict({"cls": nn.Linear(16, 3), "aux": nn.Identity()})
            self.layers = nn.ModuleList([nn.Linear(3, 3) for _ in range(2)] + [nn.Tanh()])
            self.fc = nn.Linear(3, 2)

        def forward(self, x):
            x = self.features(x).flatten(1)[:, :16]
            x = self.heads["cls"](x)
            for layer in self.layers:
                x = layer(x)
            return self.fc(x) * self.alpha

    return Net


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.fixture
def pair(torch):
    torch.manual_seed(0)
    return _net_class(torch)(), _net_class(pl)()


def test_names_and_order_match_torch(pair):
    tm, pm = pair
    for attr in ("named_parameters", "named_buffers", "named_modules", "named_children"):
        assert [n for n, _ in getattr(pm, attr)()] == [n for n, _ in getattr(tm, attr)()], attr
    assert list(pm.state_dict()) == list(tm.state_dict())
    assert pm.state_dict()._metadata == tm.state_dict()._metadata
    assert [n for n, _ in pm.named_parameters(prefix="m", recurse=False)] == ["m.alpha"]
    assert len(list(pm.parameters())) == len(list(tm.parameters()))
    assert len(list(pm.modules())) == len(list(tm.modules()))


def test_repr_matches_torch(pair):
    tm, pm = pair
    assert repr(pm) == repr(tm)


def test_state_dict_values_are_detached_aliases():
    m = pnn.Linear(3, 2)
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict)
    w = sd["weight"]
    assert not w.requires_grad and type(w) is pl.Tensor
    with pl.no_grad():
        m.weight.add_(1.0)
    np.testing.assert_allclose(np.asarray(w), np.asarray(m.weight.detach()))
    kv = m.state_dict(keep_vars=True)
    assert kv["weight"] is m.weight
    assert list(m.state_dict(prefix="p.")) == ["p.weight", "p.bias"]


def test_load_state_dict_copies_in_place_and_round_trips(pair):
    tm, pm = pair
    sd = {k: pl.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()}
    weight = pm.fc.weight
    result = pm.load_state_dict(sd)
    assert pm.fc.weight is weight  # same Parameter object: an optimizer still sees it
    np.testing.assert_allclose(np.asarray(weight.detach()), tm.fc.weight.detach().numpy())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert pm.fc.weight.requires_grad
    # and back: a fresh model loads our state_dict
    other = _net_class(pl)()
    other.load_state_dict(pm.state_dict())
    for (n, a), (_, b) in zip(other.state_dict().items(), pm.state_dict().items()):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=n)


def _errors(lib, module, sd, strict=True):
    try:
        return module.load_state_dict(sd, strict=strict), None
    except RuntimeError as e:
        return None, str(e)


def test_load_state_dict_errors_have_torchs_text(pair, torch):
    tm, pm = pair

    def mutate(lib, sd):
        sd = OrderedDict(sd)
        del sd["fc.bias"]
        del sd["features.0.scale"]
        sd["extra"] = lib.zeros(1)
        sd["heads.cls.extra"] = lib.zeros(1)
        return sd

    t_res, t_err = _errors(torch, tm, mutate(torch, tm.state_dict()))
    p_res, p_err = _errors(pl, pm, mutate(pl, pm.state_dict()))
    assert t_err is not None and p_err == t_err
    assert "Missing key(s) in state_dict" in p_err and "Unexpected key(s)" in p_err

    t_res, _ = _errors(torch, tm, mutate(torch, tm.state_dict()), strict=False)
    p_res, _ = _errors(pl, pm, mutate(pl, pm.state_dict()), strict=False)
    assert p_res.missing_keys == t_res.missing_keys
    assert p_res.unexpected_keys == t_res.unexpected_keys
    assert repr(p_res) == repr(t_res)

    def bad_shape(lib, sd):
        sd = OrderedDict(sd)
        sd["layers.0.weight"] = lib.zeros(4, 3)
        return sd

    _, t_err = _errors(torch, tm, bad_shape(torch, tm.state_dict()), strict=False)
    _, p_err = _errors(pl, pm, bad_shape(pl, pm.state_dict()), strict=False)
    assert p_err == t_err and "size mismatch for layers.0.weight" in p_err


def test_load_state_dict_exact_message():
    class Net(pnn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = pnn.Linear(2, 3)
            self.fc = pnn.Linear(3, 1)

    net = Net()
    sd = net.state_dict()
    del sd["fc.bias"]
    sd["layer1.weight"] = pl.zeros(4, 2)
    with pytest.raises(RuntimeError) as e:
        net.load_state_dict(sd)
    assert str(e.value) == (
        'Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "fc.bias". '
        "\n\tsize mismatch for layer1.weight: copying a param with shape torch.Size([4, 2]) "
        "from checkpoint, the shape in current model is torch.Size([3, 2]).")
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        net.load_state_dict([1, 2])


def test_batchnorm_loads_checkpoint_without_num_batches_tracked():
    bn = pnn.BatchNorm1d(2)
    sd = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    assert bn.load_state_dict(sd).missing_keys == []  # plain dict: no version metadata


def test_registration_rules():
    m = pnn.Module()
    m.w = pnn.Parameter(pl.zeros(2))
    m.sub = pnn.Linear(2, 2)
    m.register_buffer("b", pl.zeros(1))
    m.plain = pl.zeros(1)  # a plain tensor attribute is not registered
    assert [n for n, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]
    assert list(m.state_dict()) == ["w", "b", "sub.weight", "sub.bias"]
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' as parameter 'w'"):
        m.w = pl.zeros(2)
    with pytest.raises(TypeError, match="as child module 'sub'"):
        m.sub = 3
    with pytest.raises(KeyError, match="attribute 'plain' already exists"):
        m.register_buffer("plain", pl.zeros(1))
    with pytest.raises(KeyError):
        m.register_parameter("a.b", None)
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'nope'"):
        m.nope  # noqa: B018
    m.b = pl.ones(3)  # reassigning a buffer keeps it a buffer
    assert tuple(m.b.shape) == (3,) and "b" in m._buffers
    m.w = None
    assert [n for n, _ in m.named_parameters()] == ["sub.weight", "sub.bias"]
    del m.sub
    assert list(m.children()) == []
    m.buf2 = pnn.Buffer(pl.zeros(1), persistent=False)
    assert "buf2" in dict(m.named_buffers()) and "buf2" not in m.state_dict()
    assert "w" in dir(m) and "b" in dir(m)

    class Early(pnn.Module):
        def __init__(self):
            self.w = pnn.Parameter(pl.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_shared_parameters_appear_once():
    a = pnn.Linear(2, 2)
    m = pnn.Sequential(a, a)
    assert len(list(m.parameters())) == 2
    assert len(list(m.named_parameters(remove_duplicate=False))) == 4
    assert list(m.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_hooks_run_modify_and_remove():
    m = pnn.Linear(2, 2)
    calls = []

    def pre(mod, args):
        calls.append("pre")
        return (args[0] * 0,)

    def post(mod, args, out):
        calls.append("post")
        return out + 1

    h1 = m.register_forward_pre_hook(pre)
    h2 = m.register_forward_hook(post)
    out = m(pl.ones(1, 2))
    assert calls == ["pre", "post"]
    np.testing.assert_allclose(np.asarray(out.detach()), np.asarray(m.bias.detach())[None] + 1,
                               rtol=1e-6)
    h1.remove()
    h2.remove()
    out2 = m(pl.zeros(1, 2))
    np.testing.assert_allclose(np.asarray(out2.detach()), np.asarray(m.bias.detach())[None])
    assert calls == ["pre", "post"]

    seen = []
    with m.register_forward_hook(lambda mod, a, kw, o: seen.append(sorted(kw)),
                                 with_kwargs=True):
        m(input=pl.ones(1, 2))
    m(input=pl.ones(1, 2))
    assert seen == [["input"]]

    order = []
    m.register_forward_hook(lambda *a: order.append(1))
    m.register_forward_hook(lambda *a: order.append(0), prepend=True)
    m(pl.ones(1, 2))
    assert order == [0, 1]


def test_train_eval_propagate_and_dropout_follows():
    m = pnn.Sequential(pnn.Linear(4, 4), pnn.Sequential(pnn.Dropout(0.5)))
    assert all(mod.training for mod in m.modules())
    assert m.eval() is m
    assert not any(mod.training for mod in m.modules())
    x = pl.ones(2, 4)
    np.testing.assert_array_equal(np.asarray(m[1](x)), np.ones((2, 4)))
    m.train()
    assert all(mod.training for mod in m.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train("yes")


def test_to_dtype_keeps_parameter_objects_and_int_buffers():
    m = pnn.Sequential(pnn.Linear(2, 2), pnn.BatchNorm1d(2))
    w = m[0].weight
    out = m.to(pl.float64)
    assert out is m and m[0].weight is w
    assert w.dtype == pl.float64 and m[1].running_mean.dtype == pl.float64
    assert m[1].num_batches_tracked.dtype == pl.int64
    m.float()
    assert w.dtype == pl.float32
    m.half()
    assert w.dtype == pl.float16
    m.to("cpu")
    assert w.device.type == "cpu"
    with pytest.raises(TypeError, match="only accepts floating point or complex dtypes"):
        m.to(pl.int64)


def test_zero_grad_requires_grad_apply():
    m = pnn.Linear(3, 1)
    m(pl.ones(2, 3)).sum().backward()
    assert m.weight.grad is not None
    m.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(np.asarray(m.weight.grad), np.zeros((1, 3)))
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    names = []
    pnn.Sequential(m, pnn.ReLU()).apply(lambda mod: names.append(type(mod).__name__))
    assert names == ["Linear", "ReLU", "Sequential"]


def test_forward_missing_raises_torchs_error():
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        pnn.Module()(1)


def test_sequential_indexing_slicing_append():
    layers = [pnn.Linear(2, 2), pnn.ReLU(), pnn.Linear(2, 1)]
    s = pnn.Sequential(*layers)
    assert len(s) == 3 and s[0] is layers[0] and s[-1] is layers[2]
    sub = s[1:]
    assert isinstance(sub, pnn.Sequential) and list(sub._modules) == ["1", "2"]
    s.append(pnn.Sigmoid())
    assert list(s._modules) == ["0", "1", "2", "3"]
    del s[1]
    assert list(s._modules) == ["0", "1", "2"] and s[1] is layers[2]
    with pytest.raises(IndexError, match="index 5 is out of range"):
        s[5]
    od = pnn.Sequential(OrderedDict([("fc", pnn.Linear(2, 3)), ("act", pnn.ReLU())]))
    assert list(od.state_dict()) == ["fc.weight", "fc.bias"] and od.act is od[1]
    y = od(pl.ones(4, 2))
    assert tuple(y.shape) == (4, 3)


def test_module_list_and_dict():
    ml = pnn.ModuleList([pnn.Linear(2, 2)])
    ml.append(pnn.ReLU())
    ml.extend([pnn.Tanh()])
    ml.insert(0, pnn.Identity())
    assert [type(m).__name__ for m in ml] == ["Identity", "Linear", "ReLU", "Tanh"]
    assert isinstance(ml[1:3], pnn.ModuleList) and len(ml[1:3]) == 2
    md = pnn.ModuleDict({"b": pnn.ReLU(), "a": pnn.Tanh()})
    assert list(md.keys()) == ["b", "a"] and "a" in md and len(md) == 2
    md["c"] = pnn.Linear(1, 1)
    assert [n for n, _ in md.named_parameters()] == ["c.weight", "c.bias"]
    assert isinstance(md.pop("c"), pnn.Linear) and len(md) == 2


def test_parameter_list_and_dict(torch):
    def build(lib):
        m = lib.nn.Module()
        m.pl = lib.nn.ParameterList([lib.nn.Parameter(lib.zeros(3)), lib.zeros(2, 2)])
        m.pd = lib.nn.ParameterDict({"b": lib.nn.Parameter(lib.zeros(1)), "a": lib.zeros(2)})
        return m

    tm, pm = build(torch), build(pl)
    assert list(pm.state_dict()) == list(tm.state_dict())
    assert repr(pm) == repr(tm)
    assert isinstance(pm.pl[1], pnn.Parameter) and pm.pl[1].requires_grad
    assert len(pm.pl) == 2 and list(pm.pd.keys()) == ["a", "b"]


def test_parameter_basics(torch):
    data = pl.tensor([1.0, 2.0])
    p = pnn.Parameter(data)
    assert isinstance(p, pl.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    with pl.no_grad():
        p.mul_(3)
    np.testing.assert_array_equal(np.asarray(data), [3.0, 6.0])  # shares the storage
    assert not pnn.Parameter(pl.zeros(1), requires_grad=False).requires_grad
    assert tuple(pnn.Parameter().shape) == (0,)
    q = copy.deepcopy(p)
    assert isinstance(q, pnn.Parameter) and q is not p and q.requires_grad
    r = pickle.loads(pickle.dumps(p))
    assert isinstance(r, pnn.Parameter) and np.array_equal(np.asarray(r.detach()), [3.0, 6.0])
    y = (p * 2).sum()
    y.backward()
    np.testing.assert_array_equal(np.asarray(p.grad), [2.0, 2.0])


def test_deepcopy_module_is_independent():
    m = pnn.Sequential(pnn.Linear(2, 2), pnn.BatchNorm1d(2))
    c = copy.deepcopy(m)
    with pl.no_grad():
        c[0].weight.fill_(0.0)
    assert not np.allclose(np.asarray(m[0].weight.detach()), 0.0)
    assert isinstance(c[0].weight, pnn.Parameter)
    assert list(c.state_dict()) == list(m.state_dict())


def test_get_submodule_parameter_buffer():
    m = pnn.Sequential(pnn.Linear(2, 2), pnn.BatchNorm1d(2))
    assert m.get_submodule("1") is m[1]
    assert m.get_parameter("0.weight") is m[0].weight
    assert m.get_buffer("1.running_mean") is m[1].running_mean
    with pytest.raises(AttributeError):
        m.get_submodule("7")
