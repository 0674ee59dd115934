"""docs/demo.png from the full-page screenshot docs/screenshot.mjs takes: the pad and the
prediction, the page's first 590 CSS pixels (Pillow, the images extra)."""

from pathlib import Path

from PIL import Image

HERE = Path(__file__).parent
with Image.open(HERE / "demo-full.png") as page:
    page.crop((0, 0, page.width, 590)).save(HERE / "demo.png", optimize=True)
(HERE / "demo-full.png").unlink()
