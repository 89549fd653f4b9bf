"""The weekly rules written plainly, beside the tuned kernels the engine runs.

Each module here states one rule of docs/model.md the way the specification
reads: plain Python and NumPy, one person (or tie) after another, no
prefetching, no threads, no Numba of their own. Maintenance and local search
draw through the plain-Python ``rng`` here; encounters, written so that a test
can compile it with Numba, through :mod:`jinmyaku.model.rng` (the same
numbers). Making and ending ties is the tie store's bookkeeping
(``ties.create_tie``, ``ties.kill_tie``, callable from Python), used as it is.
They are slow and meant for readers and tests; the
engine never imports them. ``tests/test_reference.py`` checks each against
its tuned kernel.

Rule (docs/model.md) → reference module → tuned kernel (agreement):

* §7.0 group encounters → ``encounters`` → ``model.encounters.group_encounters``
  (exact with seek_known = 0; otherwise in distribution, tests/test_scheduling.py);
* §7.7 maintenance → ``maintenance`` → ``processes.maintenance`` choose, attend
  (exact);
* §2.2 closest ties, §7.10 influence → ``closest`` → ``model.closest.rank`` and
  ``mean_stage`` (exact);
* kumpula rule 1, local search → ``local_search`` → ``processes.kumpula_kernels``
  and ``processes.local_search.search`` (exact where weights are binary fractions);
* §7.12 random numbers → ``rng`` → ``model.rng`` (the same numbers).
* §4 contacts that fade → ``contacts`` → ``model.contacts`` and
  ``TieStore.end_faded`` (strengths to 1e-9; the same ends week by week).

Tie rules shared by the references (§4: a contact, a strength) are in ``ties``.

Kernels that are already the plain rule (one sequential loop in a fixed
order, no prefetching, no thread partitioning) are their own reference and
are not written twice; their docstrings say so:

* §7.1 budget: ``processes.budget.spend``;
* §7.8 introductions: ``processes.introductions.introduce``;
* §7.9 opportunities: ``processes.opportunities.route``;
* §7.11 life events: ``processes.life_events`` (NumPy, and ``end_all_ties``);
* kumpula rule 2, global attachment: ``processes.global_attachment.attach``;
* kumpula rule 3, node deletion: ``processes.node_deletion.delete``.

§7.2 input, the growth and refocus parts of §7.3 action, and §7.4–7.6
(who meets where) are vectorised NumPy in their process modules, already as
the specification writes them.
"""
