"""The GIF/HTML writers' frame deltas against a plain numpy statement of what they mean."""

from __future__ import annotations

import numpy as np
import pytest

from convanim.writers.gif import TRANSPARENT, ColorMap, changed_index, changed_mask, pack_rgb


def frames(seed: int, height: int, width: int, changes: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    prev = rng.integers(0, 4, size=(height, width, 3)).astype(np.uint8) * 60
    cur = prev.copy()
    for _ in range(changes):  # single channels or whole pixels, so both cases are covered
        y, x = int(rng.integers(height)), int(rng.integers(width))
        cur[y, x, int(rng.integers(3)) if rng.integers(2) else slice(None)] ^= 7
    return prev, cur


# Few changes take the word-by-word path, many the byte-by-byte one; odd widths leave
# bytes that do not fill a word.
@pytest.mark.parametrize("changes", [0, 1, 3, 40, 2000])
@pytest.mark.parametrize(("height", "width"), [(1, 1), (3, 5), (37, 53), (64, 64)])
def test_changed_mask_and_index_match_their_definition(changes: int, height: int,
                                                       width: int) -> None:
    prev, cur = frames(changes * 1000 + height, height, width, changes)
    scratch = np.empty(2 * cur.size, bool)
    expected = (prev != cur).any(axis=2)
    np.testing.assert_array_equal(changed_mask(prev, cur, scratch), expected)

    colors = [tuple(int(v) for v in c) for c in np.unique(prev.reshape(-1, 3), axis=0)]
    cmap, plain = ColorMap(colors, size=TRANSPARENT), ColorMap(colors, size=TRANSPARENT)
    held = prev.copy()
    x0, y0, index = changed_index(held, cur, scratch, cmap, np.empty(height * width, np.uint8))
    np.testing.assert_array_equal(held, cur)  # prev became cur
    ys, xs = np.nonzero(expected)
    if ys.size == 0:  # an unchanged frame: one transparent pixel at the origin
        assert (x0, y0, index.tolist()) == (0, 0, [[TRANSPARENT]])
        return
    assert (x0, y0) == (xs.min(), ys.min())
    assert index.shape == (ys.max() + 1 - ys.min(), xs.max() + 1 - xs.min())
    want = np.full(index.shape, TRANSPARENT, np.uint8)
    want[ys - y0, xs - x0] = plain.packed(pack_rgb(cur[ys, xs]))
    np.testing.assert_array_equal(index, want)
    np.testing.assert_array_equal(cmap.colors, plain.colors)  # the palette grew alike
