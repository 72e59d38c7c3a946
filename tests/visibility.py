"""What a person sees, checked in the browser: an element is visible, has a box and text, and
its text contrasts with what is behind it (WCAG 2.x contrast ratio, 4.5:1 for text).

The colours are the computed ones: the text colour over the first opaque background found
going up the element's ancestors (through shadow roots), semi-transparent layers blended in.
Screenshots go to results/screenshots/ (a test artefact, not committed); a failed check saves
one of the whole page, named after the check, before it raises.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "results" / "screenshots"
TEXT_CONTRAST = 4.5
Colour = Tuple[float, float, float, float]

# Runs in the page (Playwright evaluates it through the DevTools protocol, so the console's
# Content-Security-Policy, which forbids eval in page scripts, does not apply).
_LOOK = """(node) => {
  const style = getComputedStyle(node);
  const box = node.getBoundingClientRect();
  const layers = [];
  let opacity = 1;
  for (let at = node; at && at.nodeType === 1; ) {
    const own = getComputedStyle(at);
    layers.push(own.backgroundColor);
    opacity *= parseFloat(own.opacity);
    const root = at.getRootNode();
    at = at.parentElement || (root instanceof ShadowRoot ? root.host : null);
  }
  return {
    color: style.color, layers: layers, opacity: opacity, visibility: style.visibility,
    width: box.width, height: box.height, text: (node.innerText || node.textContent || "").trim(),
    inViewport: box.bottom > 0 && box.right > 0 &&
      box.top < window.innerHeight && box.left < window.innerWidth,
  };
}"""


def shot(page: Any, name: str, full_page: bool = True) -> Path:
    """Save a screenshot (of the whole page, or of the window) as results/screenshots/<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def _colour(css: str) -> Colour:
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)]
    if css.startswith("rgba") and len(numbers) == 4:
        return numbers[0], numbers[1], numbers[2], numbers[3]
    if len(numbers) >= 3:
        return numbers[0], numbers[1], numbers[2], 1.0
    return 0.0, 0.0, 0.0, 0.0  # "transparent"


def _over(top: Colour, bottom: Colour) -> Colour:
    alpha = top[3]
    return (
        top[0] * alpha + bottom[0] * (1 - alpha),
        top[1] * alpha + bottom[1] * (1 - alpha),
        top[2] * alpha + bottom[2] * (1 - alpha),
        1.0,
    )


def background(layers: List[str]) -> Colour:
    """The colour behind an element: its and its ancestors' backgrounds over a white page."""
    colour: Colour = (255.0, 255.0, 255.0, 1.0)
    for css in reversed(layers):
        colour = _over(_colour(css), colour)
    return colour


def _luminance(colour: Colour) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(c) for c in colour[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(foreground: Colour, behind: Colour) -> float:
    """The WCAG contrast ratio of text in ``foreground`` over ``behind``."""
    lighter, darker = sorted((_luminance(foreground), _luminance(behind)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def look(locator: Any) -> Dict[str, Any]:
    """What the browser computed for the element: colours, box, text, contrast."""
    seen = locator.evaluate(_LOOK)
    behind = background(seen["layers"])
    text = _colour(seen["color"])
    shown = (*text[:3], text[3] * seen["opacity"])
    seen["contrast"] = contrast(_over(shown, behind), behind)
    return seen


def assert_readable(page: Any, locator: Any, what: str, minimum: float = TEXT_CONTRAST) -> None:
    """``locator`` (every element it matches) is visible, has a box and text, and its text
    contrasts at least ``minimum``:1 with its background; else a screenshot, then the error."""
    count = locator.count()
    problems = [] if count else [f"{what}: no element found"]
    for index in range(count):
        element = locator.nth(index)
        element.scroll_into_view_if_needed()
        seen = look(element)
        label = f"{what} #{index + 1} ({seen['text'][:40]!r})"
        if not element.is_visible() or seen["visibility"] != "visible":
            problems.append(f"{label} is not visible")
        elif seen["width"] < 1 or seen["height"] < 1:
            problems.append(f"{label} has an empty box {seen['width']}x{seen['height']}")
        elif not seen["text"]:
            problems.append(f"{label} shows no text")
        elif seen["contrast"] < minimum:
            behind = "rgb({:.0f}, {:.0f}, {:.0f})".format(*background(seen["layers"])[:3])
            problems.append(
                f"{label}: contrast {seen['contrast']:.2f}:1 < {minimum}:1 "
                f"(text {seen['color']} on {behind})"
            )
    if problems:
        name = "failed-" + re.sub(r"[^a-z0-9]+", "-", what.lower()).strip("-")
        path = shot(page, name)
        more = f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
        raise AssertionError("; ".join(problems[:3]) + more + f" (screenshot: {path})")
