"""``roots tokenize``: a finished run's kept documents → Megatron indexed datasets per language, and the mix.

Output (``OUT/tokens/`` by default, an extension of the run's layout)::

    tokens/<lang>.bin  tokens/<lang>.idx     Megatron-LM MMapIndexedDataset, one per language (tokenizer/megatron.py)
    tokens/index.json                        documents and tokens per language, the alpha-sampling weights, the
                                             tokens each language gives a training run, and Megatron's --data-path

The Beam job has three steps. *Encode*: one element per piece of a shard (at most ``PIECE_ROWS`` rows, so large
shards still spread over workers) is encoded with the trained ``tokenizer.json``, the end-of-document id appended
to every document, and written as a temporary part file. *Concatenate*: per language, the parts are joined in
shard-then-row order (rows of a shard are sorted by id) into ``<lang>.bin`` and its ``.idx``, under temporary
names. *Commit*: ``index.json`` is written, then the temporary files get their final names and the parts are
deleted: the shards' crash-safe protocol (pipeline/write.py). The bytes depend only on the shards and the
tokenizer, never on the runner, the worker count or how pieces were scheduled.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import apache_beam as beam
import numpy as np
import pyarrow as pa
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from core.errors import UserError
from core.fs import exists, is_remote, list_files, open_input, tmp_name, write_atomically, write_file
from pipeline.files import commit_files
from pipeline.outputs import INDEX_NAME, PARTS_DIR, TOKENS_DIR, is_tokens_file  # noqa: F401 - re-exported
from tokenizer.megatron import encode_documents, encode_index, token_dtype
from tokenizer.mix import build_mix, data_path

INDEX_VERSION = 1
#: rows per Beam element: a shard of 256 MB is split so that its encoding spreads over workers
PIECE_ROWS = 16_384
#: documents handed to ``encode_batch`` at once (bounds the memory of Encoding objects)
ENCODE_BATCH = 1_024
#: BLOOM's end-of-document token
DEFAULT_EOD = "</s>"
#: alpha when the tokenizer folder has no lock to take it from (ROOTS/BLOOM's value)
DEFAULT_ALPHA = 0.3
COPY_CHUNK = 16 << 20


@dataclass
class TokenizePlan:
    """Everything the job needs, checked before anything is written."""

    out: str
    dest: str
    tokenizer_json: str
    tokenizer_sha256: str
    vocab_size: int
    eod_token: str
    eod_id: int
    alpha: float
    train_tokens: int | None
    shards_index_sha256: str
    pieces: list[dict[str, Any]] = field(default_factory=list)
    options: PipelineOptions | None = None

    @property
    def dtype(self) -> np.dtype:
        return token_dtype(self.vocab_size)


def _join(*parts: str) -> str:
    return FileSystems.join(*parts) if is_remote(parts[0]) else os.path.join(*parts)


def _read_bytes(path: str) -> bytes:
    with open_input(path) as f:
        return f.read()


def _load_json(path: str, what: str, hint: str) -> Any:
    if not exists(path):
        raise UserError(f"{path}: not found; {hint}")
    try:
        return json.loads(_read_bytes(path).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(f"{path}: not a valid {what} ({e}); {hint}") from None


# ------------------------------------------------------------------------------------------------ planning
def plan_pieces(shards: list[dict[str, Any]], piece_rows: int = PIECE_ROWS) -> list[dict[str, Any]]:
    """One element per ``piece_rows`` rows of each shard, numbered in (language, shard path, row) order."""
    out = []
    for e in sorted(shards, key=lambda e: (e["language"], e["path"])):
        rows = int(e["rows"])
        for k in range(max(1, math.ceil(rows / piece_rows))):
            out.append({"language": e["language"], "path": e["path"], "start": k * piece_rows,
                        "stop": min(rows, (k + 1) * piece_rows), "rows": rows})
    for order, piece in enumerate(out):
        piece["order"] = order
    return out


def _resolve_alpha(tokenizer_dir: str, alpha: float | None) -> float:
    """``--alpha`` if given, else the tokenizer manifest's ``mix_alpha`` (or ``alpha``) recorded in the lock."""
    if alpha is not None:  # checked with the other options
        return alpha
    from pydantic import ValidationError

    from manifests.loading import field_errors
    from tokenizer.config import TokenizerConfig
    from tokenizer.names import LOCK_NAME

    lock_path = os.path.join(tokenizer_dir, LOCK_NAME)
    if not os.path.exists(lock_path):
        return DEFAULT_ALPHA
    lock = _load_json(lock_path, "tokenizer lock", "pass the --out folder of `roots tokenizer`, or --alpha")
    try:
        config = TokenizerConfig.model_validate((lock or {}).get("config", {}))
    except ValidationError as e:
        raise UserError(f"{lock_path}: " + "; ".join(field_errors(e, "manifests/tokenizer.yaml"))) from None
    return config.mix_alpha if config.mix_alpha is not None else config.alpha


