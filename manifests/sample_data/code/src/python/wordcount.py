"""Count words in text files and print the most common ones."""

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def tokenize(text: str) -> list[str]:
    """Split text into lower-case words, keeping inner apostrophes."""
    return [match.group(0).lower() for match in WORD_RE.finditer(text)]


def count_words(paths: list[Path], min_length: int = 1) -> Counter:
    """Return a Counter of the words found in all files."""
    counts: Counter = Counter()
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            print(f"skipping {path}: {error}", file=sys.stderr)
            continue
        counts.update(word for word in tokenize(text) if len(word) >= min_length)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("-n", "--top", type=int, default=10, help="how many words to show")
    parser.add_argument("--min-length", type=int, default=3)
    args = parser.parse_args(argv)

    counts = count_words(args.files, args.min_length)
    if not counts:
        print("no words found")
        return 1
    width = max(len(word) for word, _ in counts.most_common(args.top))
    for word, count in counts.most_common(args.top):
        print(f"{word:<{width}}  {count:>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
