"""ROOTS natural-language quality filters: definitions, thresholds on both sides in five scripts, parameters."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest
import regex
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from filters import (
    NL_CHECKS,
    FilterConfig,
    LanguageParams,
    describe_checks,
    explain,
    filter_batch,
    modify_batch,
    remove_words_batch,
    shipped_defaults,
    shipped_languages,
)
from filters.quality import WORD_REMOVAL_REASONS, char_repetition_ratio, special_characters_ratio, word_repetition_ratio
from filters.text import SPECIAL_RE, words

# Natural paragraphs written for these tests (same content in every language: a city-council news item).
NATURAL = {
    "en": "The city council met on Tuesday evening to discuss the new budget for public schools. Several parents spoke "
    "about the need for more teachers, and the mayor promised that the final plan would be published before the end "
    "of the month. Many residents said they were worried about rising costs, but others were hopeful that the "
    "changes would improve the quality of education for their children.",
    "fr": "Le conseil municipal s'est réuni mardi soir pour discuter du nouveau budget des écoles publiques. Plusieurs "
    "parents ont pris la parole pour demander davantage d'enseignants, et le maire a promis que le plan définitif "
    "serait publié avant la fin du mois. Beaucoup d'habitants se disent inquiets de la hausse des coûts, mais "
    "d'autres espèrent que ces changements amélioreront la qualité de l'enseignement pour leurs enfants.",
    "es": "El ayuntamiento se reunió el martes por la noche para hablar del nuevo presupuesto de las escuelas "
    "públicas. Varios padres pidieron más profesores, y el alcalde prometió que el plan definitivo se publicaría "
    "antes de que termine el mes. Muchos vecinos dijeron que les preocupa la subida de los precios, pero otros "
    "creen que los cambios mejorarán la calidad de la educación de sus hijos.",
    "pt": "A câmara municipal reuniu-se na terça-feira à noite para discutir o novo orçamento das escolas públicas. "
    "Vários pais pediram mais professores, e o presidente da câmara prometeu que o plano final seria publicado "
    "antes do fim do mês. Muitos moradores disseram que estão preocupados com o aumento dos custos, mas outros "
    "esperam que as mudanças melhorem a qualidade da educação dos seus filhos.",
    "ca": "L'ajuntament es va reunir dimarts al vespre per parlar del nou pressupost de les escoles públiques. "
    "Diversos pares van demanar més mestres, i l'alcalde va prometre que el pla definitiu es publicaria abans que "
    "acabi el mes. Molts veïns van dir que els preocupa la pujada dels preus, però altres creuen que els canvis "
    "milloraran la qualitat de l'educació dels seus fills.",
    "eu": "Udala asteartean arratsaldean bildu zen eskola publikoen aurrekontu berria eztabaidatzeko. Guraso batzuek "
    "irakasle gehiago eskatu zituzten, eta alkateak hitzeman zuen azken plana hilabetea amaitu baino lehen "
    "argitaratuko dela. Herritar askok esan zuten kezkatuta daudela prezioen igoerarekin, baina beste batzuek uste "
    "dute aldaketek beren seme-alaben hezkuntzaren kalitatea hobetuko dutela.",
    "id": "Dewan kota bertemu pada hari Selasa malam untuk membahas anggaran baru bagi sekolah negeri. Beberapa orang "
    "tua meminta lebih banyak guru, dan wali kota berjanji bahwa rencana akhir akan diterbitkan sebelum akhir bulan. "
    "Banyak warga mengatakan bahwa mereka khawatir dengan kenaikan biaya, tetapi yang lain berharap perubahan itu "
    "akan meningkatkan mutu pendidikan bagi anak-anak mereka.",
    "vi": "Hội đồng thành phố đã họp vào tối thứ Ba để thảo luận về ngân sách mới cho các trường công lập. Nhiều phụ "
    "huynh yêu cầu có thêm giáo viên, và thị trưởng hứa rằng kế hoạch cuối cùng sẽ được công bố trước cuối tháng. "
    "Nhiều người dân nói rằng họ lo lắng về việc chi phí tăng cao, nhưng những người khác hy vọng những thay đổi "
    "này sẽ cải thiện chất lượng giáo dục cho con em của họ.",
    "zh": "市议会星期二晚上开会讨论公立学校的新预算。几位家长要求增加教师，市长承诺最终计划将在月底之前公布。许多居民说"
    "他们担心费用上涨，但也有人希望这些变化能够提高孩子们的教育质量。我们认为这是一个很重要的问题，因为教育关系到每"
    "一个家庭的未来。",
    "ar": "اجتمع مجلس المدينة مساء الثلاثاء لمناقشة الميزانية الجديدة للمدارس العامة. وطالب عدد من أولياء الأمور "
    "بزيادة عدد المعلمين، ووعد رئيس البلدية بأن الخطة النهائية ستنشر قبل نهاية الشهر. وقال كثير من السكان إنهم "
    "قلقون من ارتفاع التكاليف، لكن آخرين يأملون أن تؤدي هذه التغييرات إلى تحسين جودة التعليم لأطفالهم.",
    "hi": "नगर परिषद ने मंगलवार शाम को सरकारी स्कूलों के नए बजट पर चर्चा करने के लिए बैठक की। कई अभिभावकों ने और "
    "अधिक शिक्षकों की मांग की, और महापौर ने वादा किया कि अंतिम योजना महीने के अंत से पहले प्रकाशित की जाएगी। बहुत "
    "से निवासियों ने कहा कि वे बढ़ती लागत को लेकर चिंतित हैं, लेकिन कुछ लोगों को उम्मीद है कि इन बदलावों से उनके "
    "बच्चों की शिक्षा की गुणवत्ता में सुधार होगा।",
    "bn": "নগর পরিষদ মঙ্গলবার সন্ধ্যায় সরকারি বিদ্যালয়ের নতুন বাজেট নিয়ে আলোচনা করতে বৈঠকে বসে। কয়েকজন অভিভাবক "
    "আরও শিক্ষকের দাবি জানান, এবং মেয়র প্রতিশ্রুতি দেন যে চূড়ান্ত পরিকল্পনা মাসের শেষের আগেই প্রকাশ করা হবে। অনেক "
    "বাসিন্দা বলেন যে তাঁরা খরচ বেড়ে যাওয়া নিয়ে চিন্তিত, কিন্তু অন্যরা আশা করেন যে এই পরিবর্তনগুলো তাঁদের "
    "সন্তানদের শিক্ষার মান উন্নত করবে।",
    "ur": "شہر کی کونسل نے منگل کی شام سرکاری اسکولوں کے نئے بجٹ پر بات کرنے کے لیے اجلاس کیا۔ کئی والدین نے مزید "
    "اساتذہ کا مطالبہ کیا، اور میئر نے وعدہ کیا کہ حتمی منصوبہ مہینے کے آخر سے پہلے شائع کر دیا جائے گا۔ بہت سے "
    "شہریوں نے کہا کہ وہ بڑھتے ہوئے اخراجات کے بارے میں فکرمند ہیں، لیکن کچھ لوگوں کو امید ہے کہ ان تبدیلیوں سے ان "
    "کے بچوں کی تعلیم کا معیار بہتر ہو گا۔",
    "ru": "Городской совет собрался во вторник вечером, чтобы обсудить новый бюджет государственных школ. Несколько "
    "родителей попросили нанять больше учителей, и мэр пообещал, что окончательный план будет опубликован до конца "
    "месяца. Многие жители сказали, что их беспокоит рост расходов, но другие надеются, что эти изменения улучшат "
    "качество образования их детей.",
    "de": "Der Stadtrat traf sich am Dienstagabend, um über den neuen Haushalt für die öffentlichen Schulen "
    "zu beraten. Mehrere Eltern forderten mehr Lehrer, und der Bürgermeister versprach, dass der endgültige "
    "Plan vor Ende des Monats veröffentlicht wird. Viele Einwohner sagten, sie seien über die steigenden Kosten "
    "besorgt, aber andere hoffen, dass die Änderungen die Qualität der Bildung ihrer Kinder verbessern werden.",
    "ja": "市議会は火曜日の夜に公立学校の新しい予算について話し合うために会合を開いた。何人かの保護者は教員を増やすよう"
    "求め、市長は最終的な計画を月末までに公表すると約束した。多くの住民は費用の上昇を心配していると話したが、この変"
    "更によって子どもたちの教育の質が良くなることを期待する人もいる。",
    "ko": "시의회는 화요일 저녁 공립학교의 새 예산을 논의하기 위해 모였다. 여러 학부모가 교사를 더 "
    "늘려 달라고 요구했고, 시장은 최종 계획을 이달 말까지 발표하겠다고 약속했다. 많은 주민들은 "
    "비용 상승이 걱정된다고 말했지만, 다른 사람들은 이번 변화가 아이들의 교육의 질을 높일 것이라고 "
    "기대하고 있다.",
    "th": "สภาเมืองประชุมกันเมื่อเย็นวันอังคารเพื่อหารือเรื่องงบประมาณใหม่ของโรงเรียนรัฐ ผู้ปกครองหลายคนขอให้เพิ่มครู "
    "และนายกเทศมนตรีสัญญาว่าแผนสุดท้ายจะประกาศก่อนสิ้นเดือน ชาวบ้านจำนวนมากบอกว่ากังวลเรื่องค่าใช้จ่ายที่สูงขึ้น "
    "แต่บางคนหวังว่าการเปลี่ยนแปลงนี้จะช่วยให้คุณภาพการศึกษาของลูกหลานดีขึ้น",
}

# Five scripts for the two-sided tests: Latin, CJK, Arabic, Devanagari, Cyrillic.
SCRIPTS = ["en", "zh", "ar", "hi", "ru"]

# Content words only (no closed-class words), per script, to push the stop-word ratio down.
CONTENT_WORDS = {
    "en": "apple banana carrot table window river mountain computer telephone garden bicycle orange pencil "
    "elephant guitar hospital airport museum kitchen blanket",
    "zh": "苹 蕉 萝 桌 窗 河 峰 脑 机 园 车 橙 铅 象 琴 院 场 馆 厨 毯",
    "ar": "تفاحة موزة جزرة طاولة نافذة نهر جبل حاسوب هاتف حديقة دراجة برتقال قلم فيل غيتار مستشفى مطار "
    "متحف مطبخ بطانية",
    "hi": "सेब केला गाजर मेज़ खिड़की नदी पहाड़ कंप्यूटर टेलीफ़ोन बगीचा साइकिल संतरा पेंसिल हाथी गिटार अस्पताल हवाईअड्डा "
    "संग्रहालय रसोई कंबल",
    "ru": "яблоко банан морковь стол окно река гора компьютер телефон сад велосипед апельсин карандаш слон гитара "
    "больница аэропорт музей кухня одеяло",
}

# A flagged word per script, on both ROOTS' lists and ours (filters/data/flagged_words.json).
FLAGGED = {"en": "porn", "zh": "色情", "ar": "سكس", "hi": "चुदाई", "ru": "порно"}

ALL_OFF = {
    "number_words_min_cutoff": None,
    "number_words_max_cutoff": None,
    "character_repetition_max_cutoff": None,
    "word_repetition_max_cutoff": None,
    "special_characters_max_cutoff": None,
    "stopwords_min_cutoff": None,
    "flagged_words_max_cutoff": None,
    "lang_id_min_cutoff": None,
    "perplexity_max_cutoff": None,
}


def only(lang: str, **on: object) -> LanguageParams:
    """The language's shipped parameters with every check off except the ones given."""
    base = FilterConfig().params_for(lang).model_dump()
    base.update(ALL_OFF)
    base.update(on)
    return LanguageParams.model_validate(base)


