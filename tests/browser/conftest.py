"""Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): skipped with a reason
where it is missing, a failure under CI. Screenshots go to results/browser/."""

from pathlib import Path

import pytest

from tests.support.chromium import chromium

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "results" / "browser"


# Per module: Playwright's sync API keeps its event loop running while the browser is open,
# which would break the async tests collected after a session-wide browser.
@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def screenshot(request):
    """screenshot(page, "name") saves results/browser/<test>-<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