def _load_tokenizer(tokenizer_dir: str, eod_token: str):
    from tokenizers import Tokenizer

    from tokenizer.names import TOKENIZER_NAME

    path = os.path.join(tokenizer_dir, TOKENIZER_NAME)
    if not os.path.isdir(tokenizer_dir):
        raise UserError(f"--tokenizer {tokenizer_dir}: no such folder; pass the --out folder of `roots tokenizer`")
    if not os.path.isfile(path):
        raise UserError(f"--tokenizer {tokenizer_dir}: no {TOKENIZER_NAME} there; pass the --out folder of "
                        "`roots tokenizer`")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        tok = Tokenizer.from_str(text)
    except Exception as e:  # noqa: BLE001 - tokenizers raises plain Exception for a malformed file
        raise UserError(f"{path}: not a tokenizers JSON file ({e})") from None
    eod = tok.token_to_id(eod_token)
    if eod is None:
        raise UserError(f"--eod {eod_token}: not a token of {path}; name its end-of-document token with --eod")
    return text, tok, eod


def _check_shards(root: str, shards: list[dict[str, Any]]) -> None:
    """Every listed local shard exists and has the rows its index entry says (read from the Arrow metadata only),
    so a run changed behind its index is a clear error before the job starts, not a worker's failure."""
    for e in shards:
        path = os.path.join(root, e["path"])
        try:
            with pa.memory_map(path, "r") as source:
                reader = pa.ipc.open_file(source)
                rows = sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))
        except (OSError, pa.ArrowInvalid) as err:
            raise UserError(f"{path}: listed in shards/index.json but not readable as an Arrow shard ({err}); "
                            "run `roots run` again") from None
        if rows != int(e["rows"]):
            raise UserError(f"{path}: has {rows} rows, shards/index.json says {e['rows']} (the shards changed "
                            "after the run wrote them); run `roots run` again")


def _check_run_folder(out: str) -> None:
    """``out`` is a finished ``roots run`` output (its report.json is written last)."""
    if exists(_join(out, "report.json")):
        return
    if not is_remote(out) and not os.path.isdir(out):
        raise UserError(f"{out}: no such folder; pass the --out folder of a finished `roots run`")
    if not is_remote(out) and any(os.path.exists(os.path.join(out, p)) for p in ("stats", "shards", ".progress")):
        raise UserError(f"{out}: the run did not finish (no report.json: it was interrupted or failed); run the "
                        "same `roots run` command again, then tokenize")
    raise UserError(f"{out}: no report.json (is this the --out folder of a finished `roots run`?)")


def _check_options(beam_args: list[str], alpha: float | None, train_tokens: int | None) -> PipelineOptions:
    """The options, before anything is read: Beam's as `roots run` checks them, then --alpha and --train-tokens."""
    from pipeline.beam_options import check_beam_options

    options = check_beam_options(beam_args)
    if alpha is not None and not 0.0 <= alpha <= 1.0:  # also refuses nan
        raise UserError(f"--alpha {alpha}: must be between 0 and 1 (ROOTS/BLOOM used 0.3)")
    if train_tokens is not None and train_tokens < 1:
        raise UserError(f"--train-tokens {train_tokens}: must be a positive number of tokens")
    return options


