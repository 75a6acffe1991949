"""pytorch_like.profiler: schedule, events, nesting, tables, traces (torch as the oracle)."""

import json
import os
import re
import warnings

import pytest

import pytorch_like as torch
import pytorch_like.nn as nn
from pytorch_like.ops import _dispatch
from pytorch_like.profiler import (
    ProfilerAction,
    ProfilerActivity,
    profile,
    record_function,
    schedule,
    tensorboard_trace_handler,
)


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Linear(8, 2))


def _names(prof):
    return [e.name for e in prof.events()]


def _row_names(table):
    lines = table.splitlines()
    seps = [i for i, line in enumerate(lines) if line.startswith("---")]
    return [line.split("  ")[0].strip() or line.strip().split()[0]
            for line in lines[seps[1] + 1:seps[2]]]


def _columns(line):
    return [c.strip() for c in re.split(r"\s{2,}", line) if c.strip()]


@pytest.mark.parametrize("kw", [
    dict(wait=1, warmup=1, active=2),
    dict(wait=1, warmup=1, active=2, repeat=1),
    dict(wait=2, warmup=1, active=3, repeat=2, skip_first=3),
    dict(wait=0, warmup=2, active=1, repeat=3),
    dict(wait=3, warmup=1, active=1, skip_first=1),
])
def test_schedule_matches_torch(kw):
    tp = pytest.importorskip("torch.profiler")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = schedule(**kw), tp.schedule(**kw)
    got = [ours(i).name for i in range(30)]
    assert got == [theirs(i).name for i in range(30)]
    assert "RECORD_AND_SAVE" in got


def test_enum_members_match_torch():
    tp = pytest.importorskip("torch.profiler")
    assert set(ProfilerActivity.__members__) == set(tp.ProfilerActivity.__members__)
    assert set(ProfilerAction.__members__) == set(tp.ProfilerAction.__members__)
    with pytest.raises(AssertionError):
        schedule(wait=0, warmup=1, active=0)


def test_time_format_matches_torch():
    pu = pytest.importorskip("torch.autograd.profiler_util")
    from pytorch_like.profiler._events import _format_time
    for us in (0.0, 56.0, 999.9994, 1234.5678, 2_500_000.0, 1e3, 1e6):
        assert _format_time(us) == pu._format_time(us)


def test_op_names_and_counts():
    m, x = _model(), torch.randn(3, 4)
    m(x)  # compile the eager programs outside the profile
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        m(x)
    avgs = {a.key: a for a in prof.key_averages()}
    assert avgs["aten::linear"].count == 3
    assert avgs["aten::relu"].count == 1
    a = avgs["aten::linear"]
    assert a.cpu_time_total > 0
    assert a.cpu_time == pytest.approx(a.cpu_time_total / 3)
    assert a.self_cpu_time_total == pytest.approx(a.cpu_time_total)  # ops are leaves
    assert a.input_shapes == ""  # not grouped by shape, as in torch


def test_nesting_and_self_time():
    m, x = _model(), torch.randn(3, 4)
    with profile() as prof:
        with record_function("outer"):
            with record_function("inner"):
                m(x)
            torch.relu(x)
    ev = {e.name: e for e in prof.events()}
    outer, inner = ev["outer"], ev["inner"]
    assert inner.cpu_parent is outer
    assert {c.name for c in inner.cpu_children} == {"aten::linear", "aten::relu"}
    assert len(inner.cpu_children) == 4
    assert [c.name for c in outer.cpu_children] == ["inner", "aten::relu"]
    for e in prof.events():
        assert 0 <= e.self_cpu_time_total <= e.cpu_time_total
    assert inner.cpu_time_total >= sum(c.cpu_time_total for c in inner.cpu_children)
    assert outer.self_cpu_time_total == pytest.approx(
        outer.cpu_time_total - inner.cpu_time_total - ev["aten::relu"].cpu_time_total)


