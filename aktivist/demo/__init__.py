"""Demo data: a believable Swedish section to try Aktivist with (``manage.py demo_data``).

The top layer: it may import any app, and no domain app imports it."""
