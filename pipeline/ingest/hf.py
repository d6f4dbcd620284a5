"""``type: hf`` sources: local data files (JSON Lines read by roots itself, other builders through ``datasets``)
and Hugging Face Hub datasets, one unit per shard.

Hub datasets are opened in ``datasets``' streaming mode (no full download on the launcher or the workers). Offline
(``HF_HUB_OFFLINE=1``) ``datasets`` 5.x refuses a hub id in streaming mode even when the dataset is in the Hugging
Face cache, so roots resolves the pinned revision in that cache itself (``huggingface_hub``'s ``snapshot_download``
with ``local_files_only``) and streams the snapshot folder: same data files, same ``configs:`` of the dataset card.
Every failure to open a hub dataset becomes one ``UserError`` here (``hub_error``), naming the source, the dataset
id and revision and what to do.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from core.errors import UserError
from core.fs import list_files
from manifests.schema import Manifest, Source
from pipeline.ingest.jsonl import _json_layout, _read_json_lines, _starts_with
from pipeline.ingest.records import (
    FAILED,
    PEEK_RECORDS,
    Routed,
    _record,
    _rel,
    _text_record,
    failed,
    first_records_problem,
)

_TRUE = ("1", "ON", "YES", "TRUE")


def _data_files(manifest: Manifest, source: Source) -> list[str]:
    patterns = [source.data_files] if isinstance(source.data_files, str) else list(source.data_files or [])
    files: set[str] = set()
    for pattern in patterns:
        files.update(list_files(manifest.resolve(pattern)))
    return sorted(files)


def hub_offline() -> bool:
    """True when the Hugging Face libraries must not touch the network (``HF_HUB_OFFLINE`` or
    ``HF_DATASETS_OFFLINE``), read when asked rather than at import as the libraries do."""
    from huggingface_hub import constants

    env = (os.environ.get("HF_HUB_OFFLINE") or os.environ.get("HF_DATASETS_OFFLINE") or "").upper()
    return bool(constants.HF_HUB_OFFLINE) or env in _TRUE


def _hub_cache() -> str:
    from huggingface_hub import constants

    return os.environ.get("HF_HUB_CACHE") or constants.HF_HUB_CACHE


def _is_hub_id(source: Source) -> bool:
    """A hub dataset id (``org/name``), not a builder of local files nor a dataset folder on this disk."""
    return not source.is_local and not os.path.isdir(source.path)


def _where(source: Source) -> str:
    return f"source {source.name}: hub dataset {source.path!r} at revision {source.revision or 'main'!r}" + (
        f", config {source.config!r}" if source.config else "")


def _cached_revisions(source: Source) -> list[str]:
    """Branch/tag names and commit hashes of ``source``'s dataset in the hub cache."""
    repo = os.path.join(_hub_cache(), "datasets--" + source.path.replace("/", "--"))
    refs, snapshots = os.path.join(repo, "refs"), os.path.join(repo, "snapshots")
    names = [os.path.relpath(os.path.join(d, f), refs) for d, _, files in os.walk(refs) for f in files]
    names += os.listdir(snapshots) if os.path.isdir(snapshots) else []
    return sorted(set(names))


def hub_error(source: Source, e: BaseException) -> UserError:
    """The one message for a hub dataset that cannot be opened: what went wrong and what to do."""
    from datasets.exceptions import DataFilesNotFoundError, DatasetNotFoundError
    from huggingface_hub import errors as hub

    where, text = _where(source), str(e).splitlines()[0] if str(e) else type(e).__name__
    login = "log in with `huggingface-cli login` (or `hf auth login`) or set HF_TOKEN"
    if isinstance(e, hub.LocalEntryNotFoundError) or (isinstance(e, ConnectionError) and hub_offline()):
        cached = _cached_revisions(source)
        if cached:
            return UserError(f"{where}: revision not in the Hugging Face cache ({_hub_cache()}; cached: "
                             f"{', '.join(cached)}) and HF_HUB_OFFLINE=1 forbids downloading it: pin a cached "
                             "revision, or unset HF_HUB_OFFLINE to download it")
        return UserError(f"{where}: not in the Hugging Face cache ({_hub_cache()}) and HF_HUB_OFFLINE=1 forbids "
                         "downloading it: check the dataset id, or unset HF_HUB_OFFLINE to download it")
    if isinstance(e, hub.GatedRepoError) or "gated" in text.lower():
        return UserError(f"{where}: a gated dataset: accept its conditions on "
                         f"https://huggingface.co/datasets/{source.path}, then {login}")
    if isinstance(e, hub.RevisionNotFoundError) or (isinstance(e, DatasetNotFoundError) and "Revision" in text):
        return UserError(f"{where}: no such revision on the Hub: pin an existing branch, tag or commit "
                         f"(see https://huggingface.co/datasets/{source.path}/commits/main)")
    if isinstance(e, (hub.RepositoryNotFoundError, DatasetNotFoundError, hub.HFValidationError)):
        return UserError(f"{where}: no such dataset on the Hub, or it is private: check the dataset id "
                         f"(org/name), or {login} if it is private ({text})")
    if isinstance(e, (DataFilesNotFoundError, FileNotFoundError)):
        return UserError(f"{where}: no data files for split {source.split!r} ({text}): check split, config "
                         "and data_files")
    if isinstance(e, ValueError) and ("BuilderConfig" in text or "Config name" in text):
        return UserError(f"{where}: {text}: set `config` to one of the dataset's configs")
    if isinstance(e, ValueError) and "split" in text.lower():
        return UserError(f"{where}: {text}: set `split` to one of the dataset's splits")
    if _is_network_error(e):
        return unreachable_error(source, e)
    return UserError(f"{where}: cannot open it ({type(e).__name__}: {text})")


