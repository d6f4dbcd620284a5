"""C vs C++ for ``.h`` headers: content heuristics (``filters.code_language``) against the extension map.

    python -m bench.code_lang_eval [--cache DIR]

Data: the headers of real C and C++ projects, from Debian ``-dev`` packages fetched with ``apt-get download`` and
unpacked with ``dpkg -x`` into ``--cache`` (default ``bench/.cache/headers``; nothing is committed, the packages are
a few MB). A header's truth is its project's language. Prints accuracy overall (goal >= 0.995), per language, and on
the headers that declare something (not only ``#define``/``#include`` lines, which no reader can assign), and the
extension map's accuracy for comparison. Without ``apt-get`` (not Debian) it says so and prints nothing else.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess

import regex

from filters.code_language import _code_only, language_from_content

PACKAGES = {
    "c": ["zlib1g-dev", "libcurl4-openssl-dev", "liblua5.4-dev", "libssl-dev", "libpng-dev", "libsqlite3-dev",
          "libglib2.0-dev", "libxml2-dev", "libjpeg62-turbo-dev", "libpcre2-dev", "libsystemd-dev", "libgmp-dev"],
    "cpp": ["libfmt-dev", "libgtest-dev", "libleveldb-dev", "libprotobuf-dev", "libabsl-dev", "libre2-dev",
            "libsnappy-dev", "libyaml-cpp-dev", "libgflags-dev", "libgoogle-glog-dev", "libspdlog-dev",
            "libjsoncpp-dev"],
}
#: headers whose language is not their package's: GMP ships its C++ interface in its C -dev package
TRUTH_OVERRIDES = {"gmpxx.h": "cpp"}
_DECLARES = regex.compile(r"^[ \t]*[^#\s]", regex.M)


def fetch(cache: str) -> dict[str, list[str]]:
    """Header paths per true language, downloading and unpacking the packages once into ``cache``."""
    out: dict[str, list[str]] = {}
    for lang, packages in PACKAGES.items():
        root = os.path.join(cache, lang)
        if not os.path.isdir(os.path.join(root, "usr")):
            debs = os.path.join(cache, "debs", lang)
            os.makedirs(debs, exist_ok=True)
            subprocess.run(["apt-get", "download", *packages], cwd=debs, check=True, capture_output=True)
            for deb in sorted(glob.glob(os.path.join(debs, "*.deb"))):
                subprocess.run(["dpkg", "-x", deb, root], check=True)
        out[lang] = sorted(p for p in glob.glob(os.path.join(root, "usr", "include", "**", "*.h"), recursive=True)
                           if os.path.isfile(p) and not os.path.islink(p))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default=os.path.join(os.path.dirname(__file__), ".cache", "headers"))
    args = ap.parse_args(argv)
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        print("code language eval: skipped (needs apt-get and dpkg to fetch the Debian -dev packages)")
        return 0
    headers = fetch(args.cache)
    total = right = ext_right = decl_total = decl_right = 0
    per: dict[str, list[int]] = {}
    wrong: list[str] = []
    for package_lang, paths in headers.items():
        for path in paths:
            truth = TRUTH_OVERRIDES.get(os.path.basename(path), package_lang)
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            got = language_from_content(path, text)
            ok = got == truth
            total, right, ext_right = total + 1, right + ok, ext_right + (truth == "c")
            per.setdefault(truth, [0, 0])
            per[truth][0] += ok
            per[truth][1] += 1
            if _DECLARES.search(_code_only(text)):
                decl_total, decl_right = decl_total + 1, decl_right + ok
            if not ok:
                wrong.append(os.path.relpath(path, args.cache))
    print(f"C/C++ headers: {total} from {sum(map(len, PACKAGES.values()))} Debian -dev packages")
    print(f"content heuristics accuracy {right / total:.4f} (goal >= 0.995); "
          f"extension map alone {ext_right / total:.4f}")
    print("  per language: " + ", ".join(f"{lang} {a / n:.4f} ({n - a} of {n} wrong)" for lang, (a, n) in per.items()))
    print(f"  headers that declare something (not only #define/#include): {decl_right / decl_total:.4f} "
          f"of {decl_total}")
    print("  misjudged: " + ", ".join(wrong[:50]) + (" ..." if len(wrong) > 50 else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
