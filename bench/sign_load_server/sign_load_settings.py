"""Settings of the signing benchmark's server: the application's own settings, with a URL
configuration that adds one bare view (the baseline). Everything else — middleware, database,
cache — is exactly what production runs; the benchmark sets it through the environment."""

from aktivist.settings import *  # noqa: F403

ROOT_URLCONF = "sign_load_urls"
