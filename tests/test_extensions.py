from __future__ import annotations

import pytest

from core.languages import PROGRAMMING_LANGUAGES, extension, programming_language


def test_thirteen_roots_languages():
    assert set(PROGRAMMING_LANGUAGES) == {"java", "php", "cpp", "python", "javascript", "csharp", "ruby", "lua",
                                          "typescript", "go", "c", "scala", "rust"}


@pytest.mark.parametrize(
    ("path", "lang"),
    [
        ("src/main.c", "c"), ("include/x.h", "c"),
        ("legacy/Main.C", "cpp"), ("legacy/Main.H", "cpp"), ("a.cc", "cpp"), ("a.cpp", "cpp"), ("a.hpp", "cpp"),
        ("a.c++", "cpp"), ("a.py", "python"), ("BUILD.bzl", "python"), ("a.js", "javascript"), ("a.ts", "typescript"),
        ("a.tsx", "typescript"), ("A.java", "java"), ("a.go", "go"), ("a.rs", "rust"), ("build.rs.in", "rust"),
        ("a.rb", "ruby"), ("Rakefile.rake", "ruby"), ("a.lua", "lua"), ("a.php", "php"), ("a.php5", "php"),
        ("a.scala", "scala"), ("build.sbt", "scala"), ("a.cs", "csharp"), ("dir.v2/a.go", "go"),
        ("C:\\code\\a.py", "python"),
    ],
)
def test_code_extensions(path, lang):
    assert programming_language(path) == lang


@pytest.mark.parametrize("path", ["README.md", "a.kt", "a.jsx", "Makefile", "a.PY", "a.txt", ".py", "noext", "a.json"])
def test_not_code(path):
    assert programming_language(path) is None


def test_extension_value():
    assert extension("x/y.tar.gz") == ".gz"
    assert extension("Makefile") == ""
    assert extension(".bashrc") == ""
