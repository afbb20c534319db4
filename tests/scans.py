"""A scanned page for upload tests: gray print, paper noise and a red seal, so that there is
colour to keep and a JPEG has something to compress."""

from __future__ import annotations

import numpy as np
from PIL import Image


def sealed_scan(colour: bool, height: int = 1200, width: int = 850) -> Image.Image:
    """A page of `height` × `width` pixels; its seal is red (220, 30, 30) over the rows and
    columns from a half to seven tenths of the page's."""
    rng = np.random.default_rng(7)
    page = np.full((height, width, 3), 232, np.uint8) + rng.integers(0, 16, (height, width, 3),
                                                                     dtype=np.uint8)
    page[height // 12:height // 12 + height // 30, width // 10:width * 8 // 10] = 40
    page[height // 2:height * 7 // 10, width // 2:width * 7 // 10] = (220, 30, 30)
    image = Image.fromarray(page)
    return image if colour else image.convert("L")
