"""One M/M/c queue, three ways: a bare SimPy loop, halfstep's escort pool, and Ciw.

The references the simulator is measured against. The bare loop is SimPy's idiom for a
queue (a process per customer, ``with resource.request()``, a timeout for the service),
with arrival gaps and service times drawn up front by numpy; it is the least a SimPy
model of the same number of customers can cost. The escort pool is
:class:`model.simulation.escort.EscortPool` alone, fed the same draws. Ciw simulates the same queue
with its own random numbers. Each returns the mean wait, which must agree with Erlang C
(:func:`erlang_c_wait`): the three simulate the same system.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from model.scenario.schema import EscortResource
from model.simulation.escort import EscortPool

__all__ = ["bare_simpy", "ciw_queue", "draws", "erlang_c_wait", "escort_pool"]

#: The queue of every comparison: 6 servers at 80% load, exponential services of 30 minutes.
SERVERS, LOAD, MEAN_SERVICE = 6, 0.8, 30.0


def draws(
    customers: int, servers: int = SERVERS, load: float = LOAD, mean: float = MEAN_SERVICE, seed: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Arrival gaps and service times (minutes) of ``customers`` customers of the M/M/c queue."""
    rng = np.random.default_rng(seed)
    rate = load * servers / mean
    return rng.exponential(1.0 / rate, customers), rng.exponential(mean, customers)


def erlang_c_wait(servers: int = SERVERS, load: float = LOAD, mean: float = MEAN_SERVICE) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C), minutes."""
    a = load * servers
    top = a**servers / math.factorial(servers) / (1.0 - load)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)
    return p_wait * mean / (servers * (1.0 - load))


def bare_simpy(gaps: np.ndarray, services: np.ndarray, servers: int = SERVERS) -> float:
    """The bare SimPy M/M/c loop on pre-drawn gaps and services; returns the mean wait (minutes)."""
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=servers)
    waits: list[float] = []

    def customer(service: float):
        arrived = env.now
        with desk.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(service)

    def source():
        for gap, service in zip(gaps.tolist(), services.tolist(), strict=True):
            yield env.timeout(gap)
            env.process(customer(service))

    env.process(source())
    env.run()
    return float(np.mean(waits))


def escort_pool(gaps: np.ndarray, services: np.ndarray, servers: int = SERVERS) -> float:
    """The same queue served by :class:`~model.simulation.escort.EscortPool` (constant roster, no patience limit)."""
    env = simpy.Environment()
    staff = EscortResource(kind="escort", name="escorts", staff_on_duty=[servers] * 24, wage_cny_per_hour=0.0)
    horizon_days = math.ceil(float(gaps.sum()) / 1440.0) + 1
    pool = EscortPool(env, staff, np.full(24, servers), horizon_days)

    def ignore(_: bool) -> None:
        pass

    def source():
        for gap, service in zip(gaps.tolist(), services.tolist(), strict=True):
            yield env.timeout(gap)
            pool.escort(1, service, ignore)

    env.process(source())
    env.run()
    return pool.wait_mean()


def ciw_queue(
    customers: int, servers: int = SERVERS, load: float = LOAD, mean: float = MEAN_SERVICE, seed: int = 1
) -> float:
    """The same queue in Ciw, run until ``customers`` have completed; the mean wait."""
    import ciw

    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=load * servers / mean)],
        service_distributions=[ciw.dists.Exponential(rate=1.0 / mean)],
        number_of_servers=[servers],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_customers(customers, method="Complete")
    return float(np.mean([r.waiting_time for r in sim.get_all_records()]))
