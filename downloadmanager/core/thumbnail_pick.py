"""Which image a series thumbnail shows, and how big: without pydicom or numpy.

Split from :mod:`downloadmanager.core.thumbnails` (the decoder, which needs
both) so the window can lay out its thumbnail column at start and load the
decoder only when the first thumbnail is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

DEFAULT_SIZE = 96

T = TypeVar("T")


def middle_item(items: Sequence[T]) -> T:
    """The middle element of ITEMS (the instance a series thumbnail shows).

    The middle slice of a CT or MR series usually shows the most anatomy;
    the first and last are often nearly empty.
    """
    if not items:
        raise ValueError("a series without instances has no middle image")
    return items[(len(items) - 1) // 2]
