"""What reached the screen, and when: Chromium's screencast of a page, for the glance benchmark."""

from __future__ import annotations

import base64
import io
import time

import numpy as np
from PIL import Image
from playwright.sync_api import Page

MAP = '[data-testid="stDeckGlJsonChart"]'
HOT_PX = 300
"""Warm pixels (at full size) that make a drawn map: a few hexagons of the top classes."""


def hot_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels in the warm top classes of the ramp (an RGB array, integers)."""
    return (rgb[..., 0] > 170) & (rgb[..., 1] < 140) & (rgb[..., 2] < 110) & (rgb[..., 0] - rgb[..., 1] > 80)


class Screencast:
    """What reached the screen, frame by frame (Chromium's screencast: a frame for each composited change, with
    the time it was swapped), at half the viewport's size.

    Polling the map with element screenshots saw the hexagons late on a slow renderer: each screenshot waits for a
    new frame of its own, behind the one software WebGL is drawing (1-2 s), so a map that showed its hexagons at
    1.4 s was seen at 4.7 s. The screencast's timestamps tell when the user saw them."""

    SCALE = 0.5

    def __init__(self, page: Page) -> None:
        self._cdp = page.context.new_cdp_session(page)
        self._frames: list[tuple[float, bytes]] = []
        self._cdp.on("Page.screencastFrame", self._frame)

    def _frame(self, event: dict) -> None:
        self._frames.append((float(event["metadata"]["timestamp"]), base64.b64decode(event["data"])))
        try:
            self._cdp.send("Page.screencastFrameAck", {"sessionId": event["sessionId"]})
        except Exception:  # noqa: BLE001 - the page is closing: no more frames to acknowledge
            pass

    def start(self, viewport: dict[str, int]) -> float:
        """Record from now on; the wall-clock time of the start (seconds since the epoch)."""
        self._frames.clear()
        self._cdp.send("Page.startScreencast", {"format": "png", "everyNthFrame": 1,
                                                 "maxWidth": int(viewport["width"] * self.SCALE),
                                                 "maxHeight": int(viewport["height"] * self.SCALE)})
        return time.time()

    def first_hot(self, page: Page, since: float) -> float:
        """Seconds from ``since`` to the first frame with hexagons of the warm classes drawn in the map's columns
        (the legend's swatches beside it are not counted) after one without (the page left behind may show warm
        colours there too: Coverage's map; Streamlit fades it out while the next page runs); NaN if none."""
        self._cdp.send("Page.stopScreencast")
        box = page.locator(MAP).first.bounding_box()
        if box is None:
            return float("nan")
        left, right = int(box["x"] * self.SCALE), int((box["x"] + box["width"]) * self.SCALE)
        cleared = False
        for at, png in sorted(self._frames):
            rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)[:, left:right]
            hot = int(hot_mask(rgb).sum()) >= HOT_PX * self.SCALE ** 2
            if hot and cleared:
                return at - since
            cleared = cleared or not hot
        return float("nan")


    def still_at(self, since: float, *, quiet_s: float = 1.0, timeout_s: float = 30.0) -> float:
        """Wait until nothing on screen has changed for ``quiet_s``; seconds from ``since`` to the last change (a
        page drawn to the end: software WebGL may still be drawing a page whose script has finished)."""
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            last = max((at for at, _ in self._frames), default=since)
            if time.time() - last >= quiet_s:
                break
            time.sleep(0.1)
        self._cdp.send("Page.stopScreencast")
        return max((at for at, _ in self._frames), default=since) - since
