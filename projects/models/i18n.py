from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def bilingual_label(name: str, name_en: str) -> str:
    """The name a reader sees: the English one for an English reader when there is one."""
    if name_en and (get_language() or "").startswith("en"):
        return name_en
    return name


class BilingualName(models.Model):
    """Reference data edited in the admin carries its own Chinese and English names."""

    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    class Meta:
        abstract = True

    @property
    def label(self) -> str:
        return bilingual_label(self.name, self.name_en)

    def __str__(self) -> str:
        return self.label
