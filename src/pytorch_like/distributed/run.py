"""``python -m pytorch_like.distributed.run``: a torchrun-style launcher.

Mirrors ``torchrun`` (``torch.distributed.run``) for static jobs: it starts
``--nproc-per-node`` copies of a script on this host, each with torchrun's environment
(``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``LOCAL_WORLD_SIZE``, ``GROUP_RANK``,
``MASTER_ADDR``, ``MASTER_PORT``), so that ``init_process_group()`` in the script finds
its peers. With ``--nnodes N``, run it once per host with ``--node-rank`` and the same
``--master-addr``/``--master-port``.

Deliberate differences: no elastic restarts (``--max-restarts`` is accepted and ignored);
when a worker fails, the others are stopped and the launcher exits with that worker's exit
code (torchrun exits with 1); a worker killed by signal ``s`` gives ``128 + s``.

Example:
    $ python -m pytorch_like.distributed.run --nproc-per-node 2 train.py --epochs 3
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import uuid

__all__ = ["main", "get_args_parser"]


def get_args_parser() -> argparse.ArgumentParser:
    """The launcher's options; torchrun's spellings (``--nproc-per-node`` and
    ``--nproc_per_node``) are both accepted."""
    p = argparse.ArgumentParser(
        prog="python -m pytorch_like.distributed.run",
        description="Start N processes of a training script with torchrun's environment.")
    p.add_argument("--nproc-per-node", "--nproc_per_node", type=int, default=1,
                   help="processes to start on this host (default 1)")
    p.add_argument("--nnodes", type=int, default=1, help="number of hosts (default 1)")
    p.add_argument("--node-rank", "--node_rank", type=int, default=0,
                   help="this host's index among --nnodes (default 0)")
    p.add_argument("--master-addr", "--master_addr", default="127.0.0.1",
                   help="address of the host running rank 0 (default 127.0.0.1)")
    p.add_argument("--master-port", "--master_port", type=int, default=29500,
                   help="a free port on that host (default 29500)")
    p.add_argument("--standalone", action="store_true",
                   help="single host: use localhost and pick a free port")
    p.add_argument("--max-restarts", "--max_restarts", type=int, default=0,
                   help="accepted for torchrun compatibility; restarts are not supported")
    p.add_argument("-m", "--module", action="store_true",
                   help="run the script argument as a module (python -m)")
    p.add_argument("--no-python", "--no_python", action="store_true",
                   help="run the script argument as an executable, not with python")
    p.add_argument("training_script", help="the script (or module) to run")
    p.add_argument("training_script_args", nargs=argparse.REMAINDER)
    return p


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("", 0))
        return s.getsockname()[1]


def _exit_code(rc: int) -> int:
    return 128 - rc if rc < 0 else rc


def _stop(procs: list[subprocess.Popen], grace_s: float = 5.0) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for p in procs:
        try:
            p.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def main(argv: list[str] | None = None) -> int:
    """Start the workers, wait for them, and return the exit code (0 when all succeed)."""
    args = get_args_parser().parse_args(argv)
    if args.nproc_per_node < 1 or args.nnodes < 1:
        raise SystemExit("--nproc-per-node and --nnodes must be at least 1")
    if not 0 <= args.node_rank < args.nnodes:
        raise SystemExit(f"--node-rank {args.node_rank} must be in [0, {args.nnodes - 1}]")
    addr, port = args.master_addr, args.master_port
    if args.standalone:
        addr, port = "127.0.0.1", _free_port()
    world = args.nproc_per_node * args.nnodes
    if args.no_python:
        cmd = [args.training_script]
    elif args.module:
        cmd = [sys.executable, "-u", "-m", args.training_script]
    else:
        cmd = [sys.executable, "-u", args.training_script]
    cmd += args.training_script_args
    run_id = os.environ.get("TORCHELASTIC_RUN_ID") or uuid.uuid4().hex[:8]
    procs: list[subprocess.Popen] = []
    for local in range(args.nproc_per_node):
        env = dict(os.environ)
        env.update(RANK=str(args.node_rank * args.nproc_per_node + local),
                   LOCAL_RANK=str(local), WORLD_SIZE=str(world),
                   LOCAL_WORLD_SIZE=str(args.nproc_per_node), GROUP_RANK=str(args.node_rank),
                   MASTER_ADDR=addr, MASTER_PORT=str(port), TORCHELASTIC_RUN_ID=run_id)
        procs.append(subprocess.Popen(cmd, env=env))
    try:
        while True:
            codes = [p.poll() for p in procs]
            failed = [c for c in codes if c not in (None, 0)]
            if failed:
                _stop(procs)
                return _exit_code(failed[0])
            if all(c == 0 for c in codes):
                return 0
            time.sleep(0.05)
    except KeyboardInterrupt:
        _stop(procs)
        return 130


if __name__ == "__main__":
    sys.exit(main())
