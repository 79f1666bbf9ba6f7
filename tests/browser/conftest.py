"""Browser tests: the node served by `multitude serve` on loopback (once on SQLite, once on
PostgreSQL), driven by Debian's headless Chromium through Selenium, as a person would use it.

Screenshots are kept as test artefacts in `test-artifacts/screenshots/<store>/<step>.png` under
the repository (or under $MULTITUDE_ARTIFACTS). A missing browser fails the tests, never skips
them: `scripts/ensure-browser` installs it."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

REPOSITORY = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PHONE = (390, 844)
DESKTOP = (1280, 900)
_ADDRESS = re.compile(r"Open (https?://\S+/)")
# How Chromium reports a page answered with a refusal (403, 409, 422): expected after a refused form.
_REFUSAL = re.compile(r"the server responded with a status of 4(03|09|22)\b")
_COMMAND = Path(sys.executable).parent / "multitude"  # the command installed beside this Python
_START_SECONDS = 30
_STOP_SECONDS = 10


@dataclass(frozen=True)
class Served:
    """A node serving on loopback: where to point the browser, and which store it runs on."""

    url: str
    store: str  # "sqlite" or "postgres"

    def at(self, path: str) -> str:
        return self.url.rstrip("/") + path


def _drain(stream: IO[str], lines: list[str], found: threading.Event) -> None:
    # The node's output must keep being read: a full pipe would stall it mid-request.
    for line in stream:
        lines.append(line)
        if _ADDRESS.search(line):
            found.set()
    found.set()  # the node exited: nobody waits any longer


@pytest.fixture
def served(store_url: str, tmp_path: Path) -> Iterator[Served]:
    """`multitude serve --port 0` on 127.0.0.1 with a home of its own, stopped afterwards."""
    store = "postgres" if store_url.startswith("postgresql") else "sqlite"
    command = [str(_COMMAND), "--home", str(tmp_path / "home"), "--db", store_url,
               "serve", "--host", "127.0.0.1", "--port", "0"]
    environment = {name: value for name, value in os.environ.items() if not name.startswith("MULTITUDE_")}
    output: list[str] = []
    found = threading.Event()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                          env=environment, cwd=tmp_path) as process:
        assert process.stdout is not None
        reader = threading.Thread(target=_drain, args=(process.stdout, output, found), daemon=True)
        reader.start()
        try:
            if not found.wait(_START_SECONDS) or process.poll() is not None:
                pytest.fail(f"`multitude serve` did not print its address within {_START_SECONDS}s:\n"
                            f"{''.join(output)}")
            match = next(m for m in map(_ADDRESS.search, output) if m)
            yield Served(match.group(1), store)
        finally:
            process.send_signal(signal.SIGINT)  # what Ctrl-C does: uvicorn stops gracefully
            try:
                process.wait(_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            reader.join(_STOP_SECONDS)
    # An exception inside the node is a failure even when the page it broke looked fine.
    assert "Traceback" not in "".join(output), "".join(output)


def _chromium(size: tuple[int, int]) -> webdriver.Chrome:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if missing:
        pytest.fail(f"{' and '.join(missing)} missing: run scripts/ensure-browser (Debian's chromium, "
                    f"chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
                     f"--window-size={size[0]},{size[1]}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The driver's path is given, so Selenium Manager has nothing to look for, nor to download.
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except WebDriverException as error:
        pytest.fail(f"Chromium did not start: {error.msg}")
    driver.set_window_size(*size)  # headless Chromium starts no narrower than 500 pixels
    return driver


def _artefacts() -> Path:
    return Path(os.environ.get("MULTITUDE_ARTIFACTS") or REPOSITORY / "test-artifacts") / "screenshots"


_EMPTIED: set[Path] = set()  # the folders this run has emptied: its tests share them


class Screenshots:
    """Full-page PNGs of what a person sees, at phone size unless asked for the desktop."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        if folder not in _EMPTIED and folder.exists():
            shutil.rmtree(folder)  # this run's pictures only, not a mix with an older run's
        _EMPTIED.add(folder)
        folder.mkdir(parents=True, exist_ok=True)

    def take(self, driver: webdriver.Chrome, step: str, *, desktop: bool = False) -> Path:
        path = self.folder / f"{step}.png"
        if desktop:
            _resize(driver, DESKTOP)
        try:
            _full_page(driver, path)
        finally:
            if desktop:
                _resize(driver, PHONE)
        return path


