"""Draw the tab-bar icons (81×81 PNG, transparent) for 首页 / 工作台 / 我的, in the tab bar's two colours.

WeChat wants iconPath / selectedIconPath as local PNG files of at most 40 KB; 81×81 is the recommended size.
The shapes are drawn at 4× and scaled down for smooth edges. Run from the repository root:

    .venv/bin/python miniprogram/scripts/make-icons.py

and commit the PNGs it writes to miniprogram/src/images/. Colours match app.json tabBar.color/selectedColor.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 81
SCALE = 4
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "images"

Draw = Callable[[ImageDraw.ImageDraw, int, tuple[int, int, int, int]], None]


def _rgba(hex_colour: str) -> tuple[int, int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), 255


def home(d: ImageDraw.ImageDraw, s: int, c: tuple[int, int, int, int]) -> None:
    w = 5 * s
    d.line([(14 * s, 40 * s), (40.5 * s, 16 * s), (67 * s, 40 * s)], fill=c, width=w, joint="curve")
    d.rectangle([22 * s, 38 * s, 59 * s, 66 * s], outline=c, width=w)
    d.rectangle([35 * s, 48 * s, 46 * s, 66 * s], fill=c)


def workbench(d: ImageDraw.ImageDraw, s: int, c: tuple[int, int, int, int]) -> None:
    w = 5 * s
    for x, y in ((15, 15), (44, 15), (15, 44), (44, 44)):
        d.rounded_rectangle([x * s, y * s, (x + 22) * s, (y + 22) * s], radius=4 * s, outline=c, width=w)
    d.rounded_rectangle([49 * s, 49 * s, 61 * s, 61 * s], radius=2 * s, fill=c)


def me(d: ImageDraw.ImageDraw, s: int, c: tuple[int, int, int, int]) -> None:
    w = 5 * s
    d.ellipse([27 * s, 12 * s, 54 * s, 39 * s], outline=c, width=w)
    d.chord([13 * s, 44 * s, 68 * s, 96 * s], start=180, end=360, outline=c, width=w)
    d.line([(15 * s, 68 * s), (66 * s, 68 * s)], fill=c, width=w)


ICONS: dict[str, Draw] = {"tab-home": home, "tab-workbench": workbench, "tab-me": me}


def render(draw: Draw, colour: str) -> Image.Image:
    big = Image.new("RGBA", (SIZE * SCALE, SIZE * SCALE), (0, 0, 0, 0))
    draw(ImageDraw.Draw(big), SCALE, _rgba(colour))
    return big.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def main() -> int:
    tab = json.loads((ROOT / "src" / "app.json").read_text(encoding="utf-8"))["tabBar"]
    OUT.mkdir(parents=True, exist_ok=True)
    for name, draw in ICONS.items():
        for suffix, colour in (("", tab["color"]), ("-active", tab["selectedColor"])):
            path = OUT / f"{name}{suffix}.png"
            render(draw, colour).save(path, "PNG", optimize=True)
            print(f"{path.relative_to(ROOT)} {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