def verdict(text: str, lang: str, params: LanguageParams, lid: float | None = None):
    return filter_batch([text], lang, params, [lid])[0]


# --- natural text passes the shipped thresholds ------------------------------------------------------------------


@pytest.mark.parametrize("lang", sorted(NATURAL))
def test_natural_text_passes_shipped_thresholds(lang: str) -> None:
    params = FilterConfig().params_for(lang)
    results = explain(NATURAL[lang], lang, params, lid_score=0.99)
    failed = [(r.name, r.value, r.threshold) for r in results if r.passed is False]
    assert failed == [], failed
    assert filter_batch([NATURAL[lang]], lang, params, [0.99])[0].keep


# --- words ------------------------------------------------------------------------------------------------------


def test_words_strip_special_characters_and_lowercase() -> None:
    assert words("Hello, World! It's 2023... (e-mail) ☺☺ #tag") == ["hello", "world", "it's", "e-mail", "tag"]


def test_words_split_cjk_into_characters() -> None:
    assert words("我们去北京，OK？") == ["我", "们", "去", "北", "京", "ok"]
    assert words("カタカナーとひらがな") == ["カ", "タ", "カ", "ナ", "ー", "と", "ひ", "ら", "が", "な"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("नमस्ते दुनिया! यह हिंदी है।", ["नमस्ते", "दुनिया", "यह", "हिंदी", "है"]),
        ("সোনার বাংলা, আমি তোমায় ভালোবাসি।", ["সোনার", "বাংলা", "আমি", "তোমায়", "ভালোবাসি"]),
        ("می\u200cخواهم بروم", ["می\u200cخواهم", "بروم"]),
        ("தமிழ் மொழி", ["தமிழ்", "மொழி"]),
    ],
)
def test_words_keep_graphemes_whole(text: str, expected: list[str]) -> None:
    assert words(text) == expected


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
@settings(max_examples=200, deadline=None)
def test_words_never_split_a_grapheme(text: str) -> None:
    low = text.lower()
    boundaries = {0}
    pos = 0
    for g in regex.findall(r"\X", low):
        pos += len(g)
        boundaries.add(pos)
    start = 0
    for w in words(text):
        i = low.index(w, start)
        assert i in boundaries and i + len(w) in boundaries, (text, w)
        start = i + len(w)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
