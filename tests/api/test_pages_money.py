"""The pages of value equations, incomes and distributions, used as a browser would: forms
posted with their CSRF field, what the person reads in the answer."""

from __future__ import annotations

import html
import json
import re

import httpx
from api.conftest import Person, Web
from api.test_api_money import SHARES, Camp


def csrf_of(person: Person, url: str) -> str:
    page = person.get(url)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "the page has no form"
    return found.group(1)


def typed(page: httpx.Response) -> str:
    """The document in the page's text area, as a browser reads it (without the first newline)."""
    found = re.search(r'<textarea id="document"[^>]*>\n?(.*?)</textarea>', page.text, re.S)
    assert found, "the page has no document"
    return html.unescape(found.group(1))


def text_of(page: httpx.Response) -> str:
    """The page as read: tags dropped (words within a line stay as they run), entities decoded,
    spaces collapsed."""
    inline = re.sub(r"</?(a|strong|em|code|span)\b[^>]*>", "", page.text)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def test_the_equation_page_shows_a_toml_error_beside_the_document_with_its_line(web: Web) -> None:
    camp = Camp(web)
    url = f"/n/{camp.network}/equation"
    page = camp.ana.get(url)
    assert page.status_code == 200 and 'class="code"' in page.text and "Adopt" in page.text
    broken = 'name = "Shares"\n\n[[bucket]\nname = "all"\n'
    answer = camp.ana.post(f"{url}/check", data={"csrf": csrf_of(camp.ana, url), "document": broken})
    assert answer.status_code == 422
    error = re.search(r'<p id="document-error"[^>]*>(.*?)</p>', answer.text, re.S)
    assert error and "Line 3, column 9:" in html.unescape(re.sub(r"<[^>]+>", "", error.group(1)))
    assert 'aria-invalid="true"' in answer.text
    assert typed(answer) == broken  # what was typed is kept

    good = camp.ana.post(f"{url}/check", data={"csrf": csrf_of(camp.ana, url), "document": camp.equation})
    assert good.status_code == 200 and "The equation can be adopted." in text_of(good)


def test_the_sandbox_previews_the_typed_document_before_adoption(web: Web) -> None:
    camp = Camp(web)
    url = f"/n/{camp.network}/equation"
    before = web.events()
    answer = camp.ana.post(f"{url}/preview", data={"csrf": csrf_of(camp.ana, url), "document": camp.equation,
                                                   "amount": "100", "currency": "EUR"})
    assert answer.status_code == 200, answer.text
    read = text_of(answer)
    assert "By Shares (version 1): 100 EUR" in read and "Nothing was recorded." in read
    for name, amount in SHARES.items():
        assert f"{name} {amount}" in read
    assert "bucket 'makers', equity: 1 contribution valued 40" in read
    assert typed(answer) == camp.equation
    assert web.events() == before

    wrong = camp.ana.post(f"{url}/preview", data={"csrf": csrf_of(camp.ana, url), "document": camp.equation,
                                                  "amount": "lots", "currency": "EUR"})
    assert wrong.status_code == 422 and 'id="s-amount-error"' in wrong.text

    bo_page = camp.bo.get(url)
    assert "Preview the split" in bo_page.text and ">Adopt<" not in bo_page.text  # members try, custodians adopt
    assert "Preview the split" not in camp.cy.get(url).text


def test_adopting_on_the_page_puts_the_equation_in_force(web: Web) -> None:
    camp = Camp(web)
    url = f"/n/{camp.network}/equation"
    refused = camp.bo.post(f"{url}/adopt", data={"csrf": csrf_of(camp.bo, url), "document": camp.equation})
    assert refused.status_code == 403 and "only a custodian" in text_of(refused)
    adopted = camp.ana.post(f"{url}/adopt", data={"csrf": csrf_of(camp.ana, url), "document": camp.equation},
                            follow_redirects=False)
    assert adopted.status_code == 303 and adopted.headers["location"] == url
    assert "In force: Shares, version 1." in text_of(camp.cy.get(url))


def test_the_money_page_records_previews_and_distributes_an_income(web: Web) -> None:
    camp = Camp(web)
    camp.adopt()
    url = f"/n/{camp.network}/money"
    assert "Record the income" in camp.ana.get(url).text
    assert "Record the income" not in camp.bo.get(url).text
    assert camp.cy.get(url).status_code == 403

    wrong = camp.ana.post(f"/n/{camp.network}/incomes", data={
        "csrf": csrf_of(camp.ana, url), "amount": "1.234", "currency": "EUR", "source": "Grant"})
    assert wrong.status_code == 422 and "EUR has 2 decimals" in text_of(wrong)
    assert 'value="1.234"' in wrong.text and 'value="Grant"' in wrong.text

    recorded = camp.ana.post(f"/n/{camp.network}/incomes", data={
        "csrf": csrf_of(camp.ana, url), "amount": "100", "currency": "EUR", "source": "Grant"},
        follow_redirects=False)
    assert recorded.status_code == 303
    income = web.node.incomes(camp.network)[0].income
    page = text_of(camp.ana.get(url))
    assert re.search(r"Grant [0-9-]+ [0-9:]+ 100.00 EUR not yet distributed Preview Distribute", page)

    previewed = camp.ana.post(f"/n/{camp.network}/incomes/{income}/preview", data={"csrf": csrf_of(camp.ana, url)})
    assert previewed.status_code == 200
    read = text_of(previewed)
    assert "If Grant were distributed now" in read and "Bo 54.17" in read and "Nothing was recorded." in read

    distributed = camp.ana.post(f"/n/{camp.network}/incomes/{income}/distribute",
                                data={"csrf": csrf_of(camp.ana, url)}, follow_redirects=False)
    assert distributed.status_code == 303
    distribution = web.node.distributions(camp.network)[0].distribution
    assert distributed.headers["location"] == f"/d/{distribution}"
    assert f'href="/d/{distribution}"' in camp.bo.get(url).text


def test_the_distribution_page_draws_the_split_and_explains_each_payout(web: Web) -> None:
    camp = Camp(web)
    camp.adopt()
    income = camp.income()
    distribution = camp.ana.ok("POST", f"/api/v1/networks/{camp.network}/incomes/{income}/distribute")["event"]
    page = camp.bo.get(f"/d/{distribution}")
    assert page.status_code == 200
    chart = re.search(r'<div class="chart"[^>]*data-figure="([^"]+)"', page.text)
    assert chart, "no chart on the page"
    figure = json.loads(html.unescape(chart.group(1)))
    assert dict(zip(figure["data"][0]["labels"], figure["data"][0]["values"], strict=True)) == {
        "Bo": 54.17, "Camp": 33.33, "Ana": 12.5}
    assert '<script src="/static/plotly.min.js"></script>' in page.text
    read = text_of(page)
    assert "You get 54.17 EUR" in read
    assert "Bo (you) gets 54.17 EUR" in read
    assert "54.17 EUR: bucket 'makers', equity: 1 contribution valued 40 by 'hours * 20' (bucket 3 (makers), rule 1)" \
        in read
    assert "Ana gets 12.50 EUR 12.50 EUR: bucket 'stewardship', recipient" in read
    explained = re.findall(r'<details class="explain card( notice)?" id="r-(\w+)"( open)?', page.text)
    assert explained[0] == (" notice", camp.bo.agent, " open")  # the member viewing comes first, open
    assert [who for _, who, _ in explained[1:]] == [camp.network, camp.ana.agent]
    assert camp.cy.get(f"/d/{distribution}").status_code == 403
