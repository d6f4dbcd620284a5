"""Code licence filter: SPDX ids of real licence texts, expressions, and the filter on folder, archive and parquet
dumps.

The licence texts are the real ones shipped in the dist-info folders of packages roots depends on (so they are
installed by the project's own files): MIT (annotated-types, a pydantic dependency), Apache-2.0 (pyaskalono),
GPL-3.0 (ufal-kenlm's COPYING.3), LGPL-2.1 (python-stdnum).
"""

from __future__ import annotations

import importlib.metadata
import io
import json
import tarfile

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from filters import CodeParams, code_filter_batch
from filters.licenses import identify_text, is_license_file, license_verdict
from pipeline.run import run
from tests.conftest import read_shards, write_manifest


def path_of(meta: str) -> str:
    return json.loads(meta)["path"]


def licence_text(dist: str, name: str) -> str:
    """The text of the licence file ``name`` in the installed distribution ``dist``."""
    for f in importlib.metadata.distribution(dist).files or []:
        if str(f).endswith("/" + name):
            return f.read_text(encoding="utf-8")
    raise AssertionError(f"{dist} ships no {name}")


MIT = licence_text("annotated-types", "LICENSE")
APACHE = licence_text("pyaskalono", "LICENSE")
GPL3 = licence_text("ufal-kenlm", "COPYING.3")
LGPL = licence_text("python-stdnum", "COPYING")


def code(n: int) -> str:
    """A small, distinct, ordinary Python file (passes the code filters; never a duplicate of another)."""
    return (f'"""Module {n}: helpers for the report."""\n\n\ndef scale_{n}(values, factor={n}):\n'
            f'    """Multiply every value by the factor."""\n    result = []\n    for value in values:\n'
            f'        result.append(value * factor + {n * 7})\n    return result\n\n\n'
            f'def total_{n}(values):\n    return sum(scale_{n}(values)) - {n * 3}\n')


def test_real_licence_texts_are_named_by_spdx_id() -> None:
    assert identify_text(MIT) == "MIT"
    assert identify_text(APACHE) == "Apache-2.0"
    assert identify_text(GPL3) == "GPL-3.0-only"
    assert identify_text(LGPL) == "LGPL-2.1-only"
    assert identify_text("This file is part of the project; see the website.") is None
    assert identify_text("") is None
    assert all(map(is_license_file, ["LICENSE", "LICENSE.md", "licence.txt", "COPYING", "a/b/LICENSE-MIT"]))
    assert not any(map(is_license_file, ["license.py", "licenses_test.go", "README.md"]))


def test_expressions_against_the_allowed_list() -> None:
    allowed = frozenset({"MIT", "Apache-2.0"})
    assert license_verdict("MIT", allowed) == (None, "MIT")
    assert license_verdict("mit", allowed) == (None, "MIT")
    assert license_verdict("apache-2.0", allowed) == (None, "Apache-2.0")
    assert license_verdict("gpl-3.0", allowed) == ("license", "GPL-3.0-only")
    assert license_verdict("MIT OR GPL-3.0-only", allowed)[0] is None
    assert license_verdict("MIT AND GPL-3.0-only", allowed)[0] == "license"
    assert license_verdict("Apache-2.0 WITH LLVM-exception", allowed)[0] is None
    assert license_verdict(None, allowed) == ("license_unknown", None)
    assert license_verdict("", allowed) == ("license_unknown", None)
    assert license_verdict("my own licence", allowed) == ("license_unknown", "my own licence")


def test_manifest_licence_list_is_validated() -> None:
    with pytest.raises(ValidationError, match="licenses: 'Nope-1.0' is not an SPDX licence id"):
        CodeParams(licenses=["MIT", "Nope-1.0"])
    params = CodeParams(licenses=["MIT", "BSD-3-Clause"])
    verdicts = code_filter_batch([code(1)] * 3, ["a.py"] * 3, params, ["MIT", "GPL-2.0-only", None])
    assert [(v.keep, v.reason) for v in verdicts] == [(True, None), (False, "license"), (False, "license_unknown")]
    assert code_filter_batch([code(1)], ["a.py"], CodeParams(), [None])[0].keep  # no list: no licence filter


def _tar(path, members: dict[str, str]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, text in sorted(members.items()):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))


def test_licence_filter_on_folder_archive_and_parquet(tmp_path) -> None:
    folder = tmp_path / "dump"
    for repo, licence_name, text in (("mit_repo", "LICENSE", MIT), ("gpl_repo", "COPYING", GPL3),
                                     ("bare_repo", None, None)):
        (folder / repo / "src").mkdir(parents=True)
        if licence_name:
            (folder / repo / licence_name).write_text(text, encoding="utf-8")
    (folder / "mit_repo" / "src" / "a.py").write_text(code(1))
    (folder / "gpl_repo" / "src" / "b.py").write_text(code(2))
    (folder / "bare_repo" / "src" / "c.py").write_text(code(3))
    _tar(tmp_path / "dump.tar.gz", {"apache/LICENSE.txt": APACHE, "apache/lib/d.py": code(4),
                                    "lgpl/COPYING": LGPL, "lgpl/e.py": code(5), "loose.py": code(6)})
    pq.write_table(pa.table({"path": ["f.py", "g.py", "h.py"], "content": [code(7), code(8), code(9)],
                             "license": ["mit", "gpl-3.0", None]}), tmp_path / "stack.parquet")
    manifest = write_manifest(tmp_path, (
        "name: t\nfilters:\n  code:\n    licenses: [MIT, Apache-2.0, BSD-3-Clause]\nsources:\n"
        "  - {name: folder, type: code, path: dump}\n"
        "  - {name: archive, type: code, path: dump.tar.gz}\n"
        "  - {name: stack, type: code, path: stack.parquet}\n"))
    report = run(str(manifest), str(tmp_path / "out"), progress=False)
    assert report["counts_add_up"]
    kept = read_shards(tmp_path / "out")
    assert sorted(path_of(m) for m in kept.column("meta").to_pylist()) == ["apache/lib/d.py", "f.py",
                                                                           "mit_repo/src/a.py"]
    removed = read_shards(tmp_path / "out", "removed")
    paths = [path_of(m) for m in removed.column("meta").to_pylist()]
    reasons = dict(zip(paths, removed.column("reason").to_pylist(), strict=True))
    values = dict(zip(paths, removed.column("value").to_pylist(), strict=True))
    assert json.loads(values["gpl_repo/src/b.py"]) == "GPL-3.0-only" and json.loads(values["g.py"]) == "GPL-3.0-only"
    assert {p: reasons[p] for p in ("gpl_repo/src/b.py", "bare_repo/src/c.py", "lgpl/e.py", "loose.py", "g.py",
                                    "h.py")} == {
        "gpl_repo/src/b.py": "license", "bare_repo/src/c.py": "license_unknown", "lgpl/e.py": "license",
        "loose.py": "license_unknown", "g.py": "license", "h.py": "license_unknown"}


def test_licence_filter_refuses_remote_folders_before_the_run(tmp_path) -> None:
    from manifests.schema import check_inputs, load_manifest
    from tests.fake_fs import FakeBucketFileSystem  # noqa: F401 - importing registers the fakegs:// scheme

    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "a.py").write_text(code(1))
    manifest = write_manifest(tmp_path, "name: t\nfilters: {code: {licenses: [MIT]}}\nsources:\n"
                                        f"  - {{name: c, type: code, path: 'fakegs://{tmp_path}/code'}}\n")
    problems = check_inputs(load_manifest(manifest))
    assert any("sources[0] (c): filters.code.licenses" in p and "remote folder" in p for p in problems), problems
