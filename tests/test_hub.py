"""Hugging Face Hub sources, offline through a hub cache on disk: the same documents as the same files read
locally, and one clear message for every way a hub dataset can't be opened."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import read_shards, roots_cli, write_manifest
from hub_cache import add_revision, card

from core.errors import UserError
from manifests.schema import load_manifest
from pipeline.ingest.hf import check_hub_sources
from pipeline.ingest.plan import plan_units, read_unit
from pipeline.stage import doc_id

OLD, NEW = "1" * 40, "2" * 40
FR = ["Le conseil municipal a voté hier soir le budget de la ville pour l'année prochaine, après un long débat.",
      "Les enfants de l'école du quartier ont planté des arbres dans le parc avec leurs professeurs ce matin.",
      "La bibliothèque ouvrira désormais le dimanche, pour que les familles puissent emprunter des livres."]
EN = ["The council approved the new cycling lanes after residents asked for safer routes to the station.",
      "Our team spent the weekend repairing the old footbridge, and it is open again for walkers and cyclists."]
DE = ["Die Stadtbibliothek hat ihre Öffnungszeiten verlängert, damit auch Berufstätige abends Bücher leihen können.",
      "Im Herbst sammeln die Kinder Kastanien im Park und basteln daraus kleine Figuren für den Weihnachtsmarkt."]


def _jsonl(texts: list[str]) -> bytes:
    return "".join(json.dumps({"text": t, "url": f"u{i}"}, ensure_ascii=False) + "\n"
                   for i, t in enumerate(texts)).encode()


def _parquet(texts: list[str]) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table({"text": texts, "n": list(range(len(texts)))}), buf)
    return buf.getvalue()


def _csv(texts: list[str]) -> bytes:
    return ("text,n\n" + "".join(f'"{t}",{i}\n' for i, t in enumerate(texts))).encode()


#: the data files of three hub datasets (one format each: datasets infers one builder per repository)
DATA = {
    "org/web": {"data/fr/part-0.jsonl": _jsonl(FR[:2]), "data/fr/part-1.jsonl": _jsonl(FR[2:]),
                "data/en/part-0.jsonl": _jsonl(EN)},
    "org/books": {"data/de.parquet": _parquet(DE), "data/en.parquet": _parquet(EN[:1])},
    "org/forum": {"fr/train.csv": _csv(FR[:1]), "fr/test.csv": _csv(FR[1:2])},
}
CONFIGS = {
    "org/web": {"fr": {"train": "data/fr/*.jsonl"}, "en": {"train": "data/en/*.jsonl"}},
    "org/books": {"de": {"train": "data/de.parquet"}, "en": {"train": "data/en.parquet"}},
    "org/forum": {"default": {"train": "fr/train.csv", "test": "fr/test.csv"}},
}


@pytest.fixture
def hub(tmp_path, monkeypatch) -> Path:
    """A hub cache with the three datasets, and the process offline and pointed at it. ``org/web`` has two
    commits: ``OLD`` holds the data, ``NEW`` (main) changed the French text, so a pinned revision is visible."""
    cache = tmp_path / "hub"
    for repo, files in DATA.items():
        add_revision(cache, repo, OLD, {"README.md": card(CONFIGS[repo]), **files},
                     branch=None if repo == "org/web" else "main")
    add_revision(cache, "org/web", NEW, {"README.md": card(CONFIGS["org/web"]),
                                         "data/fr/part-0.jsonl": _jsonl(["changed"]),
                                         "data/en/part-0.jsonl": _jsonl(EN)})
    for name, value in (("HF_HUB_OFFLINE", "1"), ("HF_DATASETS_OFFLINE", "1"), ("HF_HUB_CACHE", str(cache)),
                        ("HF_DATASETS_CACHE", str(tmp_path / "datasets")), ("HF_HOME", str(tmp_path / "home"))):
        monkeypatch.setenv(name, value)
    return cache


SOURCES = [  # name, hub id, config, split, pinned revision, local builder, local files
    ("web-fr", "org/web", "fr", "train", OLD, "json", ["data/fr/part-0.jsonl", "data/fr/part-1.jsonl"]),
    ("books-de", "org/books", "de", "train", OLD, "parquet", ["data/de.parquet"]),
    ("forum", "org/forum", None, "test", None, "csv", ["fr/test.csv"]),
]


def _hub_manifest(directory: Path) -> Path:
    lines = [f"  - {{name: {n}, type: hf, path: {repo}, split: {split}"
             + (f", config: {config}" if config else "") + (f", revision: '{rev}'" if rev else "") + "}"
             for n, repo, config, split, rev, _, _ in SOURCES]
    directory.mkdir(parents=True, exist_ok=True)
    return write_manifest(directory, "name: t\nsources:\n" + "\n".join(lines) + "\n")


def _local_manifest(directory: Path) -> Path:
    lines = []
    for n, repo, _, _, _, builder, files in SOURCES:
        for f in files:
            (directory / repo / f).parent.mkdir(parents=True, exist_ok=True)
            (directory / repo / f).write_bytes(DATA[repo][f])
        lines.append(f"  - {{name: {n}, type: hf, path: {builder}, data_files: {[f'{repo}/{f}' for f in files]}}}")
    return write_manifest(directory, "name: t\nsources:\n" + "\n".join(lines) + "\n")


def _documents(manifest_path: Path) -> list[tuple[str, str, str, str, str]]:
    manifest = load_manifest(manifest_path)
    docs = []
    for unit in plan_units(manifest):
        for route, rec in read_unit(manifest, unit):
            assert rec["id"] == doc_id(rec["source"], rec["locator"])
            docs.append((route, rec["source"], rec["text"], rec["meta"], rec["locator"]))
    return docs


def test_hub_datasets_read_offline_equal_the_same_files_read_locally(hub, tmp_path):
    hub_docs = _documents(_hub_manifest(tmp_path / "h"))
    local_docs = _documents(_local_manifest(tmp_path / "l"))
    # same documents, fields and order; locators differ (a hub record is named by dataset@revision/shard, a local
    # one by its file relative to the manifest), so ids (hash of source + locator) differ too
    assert [d[:4] for d in hub_docs] == [d[:4] for d in local_docs]
    assert [d[2] for d in hub_docs] == [*FR, *DE, FR[1]]  # pinned OLD, not main's "changed"; split test of forum
    assert [d[4] for d in hub_docs][:3] == [f"org/web@{OLD}/shard=0#record=0", f"org/web@{OLD}/shard=0#record=1",
                                            f"org/web@{OLD}/shard=1#record=0"]
    assert hub_docs[-1][4] == "org/forum@main/shard=0#record=0"


def test_hub_run_writes_the_same_shards_as_a_local_run(hub, tmp_path):
    from pipeline.run import run

    reports = {}
    for kind, manifest in (("hub", _hub_manifest(tmp_path / "h")), ("local", _local_manifest(tmp_path / "l"))):
        reports[kind] = run(str(manifest), str(tmp_path / f"out-{kind}"), progress=False)
    keep = ["text", "source", "language"]
    # shards hold rows in id order, and ids differ with the locators: the same rows, in the same shard files
    hub_table, local_table = (sorted(read_shards(tmp_path / f"out-{k}").select(keep).to_pylist(), key=str)
                              for k in ("hub", "local"))
    shards = [[s["path"] for s in json.loads((tmp_path / f"out-{k}" / "shards" / "index.json").read_text())["shards"]]
              for k in ("hub", "local")]
    assert shards[0] == shards[1]
    assert hub_table == local_table and {r["language"] for r in hub_table} == {"fr", "de"}
    for key in ("input_docs", "languages", "removed_docs", "failed_docs", "counts_add_up"):
        assert reports["hub"][key] == reports["local"][key], key


def test_unreachable_hub_datasets_are_one_clear_message(hub, tmp_path):
    cases = {
        "revision: 'v9'": ("revision not in the Hugging Face cache", OLD, "pin a cached revision"),
        "revision: null, path: org/nope": ("not in the Hugging Face cache", "check the dataset id", "org/nope"),
        f"revision: '{OLD}', config: xx": ("'xx' not found", "set `config`", "fr"),
        f"revision: '{OLD}', config: fr, split: dev": ("dev", "set `split`", "train"),
    }
    for fields, needles in cases.items():
        body = "path: org/web, " + fields if "path:" not in fields else fields
        m = write_manifest(tmp_path, f"name: t\nsources:\n  - {{name: s, type: hf, {body}}}\n")
        with pytest.raises(UserError) as err:
            plan_units(load_manifest(m))
        message = str(err.value)
        assert "source s: hub dataset" in message and len(message.splitlines()) == 1, message
        assert all(n in message for n in needles), message
        problems = check_hub_sources(load_manifest(m)).problems
        assert (len(problems) == 1 and "sources[0] (s)" in problems[0]) or "org/nope" in fields, problems


def test_cli_reports_hub_failures_without_traceback(hub, tmp_path):
    m = write_manifest(tmp_path, "name: t\nsources:\n  - {name: s, type: hf, path: org/web, "
                                 f"revision: '{'3' * 40}'}}\n")
    for args in (("validate", str(m)), ("run", str(m), "--out", str(tmp_path / "out"), "--no-progress")):
        res = roots_cli(*args)
        assert res.returncode == 2, res
        assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert "org/web" in res.stderr and "3" * 40 in res.stderr and "pin a cached revision" in res.stderr
    good = write_manifest(tmp_path, f"name: t\nsources:\n  - {{name: s, type: hf, path: org/web, config: fr, "
                                    f"revision: '{OLD}'}}\n  - {{name: x, type: hf, path: org/absent}}\n")
    res = roots_cli("validate", str(good))
    assert res.returncode == 0, res.stderr
    assert "org/absent" in res.stderr and "not checked" in res.stderr


def test_validate_streams_the_first_rows_of_hub_datasets_offline(hub, tmp_path):
    """A wrong text_column on a hub dataset is found by `validate` from its first rows, streamed from the cache
    (offline: no network), with the columns the rows have; the right column validates."""
    m = write_manifest(tmp_path, f"name: t\nsources:\n  - {{name: s, type: hf, path: org/web, config: fr, "
                                 f"revision: '{OLD}', text_column: content}}\n")
    res = roots_cli("validate", str(m))
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("roots: error: "), res.stderr
    for needle in ("sources[0] (s)", "'org/web'", OLD, "its first 3 records all fail", "no field 'content'",
                   "fields are ['text', 'url']"):
        assert needle in lines[0], lines[0]
    m.write_text(m.read_text().replace("text_column: content", "text_column: text"))
    assert roots_cli("validate", str(m)).returncode == 0


def test_gated_hub_error_says_how_to_log_in(hub):
    import httpx
    from huggingface_hub.errors import GatedRepoError

    from manifests.schema import Source
    from pipeline.ingest.hf import hub_error

    source = Source(name="s", type="hf", path="bigscience-data/roots_fr_wikinews", revision="main")
    response = httpx.Response(401, request=httpx.Request("GET", "https://huggingface.co/x"))
    gated = str(hub_error(source, GatedRepoError("Access to dataset is restricted", response=response)))
    assert "gated" in gated and "huggingface-cli login" in gated and "HF_TOKEN" in gated
    assert "bigscience-data/roots_fr_wikinews" in gated and "'main'" in gated and "source s" in gated


@pytest.fixture
def online(tmp_path, monkeypatch):
    """Online mode (HF_HUB_OFFLINE unset) against a Hub endpoint on a loopback port, with an empty cache and a
    1-second timeout; yields a function that points HF_ENDPOINT at a port."""
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HF_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (("HF_HUB_CACHE", str(tmp_path / "hub")), ("HF_HOME", str(tmp_path / "home")),
                        ("HF_DATASETS_CACHE", str(tmp_path / "datasets")), ("HF_HUB_ETAG_TIMEOUT", "1")):
        monkeypatch.setenv(name, value)
    from huggingface_hub import constants

    # huggingface_hub reads HF_HUB_OFFLINE once, at import: undo what an earlier offline test left in this process
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    return lambda port: monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_hub_is_one_clear_message_within_the_timeout(online, tmp_path):
    import socket
    import time

    m = write_manifest(tmp_path, "name: t\nsources:\n  - {name: s, type: hf, path: org/web, revision: v1}\n")
    online(port := _closed_port())  # nothing listens: the connection is refused
    res = roots_cli("validate", str(m), timeout=60)
    assert res.returncode == 2 and "Traceback" not in res.stderr, res
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    for needle in ("source s", "org/web", "'v1'", f"127.0.0.1:{port}", "unreachable", "check the network",
                   "HF_HUB_OFFLINE=1"):
        assert needle in res.stderr, (needle, res.stderr)
    with socket.socket() as silent:  # accepts connections (kernel backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        online(silent.getsockname()[1])
        start = time.monotonic()
        two = write_manifest(tmp_path, "name: t\nsources:\n  - {name: s, type: hf, path: org/web}\n"
                                       "  - {name: u, type: hf, path: org/books}\n")
        check = check_hub_sources(load_manifest(two))  # in this process: one CLI start is enough
        took = time.monotonic() - start
    problems = check.problems
    assert len(problems) == 1 and "did not answer within 1 s (HF_HUB_ETAG_TIMEOUT)" in problems[0], problems
    assert "raise HF_HUB_ETAG_TIMEOUT" in problems[0] and "sources[0] (s)" in problems[0]
    # the second source is not tried once the Hub proved unreachable (it would wait for the same timeout)
    assert check.notes == ["1 hub dataset not checked (the Hub is unreachable, see above): "
                           "sources[1] (u, 'org/books')"] and took < 10, (took, check)
