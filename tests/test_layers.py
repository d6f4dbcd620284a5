"""The import layering, read from every module's source (``ast``): nothing imports from a layer above it.

Bottom up: ``core`` (errors, file systems, language tables); ``filters`` (pure document logic); ``manifests``
(the schema, which embeds the filters' parameter models); ``pipeline``, ``tokenizer`` and ``reports``; the CLI
modules on top. ``bench`` sits outside the installed packages and may import anything.
"""

from __future__ import annotations

import ast

from tests.conftest import REPO

PACKAGES = ("core", "filters", "manifests", "pipeline", "tokenizer", "reports")
#: modules that are the command line (the top layer)
CLI = {"pipeline.cli", "pipeline.tokenize_cli", "tokenizer.cli"}
RANK = {"core": 0, "filters": 1, "manifests": 2, "pipeline": 3, "tokenizer": 3, "reports": 3}


def _rank(module: str) -> int | None:
    if module in CLI:
        return 4
    return RANK.get(module.split(".")[0])


def _modules():
    for package in PACKAGES:
        root = REPO / package
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.py")):
            if "sample_data" in path.parts:
                continue
            rel = path.relative_to(REPO).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            yield ".".join(parts), path


def _imports(path) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.module, node.lineno))
    return found


def test_no_module_imports_from_a_layer_above_it():
    modules = list(_modules())
    assert len(modules) > 30 and {m.split(".")[0] for m, _ in modules} >= {"core", "filters", "pipeline"}
    wrong = []
    for module, path in modules:
        for target, line in _imports(path):
            own, theirs = _rank(module), _rank(target)
            if theirs is not None and theirs > own:
                wrong.append(f"{path.relative_to(REPO)}:{line}: {module} (layer {own}) imports {target} "
                             f"(layer {theirs})")
    assert not wrong, "\n".join(wrong)


def test_filters_have_no_beam_import():
    for module, path in _modules():
        if module.startswith(("filters", "core.languages", "core.errors")):
            assert all(not t.startswith("apache_beam") for t, _ in _imports(path)), module


def test_the_check_sees_an_upward_import(tmp_path):
    """The checker itself: an import from a higher layer is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("from pipeline.run import run\n")
    assert [t for t, _ in _imports(bad)] == ["pipeline.run"] and _rank("pipeline.run") > _rank("filters.quality")
