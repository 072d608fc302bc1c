"""Every entry of the staff menu, and every tab on the pages it leads to, opens for the person
who sees it: no role is shown a link that answers 404 (or 403)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db


class _NavLinks(HTMLParser):
    """The hrefs inside <nav class="main-nav"> and <nav class="tabs"> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "nav":
            classes = (values.get("class") or "").split()
            if self.depth or "main-nav" in classes or "tabs" in classes:
                self.depth += 1
        elif tag == "a" and self.depth and values.get("href"):
            self.links.append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self.depth:
            self.depth -= 1


def nav_links(html: str) -> list[str]:
    parser = _NavLinks()
    parser.feed(html)
    return [link for link in parser.links if re.match(r"^/(?!admin/)", link)]


@pytest.mark.parametrize(
    "who", ["admin", "staff", "district_a", "coordinator_a1", "coordinator_b1", "board", "dpo"]
)
def test_no_menu_entry_or_tab_leads_to_a_page_the_viewer_may_not_open(who, personas, client_for):
    client = client_for(getattr(personas, who))
    start = client.get("/", follow=True)
    assert start.status_code == 200
    menu = nav_links(start.content.decode())
    assert menu, "the start page shows the staff menu"

    seen: dict[str, int] = {}
    for link in menu:
        response = client.get(link, follow=True)
        seen[link] = response.status_code
        if response.status_code == 200:
            for tab in nav_links(response.content.decode()):
                if tab not in seen:
                    seen[tab] = client.get(tab, follow=True).status_code
    refused = {link: status for link, status in seen.items() if status in (403, 404)}
    assert not refused, f"{who} is shown links that refuse them: {refused}"
