import re
from pathlib import Path

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
