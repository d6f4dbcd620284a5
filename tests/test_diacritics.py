"""Closed-class and flagged-word checks see through Arabic harakat and Hebrew niqqud; the stored text is unchanged."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from filters import FilterConfig, explain, filter_batch
from filters.diacritics import see_through_marks, strip_optional_marks

# Fully vocalised Arabic, written for this test (a pupil's morning at school), as in teaching texts
VOCALISED_AR = ("ذَهَبَ الطَّالِبُ إِلَى الْمَدْرَسَةِ فِي الصَّبَاحِ، وَكَانَ مَعَهُ كِتَابٌ جَدِيدٌ. قَالَ لَهُ الْمُعَلِّمُ إِنَّ "
                "هَذَا الْكِتَابَ مُفِيدٌ جِدًّا، ثُمَّ جَلَسَ الطُّلَّابُ فِي الْفَصْلِ وَقَرَؤُوا مَعًا عَنْ تَارِيخِ "
                "الْمَدِينَةِ الَّتِي يَعِيشُونَ فِيهَا مُنْذُ سِنِينَ طَوِيلَةٍ.")


def test_strip_only_optional_marks():
    assert strip_optional_marks("كِتَابٌ") == "كتاب"
    assert strip_optional_marks("שָׁלוֹם") == "שלום"
    assert strip_optional_marks("भी") == "भी" and strip_optional_marks("à") == "à"  # spelling marks stay
    assert "في" in see_through_marks(frozenset({"فِي"}))


def test_vocalised_arabic_passes_the_stopword_check():
    params = FilterConfig().params_for("ar")
    (verdict,) = filter_batch([VOCALISED_AR], "ar", params)
    assert verdict.keep, verdict
    stop = next(r for r in explain(VOCALISED_AR, "ar", params) if r.name == "stopwords")
    bare = strip_optional_marks(VOCALISED_AR)
    assert stop.value == next(r for r in explain(bare, "ar", params) if r.name == "stopwords").value > 0.2


def test_flagged_words_see_through_marks():
    config = FilterConfig.model_validate({"defaults": {"flagged_words_max_cutoff": 0.01,
                                                       "stopwords_min_cutoff": None}})
    plain = "كلمة " * 3 + "سكس " + "نص عادي طويل بما يكفي ليكون وثيقة حقيقية من عشرين كلمة أو أكثر في هذا الاختبار"
    voc = plain.replace("سكس", "سِكْس")
    from filters.wordlists import flagged_words

    assert "سكس" in flagged_words("ar")
    params = config.params_for("ar")
    assert [v.reason for v in filter_batch([plain, voc], "ar", params)] == ["flagged_words", "flagged_words"]


@given(st.lists(st.text(alphabet=st.sampled_from(list("ab \nكِتَابٌשָׁלוֹם\u0640\u05be")), max_size=20), max_size=8))
@settings(max_examples=200, deadline=None)
def test_batch_marks_test_is_the_per_text_test(texts: list[str]) -> None:
    from filters.diacritics import has_optional_marks, has_optional_marks_batch
    from filters.text import code_points

    assert has_optional_marks_batch(texts, code_points("".join(texts))) == [has_optional_marks(t) for t in texts]
