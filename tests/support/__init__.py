"""What the tests share: clips, HTTP helpers, the role × endpoint table's pieces, the project
factories, the S3 fixtures (a pytest plugin) and the browser's page steps.

Test modules import from here, never from one another, so a test module can move or go without
breaking the rest.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
