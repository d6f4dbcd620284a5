"""Language ID beyond lid.176: label mapping of GlotLID/OpenLID/NLLB-style models (tiny models trained here), the
CLD2 second opinion for ROOTS' African languages, and fixed source languages that no model knows."""

from __future__ import annotations

import json

import fasttext
import pytest

from filters.lid_labels import ROOTS_46, ROOTS_LANGUAGES, is_roots_language, roots_code
from pipeline.langid import identify_batch, load_lid_model
from pipeline.lid_models import CLD2, SOURCE, Identifier
from tests.conftest import read_shards, write_jsonl, write_manifest

# Written for these tests: everyday sentences (a market, a school, the weather) in each language.
AFRICAN = {
    "zu": "Umama wami uya emakethe njalo ngoMgqibelo ukuyothenga imifino nezithelo. Uthi izintengo ziyakhuphuka "
          "kakhulu kulo nyaka, kodwa abantu basathenga ngoba kufanele badle. Izingane zihlala ekhaya zifunda.",
    "xh": "Abantwana baya esikolweni qho ngentsasa kwaye bafunda ukubhala nokufunda. Utitshala wabo uthi "
          "kufuneka benze umsebenzi wasekhaya yonke imihla ukuze baphumelele kwiimviwo zabo ezizayo.",
    "rw": "Abana bajya ku ishuri buri gitondo kandi biga gusoma no kwandika. Umwarimu wabo avuga ko bagomba "
          "gukora imyitozo yo mu rugo buri munsi kugira ngo batsinde ibizamini byabo bizaza vuba.",
    "sn": "Vana vanoenda kuchikoro mangwanani oga oga uye vanodzidza kuverenga nekunyora. Mudzidzisi wavo "
          "anoti vanofanira kuita basa rekumba zuva nezuva kuti vapase bvunzo dzavo dzichauya.",
}
TWI = [
    "Ɔdɔ yɛ adeɛ a ɛsom bo paa wɔ abrabɔ mu. Sɛ wodɔ wo yɔnko a, wobɛboa no bere biara a ohia mmoa.",
    "Abofra a ɔte nka sɛ wɔdɔ no no nyin yiye. Ɛsɛ sɛ awofo hwɛ wɔn mma so na wɔkyerɛ wɔn nea ɛyɛ.",
    "Nnɛ yɛ da a ɛyɛ fɛ. Owia rebɔ na mframa bɔ brɛoo, enti mmofra no kɔ agoru wɔ abɔnten so anɔpa yi.",
    "Me maame kɔ dwam dapɛn biara kɔtɔ nnuan ne nnuaba. Ɔka sɛ nneɛma bo ayɛ den afe yi, nanso yɛtɔ.",
    "Sukuufoɔ no kenkan nwoma wɔ adesuadan mu anɔpa biara. Wɔn kyerɛkyerɛfoɔ ka sɛ wɔnsua ade daa.",
]
# Kikuyu: neither lid.176 nor CLD2 has it
KIKUYU = "Ciana nicithiaga cukuru o rucini na nicirutaga guthoma na kwandika. Mwarimu wacio oigaga ati " \
         "nociagiriirwo nikurutha wira wa mucii o muthenya niguo ciagie na ugima makiria."


@pytest.mark.parametrize(("label", "code"), [
    ("__label__yor_Latn", "yo"), ("__label__zho_Hans", "zh-hans"), ("__label__zho_Hant", "zh-hant"),
    ("__label__aka_Latn", "ak"), ("__label__twi_Latn", "tw"), ("__label__fon_Latn", "fon"),
    ("__label__tum_Latn", "tum"), ("__label__nso_Latn", "nso"), ("__label__kin_Latn", "rw"),
    ("__label__arb_Arab", "ar"), ("__label__cmn_Hani", "zh-hans"), ("__label__swh_Latn", "sw"),
    ("__label__hin_Latn", "hi-latn"), ("__label__hin_Deva", "hi"), ("__label__eng_Latn", "en"),
    ("__label__xyz_Latn", "xyz"), ("__label__fr", "fr"), ("__label__ceb", "ceb"), ("zh", "zh"),
])
def test_labels_map_to_roots_codes(label, code):
    assert roots_code(label) == code


