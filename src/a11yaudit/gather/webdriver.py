"""WebDriver plumbing of the Selenium engine: finding chromedriver, Chromium's flags and URL blocking for WebDriver,
one driver (`_Driver`: CDP set-up, viewport emulation, script evaluation, axe-core in frames) and the page adapter
that lets the in-page gatherers (gather/gatherers/) run on a driver as on a Playwright page."""

from __future__ import annotations

import base64
import contextlib
import io
import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from .. import settings
from ..errors import InfrastructureError
from .browser import MEDIA_EXTENSIONS, axe_locale_script, axe_source, listeners_js

if TYPE_CHECKING:
    from .selenium_engine import SeleniumEngine

log = logging.getLogger(__name__)

# Chromium flags on top of settings.CHROMIUM_ARGS. The rendering-relevant flags Playwright passes to a headless
# Chromium (no scrollbars taking width, no hover-capable pointer, sRGB colours, no background throttling), so that
# layout and pixels match the default engine; and one renderer process for every frame of a page, so that the
# document-creation script (axe-core) also reaches cross-site iframes as Playwright's init script does.
EXTRA_ARGS = ["--headless=new", "--hide-scrollbars", "--force-color-profile=srgb",
              "--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,availablePointerTypes=4",
              "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows",
              "--disable-renderer-backgrounding", "--disable-back-forward-cache", "--disable-popup-blocking",
              "--disable-hang-monitor", "--disable-ipc-flooding-protection", "--disable-extensions",
              "--disable-features=IsolateOrigins,site-per-process,PaintHolding,HttpsUpgrades,"
              "HttpsFirstBalancedModeAutoEnable,ThirdPartyStoragePartitioning",
              "--lang=ja-JP"]
# CDP Network.setBlockedURLs takes URLPattern patterns (matched per URL component, first match wins), not resource
# types: media by file name extension (browser.MEDIA_EXTENSIONS, the list the Playwright engine's route uses).
# Loopback, private, link-local, multicast and reserved addresses as hostname patterns.
_PRIVATE_HOSTS = (["localhost", "*.localhost", "10.*", "127.*", "0.*", "169.254.*", "192.168.*", "\\[*\\]"]
                  + [f"172.{n}.*" for n in range(16, 32)] + [f"{n}.*" for n in range(224, 256)])
DEAD_DRIVER = ("invalid session id", "session deleted", "disconnected", "chrome not reachable", "no such window",
               "tab crashed", "target window already closed", "max retries exceeded", "connection refused",
               "remote end closed", "connection aborted")


def find_chromedriver() -> str | None:
    env = os.environ.get("A11YAUDIT_CHROMEDRIVER")
    if env:
        return env
    for cand in ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"):
        if os.path.exists(cand):
            return cand
    return shutil.which("chromedriver")


def blocked_url_patterns(allowed_hosts: set[str], block_resources: list[str]) -> tuple[list[dict], list[str]]:
    """BlockPatterns for Network.setBlockedURLs (the site's own hosts first, as exceptions), and notes on what the
    patterns cannot express."""
    notes = []
    patterns = [{"urlPattern": f"*://{h}:*", "block": False} for h in sorted(h.lower() for h in allowed_hosts)
                if h and not any(c in h for c in "*?[]{}()\\/")]     # (origin entries are the proxy's)
    patterns += [{"urlPattern": f"{scheme}:*", "block": True}
                 for scheme in ("file", "ftp", "filesystem", "chrome", "chrome-extension", "view-source")]
    patterns += [{"urlPattern": f"*://{host}:*", "block": True} for host in _PRIVATE_HOSTS]
    for rtype in block_resources:
        if rtype == "media":
            patterns += [{"urlPattern": f"*://*:*/*.{ext}", "block": True} for ext in MEDIA_EXTENSIONS]
        else:
            notes.append(f"block_resources {rtype!r} is not applied by the selenium engine (only media)")
    if any(p["urlPattern"] == "*://\\[*\\]:*" for p in patterns):
        notes.append("every IPv6 address literal is blocked (the Playwright engine blocks only private ones)")
    return patterns, notes


def _dead(exc: BaseException) -> bool:
    from selenium.common.exceptions import InvalidSessionIdException, NoSuchWindowException
    if isinstance(exc, (InvalidSessionIdException, NoSuchWindowException, ConnectionError)):
        return True
    text = str(exc).lower()
    return any(m in text for m in DEAD_DRIVER)


def _short(exc: BaseException) -> str:
    text = getattr(exc, "msg", None) or str(exc)
    return (str(text).strip().splitlines() or [type(exc).__name__])[0][:500]


