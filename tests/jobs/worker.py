"""A real worker process for the tests: ``python worker.py [stall]``, its settings from the
QUIZ_* environment. With ``stall`` the freeze stops before its last step (question statistics)
and waits there, its transaction open, until the test kills the process."""
import sys
import time

from quiz import create_app
from quiz.jobs.queue import run_worker

if sys.argv[1:] == ["stall"]:
    from quiz.rankings import statistics

    def stall(round_):
        time.sleep(600)

    statistics.compute = stall

app = create_app()
with app.app_context():
    run_worker(app, threads=1, periodic_tasks=False)
