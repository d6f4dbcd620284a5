"""The README agrees with the command line and its manifests validate: every option of every subcommand's parser
(pipeline/cli.py, pipeline/tokenize_cli.py, tokenizer/cli.py, pipeline/explain.py) is in the README's *Command line*
tables, every option those tables give a command exists, and every ```yaml block of the README that is a whole
manifest passes `roots validate`."""

from __future__ import annotations

import argparse
import re

import pytest
import yaml
from conftest import REPO

from pipeline.cli import build_parser, main

README = (REPO / "README.md").read_text(encoding="utf-8")
#: options every subcommand takes, documented once under `roots`
SHARED = {"-h", "--help", "-v", "--verbose"}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {s for action in parser._actions for s in action.option_strings}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next(a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _documented() -> dict[str, set[str]]:
    """Options per command in the README's *Command line* section: ``#### `roots CMD ...``` headings, then the
    options named in the first cell of each table row (``""`` is the top-level `roots`)."""
    section = README[README.index("### Command line"):]
    section = section[:section.index("\n### ", 1)]
    docs: dict[str, set[str]] = {}
    command = None
    for line in section.splitlines():
        heading = re.match(r"#### `roots(?: ([a-z]+))?[ `]", line)
        if heading:
            command = heading.group(1) or ""
            docs[command] = set()
        elif command is not None and line.startswith("| `-"):
            docs[command] |= set(re.findall(r"`(-{1,2}[a-z][a-z0-9-]*)", line.split(" | ")[0]))
    return docs


def test_readme_documents_every_option_of_every_command_and_no_other():
    parser = build_parser()
    docs = _documented()
    commands = _subcommands(parser)
    assert set(docs) == {"", *commands}, f"README *Command line* has {sorted(docs)}, --help has {sorted(commands)}"
    assert docs[""] == _options(parser) - {"-h", "--help"}
    for name, sub in commands.items():
        actual = _options(sub) - SHARED
        assert docs[name] == actual, (f"roots {name}: missing from the README: {sorted(actual - docs[name])}; "
                                      f"in the README but not in --help: {sorted(docs[name] - actual)}")
        assert SHARED <= _options(sub), name


def test_roots_version_prints_the_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"roots {version('roots')}"


def _manifest_blocks() -> list[str]:
    """The README's ```yaml blocks that are whole manifests (a `name` and `sources`), not snippets of one."""
    blocks = re.findall(r"```yaml\n(.*?)```", README, flags=re.DOTALL)
    return [b for b in blocks if isinstance(d := yaml.safe_load(b), dict) and {"name", "sources"} <= set(d)]


def test_every_manifest_in_the_readme_validates(tmp_path, capsys):
    """Saved in manifests/ (beside the bundled sample's files, as the README says), each block validates."""
    blocks = _manifest_blocks()
    assert blocks, "the README has no manifest example"
    (tmp_path / "sample_data").symlink_to(REPO / "manifests" / "sample_data")
    for i, block in enumerate(blocks):
        path = tmp_path / f"readme-{i}.yaml"
        path.write_text(block, encoding="utf-8")
        assert main(["validate", str(path)]) == 0, block
        assert f"{path}: ok" in capsys.readouterr().out
