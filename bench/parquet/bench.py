"""bench/parquet: file source -> JSON decoder -> Parquet file lake.

Measured in the same run: the same job writing JSON lines (the issue's
reference: Parquet may cost at most 1.5x), sluice writing Parquet with
snappy and zstd, and DuckDB with one thread converting the same JSON file
to Parquet (`SET threads=1; COPY (SELECT * FROM read_json(...)) TO ...`).
Prints wall time, records/s, peak RSS and output size of each, and the
ratios. DuckDB's time is its COPY alone (node start-up excluded) and, for
information, its whole process."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from common import measure, best_of, make_events, run_job  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
ROOT = os.getcwd()
SLUICE = os.path.join(ROOT, 'build', 'sluice')
HERE = os.path.join(ROOT, 'bench', 'parquet')


def du(path):
    total = 0
    for d, dirs, files in os.walk(path):
        if '_sluice_tmp' in d or '_errors' in d:
            continue
        total += sum(os.path.getsize(os.path.join(d, f)) for f in files)
    return total


work = tempfile.mkdtemp(prefix='sluice-bench-pq-')
try:
    events = make_events(SLUICE, work, N)
    size = os.path.getsize(events)

    def sluice_run(fmt, extra=''):
        def run():
            r = run_job(SLUICE, work, 'type: file, path: "%s"' % events,
                        'format: %s%s' % (fmt, extra))
            r['bytes'] = du(os.path.join(work, 'lake'))
            return r
        return run

    def duck_run(codec):
        def run():
            dst = os.path.join(work, 'duck.parquet')
            if os.path.exists(dst):
                os.remove(dst)
            log = os.path.join(work, 'duck.log')
            with open(log, 'wb') as out:
                r = measure(['node', os.path.join(HERE, 'duckdb_copy.mjs'), events, dst, codec],
                            stdout=out)
            with open(log) as fh:
                r['copy'] = float([l for l in fh if l.startswith('SECONDS')][-1].split()[1])
            r['bytes'] = os.path.getsize(dst)
            return r
        return run

    reps = 3
    res = {}
    res['json lines'] = best_of(reps, sluice_run('json'))
    res['parquet snappy'] = best_of(reps, sluice_run('parquet'))
    res['parquet zstd'] = best_of(reps, sluice_run('parquet', ', compression: zstd'))
    duck = {c: best_of(2, duck_run(c)) for c in ('snappy', 'zstd')}
    mb = size / 1e6
    ref = res['json lines']
    print('bench/parquet: %d events, %.1f MB JSON (%.0f B/event)' % (N, mb, size / N))
    for name, r in res.items():
        print('  sluice %-16s %7.3f s  %9.0f rec/s  rss %6.1f MiB  cpu %6.3f s  out %7.1f MB (%5.1f%% of JSON lines)  %.2fx JSON lines'
              % (name, r['wall'], N / r['wall'], r['rss_mib'], r['cpu'], r['bytes'] / 1e6,
                 100.0 * r['bytes'] / ref['bytes'], r['wall'] / ref['wall']))
    for c, r in duck.items():
        ours = res['parquet ' + c]
        print('  duckdb 1 thread %-8s %7.3f s  (process %.3f s)  rss %6.1f MiB  out %7.1f MB  sluice is %.2fx faster'
              % (c, r['copy'], r['wall'], r['rss_mib'], r['bytes'] / 1e6, r['copy'] / ours['wall']))
    s, z = res['parquet snappy'], res['parquet zstd']
    print('RESULT parquet snappy_vs_jsonl=%.2f zstd_vs_jsonl=%.2f snappy_size_pct=%.1f zstd_size_pct=%.1f '
          'duckdb_over_sluice_snappy=%.2f duckdb_over_sluice_zstd=%.2f peak_rss_mib=%.1f'
          % (s['wall'] / ref['wall'], z['wall'] / ref['wall'], 100.0 * s['bytes'] / ref['bytes'],
             100.0 * z['bytes'] / ref['bytes'], duck['snappy']['copy'] / s['wall'],
             duck['zstd']['copy'] / z['wall'], max(s['rss_mib'], z['rss_mib'])))
finally:
    shutil.rmtree(work, ignore_errors=True)
