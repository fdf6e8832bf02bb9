"""bench/decompress: compressed files through a job, against decompressing
with the codec's own command-line tool plus the uncompressed job.

Input: N clickstream events from the generator as JSON lines, compressed by
gzip (-6), zstd (-3), bzip2 (-9) and xz (-6, -T2: blocks in one stream),
the tools' defaults. For each codec, in the same run:
  job     the file source reads the compressed file (detected) into a
          JSON-lines lake;
  ref     `tool -dc file > /dev/null` plus the job over the uncompressed
          file (the plain job is measured once, best of three);
and the ratio job / ref, for wall time (the target: at most 1.2x) and for
CPU time. Framed snappy and zlib have no command-line tool with -dc on
Debian, so they are measured as jobs only, against the plain job."""
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
FIX = [sys.executable, os.path.join(ROOT, 'tests', 'unit',
                                    'compress_fixtures.py')]
work = tempfile.mkdtemp(prefix='sluice-bench-decompress-')

CODECS = [  # name, suffix, compress command, decompress command
    ('gzip', 'gz', ['gzip', '-n', '-6', '-c'], ['gzip', '-dc']),
    ('zstd', 'zst', ['zstd', '-q', '-3', '-c'], ['zstd', '-q', '-dc']),
    ('bzip2', 'bz2', ['bzip2', '-9', '-c'], ['bzip2', '-dc']),
    ('xz', 'xz', ['xz', '-6', '-T2', '-c'], ['xz', '-dc']),
]
EXTRA = [  # made by Python's independent implementations, job only
    ('snappy (framed)', 'sz', 'framed'),
    ('zlib', 'zz', 'zlib'),
]


def job_run(path):
    def run():
        r = run_job(SLUICE, work, 'type: file, path: "%s"' % path,
                    'format: json')
        rows = 0
        for d, _, files in os.walk(os.path.join(work, 'lake')):
            for fn in files:
                if fn.endswith('.json'):
                    with open(os.path.join(d, fn), 'rb') as fh:
                        rows += sum(1 for _ in fh)
        if rows != N:
            raise SystemExit('%s: expected %d rows in the lake, got %d'
                             % (path, N, rows))
        return r
    return run


def dc_run(cmd, path):
    def run():
        with open(os.devnull, 'wb') as null:
            return measure(cmd + [path], stdout=null)
    return run


try:
    events = make_events(SLUICE, work, N)
    mb = os.path.getsize(events) / 1e6
    files = {}
    for name, suf, comp, _ in CODECS:
        files[name] = events + '.' + suf
        with open(events, 'rb') as src, open(files[name], 'wb') as dst:
            subprocess.run(comp, stdin=src, stdout=dst, check=True)
    for name, suf, how in EXTRA:
        files[name] = events + '.' + suf
        subprocess.run(FIX + [how, events, files[name]], check=True)

    plain = best_of(3, job_run(events))
    res = {}
    for name, _, _, dc in CODECS:
        res[name] = (best_of(3, job_run(files[name])),
                     best_of(3, dc_run(dc, files[name])))
    for name, _, _ in EXTRA:
        res[name] = (best_of(3, job_run(files[name])), None)

    print('bench/decompress: %d records, %.1f MB of JSON lines' % (N, mb))
    print('  plain job (reference part): %.3f s wall, %.3f s cpu, rss %.1f '
          'MiB' % (plain['wall'], plain['cpu'], plain['rss_mib']))
    for name, job, dc in ((k,) + res[k] for k in
                          [c[0] for c in CODECS] + [e[0] for e in EXTRA]):
        zmb = os.path.getsize(files[name]) / 1e6
        if dc:
            rw = job['wall'] / (dc['wall'] + plain['wall'])
            rc = job['cpu'] / max(dc['cpu'] + plain['cpu'], 0.01)
            print('  %-16s %6.1f MB  job %7.3f s (cpu %.3f)  tool -dc %7.3f s '
                  '(cpu %.3f)  ref %7.3f s  ratio %.2fx wall, %.2fx cpu  '
                  'rss %.1f MiB'
                  % (name, zmb, job['wall'], job['cpu'], dc['wall'],
                     dc['cpu'], dc['wall'] + plain['wall'], rw, rc,
                     job['rss_mib']))
            print('RESULT decompress_%s job_s=%.3f job_cpu_s=%.3f dc_s=%.3f '
                  'dc_cpu_s=%.3f plain_job_s=%.3f plain_job_cpu_s=%.3f '
                  'ratio_wall=%.2f ratio_cpu=%.2f peak_rss_mib=%.1f'
                  % (name, job['wall'], job['cpu'], dc['wall'], dc['cpu'],
                     plain['wall'], plain['cpu'], rw, rc, job['rss_mib']))
        else:
            print('  %-16s %6.1f MB  job %7.3f s (cpu %.3f)  (plain job '
                  'x%.2f wall, x%.2f cpu)  rss %.1f MiB'
                  % (name, zmb, job['wall'], job['cpu'],
                     job['wall'] / plain['wall'], job['cpu'] / max(plain['cpu'], 0.01),
                     job['rss_mib']))
finally:
    shutil.rmtree(work, ignore_errors=True)
