"""The machine line and the RESULTS.md block under their old module name, for the scripts not yet
converted to ``bench/common.py``, their one home now (those scripts put the tree on ``sys.path``
before importing this, so common leaves it as it is)."""

from common import HEADER, machine, write_block  # noqa: F401
