"""The web widget in a real browser (Debian's Chromium through Playwright) against the real assistant:
trained model, action server, Rasa's socket.io channel and the widget's own static server."""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from bot.cli import ROOT, assistant, environment, free_port
from bot.web.server import widget_server
from knowledge.db import make_engine
from knowledge.loader import load

pytestmark = pytest.mark.e2e
TOKEN = "browser-test-token"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = ROOT / "test-artifacts"
EXIT_URL = "https://www.weather.gov/"
# Text whose contrast with its background is under 4.5:1 (WCAG AA), as [class, text, ratio].
LOW_CONTRAST = """() => {
  const luminance = colour => {
    const [r, g, b] = colour.match(/[\\d.]+/g).slice(0, 3).map(v => {
      v = Number(v) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = getComputedStyle(el).backgroundColor;
      if (!c.startsWith("rgba") || !c.endsWith(", 0)")) return c;
    }
    return "rgb(255, 255, 255)";
  };
  const low = [];
  for (const el of document.querySelectorAll(".cyw-exit, .cyw-root *")) {
    const hasText = [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!hasText || !el.getClientRects().length || el.closest(".cyw-sr-only")) continue;
    const [a, b] = [luminance(getComputedStyle(el).color), luminance(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push([el.className, el.textContent.slice(0, 40), ratio.toFixed(2)]);
  }
  return low;
}"""
ANSWER_TIMEOUT = 30_000  # ms; the first answers of a fresh server are the slowest
PHONE = {"width": 390, "height": 844}


@dataclass
class Site:
    widget: str  # the demo page
    rasa: str
    other_origin: str  # the demo page under its other local name
    host_page: str  # another organization's page, on another origin


@pytest.fixture(scope="module")
def site(tmp_path_factory, content, model) -> Iterator[Site]:
    database = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'knowledge.db'}"
    load(make_engine(database), content)
    widget_port, host_port = free_port(), free_port()
    page_origins = f"http://127.0.0.1:{widget_port} http://localhost:{widget_port} http://localhost:{host_port}"
    env = environment(ACTION_PORT=str(free_port()), RASA_PORT=str(free_port()), KB_DATABASE_URL=database,
                      RASA_CORS_ORIGINS=page_origins, QUIZ_SEED="2")  # the same quiz on every run
    rasa = f"http://127.0.0.1:{env['RASA_PORT']}"
    widget = f"http://127.0.0.1:{widget_port}/"
    with assistant(env, model, TOKEN), widget_server("127.0.0.1", widget_port, rasa), \
            serving(host_port, host_page(widget, rasa)):
        yield Site(widget, rasa, f"http://localhost:{widget_port}", f"http://localhost:{host_port}/")


def host_page(widget: str, rasa: str) -> bytes:
    """Another organization's page that embeds the widget with one tag and every option."""
    return f"""<!doctype html><html lang="en"><title>Youth services</title>
<a href="/about">About us</a>
<script src="{widget}widget.js" data-server-url="{rasa}" data-title="Ask us" data-color="#ffd700"
        data-exit-color="#004d00" data-lang="en-US" data-exit-url="{EXIT_URL}forecast"></script>""".encode()


@contextmanager
def serving(port: int, body: bytes) -> Iterator[None]:
    """A real local server for the other site's page (a page the test fulfils itself has no address, and
    Chromium's local network access rules would then keep it from loading the widget from 127.0.0.1)."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser test needs Debian's chromium "
                    "(`apt-get install -y chromium`; `make test` installs it)")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


@pytest.fixture()
def page(browser: Browser, site: Site, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh tab on the demo page, on a desktop screen."""
    yield from open_demo_page(browser, site, request, {"width": 1280, "height": 800})