def test_roots_46():
    assert len(set(ROOTS_46)) == 46 and len(ROOTS_LANGUAGES["niger-congo"]) == 22
    assert is_roots_language("tw") and is_roots_language("zh") and not is_roots_language("de")


@pytest.fixture(scope="module")
def glot_like(tmp_path_factory):
    """A tiny fastText model with ISO 639-3 + script labels, trained on a few lines."""
    lines = {
        "yor_Latn": ["ọmọ náà lọ sí ilé ìwé ní òwúrọ̀", "mo fẹ́ jẹun ní ọjà lónìí", "bàbá mi ń ṣiṣẹ́ ní oko"],
        "zho_Hans": ["我们今天去学校学习", "这个城市的图书馆很大", "他说这个问题很难"],
        "zho_Hant": ["我們今天去學校學習", "這個城市的圖書館很大", "他說這個問題很難"],
        "twi_Latn": ["me maame kɔ dwam dapɛn biara", "sukuufoɔ no kenkan nwoma", "ɔdɔ yɛ adeɛ a ɛsom bo"],
        "eng_Latn": ["the children go to school every morning", "my mother goes to the market", "it is a nice day"],
        "fon_Latn": ["vi lɛ yì azɔmɛ", "un ɖo xwé", "é ɖò nǔ ɖu wɛ"],
    }
    path = tmp_path_factory.mktemp("glot") / "train.txt"
    path.write_text("".join(f"__label__{lab} {text}\n" for lab, texts in lines.items() for text in texts * 20),
                    encoding="utf-8")
    model = fasttext.train_supervised(input=str(path), epoch=30, lr=0.8, dim=16, minn=1, maxn=3, thread=1,
                                      verbose=0, seed=1)
    out = path.parent / "glotlid_tiny.bin"
    model.save_model(str(out))
    return str(out)


def test_any_fasttext_model_by_path(glot_like):
    ident = Identifier.load(glot_like, second_model=None)
    assert ident.name == "glotlid_tiny" and {"yo", "zh-hans", "zh-hant", "tw", "en", "fon"} <= ident.known
    texts = ["ọmọ náà lọ sí ilé ìwé", "這個城市的圖書館很大", "这个城市的图书馆很大", "me maame kɔ dwam",
             "the children go to the market", "un ɖo xwé"]
    got = [r.language for r in ident.identify(texts, [None] * len(texts))]
    assert got == ["yo", "zh-hant", "zh-hans", "tw", "en", "fon"]
    # a fixed language is scored with the model's own label for it
    (lang, score, model), = ident.identify(["ọmọ náà lọ sí ilé ìwé"], ["yo"])
    assert (lang, model) == ("yo", SOURCE) and score > 0.5


def test_glotlid_style_model_in_a_manifest(glot_like, tmp_path):
    """``lid.model: PATH`` with ISO 639-3 labels: shards carry ROOTS codes and the model's name."""
    from pipeline.run import run

    write_jsonl(tmp_path / "d.jsonl", [{"text": "ọmọ náà lọ sí ilé ìwé ní òwúrọ̀, mo fẹ́ jẹun ní ọjà lónìí"},
                                      {"text": "這個城市的圖書館很大，我們今天去學校學習，他說這個問題很難。"}])
    manifest = write_manifest(tmp_path, f"""
name: glot
sources: [{{name: d, type: hf, path: json, data_files: d.jsonl}}]
lid: {{model: {glot_like}, second_model: null}}
filters: {{defaults: {{number_words_min_cutoff: 1, lang_id_min_cutoff: null, stopwords_min_cutoff: null}}}}
dedup: {{exact: false, near: false}}
""")
    run(str(manifest), str(tmp_path / "out"), progress=False)
    rows = read_shards(tmp_path / "out").to_pylist()
    assert sorted((r["language"], r["lid_model"]) for r in rows) == [("yo", "glotlid_tiny"),
                                                                    ("zh-hant", "glotlid_tiny")]


@pytest.fixture(scope="module")
def lid176():
    return Identifier(load_lid_model())


