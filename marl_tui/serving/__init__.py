"""Serving the app to a class: over SSH (`ssh.py`) and in a browser (`web.py`), one process per student.

The pieces: `options.py` (what the teacher asked for), `passwords.py` (the class password, stored
hashed), `limits.py` (session cap, connection rate, per-child resource limits), `child.py` (the
launcher that applies those limits before becoming the app) and `run.py` (starts the listeners and
stops every child on the way out).
"""