def plan_tokenize(out: str, tokenizer_dir: str, dest: str | None = None, alpha: float | None = None,
                  eod_token: str = DEFAULT_EOD, train_tokens: int | None = None,
                  beam_args: Iterable[str] = (), piece_rows: int = PIECE_ROWS) -> TokenizePlan:
    """Check the options, the run, the tokenizer and the destination; nothing is written but the destination
    folder (created, to check it can be written)."""
    from pipeline.run import check_dataflow, make_writable_folder, runner_kind

    beam_args = list(beam_args)
    if not any(a.startswith("--default_sdk_harness_log_level") for a in beam_args):
        beam_args.append("--default_sdk_harness_log_level=ERROR")
    options = _check_options(beam_args, alpha, train_tokens)
    out = out.rstrip("/") if is_remote(out) else os.path.abspath(out)
    _check_run_folder(out)
    index_path = _join(out, "shards", "index.json")
    raw = _read_bytes(index_path) if exists(index_path) else b""
    index = _load_json(index_path, "shards index", "run `roots run` again") if raw else {"shards": []}
    shards = index.get("shards") if isinstance(index, dict) else None
    if not isinstance(shards, list) or any(not {"path", "language", "rows"} <= set(s) for s in shards):
        raise UserError(f"{index_path}: not a shards index (each entry needs path, language, rows)")
    if not is_remote(out):
        _check_shards(_join(out, "shards"), shards)
    text, tok, eod = _load_tokenizer(tokenizer_dir, eod_token)
    alpha = _resolve_alpha(tokenizer_dir, alpha)
    dest = dest or _join(out, TOKENS_DIR)
    dest = dest.rstrip("/") if is_remote(dest) else os.path.abspath(dest)
    if runner_kind(options) == "dataflow":
        if not is_remote(out):
            raise UserError(f"{out}: with DataflowRunner the run folder must be a gs:// path (the workers read its "
                            "shards)")
        check_dataflow(options, dest, [])
    if not is_remote(dest):
        make_writable_folder(dest)
    return TokenizePlan(
        out=out, dest=dest, tokenizer_json=text, tokenizer_sha256=hashlib.sha256(text.encode()).hexdigest(),
        vocab_size=tok.get_vocab_size(with_added_tokens=True), eod_token=eod_token, eod_id=eod,
        alpha=alpha, train_tokens=train_tokens, shards_index_sha256=hashlib.sha256(raw).hexdigest(),
        pieces=plan_pieces(shards, piece_rows), options=options)


# ------------------------------------------------------------------------------------------------ steps
def _read_piece(path: str, start: int, stop: int) -> Iterator[list[str]]:
    """Texts of rows ``[start, stop)`` of an Arrow shard, one record batch at a time."""
    source = pa.memory_map(path, "r") if not is_remote(path) else open_input(path)
    with source:
        reader = pa.ipc.open_file(source)
        row = 0
        for i in range(reader.num_record_batches):
            batch = reader.get_batch(i)
            lo, hi = max(start, row), min(stop, row + batch.num_rows)
            if lo < hi:
                col = batch.column(batch.schema.get_field_index("text"))
                yield [t or "" for t in col.slice(lo - row, hi - lo).to_pylist()]
            row += batch.num_rows
            if row >= stop:
                return
        if row < stop:
            raise UserError(f"{path}: has {row} rows, its index.json says at least {stop}; run `roots run` again")


