"""Test configuration: hypothesis profiles.

``ci`` (the default) is deterministic and bounded: ``derandomize=True`` fixes the examples,
``deadline=None`` because first calls compile numba kernels. ``dev`` explores more
(``pytest --hypothesis-profile=dev``).
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=60,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=400,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
