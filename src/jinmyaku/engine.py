"""Public name kept: ``jinmyaku.engine.Simulation`` is :class:`jinmyaku.model.engine.Simulation`."""

from jinmyaku.model.engine import Analyzer, Intervention, Simulation

__all__ = ["Analyzer", "Intervention", "Simulation"]
