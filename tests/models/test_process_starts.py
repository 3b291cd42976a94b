"""The start models the API checks start events with are the ones the workflows validate with."""

import importlib
import inspect

import pytest

from models.process_starts import START_MODELS
from rules.engine.schema.events import PROCESSES

# The module of each process whose code validates the start event's data.
_VALIDATED_IN = {
    "dual_assessment": "workflows.dual_assessment",
    "annual_inspection": "workflows.annual_inspection",
    "floating_member": "workflows.floating_member_steps",
    "community_worker": "workflows.community_worker",
    "commitment": "workflows.commitment",
}


def test_every_process_has_a_start_model() -> None:
    """No process can be started by an event the API lets through unchecked."""
    assert set(START_MODELS) == set(PROCESSES)


@pytest.mark.parametrize("process", PROCESSES)
def test_the_workflow_validates_its_start_with_the_shared_model(process: str) -> None:
    """A start the API accepts is one the process's workflow accepts, and the other way round."""
    model = START_MODELS[process]
    module = importlib.import_module(_VALIDATED_IN[process])
    assert getattr(module, model.__name__, None) is model
    assert f"{model.__name__}.model_validate(" in inspect.getsource(module)
