"""Reading the analytics dashboard (web/static/analytics.*) in a Playwright page: logging in, its
figures, the flows table, and when it has drawn the figures it fetched."""

from playwright.sync_api import expect


def log_in(page, email: str, password: str) -> None:
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()


def figure(page, key: str):
    return page.locator(f'[data-figure="{key}"] .value')


def note(page, key: str):
    return page.locator(f'[data-figure="{key}"] .note')


def flow_cell(page, flow: str, cell: str):
    return page.locator(f'#flows-table tr[data-flow="{flow}"] [data-cell="{cell}"]')


def ready(page) -> None:
    expect(page.locator(".dashboard")).to_have_attribute("data-state", "ready")


def chart_data(page, selector: str):
    """The datasets' numbers of the Chart.js chart drawn on the canvas at `selector`."""
    return page.evaluate(
        "(selector) => { const chart = Chart.getChart(document.querySelector(selector));"
        " return chart ? chart.data.datasets.map((d) => d.data) : null; }",
        selector,
    )
