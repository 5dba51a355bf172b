"""Long work in the background (huey), each piece recorded as a ``Job`` row with its state,
result and error; its live progress and heartbeat beside the queue. The domain packages
register their kinds (``quiz.jobs.services.kind``); this package knows none of them."""
from quiz.jobs.services import get, start, wait  # noqa: F401
