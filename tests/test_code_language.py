"""C or C++ for ``.h`` files (and PHP/C/C++ for ``.inc``/``.tpl``) from content, as GitHub linguist does."""

from __future__ import annotations

import pytest

from filters.code_language import is_cpp, language_from_content
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
