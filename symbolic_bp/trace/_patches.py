"""Changes to the running interpreter that are undone, in reverse order, however a run ends."""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

__all__ = ["Patches", "patched"]


class Patches:
    """Attributes and mapping items set for a while.

    :meth:`set` and :meth:`set_item` remember the original, :meth:`restore` puts every one back
    (last set, first restored); callbacks added with :meth:`on_restore` run at the same time.
    """

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []

    def set(self, owner: Any, name: str, value: object) -> None:
        original = getattr(owner, name)
        setattr(owner, name, value)
        self._undo.append(lambda: setattr(owner, name, original))

    def set_item(self, mapping: MutableMapping, key: object, value: object) -> None:
        """``mapping[key] = value``, put back only if the item still holds ``value`` (the code
        that ran may have rebound the name itself)."""
        original = mapping[key]
        mapping[key] = value

        def undo() -> None:
            if mapping.get(key) is value:
                mapping[key] = original

        self._undo.append(undo)

    def on_restore(self, callback: Callable[[], None]) -> None:
        self._undo.append(callback)

    def restore(self) -> None:
        while self._undo:
            self._undo.pop()()


@contextmanager
def patched() -> Iterator[Patches]:
    """A :class:`Patches` restored when the block ends, however it ends."""
    patches = Patches()
    try:
        yield patches
    finally:
        patches.restore()
