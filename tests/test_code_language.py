"""C or C++ for ``.h`` files (and PHP/C/C++ for ``.inc``/``.tpl``) from content, as GitHub linguist does."""

from __future__ import annotations

import pytest

from filters.code_language import (
    declares,
    header_evidence,
    is_cpp,
    language_from_content,
    project_language,
    project_languages,
)
from pipeline.ingest.code import code_document
from tests.conftest import write_manifest

C_HEADER = '''/* zlib-style public header */
#ifndef MINIZ_H
#define MINIZ_H
#include <stddef.h>
#include "zconf.h"
#ifdef __cplusplus
extern "C" {
#endif
typedef struct z_stream_s {
    const unsigned char *next_in; /* next input byte; see class docs */
    unsigned avail_in;
} z_stream;
extern int deflateInit(z_stream *strm, int level);   // std::like naming in a comment only
#define Z_OK 0
#ifdef __cplusplus
}
#endif
#endif
'''
C_WITH_CPP_HELPERS = '''#ifndef G_MACROS_H
#define G_MACROS_H
#if defined(__cplusplus) && __cplusplus >= 201103L
#define G_TYPEOF(expr) std::remove_reference<decltype (expr)>::type
#else
#define G_TYPEOF(expr) __typeof__ (expr)
#endif
struct GList { void *data; struct GList *next; };
static const char *msg = "use class Foo::Bar in C++";
#endif
'''
CPP_HEADERS = {
    "namespace": "#pragma once\n#include <stdint.h>\nnamespace leveldb {\nclass Slice;\n}  // namespace leveldb\n",
    "template": "#ifndef FMT_CORE_H_\n#define FMT_CORE_H_\ntemplate <typename T>\nstruct formatter;\n#endif\n",
    "std": "#include <stdio.h>\ninline void print_all(const std::string& s) { puts(s.c_str()); }\n",
    "iostream": "#ifndef TEST_H\n#define TEST_H\n#include <iostream>\n#include \"gtest/gtest.h\"\n#endif\n",
    "class": "#pragma once\nclass ABSL_MUST_USE_RESULT Status final {\n public:\n  Status();\n};\n",
    "qualified": "#define CHECK_OK(x) ::testing::internal::Check(x)\nint f(int) noexcept;\n",
}


def test_c_headers_stay_c():
    assert language_from_content("include/zlib.h", C_HEADER) == "c"
    assert language_from_content("glib/gmacros.h", C_WITH_CPP_HELPERS) == "c"
    assert not is_cpp("")


@pytest.mark.parametrize("name", sorted(CPP_HEADERS))
def test_cpp_headers_are_cpp(name):
    assert language_from_content(f"include/{name}.h", CPP_HEADERS[name]) == "cpp"


def test_inc_and_tpl():
    assert language_from_content("views/header.inc", "<?php echo $title; ?>\n") == "php"
    assert language_from_content("views/page.tpl", "<html><?= $body ?></html>") == "php"
    assert language_from_content("views/page.tpl", "<html>{$body}</html>") is None  # Smarty: not ours
    assert language_from_content("src/tables.inc", "#define N 4\nstatic const int t[N] = {1, 2, 3, 4};\n") == "c"
    assert language_from_content("src/impl.inc", "template <class T> T twice(T x) { return x + x; }\n") == "cpp"
    assert language_from_content("build/recipe.inc", "SRC_URI = \"git://example\"\nPV = \"1.0\"\n") is None
    assert language_from_content("src/main.c", "int main(void) { return 0; }") is None  # not ambiguous


def test_ingest_uses_the_content(tmp_path):
    from manifests.schema import load_manifest

    (tmp_path / "code").mkdir()
    manifest = load_manifest(write_manifest(tmp_path, "name: c\nsources: [{name: c, type: code, path: code}]\n"))
    for path, text, want in (("a.h", C_HEADER, "code-c"), ("b.h", CPP_HEADERS["namespace"], "code-cpp"),
                             ("c.inc", "<?php echo 1;", "code-php")):
        data = text.encode()
        route, rec = code_document(manifest, "c", path, path, data, len(data))
        assert (route, rec["language"]) == ("kept", want)
    route, rec = code_document(manifest, "c", "d.inc", "d.inc", b"PV = 1\n", 7)
    assert (route, rec["reason"]) == ("removed", "not_code")


CONFIG_H = "#ifndef CONFIG_H\n#define CONFIG_H\n#define HAVE_STDINT_H 1\n#include <stdint.h>\n#endif\n"
POD_H = "#ifndef POINT_H\n#define POINT_H\ntypedef struct point { int x, y; } point;\nint distance(point a);\n#endif\n"
C_API_H = "#ifdef __cplusplus\nextern \"C\" {\n#endif\nint api_open(void);\n#ifdef __cplusplus\n}\n#endif\n"