@pytest.fixture()
def phone(browser: Browser, site: Site, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh tab on the demo page, on a phone's screen (390×844 CSS pixels, an iPhone 12 to 14)."""
    yield from open_demo_page(browser, site, request, PHONE)


def open_demo_page(browser: Browser, site: Site, request: pytest.FixtureRequest,
                   viewport: dict[str, int]) -> Iterator[Page]:
    """The network stops at this machine: the neutral exit site is answered locally, and any other
    outside request (a CDN, say) is refused and fails the test."""
    context = browser.new_context(viewport=viewport)
    outside: list[str] = []

    def route(r) -> None:
        url = urlsplit(r.request.url)
        if url.hostname in ("127.0.0.1", "localhost"):
            r.continue_()
        elif r.request.url.startswith(EXIT_URL):
            r.fulfill(status=200, content_type="text/html", body="<title>Weather</title><h1>Forecast</h1>")
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site.widget)
    expect(page.locator(".cyw-panel")).to_be_visible()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    if not page.is_closed() and page.url.startswith(site.widget):
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()
    assert not outside, f"the page reached outside this machine: {outside}"
    assert not errors, f"JavaScript errors: {errors}"


def say(page: Page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Your message").press("Enter")


def bot_messages(page: Page):
    return page.locator(".cyw-log .cyw-bot")


def test_the_first_message_says_it_is_a_bot_and_asks_if_it_is_safe_to_talk(page):
    welcome = bot_messages(page).first
    expect(welcome).to_contain_text("bot")
    expect(welcome).to_contain_text("safe for you to talk")
    expect(welcome.locator("a[href='tel:911']")).to_have_text("911")
    expect(page.get_by_role("button", name="Quick exit")).to_be_visible()
    expect(page.locator(".cyw-privacy")).to_contain_text("we don't ask who you are")
    log = page.locator(".cyw-log")
    expect(log).to_have_attribute("role", "log")
    expect(log).to_have_attribute("aria-live", "polite")


def test_a_question_gets_its_answer_with_a_safe_link_to_the_source(page):
    say(page, "what are the signs of labor trafficking?")
    expect(page.locator(".cyw-log .cyw-user").last).to_have_text(re.compile("signs of labor trafficking"))
    expect(page.locator(".cyw-log")).to_contain_text("employer", timeout=ANSWER_TIMEOUT)
    link = bot_messages(page).filter(has_text="Source:").locator("a[href^='https://']").first
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")


def test_buttons_send_their_payload_and_show_their_title(page):
    page.get_by_role("button", name="Yes, it's safe").click()
    expect(page.locator(".cyw-log .cyw-user").last).to_have_text(re.compile("Yes, it's safe"))
    signs = page.get_by_role("button", name="Signs of trafficking")
    expect(signs).to_be_visible(timeout=ANSWER_TIMEOUT)  # utter_greet's buttons
    signs.click()
    expect(page.locator(".cyw-log .cyw-user").last).to_have_text(re.compile("Signs of trafficking"))
    expect(bot_messages(page).filter(has_text="no single indicator proves trafficking")).to_be_visible(
        timeout=ANSWER_TIMEOUT)


def test_crisis_numbers_are_tap_to_call_and_text_links(page):
    say(page, "I am in danger")
    answer = bot_messages(page).filter(has_text="not the police")  # utter_crisis, not the welcome
    expect(answer).to_be_visible(timeout=ANSWER_TIMEOUT)
    expect(answer.locator("a[href='tel:+18883737888']")).to_have_text("1-888-373-7888")
    expect(answer.locator("a[href='tel:911']")).to_have_text("911")
    expect(answer.locator("a[href='sms:233733']")).to_have_text("text 233733")
    expect(answer.locator("a[href='tel:988']")).to_have_text("988")


def test_only_real_phone_numbers_become_links(page):
    say(page, "P.L. 113-183 of 2014, section 9112, 911-ish, 1-800-422-4453, (800) 422-4453, "
              "text START to 678-678, mail me@example.org or see childwelfare.gov.")
    hrefs = page.locator(".cyw-log .cyw-user").last.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == ["tel:+18004224453", "tel:+18004224453", "sms:678678", "https://childwelfare.gov/"]


def test_markup_in_a_message_is_shown_as_text_and_never_runs(page):
    text = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"><b>bold</b>'
    say(page, text)
    mine = page.locator(".cyw-log .cyw-user").last
    expect(mine.locator(".cyw-text")).to_have_text(text)
    assert mine.locator("script, img, b").count() == 0
    expect(bot_messages(page).nth(1)).to_be_visible(timeout=ANSWER_TIMEOUT)  # the assistant answered
    assert page.evaluate("window.pwned") is None


def test_a_reload_keeps_the_conversation_and_the_session(page):
    say(page, "I want to report neglect")
    expect(bot_messages(page).last).to_contain_text("Which state", timeout=ANSWER_TIMEOUT)
    session = page.evaluate("sessionStorage.getItem('cyw:session')")
    page.reload()
    expect(page.locator(".cyw-log .cyw-user .cyw-text")).to_have_text(["I want to report neglect"])
    expect(bot_messages(page).last).to_contain_text("Which state")
    assert page.evaluate("sessionStorage.getItem('cyw:session')") == session
    say(page, "Ohio")  # the server remembers it asked for the state
    expect(bot_messages(page).filter(has_text="1-855-642-4453")).to_be_visible(timeout=ANSWER_TIMEOUT)


def test_quick_exit_clears_storage_leaves_the_page_and_the_history(page, site):
    say(page, "what is trafficking?")
    expect(bot_messages(page).nth(1)).to_be_visible(timeout=ANSWER_TIMEOUT)
    assert page.evaluate("Object.keys(sessionStorage)")
    page.get_by_role("button", name="Quick exit").click()
    page.wait_for_url(EXIT_URL)
    page.go_back()  # Back must not bring the chat back: the exit replaced it in the history
    assert not page.url.startswith(site.widget)
    # What this tab keeps for the widget's origin, seen before the widget runs again:
    page.add_init_script("window.storedAtLoad = Object.keys(sessionStorage).concat(Object.keys(localStorage))")
    page.goto(site.widget)
    assert page.evaluate("window.storedAtLoad") == []
    expect(page.locator(".cyw-log .cyw-user")).to_have_count(0)


def test_escape_twice_exits_and_once_does_not(page):
    page.get_by_label("Your message").focus()
    page.keyboard.press("Escape")
    page.wait_for_timeout(1700)  # longer than the two-press window
    page.keyboard.press("Escape")
    assert page.url.startswith("http://127.0.0.1")
    page.keyboard.press("Escape")
    page.wait_for_url(EXIT_URL)


def test_keyboard_only_quick_exit_first_then_the_chat(page):
    page.keyboard.press("Tab")
    focused = "document.activeElement.textContent"
    assert page.evaluate(focused) == "Quick exit"
    order = [page.evaluate(focused)]
    for _ in range(9):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.getAttribute('aria-label') || "
                                   "document.activeElement.textContent"))
    assert order == ["Quick exit", "Privacy", "Close chat",
                     "911", "1-888-373-7888", "text 233733",  # the welcome's links
                     "Yes, it's safe", "No, leave now", "", "Send"]
    page.keyboard.press("Shift+Tab")
    page.keyboard.type("what is trafficking?")
    page.keyboard.press("Enter")
    expect(bot_messages(page).nth(1)).to_be_visible(timeout=ANSWER_TIMEOUT)
    # closing and reopening by keyboard
    page.get_by_role("button", name="Close chat").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".cyw-panel")).to_be_hidden()
    assert page.evaluate(focused) == "Chat with our assistant"
    page.keyboard.press("Enter")
    expect(page.get_by_label("Your message")).to_be_focused()


