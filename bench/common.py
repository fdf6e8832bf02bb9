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
    # GNU time counts in 10 ms steps: a tiny run reads 0.00 s, so floor both
    # at one step (rates of tiny N are then lower bounds, never a division
    # by zero).
    return {'wall': max(float(wall), 0.01),
            'cpu': max(float(user) + float(sys_), 0.01),
            'rss_mib': int(rss_kb) / 1024.0}


def best_of(n, fn):
    """Run fn n times, keep the fastest (least disturbed by the noisy machine)."""
    runs = [fn() for _ in range(n)]
    return min(runs, key=lambda r: r['wall'])


def make_events(sluice, work, n, seed=1):
    """Write n generated clickstream events (JSON lines) to work/events.json
    with the built-in generator; return the path."""
    events = os.path.join(work, 'events.json')
    gen = os.path.join(work, 'gen.yaml')
    with open(gen, 'w') as f:
        f.write('name: bench-gen\nwindow: 100s\ncheckpoint: %s/cp-gen\n'
                'source: {type: generator, count: %d, seed: %d}\n'
                'sink: {type: stdout}\n' % (work, n, seed))
    with open(events, 'wb') as out:
        measure([sluice, 'run', gen, '--until-idle', '--quiet'], stdout=out)
    return events


def run_job(sluice, work, source, sink, window='100s'):
    """Run one job from a fresh checkpoint and lake under work: source and
    sink are the flow-map texts inside {...}; returns measure()'s dict."""
    import shutil
    for d in ('cp', 'lake'):
        shutil.rmtree(os.path.join(work, d), ignore_errors=True)
    job = os.path.join(work, 'job.yaml')
    with open(job, 'w') as f:
        f.write('name: bench\nwindow: %s\ncheckpoint: %s/cp\n'
                'source: {%s}\nsink: {type: file, path: %s/lake, %s}\n'
                % (window, work, source, work, sink))
    return measure([sluice, 'run', job, '--until-idle', '--quiet'])