@settings(max_examples=300, deadline=None)
def test_fast_word_path_equals_the_regex(text: str) -> None:
    from filters.text import WORD_RE

    assert words(text) == WORD_RE.findall(text.lower())


@given(
    st.text(
        alphabet=st.sampled_from(list("中文字かナー、。，！ ab\n-'’x1") + ["\u0301", "ำ", "ท", "🏻", "\u0600", "𠀀"])
    )
)
@settings(max_examples=300, deadline=None)
def test_fast_word_path_equals_the_regex_on_cjk_mixes(text: str) -> None:
    from filters.text import WORD_RE

    assert words(text) == WORD_RE.findall(text.lower())


@given(
    st.lists(
        st.sampled_from(["ភាសាខ្មែរ", "ทำงาน", "中文", "\u0301x", "(LibreOffice)", "Writer,", "e-mail", "don't", "--",
                         "2023", "🏻a", "a🏻", "\u0600b", "x\u200d", "OK.", "Überschrift:", "«Текст»", "𠀀",
                         "Click (Format - Paragraph), then 'OK'; the e-mail... " * 5]),
        max_size=100,
    ),
    st.lists(st.sampled_from([" ", "\n", "  ", "\t", "\u3000", "\x1c"]), min_size=1),
)
@settings(max_examples=200, deadline=None)
def test_mixed_word_path_equals_the_regex(tokens: list[str], spaces: list[str]) -> None:
    """Long texts mixing unspaced scripts with runs of plain words, so that ``_mixed_words`` cuts them into pieces
    (runs of plain tokens longer than ``_MIN_PLAIN_RUN`` characters go the fast way)."""
    from filters.text import WORD_RE

    text = "".join(tok + spaces[i % len(spaces)] for i, tok in enumerate(tokens)) + "ភ"
    assert words(text) == WORD_RE.findall(text.lower())


_BATCH_ALPHABET = [*"中文字かナー、。，！ ab\n\t-'’x1.,()", "\u0301", "ำ", "ท", "ភ", "្", "🏻", "😀", "\u0600",
                   "𠀀", "İ", "Ä", "я", "\u200d", "\x00", "\ufeff", "\u3000"]


@given(st.lists(st.one_of(st.text(alphabet=st.sampled_from(_BATCH_ALPHABET), max_size=80),
                          st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)), max_size=12))
@settings(max_examples=300, deadline=None)
def test_words_batch_is_words_of_each_text(texts: list[str]) -> None:
    """The batch path (one numpy pass over the texts joined) gives each text's words as ``words`` and the regular
    expression do: empty texts, one word, unspaced scripts, mixed scripts, emoji, prepended characters."""
    from filters.text import WORD_RE, words_batch

    got = words_batch(texts)
    assert got == [words(t) for t in texts]
    assert got == [WORD_RE.findall(t.lower()) for t in texts]