# Plotly redraws a chart to its new width a moment after the window is resized.
_CHARTS_FIT = """return Array.from(document.querySelectorAll("div.chart[data-drawn]")).every(function (chart) {
  var drawn = chart.querySelector("svg.main-svg");
  return !drawn || Math.abs(drawn.getBoundingClientRect().width - chart.clientWidth) < 2;
});"""


def _resize(driver: webdriver.Chrome, size: tuple[int, int]) -> None:
    driver.set_window_size(*size)
    # Only a picture suffers if a chart is slow to fit: a chart's own test is that it was drawn.
    with contextlib.suppress(TimeoutException):
        WebDriverWait(driver, 5).until(lambda driver: driver.execute_script(_CHARTS_FIT))


def _full_page(driver: webdriver.Chrome, path: Path) -> None:
    # A window-sized capture would cut long pages; Chromium can capture the whole page.
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    content = metrics["cssContentSize"]
    # The page is laid out again without a scrollbar to be captured whole: as wide as the window.
    width = max(int(content["width"]), int(driver.execute_script("return window.innerWidth")))
    clip = {"x": 0, "y": 0, "width": width, "height": int(content["height"]), "scale": 1}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot",
                                  {"format": "png", "captureBeyondViewport": True, "clip": clip})
    path.write_bytes(base64.b64decode(shot["data"]))


@pytest.fixture
def screenshots(served: Served) -> Screenshots:
    return Screenshots(_artefacts() / served.store)