def test_cld2_decides_what_lid176_cannot_know(lid176):
    texts = [*AFRICAN.values(), "The city council met on Tuesday evening to discuss the new library budget."]
    results = lid176.identify(texts, [None] * len(texts))
    assert [(r.language, r.model) for r in results] == [(lang, CLD2) for lang in AFRICAN] + [("en", "lid.176")]
    assert all(0.7 <= r.score <= 1.0 for r in results)
    alone = Identifier(lid176.model, second_model=None).identify(texts, [None] * len(texts))
    assert not {r.language for r in alone} & set(AFRICAN)  # lid.176 alone gives them other labels


def test_fixed_language_keeps_its_label_and_a_meaningful_score(lid176):
    (zu, tw, ki, fr) = lid176.identify([AFRICAN["zu"], TWI[0], KIKUYU, AFRICAN["zu"]], ["zu", "tw", "ki", "fr"])
    assert zu.language == "zu" and zu.score > 0.9 and zu.model == SOURCE  # CLD2's confidence in isiZulu
    assert tw.language == "tw" and tw.score > 0.9  # CLD2 names Twi by its macrolanguage, Akan
    assert ki == ("ki", None, SOURCE)  # no model knows Kikuyu: no score, so lang_id cannot remove it
    assert fr.language == "fr" and fr.score < 0.1  # never re-labelled; the low score is the confidence in fr
    assert identify_batch(lid176.model, [KIKUYU], ["ki"]) == [("ki", None)]


def test_declared_african_sources_keep_their_documents(tmp_path):
    """Five Twi documents in a ``language: tw`` source (and isiZulu, Kikuyu) all reach the shards."""
    from pipeline.run import run

    write_jsonl(tmp_path / "tw.jsonl", [{"text": t} for t in TWI])
    write_jsonl(tmp_path / "zu.jsonl", [{"text": AFRICAN["zu"]}])
    write_jsonl(tmp_path / "ki.jsonl", [{"text": KIKUYU}])
    manifest = write_manifest(tmp_path, """
name: african
sources:
  - {name: twi, type: hf, path: json, data_files: tw.jsonl, language: tw}
  - {name: zulu, type: hf, path: json, data_files: zu.jsonl, language: zu}
  - {name: kikuyu, type: hf, path: json, data_files: ki.jsonl, language: ki}
dedup: {exact: false, near: false}
""")
    run(str(manifest), str(tmp_path / "out"), progress=False)
    rows = read_shards(tmp_path / "out").to_pylist()
    assert sorted(r["language"] for r in rows) == ["ki", "tw", "tw", "tw", "tw", "tw", "zu"]
    assert {r["lid_model"] for r in rows} == {SOURCE}
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["lid_models"] == {SOURCE: 7}
    assert report["roots_coverage"]["tw"]["docs"] == 5 and report["roots_coverage"]["tw"]["models"] == {SOURCE: 5}
    from reports.html import render_html

    page = render_html(report)
    assert 'data-table="roots_coverage"' in page and '<tr data-key="tw">' in page and "source 5" in page
    assert page.index('id="roots-coverage"') < page.index('id="funnel"')


def test_cld2_decides_tone_marked_yoruba_that_lid176_misreads(lid176):
    """lid.176 has a Yoruba label but reads tone-marked Yoruba (GNOME's menu catalogue) as Catalan at p 0.51:
    above "unsure", so only the African-language rule lets CLD2, which is sure, decide."""
    text = ("- yẹ ìpilẹ̀ Ojúùwọ̀n Àtòjọ-ẹ̀yàn Ojú-iṣẹ́ GNOME wò Ṣàfikún Àtòjọ-ètò Fún Ìbẹ̀rẹ̀ Àwọn ayò àti "
            "àwọn eré-àṣenọjú Àwọn àtòjọ-ètò fún ìbẹ̀rẹ̀ aláfikún:")
    labels, probs = lid176.model.predict([text], k=1)
    assert labels[0][0] == "__label__ca" and 0.5 <= probs[0][0] < 0.9
    (result,) = lid176.identify([text], [None])
    assert (result.language, result.model) == ("yo", CLD2) and result.score >= 0.9