def _is_network_error(e: BaseException) -> bool:
    """A failure to reach the Hub at all (refused, unresolvable, timed out), whatever HTTP library raised it."""
    if isinstance(e, (ConnectionError, TimeoutError, OSError)):
        return True
    return type(e).__module__.startswith("httpx") and any(c.__name__ == "TransportError" for c in type(e).__mro__)


class HubUnreachable(UserError):
    """The Hub could not be reached at all (refused, unresolvable, timed out): not a fault of one dataset."""


def unreachable_error(source: Source, e: BaseException) -> HubUnreachable:
    """The one message for a Hub that cannot be reached: which endpoint, whether it refused or did not answer (and
    within which timeout), and the three ways out (network, offline cache, a longer timeout)."""
    from huggingface_hub import constants

    endpoint = os.environ.get("HF_ENDPOINT") or constants.ENDPOINT
    timed_out = isinstance(e, TimeoutError) or any(c.__name__ == "TimeoutException" for c in type(e).__mro__)
    what = (f"did not answer within {_probe_timeout():g} s (HF_HUB_ETAG_TIMEOUT)" if timed_out
            else f"is unreachable ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else 'no answer'})")
    return HubUnreachable(f"{_where(source)}: the Hub at {endpoint} {what}: check the network (or a proxy: "
                          "HTTPS_PROXY, or HF_ENDPOINT for a mirror), or set HF_HUB_OFFLINE=1 to read the Hugging "
                          "Face cache" + (", or raise HF_HUB_ETAG_TIMEOUT" if timed_out else ""))


def _probe_timeout() -> float:
    """Seconds the reachability probe waits for the Hub: ``HF_HUB_ETAG_TIMEOUT`` (huggingface_hub's own setting
    for its metadata requests, default 10), read when asked."""
    from huggingface_hub import constants

    try:
        return float(os.environ.get("HF_HUB_ETAG_TIMEOUT") or constants.HF_HUB_ETAG_TIMEOUT)
    except ValueError:
        return float(constants.DEFAULT_ETAG_TIMEOUT)


def probe_hub(source: Source) -> None:
    """One metadata request for ``source``'s dataset and revision, with a short timeout and no retries, before
    ``datasets`` opens it: an unreachable Hub then fails in a second with a message that says so, instead of after
    ``huggingface_hub``'s retries (about 25 s per file) and as a ``datasets`` error; a wrong id, revision or a
    private dataset fail here too, each with its own message (``hub_error``)."""
    from huggingface_hub import HfApi, constants

    try:
        HfApi(endpoint=os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).dataset_info(
            source.path, revision=source.revision, timeout=_probe_timeout())
    except Exception as e:  # noqa: BLE001 - every failure becomes one clear message
        raise hub_error(source, e) from None


def _quiet_datasets():
    import datasets

    datasets.disable_progress_bars()
    # roots reports unreadable files itself (dead letter); datasets' own error log would only repeat it
    datasets.logging.set_verbosity(datasets.logging.CRITICAL)
    return datasets


def _load_streaming(source: Source, data_file: str | None):
    datasets = _quiet_datasets()
    kwargs: dict[str, Any] = {"split": source.split, "streaming": True}
    if data_file is not None:
        kwargs["data_files"] = {source.split: [data_file]}
        return datasets.load_dataset(source.path, **kwargs)
    if source.config:
        kwargs["name"] = source.config
    if _is_hub_id(source) and hub_offline():
        return datasets.load_dataset(_cached_snapshot(source), **kwargs)
    if source.revision:
        kwargs["revision"] = source.revision
    return datasets.load_dataset(source.path, **kwargs)


def _cached_snapshot(source: Source) -> str:
    """The snapshot folder of ``source``'s pinned revision in the hub cache (offline: nothing is downloaded)."""
    from huggingface_hub import snapshot_download

    return snapshot_download(source.path, repo_type="dataset", revision=source.revision, cache_dir=_hub_cache(),
                             local_files_only=True)


def open_hub(source: Source, probe: bool = True):
    """``source``'s hub dataset in streaming mode, or a ``UserError`` that says why it can't be opened. Online, the
    Hub is probed first (``probe_hub``); workers pass ``probe=False``, since the driver's planning already did."""
    if probe and _is_hub_id(source) and not hub_offline():
        probe_hub(source)
    try:
        return _load_streaming(source, None)
    except Exception as e:  # noqa: BLE001 - the libraries raise many types; each becomes one clear message
        raise hub_error(source, e) from None