@given(st.text(alphabet=st.sampled_from(_BATCH_ALPHABET), max_size=200))
@settings(max_examples=300, deadline=None)
def test_array_word_path_is_the_token_loop(text: str) -> None:
    """On text whose only segmented characters are BMP CJK ones (what ``words`` gives it), the numpy path is the
    token loop."""
    from filters.text import _array_words, _cjk_spacing, _plain_words, segmented_mask

    low = text.lower()
    assume(all(not segmented_mask()[ord(c)] or ord(c) in _cjk_spacing() for c in low))
    assert _array_words(low, cjk=True) == _plain_words(low.translate(_cjk_spacing()))
    if not any(c in _cjk_spacing() for c in map(ord, low)):
        assert _array_words(low, cjk=False) == _plain_words(low)


def test_words_batch_edge_cases() -> None:
    from filters.text import words_batch

    texts = ["", "one", "  ", "我们去北京，OK？", "ភាសាខ្មែរ Writer,", "カタカナ ok", "a🏻 🏻a 😀", "\u0600b x", "x" * 5]
    assert words_batch(texts) == [words(t) for t in texts]
    assert words_batch([]) == []
    # a text's own characters decide its path, not its neighbour's: each text is followed by a newline in the batch
    assert words_batch(["1", "a🏻", "1"]) == [[], ["a🏻"], []]


def test_lower_case_never_makes_a_segmented_character() -> None:
    """``words_batch`` decides a text's path on the text and splits its lower-cased form, as ``words`` does; that
    the CJK spacing it applies to every text of the batch changes nothing in texts without CJK relies on this."""
    from filters.text import segmented_mask

    seg = segmented_mask()
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000 or seg[cp]:
            continue
        assert not any(seg[ord(c)] for c in chr(cp).lower()), hex(cp)


def test_thai_is_split_into_graphemes() -> None:
    assert words("ทำงาน") == ["ทำ", "ง", "า", "น"]


# --- measures against their definitions --------------------------------------------------------------------------


def roots_char_repetition(doc: str, n: int) -> float:
    """ROOTS' definition, written plainly (reference for the vectorised version)."""
    freqs = Counter(doc[i : i + n] for i in range(len(doc) - n + 1))
    if not freqs:
        return 0.0
    values = sorted(freqs.values(), reverse=True)
    ones = sum(1 for v in values if v == 1)
    k = min(int(math.sqrt(len(values))), len(values) - ones)
    return sum(values[:k]) / sum(values)


@given(st.text(alphabet="ab c\n的字", max_size=300), st.integers(min_value=1, max_value=12))
@settings(max_examples=200, deadline=None)
def test_char_repetition_matches_roots_definition(text: str, n: int) -> None:
    assert char_repetition_ratio(text, n) == pytest.approx(roots_char_repetition(text, n))


@pytest.mark.parametrize("lang", SCRIPTS)
def test_char_repetition_exact_on_natural_and_repeated(lang: str) -> None:
    for text in (NATURAL[lang], NATURAL[lang][:40] * 20):
        for n in (3, 10):
            assert char_repetition_ratio(text, n) == pytest.approx(roots_char_repetition(text, n))


@given(st.lists(st.text(alphabet="ab c\n的字😀", max_size=300), max_size=10), st.integers(min_value=1, max_value=12))
@settings(max_examples=200, deadline=None)
def test_batch_char_repetition_is_the_per_text_ratio(texts: list[str], n: int) -> None:
    """Same floats (not approximately): the batch finds the same counts, ``k`` and top-``k`` sums as each text."""
    from filters.quality import char_repetition_ratios

    assert char_repetition_ratios(texts, n) == [char_repetition_ratio(t, n) for t in texts]


@pytest.mark.parametrize("lang", SCRIPTS)
def test_batch_char_repetition_on_natural_and_repeated(lang: str) -> None:
    from filters.quality import char_repetition_ratios

    texts = ["", NATURAL[lang], "x", NATURAL[lang][:40] * 20, NATURAL[lang][:9]]
    for n in (3, 10):
        assert char_repetition_ratios(texts, n) == [char_repetition_ratio(t, n) for t in texts]


def test_isqrt_of_arrays_is_math_isqrt() -> None:
    import numpy as np

    from filters.quality import _isqrt

    x = np.array([0, 1, 2, 3, 4, 15, 16, 17, 2**52 - 1, 2**52, (2**26 + 1) ** 2 - 1, (2**26 + 1) ** 2, 2**62],
                 dtype=np.int64)
    assert _isqrt(x).tolist() == [math.isqrt(int(v)) for v in x]


def test_batch_special_characters_ratio() -> None:
    from filters.quality import special_characters_ratios

    texts = ["", "ab, 1!", "नमस्ते", "", "a\u200db", "😀x", "中文，"]
    assert special_characters_ratios(texts) == [special_characters_ratio(t) for t in texts]
    assert special_characters_ratios([]) == []


def test_word_repetition_definition() -> None:
    w = "a b c d e a b c d e x".split()
    # 5-grams: abcde(2), bcdea, cdeab, deabc, eabcd, bcdex -> 7 grams, 2 of them repeated
    assert word_repetition_ratio(w, 5) == pytest.approx(2 / 7)
    assert word_repetition_ratio(["a", "b"], 5) == 0.0


def _word_repetition_by_counter(w: list[str], n: int) -> float:
    """ROOTS' word repetition ratio with a ``Counter`` of word tuples (reference for the integer version)."""
    if len(w) < n:
        return 0.0
    grams = Counter(zip(*(w[i:] for i in range(n)), strict=False))
    return sum(c for c in grams.values() if c > 1) / (len(w) - n + 1)


