"""A small bounded stack with a readable error when it is full or empty."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class StackError(Exception):
    """Raised when pushing to a full stack or popping from an empty one."""


class BoundedStack(Generic[T]):
    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self._items: list[T] = []
        self._capacity = capacity

    def push(self, item: T) -> None:
        if len(self._items) >= self._capacity:
            raise StackError(f"stack is full ({self._capacity} items)")
        self._items.append(item)

    def pop(self) -> T:
        if not self._items:
            raise StackError("pop from an empty stack")
        return self._items.pop()

    def peek(self) -> T:
        if not self._items:
            raise StackError("peek at an empty stack")
        return self._items[-1]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return reversed(self._items)

    def __repr__(self) -> str:
        return f"BoundedStack({self._items!r}, capacity={self._capacity})"


def balanced(expression: str) -> bool:
    """Check that brackets in an expression are balanced."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: BoundedStack[str] = BoundedStack(len(expression) or 1)
    for char in expression:
        if char in "([{":
            stack.push(char)
        elif char in pairs:
            if not len(stack) or stack.pop() != pairs[char]:
                return False
    return len(stack) == 0


if __name__ == "__main__":
    for sample in ["(a + b) * [c - d]", "{[}]", "((x)"]:
        print(f"{sample!r:20} balanced={balanced(sample)}")
