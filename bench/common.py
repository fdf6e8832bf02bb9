"""Shared helpers for benchmarks: run a command, measure wall time, CPU time
and peak RSS of the child (getrusage), and print ratios against a reference
measured in the same run. No thresholds: the numbers are printed, and
docs/benchmarks.md records them."""
import os
import resource
import subprocess
import time


def measure(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=None, env=None):
    """Run cmd; return dict(wall, cpu, rss_mib). Peak RSS is the child's own
    (each measured command runs in a fresh fork via a wrapper shell)."""
    # Wrap in a shell that reports its child's rusage, so peak RSS is per
    # command, not the maximum over all children of this process.
    wrapper = ['/usr/bin/python3', '-c', (
        'import resource,subprocess,sys,time\n'
        't=time.perf_counter(); r=subprocess.run(sys.argv[1:]); w=time.perf_counter()-t\n'
        'u=resource.getrusage(resource.RUSAGE_CHILDREN)\n'
        'sys.stderr.write("\\nBENCH %f %f %d %d\\n" % (w, u.ru_utime+u.ru_stime, u.ru_maxrss, r.returncode))\n'
    )] + cmd
    p = subprocess.run(wrapper, stdout=stdout, stderr=subprocess.PIPE, cwd=cwd, env=env)
    line = [l for l in p.stderr.decode(errors='replace').splitlines() if l.startswith('BENCH ')][-1]
    _, wall, cpu, rss, rc = line.split()
    if int(rc) != 0:
        raise SystemExit('benchmark command failed (%s): %s\n%s' % (rc, ' '.join(cmd), p.stderr.decode(errors='replace')[-2000:]))
    return {'wall': float(wall), 'cpu': float(cpu), 'rss_mib': int(rss) / 1024.0}


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
