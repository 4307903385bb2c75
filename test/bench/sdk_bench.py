"""sdk_bench.py: MatrixOne's Python SDK (PyPI matrixone-python-sdk) as a benchmark peer.

Run by scripts/bench with the virtual environment it owns (build-bench/venv, versions
pinned in test/bench/sdk-requirements.txt), against the same mosim as every other case:

    python sdk_bench.py connect               connect and disconnect (the SDK's fixed cost)
    python sdk_bench.py list                  client.pitr.list(): every PITR as a Pitr object
    python sdk_bench.py create N PREFIX       N client.pitr.create_database_pitr(PREFIXi,
                                              PREFIX_dbi, 1, 'd'), as a user would call it

Connection from MO_HOST, MO_PORT, MO_USER, MO_PASSWORD (as mopitr_rawclient). The client
is the SDK's own `Client` with its defaults (its connect hook included) except two: its
SQL log is off (it would print every statement), and right after connecting it sets the
session time zone to UTC, as the extension and the raw C client do (SHOW PITR renders
times in the session zone, so the server does the same work for all; the SDK's pool keeps
reusing that one connection in a single-threaded program, scripts/bench checks in mosim's
log that nothing else connects). `list` prints rows=N, `create` prints statements=N;
exit status 1 with the SDK's error on stderr when a call fails.
"""
import os
import sys

from matrixone import Client


def connect():
    client = Client(sql_log_mode="off")
    client.connect(host=os.environ.get("MO_HOST", "127.0.0.1"),
                   port=int(os.environ.get("MO_PORT", "6001")),
                   user=os.environ.get("MO_USER", "root"),
                   password=os.environ.get("MO_PASSWORD", "111"),
                   database="mo_catalog")
    client.execute("SET time_zone = '+00:00'")
    return client


def main(argv):
    if len(argv) < 2 or argv[1] not in ("connect", "list", "create") or \
            (argv[1] == "create" and len(argv) != 4):
        sys.stderr.write("usage: sdk_bench.py connect | list | create N PREFIX\n")
        return 2
    client = connect()
    try:
        if argv[1] == "list":
            pitrs = client.pitr.list()
            print("rows=%d" % len(pitrs))
        elif argv[1] == "create":
            n, prefix = int(argv[2]), argv[3]
            for i in range(n):
                client.pitr.create_database_pitr("%s%d" % (prefix, i), "%s_db%d" % (prefix, i),
                                                 1, "d")
            print("statements=%d" % n)
    finally:
        client.disconnect()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
