"""What the browser tests check on a page besides its own behaviour: axe-core's accessibility rules
and the phone layout (issue #11, items 6 and 7).

axe-core is fetched at set-up by ``scripts/fetch_npm.py`` (pinned in ``scripts/axe-core.lock.json``)
into ``tests/browser/vendor/`` and injected into the page under test; the app never serves it.
"""

import json

from tests.support import ROOT

AXE = ROOT / "tests" / "browser" / "vendor" / "axe.min.js"
# WCAG 2.x A and AA, the rules a serious tool is held to; "serious" covers colour contrast.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}
TAP_PX = 44
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def axe_violations(page) -> list[dict]:
    """The serious and critical violations axe-core finds on the page as it is now, each with the
    rule, its help text and the first few offending elements (their selectors and axe's summary)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        {"rule": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [(n["target"], n.get("failureSummary", "")[:200]) for n in v["nodes"][:4]]}
        for v in result["violations"] if v["impact"] in BLOCKING
    ]


# Run in the page: what a phone user would find broken. Each finding names the element.
_LAYOUT_JS = """
(tap) => {
  const out = [];
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    else if (el.classList.length) s += '.' + Array.from(el.classList).join('.');
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30);
    return text ? `${s} "${text}"` : s;
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const st = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none';
  };
  const vw = document.documentElement.clientWidth;
  // 1. Nothing makes the page itself scroll sideways: wide tables scroll inside their box or reflow.
  if (document.documentElement.scrollWidth > vw + 1)
    out.push(`the page is ${document.documentElement.scrollWidth}px wide at ${vw}px`);
  for (const el of document.querySelectorAll('body *')) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1) {
      let clipped = false;
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const ox = getComputedStyle(a).overflowX;
        if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') { clipped = true; break; }
      }
      if (!clipped && getComputedStyle(el).position !== 'fixed') out.push(`${name(el)} runs off the screen (right edge ${Math.round(r.right)}px)`);
    }
  }
  // 2. Tap targets: 44 px in both directions (an inline link inside running text is exempt, as in
  // WCAG 2.5.5); a checkbox or radio counts with its label, which is what the finger hits.
  const targets = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex="0"], video');
  for (const el of targets) {
    if (!visible(el)) continue;
    let box = el;
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      const label = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`));
      if (label && label.getBoundingClientRect().width > 2) box = label;  // not a screen-reader-only label
    }
    if (el.tagName === 'A') {
      const block = el.parentElement;
      const own = (el.innerText || '').trim().length;
      const around = (block.innerText || '').trim().length;
      if (getComputedStyle(el).display === 'inline' && around > own + 2 && !el.closest('nav, header, .actions, .stats')) continue;
    }
    const r = box.getBoundingClientRect();
    if (r.height < tap - 0.5 || r.width < tap - 0.5) out.push(`${name(el)} is a ${Math.round(r.width)}×${Math.round(r.height)} px target`);
  }
  // 3. No text broken one character per line: a text of two or more characters whose every line
  // holds one character (the narrow badge, header link or radio label of the report).
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    const chars = Array.from(text.replace(/\\s+/g, ''));
    if (chars.length < 2 || !node.parentElement || !visible(node.parentElement)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const lines = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    if (lines.size >= 2 && chars.length / lines.size < 1.5) out.push(`"${text.slice(0, 20)}" is broken one character per line (${name(node.parentElement)})`);
  }
  // 4. Badges stay on one line.
  for (const el of document.querySelectorAll('.rag, .state, .badge')) {
    if (!visible(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    const lines = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    if (lines.size > 1) out.push(`the badge ${name(el)} wraps over ${lines.size} lines`);
  }
  return Array.from(new Set(out));
}
"""


def layout_problems(page, tap_px: int = TAP_PX) -> list[str]:
    return page.evaluate(_LAYOUT_JS, tap_px)


def describe(findings) -> str:
    return json.dumps(findings, ensure_ascii=False, indent=1)
