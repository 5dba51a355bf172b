"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py 'quiz:create_app()'``.

Each can be changed with an environment variable. App processes keep no state of their
own (sessions are rows in the database, the cookie signed with the shared key; limits in
Redis when QUIZ_REDIS_URL is set), so more processes or more machines behind one PostgreSQL
serve a larger contest.
"""
import multiprocessing
import os

bind = os.environ.get("QUIZ_BIND", "127.0.0.1:5000")
# One process per core and one more, 8 threads each: on 2 cores (bench_attempts, bench_layers,
# both apps under this file) 3 × 8 cost 10-15 % less CPU per request than 5 × 4, for the app
# (a save 1.69 against 1.90 ms, a request of the whole attempt 3.3 against 3.5 ms) and for
# the bare baseline alike (fewer processes switching on two cores, fewer pooled connections
# each preparing its statements anew), at the same throughput and p99.
workers = int(os.environ.get("QUIZ_WORKERS", multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("QUIZ_THREADS", "8"))
# One pooled connection per thread. SQLAlchemy closes a connection beyond the pool's size (an
# overflow one) when it is given back, so with a pool of 5 and 8 busy threads most requests
# opened a new PostgreSQL connection: a server process forked, the session set up, every
# statement prepared anew (bench_attempts: the server's new processes took 0.5-0.8 of the 2
# cores). The workers read it from the environment this file runs in.
os.environ.setdefault("QUIZ_DB_POOL_SIZE", str(threads))
# How many connections (busy or idle keep-alive) one worker holds. A gthread worker accepts
# whatever it can otherwise (1000): one worker took 26 of 32 keep-alive connections and, held
# to one core by the GIL, served them all while the others idled. Twice its threads spreads
# them over the workers and still leaves room for idle keep-alive connections beside the
# busy ones; behind nginx (which holds the clients) the upstream pool is smaller still.
worker_connections = int(os.environ.get("QUIZ_WORKER_CONNECTIONS", threads * 2))
timeout = 60
# Each worker's heartbeat is a file it touches on every turn of its loop (2.5 % of a busy
# worker's samples when the file was on disk): in memory where the machine has /dev/shm.
worker_tmp_dir = os.environ.get("QUIZ_WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else None)
graceful_timeout = 30
keepalive = 5
max_requests = 10000          # recycle workers now and then (guards against slow leaks)
max_requests_jitter = 1000
accesslog = os.environ.get("QUIZ_ACCESS_LOG", "-") or None  # "" turns the access log off
# gunicorn's control socket in this checkout's instance folder, so two installations on one
# machine (or a benchmark beside the app) never share one.
control_socket = os.environ.get("QUIZ_CONTROL_SOCKET",
                                os.path.join(os.path.dirname(os.path.abspath(__file__)), "instance", "gunicorn.ctl"))
errorlog = "-"
forwarded_allow_ips = os.environ.get("QUIZ_FORWARDED_ALLOW_IPS", "127.0.0.1")

# No answer names the server's software: gunicorn writes "Server: gunicorn" itself, from the
# module constant its responses read (gunicorn.http.wsgi.SERVER; gunicorn.SERVER for anything
# imported later). Replacing it here is the way its maintainers point to (benoitc/gunicorn#825);
# the app sets no Server header of its own (quiz.web.security), so there is just this one.
import gunicorn  # noqa: E402
import gunicorn.http.wsgi  # noqa: E402

gunicorn.SERVER = gunicorn.http.wsgi.SERVER = "-"
