"""Shared helpers for benchmarks: run a command, measure wall time, CPU time
and peak RSS of the child (getrusage), and print ratios against a reference
measured in the same run. No thresholds: the numbers are printed, and
docs/benchmarks.md records them."""
import os
import subprocess
import tempfile


def measure(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=None, env=None):
    """Run cmd under GNU time; return dict(wall, cpu, rss_mib) of that one
    command (GNU time forks a small C process, so the peak RSS is the
    command's own, not an inherited interpreter's)."""
    fd, path = tempfile.mkstemp(prefix='sluice-time-')
    os.close(fd)
    try:
        p = subprocess.run(['/usr/bin/time', '-o', path, '-f', '%e %U %S %M %x'] + cmd,
                           stdout=stdout, stderr=subprocess.PIPE, cwd=cwd, env=env)
        with open(path) as f:
            wall, user, sys_, rss_kb, rc = f.read().split()[-5:]
    finally:
        os.unlink(path)
    if int(rc) != 0:
        raise SystemExit('benchmark command failed (%s): %s\n%s' % (
            rc, ' '.join(cmd), p.stderr.decode(errors='replace')[-2000:]))
    return {'wall': float(wall), 'cpu': float(user) + float(sys_),
            'rss_mib': int(rss_kb) / 1024.0}


def best_of(n, fn):
    """Run fn n times, keep the fastest (least disturbed by the noisy machine)."""
    runs = [fn() for _ in range(n)]
    return min(runs, key=lambda r: r['wall'])
