"""Language codes: ROOTS' 46 languages, and the labels of fastText LID models mapped onto them.

lid.176 labels are ISO 639-1 codes where one exists (``__label__fr``), else ISO 639-3 (``__label__ceb``). Newer
fastText LID models (GlotLID, OpenLID, NLLB's LID) use ISO 639-3 plus an ISO 15924 script (``__label__yor_Latn``,
``__label__zho_Hant``). Both are mapped to the codes the rest of roots uses (ROOTS' and lid.176's: ``yo``,
``zh-hans``), so a model swap does not change which filter parameters, stop-word lists or report rows a document
gets. A label with no shorter code is kept as its ISO 639-3 code (``fon_Latn`` → ``fon``, ``tum_Latn`` → ``tum``);
a script that is not the language's usual one is kept as a suffix (``hin_Latn`` → ``hi-latn``) so that romanised
text is not filtered as if it were in the native script.

ISO 639-3 → 639-1 comes from ``langcodes`` (the IANA subtag registry it ships), with macrolanguages folded the way
lid.176 and ROOTS label them (``arb`` → ``ar``, ``cmn`` → ``zh``, ``swh`` → ``sw``, ``twi`` stays ``tw``).
"""

from __future__ import annotations

import functools

from core.languages import ROOTS_46, ROOTS_LANGUAGES  # noqa: F401 (re-exported for the LID code)

#: ISO 639-3 codes whose ROOTS/lid.176 code differs from what the registry's 639-1 lookup gives (individual
#: languages of a macrolanguage that lid.176 and ROOTS label by the macrolanguage)
_FOLDED = {"arb": "ar", "ary": "ar", "arz": "ar", "apc": "ar", "acm": "ar", "ars": "ar", "cmn": "zh", "yue": "yue",
           "swh": "sw", "swc": "sw", "zsm": "ms", "pes": "fa", "prs": "fa", "npi": "ne", "ory": "or", "pbt": "ps",
           "khk": "mn", "ekk": "et", "lvs": "lv", "uzn": "uz", "azj": "az", "plt": "mg", "gaz": "om", "ydd": "yi",
           "quy": "qu", "als": "sq", "twi": "tw", "aka": "ak", "fat": "ak", "kmr": "ku", "ckb": "ckb"}

#: languages written in a non-Latin script: a ``_Latn`` label of one of them is romanised text and keeps the script
#: as a suffix (``hin_Latn`` → ``hi-latn``), so it is not filtered with the native script's word lists
_NON_LATIN = frozenset({"hi", "ur", "bn", "ta", "te", "ml", "kn", "gu", "mr", "ne", "pa", "or", "as", "ar", "fa",
                        "ru", "uk", "bg", "el", "he", "ja", "ko", "zh", "th", "am", "ps", "si", "my", "km", "ka",
                        "hy"})


@functools.cache
def _iso639_1(code3: str) -> str:
    """The shortest registered tag of an ISO 639-3 code (``yor`` → ``yo``), or the code itself."""
    import langcodes

    try:
        return langcodes.standardize_tag(code3, macro=True).lower()
    except (ValueError, LookupError):
        return code3


@functools.cache
def roots_code(label: str) -> str:
    """A fastText LID label (with or without ``__label__``) as the language code roots uses.

    ``fr`` → ``fr``; ``yor_Latn`` → ``yo``; ``zho_Hans`` → ``zh-hans``; ``zho_Hant`` → ``zh-hant``; ``zh`` stays
    ``zh`` (lid.176 does not tell the scripts apart: the caller decides by characters); ``aka_Latn`` → ``ak``,
    ``twi_Latn`` → ``tw`` (ROOTS had both); ``fon_Latn`` → ``fon``; ``hin_Latn`` → ``hi-latn``.
    """
    label = label.removeprefix("__label__").strip()
    if "_" not in label:
        return label.lower()
    lang, script = label.split("_", 1)
    lang, script = lang.lower(), script.lower()
    code = _FOLDED.get(lang) or _iso639_1(lang)
    if code == "zh":
        return "zh-hant" if script == "hant" else "zh-hans"
    return f"{code}-latn" if script == "latn" and code in _NON_LATIN else code


def is_roots_language(code: str) -> bool:
    """True for one of ROOTS' 46 languages (``zh`` counts: it is split into ``zh-hans``/``zh-hant`` downstream)."""
    return code in ROOTS_46 or code == "zh"


# ------------------------------------------------------------------------------------------------ manifest codes
#: lid.176 labels that the language registry spells another way (``sh`` → ``sr-Latn``, ``tl`` → ``fil``) or no
#: longer lists (``eml``): documents still get these codes, so a manifest may name them
_LID176_NONSTANDARD = frozenset({"sh", "tl", "eml"})
#: why ``zh`` alone is refused: documents never get it from language ID (see ``roots_code``)
CHINESE_BY_SCRIPT = "roots splits Chinese by script, as ROOTS did: use zh-hans and/or zh-hant"


def is_document_code(code: str) -> bool:
    """True for a code in the form documents get (``roots_code``): lowercase, the registry's shortest tag of the
    language (``en``, not ``eng`` or ``EN``), optionally a script (``zh-hans``, ``hi-latn``), no region."""
    import langcodes

    if code in _LID176_NONSTANDARD:
        return True
    if code != code.lower() or "_" in code or not langcodes.tag_is_valid(code):
        return False
    lang = langcodes.Language.get(code)
    if lang.territory or lang.variants or lang.extensions or lang.private:
        return False
    return langcodes.standardize_tag(code).lower() == code


def nearest_code(code: str) -> str | None:
    """The code a manifest most likely meant (``fr_FR`` → ``fr``, ``french`` → ``fr``, ``eng`` → ``en``), or None:
    the tag read by the language registry, then the language's English name, then the closest of ROOTS' 46."""
    import difflib

    import langcodes

    for read in (lambda c: langcodes.Language.get(c.replace("_", "-")), langcodes.find):
        try:
            lang = read(code)
        except (ValueError, LookupError):
            continue
        if lang.language is None:
            continue
        base = roots_code(lang.language)
        if base == "zh":  # the script the region implies (zh_TW → zh-hant)
            return "zh-hant" if lang.maximize().script == "Hant" else "zh-hans"
        options = [f"{base}-{lang.script.lower()}", base] if lang.script else [base]
        for option in options:
            if option != code and is_document_code(option):
                return option
    close = difflib.get_close_matches(code.lower(), ROOTS_46, n=1, cutoff=0.5)
    return close[0] if close else None


def language_code_problem(code: str) -> str | None:
    """Why ``code`` cannot name a natural language in a manifest (``languages:``, a source's ``language:``), with the
    nearest valid code, or None when documents can have it. A wrong code would otherwise silently match nothing:
    ``languages: [french]`` removes every French document."""
    if code == "zh":
        return f"language code 'zh': {CHINESE_BY_SCRIPT}"
    if is_document_code(code):
        return None
    near = nearest_code(code)
    hint = f"did you mean {near!r}? " if near else ""
    return (f"unknown language code {code!r}: {hint}roots uses ISO 639-1 codes (fr, en, sw), ISO 639-3 where a "
            "language has none (fon, tum), zh-hans/zh-hant, and a script suffix for romanised text (hi-latn)")
