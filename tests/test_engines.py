"""What a distributed engine needs from the pipeline: deterministic key coders on every grouping, no worker writing
to the launcher's disk, and the same bytes when SDK workers are separate processes fed through the Fn API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator

import apache_beam as beam
import pytest
from apache_beam.coders import coders
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.portability import common_urns
from apache_beam.runners import pipeline_context

from manifests.schema import load_manifest
from pipeline.ingest.plan import plan_units
from pipeline.run import build_pipeline, is_local, progress_note, run
from tests.conftest import SAMPLE, output_bytes
from tests.test_runners import free_port, job_service  # noqa: F401  (a fixture used here too)

GROUPING_URNS = {common_urns.primitives.GROUP_BY_KEY.urn, common_urns.composites.COMBINE_PER_KEY.urn}


def non_deterministic_keys(pipeline: beam.Pipeline) -> list[str]:
    """Every grouping of ``pipeline`` (GroupByKey, CombinePerKey) whose key coder is not deterministic, with why.

    The walk is over the runner-API proto, i.e. what an engine gets: each grouping's input is a KV whose key coder
    must pass Beam's ``as_deterministic_coder`` unchanged and say ``is_deterministic``."""
    proto = pipeline.to_runner_api()
    context = pipeline_context.PipelineContext(proto.components)
    bad = []
    for t in proto.components.transforms.values():
        if t.spec.urn not in GROUPING_URNS:
            continue
        (pcoll_id,) = t.inputs.values()
        kv = context.coders.get_by_id(proto.components.pcollections[pcoll_id].coder_id)
        key = kv.key_coder() if hasattr(kv, "key_coder") else None
        if key is None:
            bad.append(f"{t.unique_name}: input coder {kv} is not a key-value coder")
            continue
        try:
            fixed = key.as_deterministic_coder(t.unique_name)
        except (ValueError, TypeError) as e:  # Beam 2.77's PickleCoder raises TypeError here
            bad.append(f"{t.unique_name}: {type(e).__name__}: {e}")
            continue
        if not key.is_deterministic() or fixed != key:
            bad.append(f"{t.unique_name}: key coder {key} is not deterministic")
    return bad


def roots_pipeline(tmp_path) -> beam.Pipeline:
    manifest = load_manifest(str(SAMPLE))
    p = beam.Pipeline(options=PipelineOptions([]))
    build_pipeline(p, manifest, plan_units(manifest), str(tmp_path / "out"))
    return p


def test_every_grouping_key_of_the_pipeline_has_a_deterministic_coder(tmp_path):
    p = roots_pipeline(tmp_path)
    proto = p.to_runner_api()
    groupings = [t.unique_name for t in proto.components.transforms.values() if t.spec.urn in GROUPING_URNS]
    assert len(groupings) > 50 and any("Dedup" in g for g in groupings)  # the walk really sees the dedup stage
    assert non_deterministic_keys(p) == []


class _Opaque:
    """A key type Beam can only pickle: pickled bytes are not a stable encoding of a key."""

    def __init__(self, n: int) -> None:
        self.n = n


def test_the_coder_walk_finds_a_non_deterministic_key():
    beam.coders.registry.register_coder(_Opaque, coders.PickleCoder)  # what a custom type would get by default
    opts = PipelineOptions(["--allow_non_deterministic_key_coders"])
    p = beam.Pipeline(options=opts)
    (
        p
        | beam.Create([1, 2])
        | beam.Map(lambda n: (_Opaque(n), n)).with_output_types(tuple[_Opaque, int])
        | "OpaqueGroup" >> beam.GroupByKey()
    )
    bad = non_deterministic_keys(p)
    assert len(bad) == 1 and "OpaqueGroup" in bad[0]


# ------------------------------------------------------------------------------------------------ the launcher's disk
@pytest.mark.parametrize(("args", "local"), [
    ((), True),
    (("--runner=PortableRunner", "--environment_type=LOOPBACK"), True),
    (("--runner=PortableRunner", "--environment_type=EXTERNAL", "--environment_config=127.0.0.1:5000"), False),
    (("--runner=FlinkRunner", "--flink_master=flink:8081"), False),
    (("--runner=SparkRunner", "--spark_master_url=spark://10.0.0.2:7077", "--environment_type=DOCKER"), False),
    (("--runner=DataflowRunner",), False),
])
def test_progress_and_log_only_where_the_workers_share_this_disk(args, local):
    options = PipelineOptions(list(args))
    assert is_local(options) is local
    note = progress_note(options, "out")
    assert (note is None) is local
    if not local:
        assert "progress bar off" in note and "beam.log" in note


# ------------------------------------------------------------------------------------------------ separate workers
@pytest.fixture
def worker_pool() -> Iterator[str]:
    """Beam's external worker pool on a free loopback port: each SDK worker it starts is a new ``python`` process
    (the venv's, first on PATH, so roots imports there), fed every element through the Fn API."""
    port = free_port()
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "apache_beam.runners.worker.worker_pool_main",
                             f"--service_port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            text=True, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not listening(port):  # the pool logs nothing before it serves
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker pool did not start: {proc.communicate(timeout=5)[0] if proc.poll() else ''}")
            time.sleep(0.2)
        yield f"127.0.0.1:{port}", proc
    finally:
        os.killpg(proc.pid, 9)  # the pool and the SDK worker processes it started (its own session)
        proc.wait(timeout=30)


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def worker_pids(pool_pid: int) -> set[int]:
    """Processes started by the pool (its SDK workers)."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pool_pid)], capture_output=True, text=True).stdout
    return {int(x) for x in out.split()}


def test_sdk_workers_in_separate_processes_give_the_same_bytes(sample_run, job_service, worker_pool,  # noqa: F811
                                                                tmp_path, monkeypatch, capsys):
    address, pool = worker_pool
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    out = tmp_path / "external"
    args = ["--runner", "PortableRunner", "--job_endpoint", job_service, "--environment_type", "EXTERNAL",
            "--environment_config", address]
    seen: set[int] = set()
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.2):
            seen.update(worker_pids(pool.pid))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        report = run(str(SAMPLE), str(out), args, progress=True)
    finally:
        stop.set()
        watcher.join()
    assert seen and os.getpid() not in seen  # the SDK workers really were other processes
    assert report["counts_add_up"]
    assert output_bytes(out) == output_bytes(sample_run)
    assert not (out / ".progress").exists() and not (out / "beam.log").exists()
    assert "progress bar off" in capsys.readouterr().err
