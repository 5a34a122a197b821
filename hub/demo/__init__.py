"""``hub demo``: the whole product on one machine, with no accounts."""