@given(st.lists(st.sampled_from(["a", "b", "c", "中", "", "a b", "😀"]), max_size=60), st.integers(1, 8))
@settings(max_examples=300, deadline=None)
def test_word_repetition_is_the_counter_definition(w: list[str], n: int) -> None:
    assert word_repetition_ratio(w, n) == _word_repetition_by_counter(w, n)


def test_word_repetition_exact_when_ids_do_not_pack() -> None:
    """Many distinct words: ``n`` ids do not fit in 63 bits and the n-grams are renumbered pair by pair."""
    import random

    rng = random.Random(7)
    for n in (1, 3, 5, 8):
        w = [str(rng.randrange(30000)) for _ in range(20000)]
        w[5000:5100] = w[:100]  # some repeated n-grams
        assert word_repetition_ratio(w, n) == _word_repetition_by_counter(w, n)


def test_special_characters_ratio() -> None:
    assert special_characters_ratio("ab, 1!") == pytest.approx(4 / 6)
    assert special_characters_ratio("") == 0.0
    assert special_characters_ratio("नमस्ते") == 0.0  # combining marks are not special
    assert special_characters_ratio("a\u200db") == 0.0  # ZWJ is part of spelling


# --- every filter on both sides of its threshold, five scripts ---------------------------------------------------


@pytest.mark.parametrize("lang", SCRIPTS)
def test_number_words_both_sides(lang: str) -> None:
    params = only(lang, number_words_min_cutoff=10, number_words_max_cutoff=40)
    text_words = words(NATURAL[lang])
    sep = "" if lang == "zh" else " "
    assert verdict(sep.join(text_words[:12]), lang, params).keep
    low = verdict(sep.join(text_words[:5]), lang, params)
    assert (low.keep, low.reason, low.value) == (False, "number_words", 5.0)
    high = verdict(sep.join(text_words[:45]), lang, params)
    assert (high.keep, high.reason, high.value) == (False, "number_words", 45.0)


@pytest.mark.parametrize("lang", SCRIPTS)
def test_character_repetition_both_sides(lang: str) -> None:
    params = only(lang, character_repetition_max_cutoff=0.2)
    assert verdict(NATURAL[lang], lang, params).keep
    spam = (NATURAL[lang][:15] + " ") * 30
    v = verdict(spam, lang, params)
    assert (v.keep, v.reason) == (False, "character_repetition") and v.value > 0.2


@pytest.mark.parametrize("lang", SCRIPTS)
def test_word_repetition_both_sides(lang: str) -> None:
    params = only(lang, word_repetition_max_cutoff=0.3)
    assert verdict(NATURAL[lang], lang, params).keep
    sep = "" if lang == "zh" else " "
    phrase = sep.join(words(NATURAL[lang])[:6])
    v = verdict(" ".join([phrase] * 10), lang, params)
    assert (v.keep, v.reason) == (False, "word_repetition") and v.value > 0.3


@pytest.mark.parametrize("lang", SCRIPTS)
def test_special_characters_both_sides(lang: str) -> None:
    params = only(lang, special_characters_max_cutoff=0.4)
    assert verdict(NATURAL[lang], lang, params).keep
    noisy = " ".join(f"{w} ### 12345 !!! ☺☺☺" for w in words(NATURAL[lang])[:10])
    v = verdict(noisy, lang, params)
    assert (v.keep, v.reason) == (False, "special_characters") and v.value > 0.4


@pytest.mark.parametrize("lang", SCRIPTS)
def test_stopwords_both_sides(lang: str) -> None:
    params = only(lang, stopwords_min_cutoff=FilterConfig().params_for(lang).stopwords_min_cutoff)
    assert verdict(NATURAL[lang], lang, params).keep
    v = verdict(CONTENT_WORDS[lang], lang, params)
    assert (v.keep, v.reason) == (False, "stopwords") and v.value < params.stopwords_min_cutoff


@pytest.mark.parametrize("lang", SCRIPTS)
def test_flagged_words_both_sides(lang: str) -> None:
    params = only(lang, flagged_words_max_cutoff=0.01)
    assert verdict(NATURAL[lang], lang, params).keep
    sep = "" if lang == "zh" else " "
    dirty = NATURAL[lang] + sep + sep.join([FLAGGED[lang]] * 3)
    v = verdict(dirty, lang, params)
    assert (v.keep, v.reason) == (False, "flagged_words") and v.value > 0.01


@pytest.mark.parametrize("lang", SCRIPTS)
def test_lang_id_both_sides(lang: str) -> None:
    params = only(lang, lang_id_min_cutoff=0.8)
    assert verdict(NATURAL[lang], lang, params, lid=0.85).keep
    assert verdict(NATURAL[lang], lang, params, lid=0.5) == (False, "lang_id", 0.5)
    assert verdict(NATURAL[lang], lang, params, lid=None).keep  # no score: skipped
    assert explain(NATURAL[lang], lang, params, None)[NL_CHECKS.index("lang_id")].note == "no score"


def test_first_failing_check_in_roots_order_wins() -> None:
    params = FilterConfig().params_for("en")
    spam = "buy now " * 3  # too few words AND repetitive AND no lid
    assert verdict(spam, "en", params, lid=0.1).reason == "number_words"
    long_spam = "buy cheap pills now " * 40
    assert verdict(long_spam, "en", params, lid=0.1).reason == "character_repetition"


