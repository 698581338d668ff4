"""Share posters: a PNG with a cover, a title, a time and a QR code to the page, as
Chinese platforms hand out for WeChat moments. Pillow draws it; `segno` makes the code;
the CJK font is Debian's fonts-wqy-zenhei (scripts/install.sh), so Chinese titles render.
"""

import hashlib
import io
import textwrap
from functools import cache

import segno
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 750, 1200  # 5:8, the shape of a phone screen
COVER_HEIGHT = 560
MARGIN = 56


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The CJK-capable font at `size`; Pillow's own font if it is missing (a poster
    with boxes for Chinese beats an error page, and the check below says so)."""
    try:
        return ImageFont.truetype(settings.SHARE_POSTER_FONT, size)
    except OSError:
        return ImageFont.load_default(size)


def font_available() -> bool:
    try:
        ImageFont.truetype(settings.SHARE_POSTER_FONT, 12)
    except OSError:
        return False
    return True


def _colours(seed: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Two colours of a cover gradient, stable per seed (the channel)."""
    digest = hashlib.sha256(seed.encode()).digest()
    top = (40 + digest[0] % 120, 40 + digest[1] % 120, 90 + digest[2] % 140)
    bottom = (20 + digest[3] % 80, 20 + digest[4] % 80, 40 + digest[5] % 100)
    return top, bottom


def _wrap(
    draw: ImageDraw.ImageDraw,
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    width: int,
    lines: int,
) -> list[str]:
    """Wrap by measured width (CJK text has no spaces to break at)."""
    out: list[str] = []
    current = ""
    for char in text:
        if draw.textlength(current + char, font=font) > width:
            out.append(current)
            current = char.lstrip()
            if len(out) == lines:
                break
        else:
            current += char
    else:
        if current:
            out.append(current)
    if len(out) == lines and "".join(out) != text:
        out[-1] = textwrap.shorten(out[-1], len(out[-1]) - 1, placeholder="") + "…"
    return out


def poster_png(
    *,
    title: str,
    kicker: str,
    byline: str,
    when: str,
    url: str,
    seed: str,
    cover: Image.Image | None = None,
) -> bytes:
    """The poster as PNG bytes. `kicker` is the small line over the title ("Live
    session"), `when` the time already written in the viewer's zone, `url` what the QR
    code opens."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    if cover is not None:
        image.paste(cover.convert("RGB").resize((WIDTH, COVER_HEIGHT)), (0, 0))
    else:
        top, bottom = _colours(seed)
        for y in range(COVER_HEIGHT):
            share = y / COVER_HEIGHT
            colour = tuple(int(a + (b - a) * share) for a, b in zip(top, bottom, strict=True))
            draw.line([(0, y), (WIDTH, y)], fill=colour)
    draw.text((MARGIN, MARGIN), kicker, font=_font(34), fill="white")
    y = COVER_HEIGHT - 60 - 3 * 64
    for line in _wrap(draw, title, _font(56), WIDTH - 2 * MARGIN, 3):
        draw.text((MARGIN, y), line, font=_font(56), fill="white")
        y += 64
    draw.text((MARGIN, COVER_HEIGHT + 48), byline, font=_font(34), fill=(40, 40, 40))
    draw.text((MARGIN, COVER_HEIGHT + 100), when, font=_font(34), fill=(90, 90, 90))

    qr_png = io.BytesIO()
    segno.make(url, error="m").save(qr_png, kind="png", scale=8, border=1)
    qr = Image.open(qr_png).convert("RGB").resize((300, 300), Image.Resampling.NEAREST)
    image.paste(qr, (WIDTH - MARGIN - 300, HEIGHT - MARGIN - 300))
    hint = _wrap(draw, url, _font(24), WIDTH - 2 * MARGIN - 330, 4)
    y = HEIGHT - MARGIN - 300
    for line in hint:
        draw.text((MARGIN, y), line, font=_font(24), fill=(110, 110, 110))
        y += 32
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