class Person:
    """Someone at their own browser: finds fields by their label and buttons by their text, waits
    for each page as a person would, and fails on any page that shows an error or makes the
    browser console report one."""

    def __init__(self, name: str, driver: webdriver.Chrome, served: Served, screenshots: Screenshots) -> None:
        self.name = name
        self.driver = driver
        self.served = served
        self.screenshots = screenshots

    def visit(self, path: str) -> None:
        self.driver.get(self.served.at(path))
        self._arrived()

    @property
    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.served.url.rstrip("/"))

    def heading(self) -> str:
        return str(self.driver.find_element(By.TAG_NAME, "h1").text)

    def text(self) -> str:
        """What the page's main part says, spaces collapsed."""
        return " ".join(self.driver.find_element(By.ID, "main").text.split())

    def field(self, label: str, within: WebElement | None = None) -> WebElement:
        """The input a label names: by its `for`, or the input inside it."""
        scope = within or self.driver
        found = scope.find_elements(By.XPATH, f".//label[normalize-space()={_literal(label)}]")
        assert found, self._failure(f"no field labelled {label!r}")
        target = found[0].get_attribute("for")
        if target:
            return self.driver.find_element(By.ID, target)
        return found[0].find_element(By.XPATH, ".//input|.//select|.//textarea")

    def fill(self, label: str, value: str, within: WebElement | None = None) -> None:
        element = self.field(label, within)
        element.clear()
        element.send_keys(value)

    def pick(self, label: str, option: str) -> None:
        Select(self.field(label)).select_by_visible_text(option)

    def choose(self, label: str, within: WebElement | None = None) -> None:
        """Tick a radio button or checkbox by clicking its label, as a finger would."""
        scope = within or self.driver
        found = scope.find_elements(By.XPATH, f".//label[normalize-space()={_literal(label)}]")
        assert found, self._failure(f"no choice labelled {label!r}")
        self._click(found[0])
        assert self.field(label, within).is_selected(), self._failure(f"{label!r} is not ticked")

    def button(self, text: str, within: WebElement | None = None) -> WebElement:
        scope = within or self.driver
        found = scope.find_elements(By.XPATH, f".//button[normalize-space()={_literal(text)}]"
                                              f"|.//input[@type='submit'][@value={_literal(text)}]")
        assert found, self._failure(f"no button {text!r}")
        return found[0]

    def press(self, text: str, within: WebElement | None = None) -> None:
        """Press a button that sends a form, and wait for the page that answers."""
        self._navigate(self.button(text, within))

    def follow(self, text: str, within: WebElement | None = None) -> None:
        """Follow the link showing `text` (all of it, or the start of it)."""
        scope = within or self.driver
        found = scope.find_elements(By.XPATH, f".//a[starts-with(normalize-space(), {_literal(text)})]")
        assert found, self._failure(f"no link {text!r}")
        self._navigate(found[0])

    def wait_for(self, css: str, seconds: float = 10) -> WebElement:
        """The first element matching `css` once it is there (e.g. a chart once drawn)."""
        try:
            element: WebElement = WebDriverWait(self.driver, seconds).until(
                expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))
        except TimeoutException:
            raise AssertionError(self._failure(f"nothing matched {css!r} within {seconds}s")) from None
        return element

    def screenshot(self, step: str, *, desktop: bool = False) -> Path:
        return self.screenshots.take(self.driver, step, desktop=desktop)

    def _click(self, element: WebElement) -> None:
        # Centred first: on a phone-sized window a sticky header could otherwise take the tap.
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()

    def press_refused(self, text: str, within: WebElement | None = None) -> str:
        """Press a button whose form the node refuses; what the page that comes back says, in
        its alerts. The refusal's HTTP status is the only thing the console may report."""
        self._leave(self.button(text, within))
        WebDriverWait(self.driver, 15).until(
            lambda driver: driver.execute_script("return document.readyState") == "complete")
        alerts = [element.text for element in self.driver.find_elements(
            By.CSS_SELECTOR, ".error[role=alert], .field-error[role=alert]")]
        assert alerts, self._failure("the form was not refused")
        errors = [entry["message"] for entry in self.driver.get_log("browser")
                  if entry["level"] == "SEVERE" and not _REFUSAL.search(entry["message"])]
        assert not errors, self._failure("the browser console reported:\n" + "\n".join(errors))
        return " / ".join(alerts)

    def _navigate(self, element: WebElement) -> None:
        self._leave(element)
        self._arrived()

    def _leave(self, element: WebElement) -> None:
        # The page being left is marked; the next one has no mark. (Waiting for the old page's
        # element to go stale races with Chromium replacing the document.)
        self.driver.execute_script("window.multitudeLeaving = true;")
        self._click(element)
        try:
            WebDriverWait(self.driver, 15, ignored_exceptions=(WebDriverException,)).until(
                lambda driver: driver.execute_script("return window.multitudeLeaving === undefined;"))
        except TimeoutException:
            raise AssertionError(self._failure("pressing it led to no new page within 15s")) from None

    def _arrived(self) -> None:
        """The page is loaded, is not an error, and the console stayed quiet."""
        WebDriverWait(self.driver, 15).until(
            lambda driver: driver.execute_script("return document.readyState") == "complete")
        alerts = [element.text for element in self.driver.find_elements(
            By.CSS_SELECTOR, ".error[role=alert], .field-error[role=alert]")]
        assert not alerts, self._failure(f"the page says: {' / '.join(alerts)}")
        self.check_console()

    def check_console(self) -> None:
        """No error in the browser console since the last look (a script's, a refused resource's)."""
        errors = [entry["message"] for entry in self.driver.get_log("browser")
                  if entry["level"] == "SEVERE"]
        assert not errors, self._failure("the browser console reported:\n" + "\n".join(errors))

    def _failure(self, what: str) -> str:
        """A message naming the page, with a picture of it kept beside the others."""
        shot = self.screenshots.folder / f"failed-{self.name}.png"
        try:
            _full_page(self.driver, shot)
        except WebDriverException:
            shot = Path("(no screenshot: the browser did not answer)")
        heading = self.driver.find_elements(By.TAG_NAME, "h1")
        title = heading[0].text if heading else "(no heading)"
        return f"{self.name} at {self.driver.current_url} («{title}»): {what}; screenshot {shot}"


def _literal(text: str) -> str:
    """`text` as an XPath string literal."""
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return "concat(" + ", '\"', ".join(f'"{part}"' for part in text.split('"')) + ")"


@pytest.fixture
def person(served: Served, screenshots: Screenshots) -> Iterator[Callable[[str], Person]]:
    """`person("ana")`: someone at a phone-sized Chromium of their own (their own cookies); every
    browser is closed afterwards."""
    opened: list[webdriver.Chrome] = []

    def sit_down(name: str) -> Person:
        driver = _chromium(PHONE)
        opened.append(driver)
        return Person(name, driver, served, screenshots)

    yield sit_down
    for driver in opened:
        driver.quit()
