"""The robustness suite of issue 14: every public callable of the numpy API gets a spec
(valid example arguments and the role of each argument), every role has its mutations (wrong
shapes, wrong kinds, NaN, empty batches, bad dict keys, hyperparameters out of range), and
each bad call is classified as clear, cryptic, silent or crash.

* :mod:`tests.robustness.spec`: roles, :class:`Spec`, and the enumeration of the modules;
* :mod:`tests.robustness.mutations`: the mutations of each role;
* :mod:`tests.robustness.classify`: the classification of one call;
* :mod:`tests.robustness.registry`: the specs (``specs_*`` modules, one per area);
* :mod:`tests.robustness.campaign`: the deterministic campaign (``python -m
  tests.robustness.campaign --json OUT``), each module in a child process so a crash is seen.
"""
