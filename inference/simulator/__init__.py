"""An HTTP server that behaves like SGLang 0.5.x on the wire, for tests and benchmarks."""

from inference.simulator.app import create_simulator_app, run_simulator
from inference.simulator.config import FaultSpec, SimulatorConfig

__all__ = ["FaultSpec", "SimulatorConfig", "create_simulator_app", "run_simulator"]
