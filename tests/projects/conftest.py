import pytest

from tests.support.matrix import situation


@pytest.fixture
def build(make_project, office, producer_a, call):
    """setup name -> SimpleNamespace(project, call, version): a unit-A project in that situation
    (``tests.support.matrix.situation``)."""
    return lambda setup: situation(setup, make_project=make_project, office=office, producer_a=producer_a, call=call)