def test_record_function_decorator_and_outside_profile():
    @record_function("my_fn")
    def f(t):
        return t * 2

    f(torch.ones(2))  # no profile: nothing happens
    with profile() as prof:
        f(torch.ones(2))
        f(torch.ones(2))
    avgs = {a.key: a for a in prof.key_averages()}
    assert avgs["my_fn"].count == 2
    assert avgs["aten::mul"].count == 2


def test_group_by_input_shape():
    lin = nn.Linear(4, 4)
    with profile(record_shapes=True) as prof:
        lin(torch.randn(2, 4))
        lin(torch.randn(5, 4))
        lin(torch.randn(5, 4))
    grouped = [a for a in prof.key_averages(group_by_input_shape=True)
               if a.key == "aten::linear"]
    assert sorted((a.input_shapes[0], a.count) for a in grouped) == [([2, 4], 1), ([5, 4], 2)]
    assert grouped[0].input_shapes == [[2, 4], [4, 4], [4]]  # as torch's aten::linear
    assert [a.count for a in prof.key_averages() if a.key == "aten::linear"] == [3]


def test_table_matches_torch_layout():
    real = pytest.importorskip("torch")
    from torch.profiler import profile as tprofile
    from torch.profiler import record_function as trecord

    tm = real.nn.Sequential(real.nn.Linear(4, 8), real.nn.ReLU(), real.nn.Linear(8, 2))
    with tprofile(activities=[real.profiler.ProfilerActivity.CPU], record_shapes=True) as tp:
        with trecord("model_inference"):
            tm(real.randn(3, 4))
    m = _model()
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        with record_function("model_inference"):
            m(torch.randn(3, 4))
    for grouped in (False, True):
        theirs = tp.key_averages(group_by_input_shape=grouped).table(
            sort_by="cpu_time_total", row_limit=2)
        ours = prof.key_averages(group_by_input_shape=grouped).table(
            sort_by="cpu_time_total", row_limit=2)
        t_lines, o_lines = theirs.splitlines(), ours.splitlines()
        assert _columns(o_lines[1]) == _columns(t_lines[1])
        assert ("Input Shapes" in o_lines[1]) == grouped
        # the same layout: column widths differ only in the name (and shapes) column
        assert re.sub(r"-+", "-", o_lines[0]) == re.sub(r"-+", "-", t_lines[0])
        assert o_lines[-1].split(":")[0] == t_lines[-1].split(":")[0] == "Self CPU time total"
        assert re.fullmatch(r"Self CPU time total: \d+\.\d{3}(us|ms|s)", o_lines[-1])
        assert len(o_lines) == len(t_lines) == 7  # sep, header, sep, 2 rows, sep, footer
        rows = o_lines[3:5]
        assert rows[0].split()[0] == "model_inference"  # largest total first
        cells = rows[0].split()
        assert cells[1] == "100.00%" or re.fullmatch(r"\d+\.\d{2}%", cells[1])
        assert re.fullmatch(r"\d+\.\d{3}(us|ms|s)", cells[2])
        assert cells[6] == "1"
        assert ours.endswith("\n")


def test_table_sort_by_and_row_limit():
    m, x = _model(), torch.randn(3, 4)
    with profile() as prof:
        m(x)
        torch.relu(x)
    avgs = prof.key_averages()
    names = _row_names(avgs.table(sort_by="count", row_limit=1))
    assert names == ["aten::linear"]
    full = _row_names(avgs.table(sort_by="self_cpu_time_total"))
    assert sorted(full) == ["aten::linear", "aten::relu"]
    by_self = sorted(avgs, key=lambda a: a.self_cpu_time_total, reverse=True)
    assert full == [a.key for a in by_self]
    assert str(avgs) == avgs.table()


