"""``OUT/README.md``: a run's output is a Hugging Face dataset card that ``datasets.load_dataset(OUT, "fr")`` loads,
with the manifest's licence; a README.md roots did not write is never deleted nor replaced."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import read_arrow, write_manifest

from core.errors import UserError
from manifests.schema import load_manifest
from pipeline.run import prepare_out
from reports.card import CARD_MARK, render_card


def _header(card: str) -> dict:
    assert card.startswith("---\n")
    return yaml.safe_load(card.split("---\n", 2)[1])


def test_card_configs_load_with_datasets_and_equal_the_shards(sample_run, tmp_path, monkeypatch):
    import datasets

    for name, value in (("HF_DATASETS_CACHE", str(tmp_path / "cache")), ("HF_HOME", str(tmp_path / "home")),
                        ("HF_DATASETS_OFFLINE", "1"), ("HF_HUB_OFFLINE", "1")):
        monkeypatch.setenv(name, value)
    card = (sample_run / "README.md").read_text(encoding="utf-8")
    meta, report = _header(card), json.loads((sample_run / "report.json").read_text())
    index = json.loads((sample_run / "shards" / "index.json").read_text())["shards"]
    languages = sorted({s["language"] for s in index})
    by_name = {c["config_name"]: c for c in meta["configs"]}
    assert sorted(set(by_name) - {"all"}) == languages and by_name["all"]["default"] is True
    assert by_name["fr"]["data_files"] == [{"split": "train", "path": "shards/fr/*.arrow"}]
    assert meta["pretty_name"] == "sample" and meta["size_categories"] == ["n<1K"] and "license" not in meta
    assert {"fr", "en", "zh", "code"} <= set(meta["language"]) and meta["language_bcp47"] == ["zh-Hans", "zh-Hant"]
    assert CARD_MARK in card and f"{report['kept_docs']:,} documents" in card and "| `fr` | 14 |" in card

    for config in ("fr", "code-python"):
        # cache_dir: datasets read HF_DATASETS_CACHE when imported, so the variable above alone would leave a cache
        # shared with other runs whose outputs had the same path (a stale copy of other shards)
        loaded = datasets.load_dataset(str(sample_run), config, split="train", cache_dir=str(tmp_path / "cache"))
        shards = [read_arrow(sample_run / "shards" / s["path"]) for s in index if s["language"] == config]
        expected = [row for table in shards for row in table.to_pylist()]
        assert loaded.to_list() == expected and len(expected) > 0, config
    everything = datasets.load_dataset(str(sample_run), split="train",  # the default config: every shard
                                       cache_dir=str(tmp_path / "cache"))
    assert len(everything) == report["kept_docs"] == sum(s["rows"] for s in index)


def test_manifest_license_is_a_hub_id_and_goes_into_the_card(sample_run, tmp_path):
    base = "sources: [{name: a, type: hf, path: json, data_files: x.jsonl}]\nname: t\n"
    with pytest.raises(UserError) as err:
        load_manifest(write_manifest(tmp_path, base + "license: CC-BY-SA-4\n"))
    assert "license: 'CC-BY-SA-4' is not a Hugging Face Hub licence id" in str(err.value)
    assert "did you mean cc-by-sa-4.0" in str(err.value) and "`other`" in str(err.value)
    with pytest.raises(UserError, match=r"license: 'mitt' is not"):
        load_manifest(write_manifest(tmp_path, base + "license: [apache-2.0, mitt]\n"))
    assert load_manifest(write_manifest(tmp_path, base + "license: [apache-2.0, mit]\n")).license == ["apache-2.0",
                                                                                                     "mit"]
    report = json.loads((sample_run / "report.json").read_text())
    card = render_card(report, "cc-by-sa-4.0")
    assert _header(card)["license"] == "cc-by-sa-4.0" and "`cc-by-sa-4.0` (from the manifest's `license`)" in card
    assert _header(render_card(report, ["apache-2.0", "mit"]))["license"] == ["apache-2.0", "mit"]
    assert render_card(report, None) == (sample_run / "README.md").read_text(encoding="utf-8")  # same bytes


@pytest.mark.parametrize("scheme", ["", "fakegs://"])
def test_a_readme_roots_did_not_write_is_never_replaced(tmp_path, scheme):
    """Locally and on a bucket (``fakegs://``, Beam's FileSystems as for gs://)."""
    from tests.fake_fs import FakeBucketFileSystem  # noqa: F401 - importing registers the fakegs:// scheme

    out = tmp_path / "out"
    (out / "shards").mkdir(parents=True)
    (out / "shards" / "index.json").write_text("{}")
    (out / "report.json").write_text("{}")
    mine = out / "README.md"
    mine.write_text("# my notes about this corpus\n")
    with pytest.raises(UserError, match="README.md there was not written by roots"):
        prepare_out(scheme + str(out))
    assert mine.read_text() == "# my notes about this corpus\n" and (out / "report.json").exists()
    mine.write_text(f"---\npretty_name: x\n---\n{CARD_MARK}\n\n# x\n")  # a card an earlier run wrote
    prepare_out(scheme + str(out))
    assert not mine.exists() and not (out / "report.json").exists() and not (out / "shards" / "index.json").exists()

