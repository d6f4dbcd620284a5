"""Throughput of the pure filters on a generated multilingual corpus (``python -m bench.filters [MB]``).

The corpus is made here from small word lists (no downloads), deterministically from a seed: documents in ten
languages and five scripts, of varied length, with some junk (repetition, symbol noise, too-short documents) and
PII (e-mails, handles, IPs, keys, cards, IBANs) mixed in, so every filter has work to do. It is written to a
temporary JSONL file and timed twice: reading it alone, then reading plus normalisation, the ROOTS filters and PII
redaction, in batches of one language as the pipeline calls them.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator

from filters.normalize import normalize_batch
from filters.params import FilterConfig
from filters.pii import redact_batch
from filters.quality import filter_batch

# Per language: (function words, content words, sentence end, word separator).
_LEXICON: dict[str, tuple[str, str, str, str]] = {
    "en": (
        "the of and to in is that it was for on are with as his they be at one have this from or had by but not",
        "city council school budget teacher river mountain market village government music history family garden "
        "letter winter morning project student report language window station summer doctor",
        ".",
        " ",
    ),
    "fr": (
        "le la les de des du et à un une est que qui dans pour pas sur au avec il elle nous ce se plus par",
        "ville conseil école budget enseignant rivière montagne marché village musique histoire famille jardin "
        "lettre hiver matin projet étudiant rapport langue fenêtre gare été médecin",
        ".",
        " ",
    ),
    "es": (
        "el la los las de del y en un una es que por para con no se su al lo como más pero sus le ya",
        "ciudad consejo escuela presupuesto maestro río montaña mercado pueblo música historia familia jardín "
        "carta invierno mañana proyecto estudiante informe idioma ventana estación verano médico",
        ".",
        " ",
    ),
    "de": (
        "der die das und in den von zu mit sich des auf für ist im dem nicht ein eine als auch es an er",
        "Stadt Rat Schule Haushalt Lehrer Fluss Berg Markt Dorf Musik Geschichte Familie Garten Brief Winter "
        "Morgen Projekt Student Bericht Sprache Fenster Bahnhof Sommer Arzt",
        ".",
        " ",
    ),
    "ru": (
        "и в не на я что он с как а то все она так его но да ты к у же вы за бы по только",
        "город совет школа бюджет учитель река гора рынок деревня музыка история семья сад письмо зима утро "
        "проект студент отчет язык окно вокзал лето врач",
        ".",
        " ",
    ),
    "ar": (
        "في من على إلى أن عن مع هذا هذه التي الذي كان قد لا ما هو هي ثم أو بين كل بعد عند",
        "مدينة مجلس مدرسة ميزانية معلم نهر جبل سوق قرية موسيقى تاريخ عائلة حديقة رسالة شتاء صباح مشروع طالب "
        "تقرير لغة نافذة محطة صيف طبيب",
        ".",
        " ",
    ),
    "hi": (
        "का के की है में और को से पर यह था कि एक भी ने तो हैं कर वह लिए नहीं जो गया",
        "शहर परिषद विद्यालय बजट शिक्षक नदी पहाड़ बाज़ार गांव संगीत इतिहास परिवार बगीचा पत्र सर्दी सुबह परियोजना "
        "छात्र रिपोर्ट भाषा खिड़की स्टेशन गर्मी डॉक्टर",
        "।",
        " ",
    ),
    "zh": (
        "的 了 在 是 我 有 和 就 不 人 都 一 上 也 很 到 说 要 去 你 会 着 没有 看",
        "城市 议会 学校 预算 教师 河流 山脉 市场 村庄 音乐 历史 家庭 花园 信件 冬天 早晨 项目 学生 报告 语言 "
        "窗户 车站 夏天 医生",
        "。",
        "",
    ),
    "vi": (
        "của và các có là được cho không người trong những một với này đã đến khi thì để cũng",
        "thành phố hội đồng trường học ngân sách giáo viên sông núi chợ làng âm nhạc lịch sử gia đình vườn thư "
        "mùa đông buổi sáng dự án sinh viên báo cáo ngôn ngữ",
        ".",
        " ",
    ),
    "id": (
        "yang dan di ini itu dengan untuk dari dalam tidak akan pada juga ke ada bisa mereka kami",
        "kota dewan sekolah anggaran guru sungai gunung pasar desa musik sejarah keluarga taman surat musim pagi "
        "proyek mahasiswa laporan bahasa jendela stasiun dokter",
        ".",
        " ",
    ),
}
_PII = ["maria.lopez@example.com", "@jack_smith", "192.168.10.20", "2001:db8::17", "sk-4fT9qLm2Xv8RkP3nWz7YbC1d",
        "пример@почта.рф", "@محمد_علي", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00"]


def _document(rng: random.Random, lang: str) -> str:
    function, content, end, sep = _LEXICON[lang]
    fw, cw = function.split(), content.split()
    kind = rng.random()
    if kind < 0.04:  # too short
        return sep.join(rng.choice(cw) for _ in range(rng.randint(2, 6))) + end
    if kind < 0.07:  # repetitive spam
        phrase = sep.join(rng.choice(cw) for _ in range(4))
        return (phrase + end + " ") * rng.randint(20, 60)
    if kind < 0.09:  # symbol noise
        return " ".join(f"{rng.choice(cw)} ### {rng.randint(0, 99999)} ★★" for _ in range(rng.randint(20, 80)))
    paragraphs = []
    for _ in range(rng.randint(1, 8)):
        sentences = []
        for _ in range(rng.randint(2, 10)):
            n = rng.randint(6, 22)
            words = [rng.choice(fw) if rng.random() < 0.45 else rng.choice(cw) for _ in range(n)]
            if rng.random() < 0.03:
                words.insert(rng.randint(0, n), rng.choice(_PII))
            sentences.append(sep.join(words) + end)
        paragraphs.append((" " if sep else "").join(sentences))
    return "\n\n".join(paragraphs)


def generate_corpus(path: str, total_mb: float, seed: int = 1234) -> tuple[int, int]:
    """Write a JSONL corpus of at least ``total_mb`` MB (text bytes) to ``path``; returns (docs, file bytes)."""
    rng = random.Random(seed)
    langs = list(_LEXICON)
    target = int(total_mb * 1_000_000)
    written = docs = 0
    with open(path, "w", encoding="utf-8") as out:
        while written < target:
            lang = rng.choice(langs)
            text = _document(rng, lang)
            lid = rng.uniform(0.9, 1.0) if rng.random() < 0.92 else rng.uniform(0.3, 0.9)
            line = json.dumps({"text": text, "language": lang, "lid_score": round(lid, 3)})
            out.write(line + "\n")
            written += len(text.encode("utf-8"))
            docs += 1
    return docs, os.path.getsize(path)


def _read(path: str) -> Iterator[dict]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def _batches(path: str, size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for rec in _read(path):
        batch.append(rec)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def bench_filters(total_mb: float = 50, seed: int = 1234, batch_size: int = 1000) -> dict:
    """Generate a corpus of ``total_mb`` MB and time reading alone vs reading + normalise + filters + PII."""
    config = FilterConfig()
    params = {lang: config.params_for(lang) for lang in _LEXICON}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "corpus.jsonl")
        t0 = time.perf_counter()
        docs, file_bytes = generate_corpus(path, total_mb, seed)
        gen_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        text_bytes = sum(len(r["text"].encode("utf-8")) for r in _read(path))
        read_s = time.perf_counter() - t0

        stage_s: Counter[str] = Counter()
        reasons: Counter[str] = Counter()
        pii: Counter[str] = Counter()
        t0 = time.perf_counter()
        for batch in _batches(path, batch_size):
            by_lang: dict[str, list[dict]] = defaultdict(list)
            for rec in batch:
                by_lang[rec["language"]].append(rec)
            for lang, recs in by_lang.items():
                t = time.perf_counter()
                texts = normalize_batch([r["text"] for r in recs])
                stage_s["normalize"] += time.perf_counter() - t
                t = time.perf_counter()
                verdicts = filter_batch(texts, lang, params[lang], [r["lid_score"] for r in recs])
                stage_s["filters"] += time.perf_counter() - t
                kept = [text for text, v in zip(texts, verdicts, strict=True) if v.keep]
                reasons.update(v.reason or "kept" for v in verdicts)
                t = time.perf_counter()
                for _, counts in redact_batch(kept):
                    pii.update(counts)
                stage_s["pii"] += time.perf_counter() - t
        full_s = time.perf_counter() - t0

    mb = text_bytes / 1_000_000
    return {
        "docs": docs,
        "text_mb": round(mb, 2),
        "file_mb": round(file_bytes / 1_000_000, 2),
        "generate_s": round(gen_s, 2),
        "read_s": round(read_s, 2),
        "read_docs_per_s": round(docs / read_s),
        "read_mb_per_s": round(mb / read_s, 2),
        "full_s": round(full_s, 2),
        "full_docs_per_s": round(docs / full_s),
        "full_mb_per_s": round(mb / full_s, 2),
        "stage_s": {k: round(v, 2) for k, v in stage_s.items()},
        "verdicts": dict(reasons.most_common()),
        "pii": dict(pii),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> None:
    """Print the figures as a table."""
    args = sys.argv[1:] if argv is None else argv
    result = bench_filters(float(args[0]) if args else 50)
    print(
        f"corpus: {result['docs']} docs, {result['text_mb']} MB of text ({result['file_mb']} MB JSONL), "
        f"generated in {result['generate_s']} s"
    )
    print(f"{'run':<32}{'seconds':>10}{'docs/s':>12}{'MB/s':>10}")
    print(f"{'read only':<32}{result['read_s']:>10}{result['read_docs_per_s']:>12}{result['read_mb_per_s']:>10}")
    print(
        f"{'read+normalize+filters+pii':<32}{result['full_s']:>10}{result['full_docs_per_s']:>12}"
        f"{result['full_mb_per_s']:>10}"
    )
    print("stage seconds: " + ", ".join(f"{k} {v}" for k, v in result["stage_s"].items()))
    print("verdicts: " + ", ".join(f"{k} {v}" for k, v in result["verdicts"].items()))
    print("pii replacements: " + ", ".join(f"{k} {v}" for k, v in result["pii"].items()))
    print(f"peak RSS: {result['peak_rss_mb']} MB")


if __name__ == "__main__":
    main()
