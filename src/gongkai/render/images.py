"""PDF pages -> page images as a scanner or a phone delivers them (PNG, image-only PDF): the
fixtures that prove the scan reader gets a report back. Needs pypdfium2, Pillow and numpy."""
from __future__ import annotations

import io
from typing import Any, Sequence


def pdf_pages_to_images(pdf: bytes, *, dpi: int = 200, pages: Sequence[int] | None = None,
                        grayscale: bool = True) -> list[Any]:
    """Render PDF pages (1-based numbers; all by default) as PIL images at `dpi`, as a scanner
    would deliver them."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        numbers = list(pages) if pages else list(range(1, len(doc) + 1))
        images = []
        for n in numbers:
            page = doc[n - 1]
            bitmap = page.render(scale=dpi / 72, grayscale=grayscale)
            image = bitmap.to_pil()
            image.info["dpi"] = (dpi, dpi)
            images.append(image.copy())
            bitmap.close()
            page.close()
        return images
    finally:
        doc.close()


def degrade_scan(image: Any, *, seed: int = 0, angle: float = 0.0, blur: float = 0.0, noise: float = 0.0,
                 speckles: float = 0.0, fade: float = 0.0, jpeg_quality: int | None = None) -> Any:
    """A page image as a poor scanner or a phone delivers it: skewed by `angle` degrees, blurred
    (Gaussian radius), with grey noise (standard deviation in grey levels), dust `speckles` (share
    of pixels), ink faded towards grey by `fade` (0..1) with uneven lighting, and JPEG artefacts."""
    import numpy as np
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(seed)
    im = image.convert("L")
    if angle:
        im = im.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    if blur:
        im = im.filter(ImageFilter.GaussianBlur(blur))
    arr = np.asarray(im, dtype=np.float32)
    if fade:
        h, w = arr.shape
        light = np.linspace(0, 40 * fade, w, dtype=np.float32)[None, :] + np.linspace(0, 25 * fade, h, dtype=np.float32)[:, None]
        arr = 255 - (255 - arr) * (1 - 0.55 * fade)
        arr = arr - light * 0.5 + 10 * fade
    if noise:
        arr = arr + rng.normal(0, noise, arr.shape).astype(np.float32)
    if speckles:
        mask = rng.random(arr.shape) < speckles
        arr[mask] = rng.integers(0, 90, int(mask.sum()))
    im = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")
    if jpeg_quality:
        buf = io.BytesIO()
        im.save(buf, format="JPEG", quality=jpeg_quality)
        im = Image.open(io.BytesIO(buf.getvalue()))
        im.load()
    im.info["dpi"] = image.info.get("dpi", (200, 200))
    return im


def images_to_png(images: Sequence[Any], *, dpi: int = 200) -> bytes:
    """Pages stacked into one tall PNG (a "long image", as reports are posted on social media);
    one page gives a plain page scan."""
    from PIL import Image

    if len(images) == 1:
        combined = images[0]
    else:
        width = max(im.width for im in images)
        height = sum(im.height for im in images)
        combined = Image.new(images[0].mode, (width, height), 255 if images[0].mode == "L" else "white")
        y = 0
        for im in images:
            combined.paste(im, (0, y))
            y += im.height
    out = io.BytesIO()
    combined.save(out, format="PNG", dpi=(dpi, dpi), optimize=False)
    return out.getvalue()


def images_to_pdf(images: Sequence[Any], *, dpi: int = 200) -> bytes:
    """An image-only PDF (no text layer), one page per image, as a scanner writes it."""
    out = io.BytesIO()
    first, rest = images[0], list(images[1:])
    first.save(out, format="PDF", resolution=float(dpi), save_all=True, append_images=rest)
    return out.getvalue()


__all__ = ["pdf_pages_to_images", "degrade_scan", "images_to_png", "images_to_pdf"]
