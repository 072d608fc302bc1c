"""Settings of the signing benchmark's server: the application's own settings, with a URL
configuration that adds one bare view (the baseline). Everything else — middleware, database,
cache — is what production runs; the benchmark sets it through the environment.

SIGN_LOAD_FAST_LANE=1 (``sign_load.py --fast-lane``) adds the API fast lane middleware when the
application's settings do not have it yet: the figure that change would give."""

import os

from aktivist.settings import *  # noqa: F403
from aktivist.settings import MIDDLEWARE

ROOT_URLCONF = "sign_load_urls"

FAST_LANE = "aktivist.public.api.ApiFastLaneMiddleware"
if os.environ.get("SIGN_LOAD_FAST_LANE") == "1" and FAST_LANE not in MIDDLEWARE:
    MIDDLEWARE = [MIDDLEWARE[0], FAST_LANE, *MIDDLEWARE[1:]]
