"""Background jobs: a table of jobs, a queue that carries their ids, and the worker's runner."""
