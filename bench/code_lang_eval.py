"""C vs C++ for ``.h`` headers: the per-file rule and the project rule (``filters.code_language``) against the
extension map.

    python -m bench.code_lang_eval [--cache DIR]

Data: the headers of real C and C++ projects, from Debian ``-dev`` packages fetched with ``apt-get download`` and
unpacked with ``dpkg -x``, each package into its own folder under ``--cache`` (default ``bench/.cache/headers``;
nothing is committed, the packages are a few MB). A header's truth is its project's language (with the overrides
below). Two rules are measured:

* per file: the header's content alone (a C++ marker → C++, else C), as when each file is judged on its own;
* project: a header whose content is undecided (no C++ marker, no decisive C evidence) takes the language of its
  nearest enclosing folder that leans one way, as the pipeline does for a code dump; measured twice, with each
  package as its own dump and with all packages in one dump (each package a top folder, so that the walk up to the
  dump's root can mix projects).

Prints accuracy overall (goal >= 0.995), per language, on the headers that declare something (not only
``#define``/``#include`` lines), the extension map's accuracy for comparison, and the misjudged headers. Without
``apt-get`` (not Debian) it says so and prints nothing else.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess

import regex

from filters.code_language import _code_only, header_evidence, language_from_content, project_languages

PACKAGES = {
    "c": ["zlib1g-dev", "libcurl4-openssl-dev", "liblua5.4-dev", "libssl-dev", "libpng-dev", "libsqlite3-dev",
          "libglib2.0-dev", "libxml2-dev", "libjpeg62-turbo-dev", "libpcre2-dev", "libsystemd-dev", "libgmp-dev"],
    "cpp": ["libfmt-dev", "libgtest-dev", "libleveldb-dev", "libprotobuf-dev", "libabsl-dev", "libre2-dev",
            "libsnappy-dev", "libyaml-cpp-dev", "libgflags-dev", "libgoogle-glog-dev", "libspdlog-dev",
            "libjsoncpp-dev"],
}
#: headers whose language is not their package's: GMP ships its C++ interface in its C -dev package. (leveldb's
#: ``c.h`` and ``snappy-c.h`` are C APIs of C++ projects, but they are left as C++ here: the package decides.)
TRUTH_OVERRIDES = {"gmpxx.h": "cpp"}
_DECLARES = regex.compile(r"^[ \t]*[^#\s]", regex.M)


def fetch(cache: str) -> dict[str, tuple[str, str]]:
    """``{package: (root, true language)}``, downloading the packages once into ``cache/debs`` and unpacking each into
    ``cache/packages/<package>``."""
    out: dict[str, tuple[str, str]] = {}
    for lang, packages in PACKAGES.items():
        debs = os.path.join(cache, "debs", lang)
        missing = [p for p in packages if not glob.glob(os.path.join(debs, f"{p}_*.deb"))]
        if missing:
            os.makedirs(debs, exist_ok=True)
            subprocess.run(["apt-get", "download", *missing], cwd=debs, check=True, capture_output=True)
        for package in packages:
            root = os.path.join(cache, "packages", package)
            if not os.path.isdir(os.path.join(root, "usr")):
                os.makedirs(root, exist_ok=True)
                deb = sorted(glob.glob(os.path.join(debs, f"{package}_*.deb")))[-1]
                subprocess.run(["dpkg", "-x", deb, root], check=True)
            out[package] = (root, lang)
    return out


def package_files(root: str) -> dict[str, str]:
    """``{path inside the package: text}`` of its regular files: the text of ``.h`` files, ``""`` for the others
    (they count by name only)."""
    files = {}
    for path in sorted(glob.glob(os.path.join(root, "**", "*"), recursive=True)):
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        text = ""
        if rel.endswith(".h"):
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        files[rel] = text
    return files


class Score:
    """Accuracy of one rule, per language and on the headers that declare something."""

    def __init__(self, name: str):
        self.name, self.per, self.decl, self.wrong = name, {}, [0, 0], []

    def add(self, where: str, truth: str, got: str, declares: bool) -> None:
        ok = got == truth
        right_total = self.per.setdefault(truth, [0, 0])
        right_total[0] += ok
        right_total[1] += 1
        if declares:
            self.decl[0] += ok
            self.decl[1] += 1
        if not ok:
            self.wrong.append(where)

    def accuracy(self) -> float:
        right = sum(r for r, _ in self.per.values())
        return right / max(1, sum(n for _, n in self.per.values()))

    def show(self) -> None:
        print(f"{self.name}: accuracy {self.accuracy():.4f} (goal >= 0.995)")
        print("  per language: " + ", ".join(f"{lang} {a / n:.4f} ({n - a} of {n} wrong)"
                                             for lang, (a, n) in sorted(self.per.items())))
        print(f"  headers that declare something (not only #define/#include): "
              f"{self.decl[0] / max(1, self.decl[1]):.4f} of {self.decl[1]}")
        more = " ..." if len(self.wrong) > 50 else ""
        print(f"  misjudged ({len(self.wrong)}): " + ", ".join(self.wrong[:50]) + more)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default=os.path.join(os.path.dirname(__file__), ".cache", "headers"))
    args = ap.parse_args(argv)
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        print("code language eval: skipped (needs apt-get and dpkg to fetch the Debian -dev packages)")
        return 0
    packages = fetch(args.cache)
    trees = {package: package_files(root) for package, (root, _) in packages.items()}
    one_dump = project_languages({f"{package}/{p}": text for package, files in trees.items()
                                  for p, text in files.items()})
    per_file, per_package, together = Score("per-file rule"), Score("project rule, each package a dump"), \
        Score("project rule, all packages in one dump")
    total = ext_right = undecided = 0
    for package, files in trees.items():
        package_lang = packages[package][1]
        by_project = project_languages(files)
        for path, lang in by_project.items():
            text = files[path]
            truth = TRUTH_OVERRIDES.get(os.path.basename(path), package_lang)
            declares = _DECLARES.search(_code_only(text)) is not None
            where = f"{package}:{path}"
            per_file.add(where, truth, language_from_content(path, text), declares)
            per_package.add(where, truth, lang, declares)
            together.add(where, truth, one_dump[f"{package}/{path}"], declares)
            total, ext_right = total + 1, ext_right + (truth == "c")
            undecided += header_evidence(text) is None
    print(f"C/C++ headers: {total} from {len(packages)} Debian -dev packages; {undecided} undecided by content "
          f"(no C++ marker, no decisive C evidence)")
    print(f"extension map alone: accuracy {ext_right / total:.4f}")
    for score in (per_file, per_package, together):
        score.show()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
