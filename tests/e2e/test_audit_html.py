"""`runnerlink audit --format html` opened in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
the page renders a topology diagram per VPC with the findings beside it, and the screenshot shows it."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib

import pytest

from tests.conftest import settle
from tests.e2e.test_audit import build
from tests.e2e.test_gateway import make_public

CHROMIUM = "/usr/bin/chromium"
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}")]

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def coloured_pixels(png: bytes) -> int:
    """How many pixels of an 8-bit RGB(A) PNG are neither white nor near-white (the standard library decodes it)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks, header = 8, [], None
    while offset < len(png):
        length, kind = struct.unpack(">I4s", png[offset:offset + 8])
        data = png[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", data)
        elif kind == b"IDAT":
            chunks.append(data)
        offset += 12 + length
    width, height, depth, colour = header[:4]
    assert depth == 8 and colour in (2, 6)
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    previous = bytearray(stride)
    count = 0
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):  # undo the row filter
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        count += sum(1 for p in range(0, stride, channels) if min(line[p:p + 3]) < 200)
        previous = line
    return count


def test_the_html_report_renders_its_diagram_in_chromium(server, account, ec2, apprunner, tmp_path):
    net = build(server, account, ec2, apprunner, endpoint={"PrivateDnsEnabled": False})
    make_public(ec2, net.network)
    settle()
    page_file = tmp_path / "audit.html"
    done = subprocess.run([sys.executable, "-m", "runnerlink", "audit", "--endpoint-url", server.url, "--account",
                           account, "--format", "html", "-o", str(page_file)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr

    with playwright_api.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(page_file.as_uri())
            diagram = page.locator(f"section#{net.network.vpc_id} svg").first
            box = diagram.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 150
            labels = diagram.text_content()
            for subnet in net.network.subnet_ids:
                assert subnet in labels
            assert "Internet" in labels  # the public VPC's default route is drawn to the internet
            findings = page.locator(f"section#{net.network.vpc_id} .finding")
            assert findings.count() == 2  # endpoint-dns-name-off and public-vpc
            assert "endpoint-dns-name-off" in page.locator(f"section#{net.network.vpc_id}").inner_text()
            shot = diagram.screenshot(path=str(tmp_path / "diagram.png"))
        finally:
            browser.close()
    assert coloured_pixels(shot) > 2000  # boxes, lines and text, not a blank picture