class _Driver:
    """One WebDriver session and what it can do (CDP, performance log)."""

    def __init__(self, engine: "SeleniumEngine", viewport: str | None, ua_suffix: str):
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        self.engine, self.ua_suffix = engine, ua_suffix
        self.fixed_viewport = viewport           # set when the remote end has no CDP: one driver per viewport
        opts = webdriver.ChromeOptions()
        for arg in settings.CHROMIUM_ARGS + EXTRA_ARGS:
            opts.add_argument(arg)
        if engine.proxy_url:     # every request, redirect hops included, through the filtering proxy
            opts.add_argument(f"--proxy-server={engine.proxy_url}")
            opts.add_argument("--proxy-bypass-list=<-loopback>")
        opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        opts.add_experimental_option("perfLoggingPrefs", {"enableNetwork": True, "enablePage": False})
        opts.add_experimental_option("prefs", {"intl.accept_languages": "ja-JP,ja"})
        opts.set_capability("unhandledPromptBehavior", "dismiss")
        opts.page_load_strategy = "normal"
        if viewport is not None:
            vp = settings.VIEWPORTS[viewport]
            opts.add_argument(f"--window-size={vp['width']},{vp['height']}")
            if vp["user_agent"]:
                opts.add_argument(f"--user-agent={vp['user_agent']} {ua_suffix}")
            if vp["is_mobile"]:
                opts.add_experimental_option("mobileEmulation", {
                    "deviceMetrics": {"width": vp["width"], "height": vp["height"],
                                      "pixelRatio": vp["device_scale_factor"], "touch": vp["has_touch"],
                                      "mobile": True},
                    "userAgent": f"{vp['user_agent']} {ua_suffix}"})
        try:
            if engine.grid:
                self.driver = webdriver.Remote(command_executor=engine.grid, options=opts)
            else:
                from selenium.webdriver.chrome.service import Service
                opts.binary_location = engine.chromium or ""
                self.driver = webdriver.Chrome(options=opts, service=Service(engine.chromedriver))
        except WebDriverException as exc:
            raise InfrastructureError(engine.start_error(_short(exc))) from None
        except Exception as exc:  # noqa: BLE001 — urllib3 connection errors, bad hosts …
            raise InfrastructureError(engine.start_error(f"{type(exc).__name__}: {_short(exc)}")) from None
        self.version = (self.driver.capabilities or {}).get("browserVersion")
        self.cdp = self._probe_cdp()
        self.perf_log = self._probe_perf_log()
        self.viewport: str | None = viewport
        self.main_frame: str | None = None
        self.driver.set_page_load_timeout(engine.timeout)
        self.driver.set_script_timeout(max(120.0, engine.timeout * 4))
        if self.cdp:
            self._setup_cdp()
        self.pages = 0

    # --- capabilities ------------------------------------------------------------------------------------
    def _probe_cdp(self) -> bool:
        if os.environ.get("A11YAUDIT_SELENIUM_NO_CDP") == "1":     # behave as a Grid that does not forward CDP
            return False
        try:
            self.driver.execute_cdp_cmd("Browser.getVersion", {})
            return True
        except Exception:  # noqa: BLE001 — the remote end does not forward goog/cdp/execute
            return False

    def _probe_perf_log(self) -> bool:
        if not self.cdp:
            return False
        try:
            self.perf_events()
            return True
        except Exception:  # noqa: BLE001
            return False

    def perf_events(self) -> list:
        """chromedriver's performance log (CDP Network events) since the last call; also through a remote end."""
        return self.driver.execute("getLog", {"type": "performance"})["value"]

    def cdp_cmd(self, cmd: str, params: dict | None = None) -> dict:
        return self.driver.execute_cdp_cmd(cmd, params or {})

    def _setup_cdp(self) -> None:
        self.cdp_cmd("Network.enable")
        patterns, _ = blocked_url_patterns(self.engine.allowed_hosts, self.engine.block_resources)
        self.cdp_cmd("Network.setBlockedURLs", {"urlPatterns": patterns})
        with contextlib.suppress(Exception):
            self.cdp_cmd("Network.setBypassServiceWorker", {"bypass": True})
        with contextlib.suppress(Exception):
            self.cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Tokyo"})
        with contextlib.suppress(Exception):
            self.cdp_cmd("Emulation.setLocaleOverride", {"locale": "ja-JP"})
        # axe-core registered at document creation in every frame, exactly like the Playwright engine.
        self.cdp_cmd("Page.enable")
        self.cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": listeners_js()})
        self.cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": axe_source()})
        locale = axe_locale_script()
        if locale:
            self.cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": locale})

    def emulate(self, viewport: str) -> None:
        """Switch this driver to a viewport (CDP): metrics, touch, mobile flag and user agent as Playwright sets them."""
        if self.viewport == viewport:
            return
        vp = settings.VIEWPORTS[viewport]
        self.cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": vp["width"], "height": vp["height"], "deviceScaleFactor": vp["device_scale_factor"],
            "mobile": vp["is_mobile"]})
        self.cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": bool(vp["has_touch"]),
                                                           **({"maxTouchPoints": 5} if vp["has_touch"] else {})})
        ua = vp["user_agent"] or (f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                                  f"Chrome/{self.version} Safari/537.36")
        self.cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": f"{ua} {self.ua_suffix}",
                                                        "acceptLanguage": "ja-JP"})
        self.viewport = viewport

    def quit(self) -> None:
        with contextlib.suppress(Exception):
            self.driver.quit()

    # --- in-page evaluation --------------------------------------------------------------------------------
    def evaluate(self, expression: str, arg=None):
        """page.evaluate's meaning: a function expression is called with `arg` and awaited; any other expression's
        value is returned. Runs through execute_async_script (not eval, so a page's CSP does not stop it)."""
        expr = expression.strip()
        while expr.endswith(";"):
            expr = expr[:-1].rstrip()
        script = ("const __done = arguments[arguments.length - 1];\nlet __v;\n"
                  "try { __v = (" + expr + "\n); } catch (e) { __done({e: String((e && e.message) || e)}); return; }\n"
                  "Promise.resolve(typeof __v === 'function' ? __v(arguments[0]) : __v).then("
                  "(v) => __done({v: v === undefined ? null : v}), (e) => __done({e: String((e && e.message) || e)}));")
        out = self.driver.execute_async_script(script, arg)
        if not isinstance(out, dict):
            raise RuntimeError(f"unexpected script result: {type(out).__name__}")
        if "e" in out:
            raise RuntimeError(f"page script error: {out['e']}")
        return out.get("v")

    def inject_axe_frames(self, depth: int = 0) -> None:
        """Without CDP: axe-core evaluated into the top document and every same-session frame after load."""
        drv = self.driver
        if not drv.execute_script("return typeof axe !== 'undefined' && typeof axe.run === 'function'"):
            drv.execute_script(axe_source())
            if axe_locale_script():
                drv.execute_script(axe_locale_script())
        if depth >= 3:
            return
        from selenium.webdriver.common.by import By
        for frame in drv.find_elements(By.CSS_SELECTOR, "iframe, frame")[:20]:
            try:
                drv.switch_to.frame(frame)
                self.inject_axe_frames(depth + 1)
            except Exception:  # noqa: BLE001 — a frame that went away: axe reports it
                pass
            finally:
                drv.switch_to.parent_frame()