def test_batch_returns_one_verdict_per_document_in_order() -> None:
    params = FilterConfig().params_for("en")
    texts = [NATURAL["en"], "too short", NATURAL["en"]]
    out = filter_batch(texts, "en", params, [0.99, 0.99, 0.2])
    assert [v.reason for v in out] == [None, "number_words", "lang_id"]
    with pytest.raises(ValueError, match="lid_scores"):
        filter_batch(texts, "en", params, [0.9])


def test_code_languages_are_not_filtered() -> None:
    params = FilterConfig().params_for("en")
    assert filter_batch(["x = 1"], "code-python", params, [None]) == [(True, None, None)]
    assert describe_checks("code-python", params)["number_words"] == "off (code)"


def test_explain_reports_every_check() -> None:
    params = FilterConfig().params_for("en")
    results = explain("Too short.", "en", params, 0.9)
    assert [r.name for r in results] == list(NL_CHECKS)
    nw = results[0]
    assert (nw.value, nw.comparison, nw.threshold, nw.passed) == (2.0, "between", (20, 100000), False)
    ppl = results[-1]
    assert (ppl.passed, ppl.note) == (None, "off (no model)")


def test_stopwords_skipped_without_list() -> None:
    params = FilterConfig().params_for("xx")
    results = {r.name: r for r in explain(NATURAL["en"], "xx", params, 0.9)}
    assert (results["stopwords"].passed, results["stopwords"].note) == (None, "no list")
    assert describe_checks("xx", params)["stopwords"] == "off (no list)"
    assert describe_checks("xx", params)["perplexity"] == "off (no model)"


# --- parameters: shipped defaults, overrides, validation ----------------------------------------------------------


def test_shipped_defaults_are_roots_table() -> None:
    assert shipped_defaults() == LanguageParams()
    cfg = FilterConfig()
    en = cfg.params_for("en")
    assert (en.number_words_min_cutoff, en.character_repetition_max_cutoff, en.word_repetition_max_cutoff) == (
        20,
        0.106,
        0.19,
    )
    assert (en.special_characters_max_cutoff, en.stopwords_min_cutoff, en.flagged_words_max_cutoff) == (0.4, 0.3, 0.01)
    assert (en.lang_id_min_cutoff, en.perplexity_max_cutoff, en.length_word_max_cutoff) == (0.8, 1500, 25)
    zh = cfg.params_for("zh-hans")
    assert (zh.number_words_min_cutoff, zh.number_words_max_cutoff, zh.character_repetition_length) == (1, 1000000, 3)
    assert (zh.stopwords_min_cutoff, zh.words_augmentation_group_sizes, zh.incorrect_word_substrings) == (
        0.1691,
        [2],
        None,
    )
    ur = cfg.params_for("ur")
    assert (ur.word_repetition_length, ur.word_repetition_max_cutoff) == (7, 0.5)
    vi = cfg.params_for("vi")
    assert (vi.words_augmentation_group_sizes, vi.words_augmentation_join_char) == ([2], " ")
    assert set(shipped_languages()) >= {"ar", "bn", "ca", "en", "es", "eu", "fr", "hi", "id", "pt", "ur", "vi", "zh"}


def test_unknown_language_gets_roots_default() -> None:
    p = FilterConfig().params_for("sw")
    assert (p.number_words_min_cutoff, p.stopwords_min_cutoff, p.lang_id_min_cutoff) == (10, 0.1, 0.7)


def test_language_override_changes_verdict() -> None:
    text = NATURAL["en"]
    assert filter_batch([text], "en", FilterConfig().params_for("en"), [0.95])[0].keep
    strict = FilterConfig.model_validate({"languages": {"en": {"stopwords_min_cutoff": 0.9}}})
    assert filter_batch([text], "en", strict.params_for("en"), [0.95])[0].reason == "stopwords"
    assert strict.params_for("en").number_words_min_cutoff == 20  # untouched fields keep ROOTS' values


def test_null_switches_a_check_off() -> None:
    short = "Only a few words here."
    assert verdict(short, "en", FilterConfig().params_for("en"), 0.95).reason == "number_words"
    cfg = FilterConfig.model_validate(
        {"languages": {"en": {"number_words_min_cutoff": None, "stopwords_min_cutoff": None}}}
    )
    assert verdict(short, "en", cfg.params_for("en"), 0.95).keep
    assert describe_checks("en", cfg.params_for("en"))["stopwords"] == "off"


