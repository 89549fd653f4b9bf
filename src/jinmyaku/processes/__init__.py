"""The weekly processes, one module each, by their name in a scenario's schedule."""

from .action import Action
from .base import Process
from .budget import Budget
from .global_attachment import GlobalAttachment
from .influence import Influence
from .input import Input
from .introductions import Introductions
from .life_events import LifeEvents
from .local_search import LocalSearch
from .maintenance import Maintenance
from .meetups import Meetups
from .mixers import Mixers
from .node_deletion import NodeDeletion
from .opportunities import Opportunities
from .work import Work

REGISTRY: dict[str, type[Process]] = {
    cls.name: cls
    for cls in (Budget, Input, Action, Mixers, Meetups, Work, Maintenance, Introductions,
                Opportunities, Influence, LifeEvents, LocalSearch, GlobalAttachment, NodeDeletion)
}

__all__ = ["REGISTRY", "Process"]