class _PageAdapter:
    """The few Playwright page methods gather/interact.py uses, on a WebDriver session (called from its thread)."""

    def __init__(self, drv: _Driver):
        self.drv = drv

    async def evaluate(self, expression: str, arg=None):
        return self.drv.evaluate(expression, arg)

    async def set_viewport_size(self, size: dict) -> None:
        vp = settings.VIEWPORTS[self.drv.viewport]
        self.drv.cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": size["width"], "height": size["height"], "deviceScaleFactor": vp["device_scale_factor"],
            "mobile": vp["is_mobile"]})

    async def screenshot(self, *, clip: dict, path: str | None = None, type: str = "png",  # noqa: A002
                         quality: int | None = None, scale: str = "device", **_ignored) -> bytes:
        """Playwright's page.screenshot for the clip (CSS px), as PNG or JPEG, in device pixels or (scale="css")
        one image pixel per CSS px; written to `path` when given."""
        if self.drv.cdp:
            factor = 1.0
            if scale == "css":
                factor = 1.0 / (self.drv.evaluate("window.devicePixelRatio") or 1)
            params = {"format": "jpeg" if type == "jpeg" else "png", "captureBeyondViewport": True,
                      "clip": {"x": clip["x"], "y": clip["y"], "width": clip["width"], "height": clip["height"],
                               "scale": factor}}
            if type == "jpeg" and quality is not None:
                params["quality"] = quality
            data = base64.b64decode(self.drv.cdp_cmd("Page.captureScreenshot", params)["data"])
            if path:
                Path(path).write_bytes(data)
            return data
        # No CDP: the viewport's screenshot, cropped to the box (the element was scrolled into view).
        from PIL import Image
        sx, sy, dpr = self.drv.evaluate("[window.scrollX, window.scrollY, window.devicePixelRatio]")
        img = Image.open(io.BytesIO(self.drv.driver.get_screenshot_as_png()))
        box = tuple(round(v * dpr) for v in (clip["x"] - sx, clip["y"] - sy, clip["x"] - sx + clip["width"],
                                             clip["y"] - sy + clip["height"]))
        out = io.BytesIO()
        img = img.crop(box).resize((max(1, round(clip["width"])), max(1, round(clip["height"]))))
        if type == "jpeg":
            img.convert("RGB").save(out, "JPEG", quality=quality or 75)
        else:
            img.save(out, "PNG")
        if path:
            Path(path).write_bytes(out.getvalue())
        return out.getvalue()


