"""halfstep's benchmark suite: ``python -m benchmarks`` (``make bench``).

Speed and memory measured side by side in one run, with the figures that matter as
ratios to a reference measured in the same run (a bare SimPy loop, Ciw, the solver's
own time, one worker), so that a busy or a faster machine moves both sides together.
Timings live here, never in the test suite's assertions.
"""
