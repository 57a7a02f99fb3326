"""Legend images (GetLegendGraphic): one swatch and label per class, plus 'Sin datos'."""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont


@lru_cache(maxsize=1)
def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (shipped with matplotlib) draws Spanish accents and dashes; PIL's default
    bitmap font does not."""
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.submodule_search_locations:
        path = Path(spec.submodule_search_locations[0]) / "mpl-data/fonts/ttf/DejaVuSans.ttf"
        if path.exists():
            return ImageFont.truetype(str(path), 11)
    return ImageFont.load_default()


SWATCH = 16
ROW = 20
PAD = 4


def render_legend(
    title: str, entries: Sequence[tuple[str, str]], image_format: str = "png"
) -> bytes:
    """`entries` are (colour '#rrggbb', label) pairs, drawn top to bottom."""
    font = _font()
    draw_probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    widths = [draw_probe.textlength(text, font=font) for text in [title, *(e[1] for e in entries)]]
    width = int(max(widths, default=60) + SWATCH + 3 * PAD)
    height = ROW * (len(entries) + 1) + PAD
    image = Image.new("RGBA", (max(width, 80), height), (255, 255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.text((PAD, PAD), title, fill=(0, 0, 0), font=font)
    for i, (color, label) in enumerate(entries, start=1):
        y = PAD + i * ROW
        draw.rectangle([PAD, y, PAD + SWATCH, y + SWATCH - 4], fill=color, outline=(80, 80, 80))
        draw.text((2 * PAD + SWATCH, y), label, fill=(0, 0, 0), font=font)
    out = io.BytesIO()
    if image_format == "jpeg":
        image.convert("RGB").save(out, "JPEG", quality=90)
    else:
        image.save(out, "PNG")
    return out.getvalue()