def test_on_a_phone_quick_exit_is_never_covered(page, site):
    page.set_viewport_size({"width": 360, "height": 640})
    say(page, "who do I call?")
    expect(bot_messages(page).nth(1)).to_be_visible(timeout=ANSWER_TIMEOUT)
    button = page.get_by_role("button", name="Quick exit")
    box = button.bounding_box()
    on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).className",
                           [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert on_top == "cyw-exit"
    panel = page.locator(".cyw-panel").bounding_box()
    assert panel["y"] >= box["y"] + box["height"] and panel["width"] == 360
    expect(page.get_by_label("Your message")).to_be_in_viewport()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-phone.png"))


def test_socketio_long_polling_works_from_the_page_origin(page, site):
    """Long-polling needs CORS (WebSocket does not): both local names of the page are allowed."""
    transport = page.evaluate("""url => new Promise((resolve, reject) => {
        const socket = io(url, {transports: ["polling"], forceNew: true});
        socket.on("connect", () => { resolve(socket.io.engine.transport.name); socket.disconnect(); });
        socket.on("connect_error", reject);
    })""", site.rasa)
    assert transport == "polling"
    handshake = f"{site.rasa}/socket.io/?EIO=4&transport=polling"
    for origin in (site.widget.rstrip("/"), site.other_origin):
        allowed = requests.get(handshake, headers={"Origin": origin}, timeout=10).headers
        assert allowed.get("Access-Control-Allow-Origin") == origin
    stranger = requests.get(handshake, headers={"Origin": "http://example.org"}, timeout=10).headers
    assert "Access-Control-Allow-Origin" not in stranger


def test_text_contrast_meets_wcag_aa(page):
    page.get_by_role("button", name="Yes, it's safe").click()
    expect(page.get_by_role("button", name="Signs of trafficking")).to_be_visible(timeout=ANSWER_TIMEOUT)
    assert page.evaluate(LOW_CONTRAST) == []


def test_one_script_tag_puts_the_widget_on_another_site_with_its_options(page, site):
    page.goto(site.host_page)
    launcher = page.get_by_role("button", name="Chat with our assistant")
    expect(launcher).to_be_visible()
    expect(page.locator(".cyw-panel")).to_be_hidden()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Quick exit"  # before the site's own link
    launcher.click()
    expect(page.get_by_role("heading", name="Ask us")).to_be_visible()
    expect(page.get_by_label("Your message")).to_be_focused()
    expect(page.locator(".cyw-root")).to_have_attribute("lang", "en-US")
    colours = "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]"
    assert page.locator(".cyw-header").evaluate(colours) == ["rgb(255, 215, 0)", "rgb(17, 17, 17)"]
    assert page.get_by_role("button", name="Quick exit").evaluate(colours) == ["rgb(0, 77, 0)", "rgb(255, 255, 255)"]
    say(page, "I am in danger")
    expect(bot_messages(page).filter(has_text="not the police")).to_be_visible(timeout=ANSWER_TIMEOUT)
    assert page.evaluate(LOW_CONTRAST) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-on-another-site.png"))
    page.get_by_role("button", name="Quick exit").click()
    page.wait_for_url(f"{EXIT_URL}forecast")


# ---- on a phone (390×844) ----

# [every bubble up to the person's last message, the bubbles of the reply after it]
SPLIT_AT_LAST_MESSAGE = """() => {
    const bubbles = [...document.querySelectorAll('.cyw-log .cyw-msg')];
    const start = bubbles.findLastIndex(b => b.matches('.cyw-user')) + 1;
    return [bubbles.slice(0, start), bubbles.slice(start)];
}"""


def top_of(page: Page, selector: str) -> float:
    return page.locator(selector).bounding_box()["y"]


def tab_stops(page: Page, until: str = "Send") -> list[str]:
    """What Tab visits from Quick exit (the first stop) up to `until`, by accessible name."""
    page.get_by_role("button", name="Quick exit").focus()
    stops = ["Quick exit"]
    while stops[-1] != until and len(stops) < 50:
        page.keyboard.press("Tab")
        stops.append(page.evaluate("document.activeElement.getAttribute('aria-label') || "
                                   "document.activeElement.textContent"))
    return stops


def test_on_a_phone_the_header_is_one_row_and_the_privacy_note_folds_away_after_the_first_screen(phone):
    exit_box = phone.get_by_role("button", name="Quick exit").bounding_box()
    panel, header = phone.locator(".cyw-panel").bounding_box(), phone.locator(".cyw-header").bounding_box()
    assert panel["y"] >= exit_box["y"] + exit_box["height"]  # Quick exit keeps its strip above the panel
    assert header["height"] <= 48  # one row: the title (two lines at most) and its 44px buttons
    note, toggle = phone.locator(".cyw-privacy"), phone.get_by_role("button", name="Privacy")
    expect(note).to_be_visible()  # the first screen shows it in full
    expect(note).to_contain_text("we don't ask who you are")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_have_attribute("aria-controls", "cyw-privacy")

    say(phone, "what is trafficking?")
    expect(note).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    # The conversation starts right under the header: 185px of 844 went to the chrome above it before.
    assert top_of(phone, ".cyw-log") - top_of(phone, ".cyw-panel") <= 48
    expect(bot_messages(phone).nth(1)).to_be_visible(timeout=ANSWER_TIMEOUT)

    # Still reachable, by keyboard: the next stop of Tab after Quick exit.
    assert tab_stops(phone, until="Privacy") == ["Quick exit", "Privacy"]
    expect(toggle).to_be_focused()
    phone.keyboard.press("Enter")
    expect(note).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    phone.keyboard.press("Space")
    expect(note).to_be_hidden()
    # A reload in the middle of a conversation keeps it folded.
    phone.reload()
    expect(phone.locator(".cyw-log .cyw-user")).to_have_count(1)
    expect(note).to_be_hidden()
    button = phone.get_by_role("button", name="Quick exit").bounding_box()
    on_top = phone.evaluate("([x, y]) => document.elementFromPoint(x, y).className",
                            [button["x"] + button["width"] / 2, button["y"] + button["height"] / 2])
    assert on_top == "cyw-exit"


def test_on_a_phone_a_new_reply_is_read_from_its_start(phone):
    """The quiz's "Right" / "Not quite" comes before the next question, or the score at the end. When they
    are taller than the view, the view must stop at the verdict's first line, not jump past it to the
    bottom. Some replies fit the view (QUIZ_SEED fixes the questions): the quiz goes on until one does not."""
    say(phone, "quiz me")
    view = phone.locator(".cyw-log")
    heights = []
    while phone.get_by_role("button", name="a", exact=True).last.is_enabled(timeout=ANSWER_TIMEOUT):
        phone.get_by_role("button", name="a", exact=True).last.click()
        # the reply has come when its buttons have: the next question's, or "Another quiz" at the end
        expect(phone.locator(".cyw-choice:enabled").first).to_be_visible(timeout=ANSWER_TIMEOUT)
        phone.wait_for_timeout(300)  # any last bubble of the reply
        log = view.bounding_box()
        reply = phone.evaluate(f"""() => ({SPLIT_AT_LAST_MESSAGE})()[1].map(b => {{
            const box = b.getBoundingClientRect();
            return {{text: b.querySelector('.cyw-text').textContent, top: box.top, bottom: box.bottom}};
        }})""")
        assert re.match(r"Right|Not quite", reply[0]["text"])  # the verdict starts the reply
        height = reply[-1]["bottom"] - reply[0]["top"]
        heights.append(round(height))
        if height > log["height"]:
            assert log["y"] <= reply[0]["top"] <= log["y"] + 24, "the view did not stop at the verdict's first line"
            return
        assert log["y"] <= reply[0]["top"]  # a reply that fits is seen whole
    pytest.fail(f"every reply fit the view ({heights} px, view {log['height']:.0f} px): nothing was shown")


def test_on_a_phone_old_buttons_are_disabled_and_leave_the_tab_order(phone):
    safe = phone.get_by_role("button", name="Yes, it's safe")
    safe.click()
    signs = phone.get_by_role("button", name="Signs of trafficking")
    expect(signs).to_be_enabled(timeout=ANSWER_TIMEOUT)
    expect(safe).to_be_disabled()  # used
    expect(phone.get_by_role("button", name="No, leave now")).to_be_enabled()  # a way out always works
    say(phone, "what is trafficking?")  # the conversation moves on without the greeting's buttons
    expect(signs).to_be_disabled()
    expect(bot_messages(phone).nth(2)).to_be_visible(timeout=ANSWER_TIMEOUT)
    phone.wait_for_timeout(300)  # any last bubble of the reply
    choices = f"""() => ({SPLIT_AT_LAST_MESSAGE})().map(part => part
        .flatMap(b => [...b.querySelectorAll('.cyw-choice')]).map(c => [c.textContent, c.disabled]))"""
    before, latest = phone.evaluate(choices)
    assert len(before) == 6  # the welcome's 2, the greeting's 4: all out of play but the way out
    assert [title for title, disabled in before if not disabled] == ["No, leave now"]
    assert not any(disabled for _, disabled in latest)  # the latest reply's own buttons, if any, work
    # The Tab order, with each choice named for the part it is in (the latest reply may repeat titles):
    # of the old ones only the way out, all of the latest.
    phone.evaluate(f"""() => ({SPLIT_AT_LAST_MESSAGE})().forEach((part, latest) => part.forEach(b =>
        b.querySelectorAll('.cyw-choice').forEach(c => c.setAttribute('aria-label',
            (latest ? 'latest: ' : 'old: ') + c.textContent))))""")
    stops = tab_stops(phone)
    assert stops[:3] == ["Quick exit", "Privacy", "Close chat"] and stops[-2:] == ["", "Send"]  # "": the message box
    assert [stop for stop in stops if stop.startswith(("old: ", "latest: "))] == [
        "old: No, leave now", *(f"latest: {title}" for title, _ in latest)]
    # A reload keeps them out of play, and disabled choices stay readable (contrast at least 4.5:1).
    shown = phone.locator(".cyw-log .cyw-msg").count()
    phone.reload()
    expect(phone.locator(".cyw-log .cyw-msg")).to_have_count(shown)
    assert phone.evaluate(choices) == [before, latest]
    assert phone.evaluate(LOW_CONTRAST) == []


def test_on_a_phone_yes_its_safe_is_followed_by_one_introduction_only(phone):
    phone.get_by_role("button", name="Yes, it's safe").click()
    greeting = bot_messages(phone).filter(has=phone.get_by_role("button", name="Signs of trafficking"))
    expect(greeting).to_be_visible(timeout=ANSWER_TIMEOUT)
    # The welcome says it is a bot; the greeting goes on from there, with all the rest it says
    # (what the assistant covers, and what this server keeps).
    expect(bot_messages(phone).filter(has_text="(a bot)")).to_have_count(1)
    expect(bot_messages(phone).first).to_contain_text("I'm an automated assistant (a bot), not a person.")
    expect(greeting.locator(".cyw-text")).to_have_text(re.compile(r"^I share vetted information"))
    expect(greeting).to_contain_text("I don't ask for your name")
    expect(greeting).to_contain_text("call 911")


def test_on_a_phone_start_over_clears_the_view_too(phone):
    say(phone, "what are the signs of labor trafficking?")
    expect(bot_messages(phone).nth(1)).to_be_visible(timeout=ANSWER_TIMEOUT)
    say(phone, "start over")
    phone.get_by_role("button", name="Yes, start over").click()  # it asks before it forgets
    restarted = bot_messages(phone).filter(has_text="I've forgotten what we talked about")
    expect(restarted).to_be_visible(timeout=ANSWER_TIMEOUT)
    expect(phone.locator(".cyw-log .cyw-user")).to_have_count(0)
    expect(bot_messages(phone)).to_have_count(2)  # the welcome, then the fresh start
    expect(bot_messages(phone).first).to_contain_text("safe for you to talk")
    phone.reload()  # and the tab has forgotten it too
    expect(bot_messages(phone)).to_have_count(2)
    expect(phone.locator(".cyw-log .cyw-user")).to_have_count(0)
    assert "labor trafficking" not in phone.evaluate("sessionStorage.getItem('cyw:transcript')")
    say(phone, "what is trafficking?")  # and the conversation goes on
    expect(bot_messages(phone).nth(2)).to_be_visible(timeout=ANSWER_TIMEOUT)


def test_the_demo_page_has_a_favicon_of_its_own(phone, site):
    icon = phone.locator("link[rel='icon']")
    expect(icon).to_have_count(1)
    href = icon.evaluate("link => link.href")
    assert href.startswith(site.widget)  # served with the page: nothing fetched from elsewhere
    # it loads as an image under the page's Content-Security-Policy
    size = phone.evaluate("""href => new Promise((resolve, reject) => {
        const img = new Image();
        img.onload = () => resolve([img.naturalWidth, img.naturalHeight]);
        img.onerror = reject;
        img.src = href;
    })""", href)
    assert size[0] > 0 and size[1] > 0
