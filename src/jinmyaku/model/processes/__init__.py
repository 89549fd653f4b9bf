"""The weekly processes, one module each, by their name in a scenario's schedule."""

from jinmyaku.model.processes.action import Action
from jinmyaku.model.processes.base import Process
from jinmyaku.model.processes.bonds import Bonds
from jinmyaku.model.processes.budget import Budget
from jinmyaku.model.processes.global_attachment import GlobalAttachment
from jinmyaku.model.processes.influence import Influence
from jinmyaku.model.processes.input import Input
from jinmyaku.model.processes.introductions import Introductions
from jinmyaku.model.processes.life_events import LifeEvents
from jinmyaku.model.processes.local_search import LocalSearch
from jinmyaku.model.processes.maintenance import Maintenance
from jinmyaku.model.processes.meetups import Meetups
from jinmyaku.model.processes.mixers import Mixers
from jinmyaku.model.processes.node_deletion import NodeDeletion
from jinmyaku.model.processes.opportunities import Opportunities
from jinmyaku.model.processes.work import Work

REGISTRY: dict[str, type[Process]] = {
    cls.name: cls
    for cls in (Budget, Input, Action, Mixers, Meetups, Work, Bonds, Maintenance, Introductions,
                Opportunities, Influence, LifeEvents, LocalSearch, GlobalAttachment, NodeDeletion)
}

__all__ = ["REGISTRY", "Process"]