class _EncodePiece(beam.DoFn):
    """Encodes one piece of a shard into a temporary part file; yields where it is and the tokens per document."""

    def __init__(self, plan: TokenizePlan):
        self.shards_root = _join(plan.out, "shards")
        self.parts_root = _join(plan.dest, PARTS_DIR)
        self.tokenizer_json, self.eod, self.dtype = plan.tokenizer_json, plan.eod_id, plan.dtype.str
        self.tok = None

    def setup(self) -> None:
        from tokenizers import Tokenizer

        self.tok = Tokenizer.from_str(self.tokenizer_json)

    def process(self, piece: dict[str, Any]):
        path = _join(self.shards_root, piece["path"])
        chunks, lengths = [], []
        for texts in _read_piece(path, piece["start"], piece["stop"]):
            for i in range(0, len(texts), ENCODE_BATCH):
                # the _fast variant skips character offsets, which the ids do not need (same ids)
                encs = self.tok.encode_batch_fast(texts[i:i + ENCODE_BATCH], add_special_tokens=False)
                data, lens = encode_documents([e.ids for e in encs], self.eod, np.dtype(self.dtype))
                chunks.append(data)
                lengths.append(lens)
        lens = np.concatenate(lengths) if lengths else np.zeros(0, dtype="<i4")
        part = tmp_name(_join(self.parts_root, f"{piece['order']:08d}.bin"))
        write_file(part, b"".join(chunks))
        yield piece["language"], {"order": piece["order"], "part": part, "lengths": lens.astype("<i4").tobytes()}


class _ConcatLanguage(beam.DoFn):
    """A language's parts, in order, → temporary ``<lang>.bin`` and ``<lang>.idx``."""

    def __init__(self, dest: str, dtype: str):
        self.dest, self.dtype = dest, dtype

    def process(self, element: tuple[str, Iterable[dict[str, Any]]]):
        lang, parts = element
        parts = sorted(parts, key=lambda p: p["order"])
        lengths = np.concatenate([np.frombuffer(p["lengths"], dtype="<i4") for p in parts])
        bin_final, idx_final = _join(self.dest, f"{lang}.bin"), _join(self.dest, f"{lang}.idx")
        bin_tmp, idx_tmp = tmp_name(bin_final), tmp_name(idx_final)
        digest, size = hashlib.sha256(), 0
        with FileSystems.create(bin_tmp) as sink:
            for p in parts:
                with FileSystems.open(p["part"]) as src:
                    while block := src.read(COPY_CHUNK):
                        sink.write(block)
                        digest.update(block)
                        size += len(block)
        idx = encode_index(lengths, np.dtype(self.dtype))
        write_file(idx_tmp, idx)
        yield {"language": lang, "moves": [(bin_tmp, bin_final), (idx_tmp, idx_final)],
               "documents": int(len(lengths)), "tokens": int(lengths.sum(dtype=np.int64)), "bin_bytes": size,
               "bin_sha256": digest.hexdigest(), "idx_sha256": hashlib.sha256(idx).hexdigest()}


