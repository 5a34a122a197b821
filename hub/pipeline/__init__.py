"""The durable delivery pipeline: facts in, one delivery per plugin out, retried until done."""