def test_header_evidence_undecided_and_decisive_c():
    assert header_evidence(CONFIG_H) is None and not declares(CONFIG_H)
    assert header_evidence(POD_H) is None and declares(POD_H)  # shared by C and C++: undecided, leans to C
    assert header_evidence(C_API_H) == "c"  # written for C compilers, with C linkage for C++ callers
    assert header_evidence("struct list { struct list *new; };\n") == "c"  # a C++ keyword as a name
    assert header_evidence("static const struct opt o = { .name = 1 };\n") == "c"  # designated initialiser
    assert header_evidence(CPP_HEADERS["namespace"]) == "cpp"
    assert language_from_content("cfg/config.h", CONFIG_H) == "c"  # per file: the extension map


def test_project_rule_in_memory():
    dump = {
        "cppproj/src/main.cpp": "", "cppproj/src/util.cc": "", "cppproj/include/config.h": CONFIG_H,
        "cppproj/include/api.h": CPP_HEADERS["namespace"],
        "cproj/config.h": CONFIG_H, "cproj/lib.c": "", "cproj/zlib.h": C_HEADER,
        "lua/lua.hpp": "", "lua/lua.h": POD_H, "lua/luaconf.h": CONFIG_H, "lua/lauxlib.h": POD_H,  # weak votes
        "lonely/config.h": CONFIG_H,
    }
    got = project_languages(dump)
    assert got["cppproj/include/config.h"] == "cpp"  # its folder has a C++ header; the project C++ sources
    assert got["cproj/config.h"] == "c"
    assert got["lua/luaconf.h"] == "c"  # two C-style headers outweigh the C++ wrapper's name
    assert got["cppproj/include/api.h"] == "cpp" and got["cproj/zlib.h"] == "c"  # content decides first
    # nothing near it: the dump's root decides, 3 strong C++ votes (main.cpp, util.cc, api.h) against 2 (lib.c, zlib.h)
    assert got["lonely/config.h"] == "cpp"
    assert project_language("x/y/config.h", {"": (0, 0, 0, 0)}.get) is None


def _ingest_kept(manifest_path):
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from manifests.schema import load_manifest
    from pipeline.ingest.plan import plan_units
    from pipeline.ingest.transform import Ingest
    from pipeline.run import make_runner
    from tests.beam_helpers import _collect

    manifest = load_manifest(manifest_path)
    out = manifest_path.parent / "kept.json"
    options = PipelineOptions([])
    with beam.Pipeline(runner=make_runner(options), options=options) as p:
        _collect((p | Ingest(manifest, plan_units(manifest))).kept, out, "kept")
    import json

    return {r["path"]: r["language"] for r in json.loads(out.read_text())}


def test_folder_dump_takes_the_project_language(tmp_path):
    files = {
        "cppproj/src/main.cpp": "int main() { return 0; }\n", "cppproj/config.h": CONFIG_H,
        "cppproj/src/widget.h": CPP_HEADERS["class"],
        "cproj/src/main.c": "int main(void) { return 0; }\n", "cproj/config.h": CONFIG_H,
        "mixed/cpp/a.cpp": "int a() { return 1; }\n", "mixed/cpp/version.h": CONFIG_H,
        "mixed/c/b.c": "int b(void) { return 2; }\n", "mixed/c/version.h": CONFIG_H,
    }
    for rel, text in files.items():
        (tmp_path / "code" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "code" / rel).write_text(text)
    got = _ingest_kept(write_manifest(tmp_path, "name: c\nsources: [{name: c, type: code, path: code}]\n"))
    assert got["cppproj/config.h"] == "code-cpp"
    assert got["cproj/config.h"] == "code-c"
    assert got["mixed/cpp/version.h"] == "code-cpp" and got["mixed/c/version.h"] == "code-c"
    assert got["cppproj/src/widget.h"] == "code-cpp" and got["cproj/src/main.c"] == "code-c"


def test_archive_dump_takes_the_project_language(tmp_path):
    import io
    import tarfile

    members = {"./proj/src/a.cc": "int a() { return 1; }\n", "./proj/include/export.h": CONFIG_H,
               "./other/x.c": "int x(void) { return 0; }\n", "./other/export.h": CONFIG_H}
    with tarfile.open(tmp_path / "code.tar.gz", "w:gz") as tar:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    got = _ingest_kept(write_manifest(tmp_path, "name: c\nsources: [{name: c, type: code, path: code.tar.gz}]\n"))
    assert got["./proj/include/export.h"] == "code-cpp" and got["./other/export.h"] == "code-c"
