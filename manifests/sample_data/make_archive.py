"""Regenerate ``code_archive.tar.gz``: a few more sample code files packed under ``proj/``.

The archive tests reading code straight out of a tarball (``<archive>!<member>`` locators). It holds Python, Go,
Rust and Java files plus a Kotlin file (``.kt``), which is *not* a ROOTS programming language, so ingest or the
extension map should skip or label it. The sources live in ``FILES`` below so this script is the only place to edit.

The output is byte-for-byte reproducible: members are sorted, mtime is 0, uid/gid are 0 with empty owner names,
the tar format is fixed (ustar) and the gzip header carries no file name and mtime 0.

Usage: ``python make_archive.py [OUTPUT]`` (default: ``code_archive.tar.gz`` next to this script).
"""

from __future__ import annotations

import gzip
import io
import sys
import tarfile
from pathlib import Path

FILES: dict[str, str] = {
    "proj/app/cli.py": '''\
"""Command line entry point for the notes tool."""

import argparse
import sys

from app.config import load_config


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="notes", description="Keep short notes in a text file.")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add a note")
    add.add_argument("text", nargs="+")
    sub.add_parser("list", help="show all notes")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config = load_config()
    path = config.notes_file
    if args.command == "add":
        with path.open("a", encoding="utf-8") as handle:
            handle.write(" ".join(args.text) + "\\n")
        print(f"saved to {path}")
    else:
        if not path.exists():
            print("no notes yet")
            return 0
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            print(f"{number:>3}. {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
''',
    "proj/app/config.py": '''\
"""Configuration read from environment variables with sensible defaults."""

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Config:
    notes_file: Path
    max_notes: int
    colour: bool


def load_config(environ: dict[str, str] | None = None) -> Config:
    env = os.environ if environ is None else environ
    home = Path(env.get("HOME", "."))
    try:
        max_notes = int(env.get("NOTES_MAX", "500"))
    except ValueError:
        max_notes = 500
    return Config(
        notes_file=Path(env.get("NOTES_FILE", home / ".notes.txt")),
        max_notes=max(1, max_notes),
        colour=env.get("NO_COLOR") is None,
    )
''',
    "proj/go/cache.go": """\
// Package cache is a small time-based cache safe for concurrent use.
package cache

import (
	"sync"
	"time"
)

type entry struct {
	value   string
	expires time.Time
}

// Cache stores string values for a fixed time-to-live.
type Cache struct {
	mu   sync.Mutex
	ttl  time.Duration
	data map[string]entry
	now  func() time.Time
}

// New returns an empty cache whose entries live for ttl.
func New(ttl time.Duration) *Cache {
	return &Cache{ttl: ttl, data: make(map[string]entry), now: time.Now}
}

// Set stores value under key, replacing any previous value.
func (c *Cache) Set(key, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.data[key] = entry{value: value, expires: c.now().Add(c.ttl)}
}

// Get returns the value for key if it exists and has not expired.
func (c *Cache) Get(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.data[key]
	if !ok || c.now().After(e.expires) {
		delete(c.data, key)
		return "", false
	}
	return e.value, true
}
""",
    "proj/rust/src/slug.rs": """\
//! Turn titles into URL-friendly slugs.

pub fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    let mut pending_dash = false;
    for c in title.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            slug.extend(c.to_lowercase());
            pending_dash = false;
        } else {
            pending_dash = true;
        }
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn simple_titles() {
        assert_eq!(slugify("Hello, World!"), "hello-world");
        assert_eq!(slugify("  Rust & Go  "), "rust-go");
        assert_eq!(slugify("Café au lait"), "café-au-lait");
    }
}
""",
    "proj/java/src/main/java/org/example/RingBuffer.java": """\
package org.example;

import java.util.NoSuchElementException;

/** A fixed-size ring buffer that overwrites the oldest element when full. */
public final class RingBuffer<T> {
    private final Object[] items;
    private int head;
    private int size;

    public RingBuffer(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        items = new Object[capacity];
    }

    public void add(T item) {
        items[(head + size) % items.length] = item;
        if (size == items.length) {
            head = (head + 1) % items.length;
        } else {
            size++;
        }
    }

    @SuppressWarnings("unchecked")
    public T removeOldest() {
        if (size == 0) {
            throw new NoSuchElementException("buffer is empty");
        }
        T item = (T) items[head];
        items[head] = null;
        head = (head + 1) % items.length;
        size--;
        return item;
    }

    public int size() {
        return size;
    }
}
""",
    "proj/kotlin/Greeter.kt": """\
package example

data class Person(val name: String, val language: String = "en")

object Greeter {
    private val greetings = mapOf(
        "en" to "Hello",
        "fr" to "Bonjour",
        "es" to "Hola",
        "de" to "Hallo",
    )

    fun greet(person: Person): String {
        val word = greetings[person.language] ?: greetings.getValue("en")
        return "$word, ${person.name.trim().replaceFirstChar { it.uppercase() }}!"
    }
}

fun main() {
    listOf(Person("lena", "de"), Person("marc", "fr"), Person("sam"))
        .map(Greeter::greet)
        .forEach(::println)
}
""",
}


def build(out: Path) -> None:
    """Write the archive to ``out`` deterministically."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(FILES):
            data = FILES[name].encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    with out.open("wb") as handle:
        with gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=0, compresslevel=9) as gz:
            gz.write(raw.getvalue())


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("code_archive.tar.gz")
    build(target)
    print(f"wrote {target} ({target.stat().st_size} bytes, {len(FILES)} files)")