def build_index(plan: TokenizePlan, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """``tokens/index.json``: per-language counts and files, the mix for ``plan.alpha``, Megatron's --data-path."""
    entries = sorted(entries, key=lambda e: e["language"])
    tokens = {e["language"]: e["tokens"] for e in entries}
    mix = build_mix(tokens, plan.alpha, plan.train_tokens)
    languages = {}
    for e in entries:
        lang = e["language"]
        languages[lang] = {"prefix": lang, "documents": e["documents"], "tokens": e["tokens"],
                           "bin_bytes": e["bin_bytes"], "bin_sha256": e["bin_sha256"], "idx_sha256": e["idx_sha256"],
                           **mix[lang]}
    total = sum(tokens.values())
    return {
        "version": INDEX_VERSION,
        "format": "megatron-mmap-indexed-dataset",
        "dtype": plan.dtype.name,
        "tokenizer": {"sha256": plan.tokenizer_sha256, "vocab_size": plan.vocab_size, "eod_token": plan.eod_token,
                      "eod_id": plan.eod_id},
        "shards_index_sha256": plan.shards_index_sha256,
        "alpha": plan.alpha,
        "train_tokens": plan.train_tokens if plan.train_tokens is not None else total,
        "documents": sum(e["documents"] for e in entries),
        "tokens": total,
        "languages": languages,
        "data_path": data_path(mix, {lang: _join(plan.dest, lang) for lang in mix}),
    }


class _Commit(beam.DoFn):
    """Writes ``index.json``, then renames the files it lists and deletes the parts (see the module docstring)."""

    def __init__(self, plan: TokenizePlan):
        # what build_index needs, small to ship (not the tokenizer's JSON, megabytes for a 250k vocabulary)
        self.plan = dataclasses.replace(plan, pieces=[], options=None, tokenizer_json="")

    def process(self, entries: list[dict[str, Any]]):
        index = build_index(self.plan, entries)
        dest = self.plan.dest
        write_atomically(_join(dest, INDEX_NAME), (json.dumps(index, indent=2, ensure_ascii=False) + "\n").encode())
        commit_files(dest, [tuple(m) for e in entries for m in e["moves"]])
        parts = _join(dest, PARTS_DIR)
        if not is_remote(parts) and os.path.isdir(parts) and not os.listdir(parts):
            os.rmdir(parts)
        yield index


class TokenizeShards(beam.PTransform):
    """The whole job as one composite transform (pieces → parts → per-language files → index.json)."""

    def __init__(self, plan: TokenizePlan):
        super().__init__()
        self.plan = plan

    def expand(self, pbegin):
        plan = self.plan
        return (
            pbegin
            | "Pieces" >> beam.Create(plan.pieces)  # Create reshuffles: pieces spread over the workers
            | "Encode" >> beam.ParDo(_EncodePiece(plan))
            | "ByLanguage" >> beam.GroupByKey()
            | "Concatenate" >> beam.ParDo(_ConcatLanguage(plan.dest, plan.dtype.str))
            | "Collect" >> beam.combiners.ToList()
            | "Commit" >> beam.ParDo(_Commit(plan))
        )


# ------------------------------------------------------------------------------------------------ running
def prepare_dest(dest: str) -> None:
    """Remove an earlier ``roots tokenize`` output in ``dest`` (index.json first: it marks the output complete);
    refuse a folder that holds anything else."""
    files = list_files(_join(dest, "**"))
    base = dest.rstrip("/") + "/"
    rels = [f[len(base):] if f.startswith(base) else os.path.relpath(f, dest) for f in files]
    foreign = [r for r in rels if not is_tokens_file(r)]
    if foreign:
        raise UserError(f"--out {dest}: holds files that are not a `roots tokenize` output ({', '.join(foreign[:3])})"
                        "; choose an empty or new folder")
    index = _join(dest, INDEX_NAME)
    ordered = sorted(files, key=lambda f: f != index and not f.endswith("/" + INDEX_NAME))
    if ordered:
        FileSystems.delete(ordered)


def tokenize_run(plan: TokenizePlan) -> dict[str, Any]:
    """Run the job and return ``tokens/index.json``'s content."""
    from pipeline.run import make_runner

    prepare_dest(plan.dest)
    if not plan.pieces:
        index = build_index(plan, [])
        write_atomically(_join(plan.dest, INDEX_NAME), (json.dumps(index, indent=2) + "\n").encode())
        return index
    p = beam.Pipeline(runner=make_runner(plan.options), options=plan.options)
    _ = p | "Tokenize" >> TokenizeShards(plan)
    state = p.run().wait_until_finish()
    if state is not None and str(state) not in ("DONE", "PipelineState.DONE"):
        raise UserError(f"the Beam job ended in state {state}: {plan.dest} has no index.json; "
                        "fix the cause and run the same command again")
    return load_tokens_index(plan.dest)


def load_tokens_index(dest: str) -> dict[str, Any]:
    return _load_json(_join(dest, INDEX_NAME), "tokens index", "run `roots tokenize` again")


def tokens_index_of(out: str) -> dict[str, Any] | None:
    """The run's ``tokens/index.json`` when ``roots tokenize`` wrote one into it, else None."""
    path = _join(out, TOKENS_DIR, INDEX_NAME)
    return load_tokens_index(_join(out, TOKENS_DIR)) if exists(path) else None