@dataclass
class HubCheck:
    """What ``check_hub_sources`` found: problems (the run would fail) and notes (what was not checked)."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_hub_sources(manifest: Manifest, peek: int = PEEK_RECORDS) -> HubCheck:
    """Open every hub source as a run's planning would, so ``roots validate`` reports an unreachable dataset before
    a run, and read its first ``peek`` rows (streaming: only the start of the first data file is fetched) as a run
    reads them, so a wrong ``text_column`` is reported with the columns found (``first_records_problem``).
    Offline, a dataset absent from the Hugging Face cache is not checked (one note lists them) rather than failed:
    validation must work without the network, and only the Hub could say whether the id exists; the run itself
    then stops on it with the "not in the Hugging Face cache" message. Once the Hub proves unreachable, the
    remaining hub sources are not tried (each would wait for the same timeout) and a note lists them."""
    check = HubCheck()
    uncached: list[str] = []
    unreached: list[str] = []
    for i, source in enumerate(manifest.sources):
        if source.type != "hf" or not _is_hub_id(source):
            continue
        where = f"sources[{i}] ({source.name}, {source.path!r})"
        if hub_offline() and not _cached_revisions(source):
            uncached.append(where)
            continue
        if unreached:
            unreached.append(where)
            continue
        try:
            problem = first_records_problem(_hub_records(manifest, source, open_hub(source)), peek)
            if problem:
                check.problems.append(f"sources[{i}] ({source.name}): {_where(source)}: {problem}")
        except HubUnreachable as e:
            check.problems.append(f"sources[{i}] ({source.name}): {e}")
            unreached.append(where)
        except UserError as e:
            check.problems.append(f"sources[{i}] ({source.name}): {e}")
    if uncached:
        check.notes.append(_listed(uncached, "not checked (HF_HUB_OFFLINE=1 and not in the Hugging Face cache "
                                             f"{_hub_cache()}; a run needs them there)"))
    if unreached[1:]:
        check.notes.append(_listed(unreached[1:], "not checked (the Hub is unreachable, see above)"))
    return check


def _hub_records(manifest: Manifest, source: Source, ds) -> Iterator[Routed]:
    """An opened hub dataset's rows as documents; a failure while streaming is the one message ``hub_error`` gives."""
    locator = f"{source.path}@{source.revision or 'main'}"
    rows = iter(ds)
    n = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as e:  # noqa: BLE001 - the libraries raise many types; each becomes one clear message
            raise hub_error(source, e) from None
        yield _text_record(manifest, source, f"{locator}#record={n}", row)
        n += 1


def _listed(items: list[str], what: str, shown: int = 8) -> str:
    more = f", and {len(items) - shown} more" if len(items) > shown else ""
    return f"{len(items)} hub dataset{'s' if len(items) > 1 else ''} {what}: {', '.join(items[:shown])}{more}"


def read_hf_file(manifest: Manifest, source: Source, path: str) -> Iterator[Routed]:
    """Rows of one local data file. JSON Lines files are read by roots itself, line by line (one broken line costs
    one dead-letter record, memory is bounded per line, and each record's fields are its own, not a schema unified
    over the file); every other file goes through ``datasets``. A JSON document that ``datasets`` can't parse whole
    is re-read line by line from where it stopped when it may be JSON Lines after all."""
    if source.path == "json" and _json_layout(path) == "lines":
        yield from _read_json_lines(manifest, source, path, skip=0)
        return
    rel = _rel(manifest, path)
    n = 0
    try:
        for row in _load_streaming(source, path):
            yield _text_record(manifest, source, f"{rel}#record={n}", row)
            n += 1
        return
    except Exception as e:  # noqa: BLE001 - datasets/pyarrow raise many types for bad files; all are reported
        error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
    if source.path == "json" and not _starts_with(path, b"["):
        yield from _read_json_lines(manifest, source, path, skip=n)
        return
    rec = _record(manifest, source.name, f"{rel}#record={n}", "", {})
    yield FAILED, failed(rec, f"{rel}: unreadable after {n} records ({error}); check the file's format")


def read_hf_shard(manifest: Manifest, source: Source, shard: int, num_shards: int) -> Iterator[Routed]:
    """Rows of one shard of a hub dataset (pinned by ``revision``). A shard that cannot be opened or read on the
    worker is one dead-letter record naming the shard (the driver already opened the dataset when planning)."""
    n = 0
    locator = f"{source.path}@{source.revision or 'main'}/shard={shard}"
    try:
        ds = open_hub(source, probe=False).shard(num_shards=num_shards, index=shard)
        for row in ds:
            yield _text_record(manifest, source, f"{locator}#record={n}", row)
            n += 1
    except Exception as e:  # noqa: BLE001
        rec = _record(manifest, source.name, f"{source.path}/shard={shard}#record={n}", "", {})
        yield FAILED, failed(rec, f"{source.path} shard {shard}: unreadable after {n} records: {e}")
