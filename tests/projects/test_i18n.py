import re
from html.parser import HTMLParser
from pathlib import Path

import ast

import django
from django.urls import reverse

PO = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_the_chinese_catalogue_has_no_empty_or_fuzzy_entry():
    text = PO.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the first block is the header
    assert len(entries) > 250
    assert not [e for e in entries if "#, fuzzy" in e]
    untranslated = [e for e in entries if re.search(r'^msgstr(\[0\])? ""\n?$', e.strip().split("\n")[-1] + "\n", re.M) and 'msgstr ""\n"' not in e]
    assert not untranslated, untranslated[:3]


def test_pages_default_to_chinese_and_switch_to_english(client, office):
    client.force_login(office)
    assert "工作台" in client.get(reverse("dashboard")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get(reverse("dashboard")).content.decode()
    assert "Dashboard" in page and "工作台" not in page


# --- The main walk in zh-hans: no English left on any page (issue #11) -------------------------

DJANGO_LOCALE = Path(django.__file__).resolve().parent / "conf" / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{\s*\w+\s*\}\}")
ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{2,}[ ,]+[A-Za-z]{2,}\b")
CJK = re.compile(r"[\u3400-\u9fff]")
TEXT_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "label")


def _entries(path: Path):
    """(msgid, msgid_plural, msgstr, msgstr[0]) of each entry of a .po file: the plain format, read
    here rather than through another dependency."""
    entry, key = {}, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line or line.startswith("#"):
            if entry.get("msgid") is not None and not line.startswith("#"):
                yield entry.get("msgid", ""), entry.get("msgid_plural", ""), entry.get("msgstr", ""), entry.get("msgstr[0]", "")
                entry, key = {}, None
            continue
        if line.startswith('"'):
            entry[key] += ast.literal_eval(line)
            continue
        key, _, value = line.partition(" ")
        if key == "msgid" and "msgid" in entry:  # a new entry without a blank line between
            yield entry.get("msgid", ""), entry.get("msgid_plural", ""), entry.get("msgstr", ""), entry.get("msgstr[0]", "")
            entry = {}
        entry[key] = ast.literal_eval(value)


def _english_msgids() -> list[re.Pattern]:
    """Every English text the app (our catalogue) or Django (its own source catalogue) can put on a
    page, as a pattern over a whole text node or attribute: placeholders match anything. Texts that
    read the same in both languages (a msgstr equal to its msgid, "CSV", "LUFS") are left out."""
    patterns = []
    djangos_chinese = {msgid: msgstr or msgstr0 for msgid, _, msgstr, msgstr0 in
                       _entries(DJANGO_LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po")}
    ours = [(msgid, msgstr or msgstr0) for msgid, _, msgstr, msgstr0 in _entries(PO)]
    ours += [(plural, msgstr0) for _, plural, _, msgstr0 in _entries(PO) if plural]
    django_source = [(msgid, djangos_chinese.get(msgid, "")) for msgid, _, _, _ in
                     _entries(DJANGO_LOCALE / "en" / "LC_MESSAGES" / "django.po")]
    ours_ids = {msgid for msgid, _ in ours}
    for english, chinese in ours + [(m, c) for m, c in django_source if m not in ours_ids]:
        if not english or chinese == english or not re.search(r"[A-Za-z]{2}", PLACEHOLDER.sub("", english)):
            continue
        parts = [re.escape(part.strip()) for part in PLACEHOLDER.split(english)]
        patterns.append(re.compile(r"\s*" + r".+?".join(parts) + r"\s*", re.S))
    return patterns


class _Texts(HTMLParser):
    """The text nodes and the text-bearing attributes a reader sees or hears (not scripts, styles
    or data)."""

    def __init__(self):
        super().__init__()
        self.texts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        for name, value in attrs:
            if value and (name in TEXT_ATTRIBUTES or (name == "value" and tag in ("button", "input") and dict(attrs).get("type") in ("submit", "button"))):
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(data)


def untranslated(html: str, patterns) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    found = []
    for text in parser.texts:
        for chunk in filter(None, (c.strip() for c in re.split(r"[\n·|]", text))):
            # A catalogue's English, or English words no catalogue knows (a string never marked
            # for translation): two Latin words in a row and no Chinese, where the demo's data is all
            # Chinese (a Chinese text naming a format, 影片（JSON Feed）, is not English).
            if any(p.fullmatch(chunk) for p in patterns) or (ENGLISH_WORDS.search(chunk) and not CJK.search(chunk)):
                found.append(chunk)
    return sorted(set(found))


def test_untranslated_is_found_where_it_is():
    patterns = _english_msgids()
    page = "<p title='Dashboard'>工作台 · Projects</p><script>const x = 'Projects';</script><p>退出</p><select><option>- Select an option -</option></select>"
    assert untranslated(page, patterns) == ["- Select an option -", "Dashboard", "Projects"]
    assert untranslated("<p>工作台</p><p>CSV</p><p>producer_a</p>", patterns) == []


def test_no_page_of_the_main_walk_shows_an_untranslated_msgid_in_chinese(client, storage_dir, reference_data, settings):
    from django.contrib.auth.models import User

    from tests.support import walk

    settings.LANGUAGE_CODE = "zh-hans"
    walk.seed()
    patterns = _english_msgids()
    found = {}
    for username, name, url in walk.pages():
        client.force_login(User.objects.get(username=username))
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        assert response.headers["Content-Language"] == "zh-hans"
        left = untranslated(response.content.decode(), patterns)
        if left:
            found[f"{name} ({url})"] = left
    assert not found, "\n".join(f"{page}: {texts}" for page, texts in found.items())