def test_merge_order_manifest_language_beats_manifest_defaults() -> None:
    cfg = FilterConfig.model_validate(
        {
            "defaults": {"lang_id_min_cutoff": None, "stopwords_min_cutoff": 0.05},
            "languages": {"fr": {"stopwords_min_cutoff": 0.5}},
        }
    )
    assert cfg.params_for("en").lang_id_min_cutoff is None
    assert cfg.params_for("en").stopwords_min_cutoff == 0.05  # manifest defaults beat shipped per-language values
    assert cfg.params_for("fr").stopwords_min_cutoff == 0.5
    assert cfg.params_for("fr").number_words_min_cutoff == 13


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"stopwords_min_cutoff": 1.5}, "stopwords_min_cutoff"),
        ({"character_repetition_max_cutoff": -0.1}, "character_repetition_max_cutoff"),
        ({"number_words_min_cutoff": -1}, "number_words_min_cutoff"),
        ({"word_repetition_length": 0}, "word_repetition_length"),
        ({"perplexity_max_cutoff": -5}, "perplexity_max_cutoff"),
        ({"flagged_words_max_cutoff": "lots"}, "flagged_words_max_cutoff"),
        ({"stopword_min_cutoff": 0.2}, "stopword_min_cutoff"),
        ({"words_augmentation_group_sizes": [1]}, "words_augmentation_group_sizes"),
        ({"number_words_min_cutoff": 50, "number_words_max_cutoff": 10}, "number_words_min_cutoff"),
    ],
)
def test_bad_parameters_name_the_field(payload: dict, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        LanguageParams.model_validate(payload)
    assert field in str(err.value)
    with pytest.raises(ValidationError) as err:
        FilterConfig.model_validate({"languages": {"en": payload}})
    assert field in str(err.value) and "languages" in str(err.value)


def test_unknown_top_level_field_rejected() -> None:
    with pytest.raises(ValidationError, match="langauges"):
        FilterConfig.model_validate({"langauges": {}})


# --- perplexity with a tiny KenLM model written here -------------------------------------------------------------


def write_bigram_arpa(path: Path, sentences: list[str]) -> Path:
    """A maximum-likelihood bigram ARPA model (with add-one unigrams and <unk>) of ``sentences``."""
    unigrams: Counter[str] = Counter()
    bigrams: Counter[tuple[str, str]] = Counter()
    for s in sentences:
        toks = ["<s>", *s.split(), "</s>"]
        unigrams.update(toks)
        bigrams.update(zip(toks, toks[1:], strict=False))
    vocab = sorted(set(unigrams) | {"<unk>"})
    total = sum(unigrams.values()) + len(vocab)
    lines = ["\\data\\", f"ngram 1={len(vocab)}", f"ngram 2={len(bigrams)}", "", "\\1-grams:"]
    for w in vocab:
        prob = -99.0 if w == "<s>" else math.log10((unigrams[w] + 1) / total)
        lines.append(f"{prob:.6f}\t{w}\t-0.30103")
    lines += ["", "\\2-grams:"]
    for (a, b), c in sorted(bigrams.items()):
        lines.append(f"{math.log10(c / unigrams[a]):.6f}\t{a} {b}")
    lines += ["", "\\end\\", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def arpa(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = [
        "the cat sat on the mat",
        "the dog sat on the rug",
        "a cat and a dog",
        "кошка сидит на ковре",
        "собака сидит на ковре",
    ]
    return write_bigram_arpa(tmp_path_factory.mktemp("lm") / "tiny.arpa", corpus)


def test_perplexity_filter_with_tiny_model(arpa: Path) -> None:
    import kenlm

    params = only("en", perplexity_max_cutoff=10.0, perplexity_model=str(arpa))
    fluent = "the cat sat on the rug\nthe dog sat on the mat"
    garbled = "mat the on rug sat zebra\nquantum the the dog"
    res = {r.name: r for r in explain(fluent, "en", params)}
    model = kenlm.Model(str(arpa))
    lines = fluent.split("\n")
    expected = 10 ** (-sum(model.score(x) for x in lines) / sum(len(x.split()) + 1 for x in lines))
    assert res["perplexity"].value == round(expected, 1)
    assert res["perplexity"].passed is True
    v = verdict(garbled, "en", params)
    assert (v.keep, v.reason) == (False, "perplexity") and v.value > 10.0
    ru = only("ru", perplexity_max_cutoff=10.0, perplexity_model=str(arpa))
    assert verdict("кошка сидит на ковре", "ru", ru).keep
    assert verdict("ковре ковре кошка на на", "ru", ru).reason == "perplexity"
    assert describe_checks("en", params)["perplexity"] == "on"


# --- ROOTS' modifying step -----------------------------------------------------------------------------------------


def test_modify_batch_removes_url_words_and_long_words() -> None:
    params = FilterConfig().params_for("en")
    text = "Visit https://example.com today\tor www.site.org\nSupercalifragilisticexpialidocious1234 is long, (ok)."
    out = modify_batch([text], params)[0]
    assert out == "Visit today\tor\nis long, (ok)."
    assert modify_batch([text], FilterConfig().params_for("zh"))[0] == text  # off for zh, as in ROOTS


def _modify_word_by_word(text: str, bad: tuple[str, ...], max_len: int | None) -> str:
    """The word-removal step as ROOTS wrote it: a loop over every word (the reference for the fast version)."""
    from filters.quality import _keep_word

    lines = []
    for line in text.split("\n"):
        cells = []
        for cell in line.split("\t"):
            kept = [w for w in cell.split(" ") if w and _keep_word(w, bad, max_len)]
            if kept:
                cells.append(" ".join(kept))
        if cells:
            lines.append("\t".join(cells))
    return "\n".join(lines)


_WORDY = st.text(alphabet=st.sampled_from(list("  \t\n\rabhtpw.com/:-,()'!1ñ中 ́")), max_size=200)


@given(_WORDY, st.sampled_from([("http", "www", ".com", "href", "//"), ("//",), ()]), st.sampled_from([None, 1, 3, 8]))
@settings(max_examples=400, deadline=None)
def test_modify_batch_is_the_word_by_word_loop(text: str, bad: tuple[str, ...], max_len: int | None) -> None:
    params = LanguageParams(incorrect_word_substrings=list(bad) or None, length_word_max_cutoff=max_len)
    expected = _modify_word_by_word(text, bad, max_len) if bad or max_len is not None else text
    assert modify_batch([text], params)[0] == expected


def _removed_word_by_word(text: str, bad: tuple[str, ...], max_len: int | None) -> dict[str, int]:
    """The words ROOTS' loop drops, counted per reason: a word with a bad substring under that reason first."""
    counts: Counter = Counter()
    for line in text.split("\n"):
        for cell in line.split("\t"):
            for w in cell.split(" "):
                if not w:
                    continue
                stripped = regex.sub(rf"^{SPECIAL_RE.pattern}+|{SPECIAL_RE.pattern}+$", "", w, flags=regex.V1)
                if bad and any(b in w for b in bad) and any(b in stripped for b in bad):
                    counts["incorrect_substring"] += 1
                elif max_len is not None and len(w) > max_len and not 0 < len(stripped) <= max_len:
                    counts["too_long"] += 1
    return dict(counts)


@given(_WORDY, st.sampled_from([("http", "www", ".com", "href", "//"), ("//",), ()]), st.sampled_from([None, 1, 3, 8]))
@settings(max_examples=400, deadline=None)
def test_removed_words_are_counted_as_the_word_loop_drops_them(text: str, bad: tuple[str, ...],
                                                               max_len: int | None) -> None:
    params = LanguageParams(incorrect_word_substrings=list(bad) or None, length_word_max_cutoff=max_len)
    [(out, counts)] = remove_words_batch([text], params)
    assert out == modify_batch([text], params)[0]
    assert counts == (_removed_word_by_word(text, bad, max_len) if bad or max_len is not None else {})
    assert set(counts) <= set(WORD_REMOVAL_REASONS) and all(n > 0 for n in counts.values())


@given(st.lists(st.one_of(_WORDY, st.text(alphabet=st.sampled_from(list("ab \t\n\u2003.com/")), max_size=60)),
                max_size=8),
       st.sampled_from([("http", "www", ".com", "href", "//"), ("//",), ()]), st.sampled_from([None, 1, 3, 8]))
@settings(max_examples=300, deadline=None)
def test_word_removal_of_a_batch_is_the_word_loop_on_each_text(texts: list[str], bad: tuple[str, ...],
                                                               max_len: int | None) -> None:
    """Long words and untidy texts are found for the whole batch at once (``_layout``): nothing of one text
    leaks into another's."""
    params = LanguageParams(incorrect_word_substrings=list(bad) or None, length_word_max_cutoff=max_len)
    on = bool(bad) or max_len is not None
    expected = [(_modify_word_by_word(t, bad, max_len), _removed_word_by_word(t, bad, max_len)) if on else (t, {})
                for t in texts]
    assert remove_words_batch(texts, params) == expected


def test_word_removal_counts_each_reason() -> None:
    params = FilterConfig().params_for("en")
    text = ("See https://example.com and www.site.org or jane.doe@example.com\n"
            "Supercalifragilisticexpialidocious1234 and Pneumonoultramicroscopicsilicovolcanoconiosis stay? "
            "(((((((((((((((((((((((((ok))))))))))))))))))))))))) is short once stripped")
    [(out, counts)] = remove_words_batch([text], params)
    assert out == ("See and or\nand stay? (((((((((((((((((((((((((ok))))))))))))))))))))))))) is short once "
                   "stripped")
    # the e-mail holds ".com": an incorrect substring, as are the two URLs; the two long words are too long
    assert counts == {"incorrect_substring": 3, "too_long": 2}
    assert remove_words_batch(["nothing to remove here"], params) == [("nothing to remove here", {})]
    assert remove_words_batch([text], FilterConfig().params_for("zh")) == [(text, {})]  # the step is off for zh


# --- robustness ------------------------------------------------------------------------------------------------------


@given(st.text(alphabet=st.characters(blacklist_categories=()), max_size=400), st.sampled_from(["en", "zh", "hi", "x"]))
@settings(max_examples=150, deadline=None)
def test_filters_never_crash(text: str, lang: str) -> None:
    params = FilterConfig().params_for(lang)
    [v] = filter_batch([text], lang, params, [0.5])
    assert v.keep or v.reason in NL_CHECKS
    results = explain(text, lang, params, None)
    assert len(results) == len(NL_CHECKS)
    for r in results:
        if isinstance(r.value, float) and r.name not in ("number_words", "perplexity"):
            assert 0.0 <= r.value <= 1.0
    modify_batch([text], params)


@given(st.lists(st.sampled_from(["hit", "bound", "open"]), max_size=80), st.booleans())
@settings(max_examples=300, deadline=None)
def test_seen_in_token_is_its_definition(kinds: list[str], forward: bool) -> None:
    """Per position: a hit at or before it (after it, backwards) with no bound in between, written as a loop."""
    import numpy as np

    from filters.text import _seen_in_token

    hit = np.array([k == "hit" for k in kinds], dtype=bool)
    bound = np.array([k == "bound" for k in kinds], dtype=bool)
    expected, seen = [False] * len(kinds), False
    for i in range(len(kinds)) if forward else reversed(range(len(kinds))):
        seen = kinds[i] == "hit" or (seen and kinds[i] == "open")
        expected[i] = seen
    assert _seen_in_token(hit, bound, forward).tolist() == expected


@given(st.lists(st.lists(st.sampled_from(["the", "of", "cat", "sat", "x1", "!!", "  ", "\n", "中", "كِتَابٌ", "😀"]),
                         max_size=60).map(" ".join), max_size=8),
       st.sampled_from(["en", "zh", "ar"]))
@settings(max_examples=150, deadline=None)
def test_batch_verdicts_are_the_per_document_checks(texts: list[str], lang: str) -> None:
    """``filter_batch`` measures the batch at once (words, character repetition, special characters, marks): the
    verdict of each document is still the first failing check of ``explain``, which measures it alone."""
    from filters.results import KEEP, Verdict

    params = FilterConfig().params_for(lang)
    expected = []
    for t in texts:
        failed = next((r for r in explain(t, lang, params, 0.8) if r.passed is False), None)
        expected.append(KEEP if failed is None else Verdict(False, failed.name, failed.value))
    assert filter_batch(texts, lang, params, [0.8] * len(texts)) == expected