def test_chrome_trace(tmp_path):
    m = _model()
    with profile(record_shapes=True) as prof:
        with record_function("fwd"):
            m(torch.randn(3, 4))
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    doc = json.loads(path.read_text())
    xs = [e for e in doc["traceEvents"] if e["ph"] == "X"]
    assert sorted(e["name"] for e in xs) == sorted(_names(prof))
    fwd = next(e for e in xs if e["name"] == "fwd")
    for e in xs:
        assert {"name", "ts", "dur", "pid", "tid", "cat"} <= set(e)
        assert e["dur"] >= 0
        assert fwd["ts"] <= e["ts"] and e["ts"] + e["dur"] <= fwd["ts"] + fwd["dur"] + 1e-3
    assert any(e.get("args", {}).get("Input Dims") == [[3, 4], [8, 4], [8]] for e in xs)


def test_schedule_phases_and_trace_handler(tmp_path):
    m, x = _model(), torch.randn(3, 4)
    m(x)
    ready = []
    handler = tensorboard_trace_handler(str(tmp_path / "log"), worker_name="w0")

    def on_ready(p):
        ready.append([e.name for e in p.events()])
        handler(p)

    with profile(activities=[ProfilerActivity.CPU],
                 schedule=schedule(wait=1, warmup=1, active=2, repeat=2),
                 on_trace_ready=on_ready) as p:
        for _ in range(10):
            m(x)
            p.step()
    assert len(ready) == 2  # once per active cycle
    for names, steps in zip(ready, (["ProfilerStep#2", "ProfilerStep#3"],
                                    ["ProfilerStep#6", "ProfilerStep#7"])):
        assert sorted(n for n in names if n.startswith("ProfilerStep")) == steps
        assert names.count("aten::linear") == 6  # only the 2 recorded steps
    files = os.listdir(tmp_path / "log")
    assert len(files) == 2
    assert all(re.fullmatch(r"w0\.\d+\.pt\.trace\.json", f) for f in files)
    doc = json.loads((tmp_path / "log" / files[0]).read_text())
    assert any(e["name"] == "aten::linear" for e in doc["traceEvents"])


def test_nothing_recorded_outside_profile():
    x = torch.randn(3)
    with profile() as prof:
        torch.relu(x)
    assert _dispatch.profiler_hook.record is None and _dispatch.profiler_hook.scope is None
    torch.sigmoid(x)
    torch.relu(x)
    assert _names(prof) == ["aten::relu"]
    with pytest.raises(ValueError):
        with profile():
            raise ValueError("boom")
    assert _dispatch.profiler_hook.record is None


def test_backward_and_optimizer_events():
    m, x = _model(), torch.randn(3, 4)
    opt = torch.optim.Adam(m.parameters(), lr=0.1)
    with profile() as prof:
        loss = m(x).sum()
        loss.backward()
        opt.step()
    names = _names(prof)
    assert names.count("autograd::backward") == 1
    assert names.count("Optimizer.step#Adam.step") == 1
    assert all(p.grad is not None for p in m.parameters())


def test_compiled_function_under_profile():
    lin = nn.Linear(4, 2)
    x = torch.randn(3, 4)
    f = torch.compile(lambda t: torch.relu(lin(t)) * 2)
    expected = torch.relu(lin(x)) * 2
    with profile() as prof:
        with record_function("compiled"):
            y1 = f(x)
            y2 = f(x)
        torch.relu(x)
    assert torch.allclose(y1, expected) and torch.allclose(y2, expected)
    names = _names(prof)
    assert "compiled" in names and names.count("aten::relu") == 1  # traced ops not recorded


def test_autograd_profiler_alias():
    import pytorch_like.autograd.profiler as ap

    assert torch.autograd.profiler is ap
    assert ap.record_function is record_function
    with ap.profile() as prof:
        torch.relu(torch.ones(2))
    assert "aten::relu" in prof.table()
    with ap.profile(enabled=False) as off:
        torch.relu(torch.ones(2))
    assert _dispatch.profiler_hook.record is None and off._trace is None
