"""bench/formats: JSON, CSV and Grok decoders, each from a file source into
a JSON-lines file lake, measured in the same run.

Inputs: N clickstream events from the generator as JSON lines (the
reference) and the same events as CSV with a header (device.os and
device.mobile flattened into device_os, device_mobile), written by Python's
csv module; and N Apache combined-log lines (deterministic, ~190 B) read
with grok_pattern %{COMBINEDAPACHELOG}. Schemas are detected in every run.
Prints records/s (wall), records per CPU-second (the per-core figure) and
peak RSS, and the ratio of each format's CPU time to JSON's; then the
source and decoder alone (`sluice schema detect` over all N records)."""
import csv
import json
import os
import random
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from common import measure, best_of, make_events  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
ROOT = os.getcwd()
SLUICE = os.path.join(ROOT, 'build', 'sluice')
work = tempfile.mkdtemp(prefix='sluice-bench-formats-')


def apache_lines(path, n):
    rnd = random.Random(5)
    verbs = ['GET'] * 8 + ['POST', 'PUT', 'DELETE', 'HEAD']
    months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep',
              'Oct', 'Nov', 'Dec']
    agents = ['Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 '
              'Firefox/120.0',
              'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) '
              'AppleWebKit/605.1.15 Mobile/15E148',
              'curl/8.4.0', '-']
    with open(path, 'w') as f:
        for i in range(n):
            ip = '%d.%d.%d.%d' % (rnd.randrange(1, 224), rnd.randrange(256),
                                  rnd.randrange(256), rnd.randrange(1, 255))
            user = '-' if rnd.random() < 0.9 else 'user%d' % rnd.randrange(99)
            ts = '%02d/%s/2026:%02d:%02d:%02d +0000' % (
                rnd.randrange(1, 29), months[rnd.randrange(12)],
                rnd.randrange(24), rnd.randrange(60), rnd.randrange(60))
            path_ = '/products/%d?ref=%s' % (rnd.randrange(1000),
                                              rnd.choice(['home', 'ad', 'mail']))
            status = rnd.choice([200] * 17 + [304, 404, 500])
            size = '-' if status == 304 else str(rnd.randrange(100, 90000))
            ref = rnd.choice(['-', 'https://www.example.com/',
                              'https://search.example.org/?q=grok'])
            f.write('%s - %s [%s] "%s %s HTTP/1.1" %d %s "%s" "%s"\n' % (
                ip, user, ts, rnd.choice(verbs), path_, status, size, ref,
                rnd.choice(agents)))


try:
    events = make_events(SLUICE, work, N)
    events_csv = os.path.join(work, 'events.csv')
    with open(events, 'rb') as src, open(events_csv, 'w', newline='') as dst:
        w = None
        for line in src:
            r = json.loads(line)
            d = r.pop('device')
            r['device_os'] = d['os']
            r['device_mobile'] = 'true' if d['mobile'] else 'false'
            if w is None:
                w = csv.DictWriter(dst, fieldnames=list(r))
                w.writeheader()
            w.writerow(r)
    logs = os.path.join(work, 'access.log')
    apache_lines(logs, N)

    def run_job(path, fmt_keys):
        def run():
            for d in ('cp', 'lake'):
                shutil.rmtree(os.path.join(work, d), ignore_errors=True)
            job = os.path.join(work, 'job.yaml')
            with open(job, 'w') as f:
                f.write('name: bench\nwindow: 100s\ncheckpoint: %s/cp\n'
                        'source: {type: file, path: "%s", %s}\n'
                        'sink: {type: file, path: %s/lake, format: json}\n'
                        % (work, path, fmt_keys, work))
            r = measure([SLUICE, 'run', job, '--until-idle', '--quiet'])
            rows = 0
            for d, _, files in os.walk(os.path.join(work, 'lake')):
                for fn in files:
                    if fn.endswith('.json') and '_errors' not in d:
                        with open(os.path.join(d, fn), 'rb') as fh:
                            rows += sum(1 for _ in fh)
            if rows != N:
                raise SystemExit('expected %d rows in the lake, got %d'
                                 % (N, rows))
            return r
        return run

    runs = [
        ('json (reference)', events, 'format: json'),
        ('csv header, detect', events_csv, 'format: csv, header: true'),
        ('grok COMBINEDAPACHELOG', logs,
         'format: grok, grok_pattern: "%{COMBINEDAPACHELOG}"'),
    ]
    def detect_only(path, fmt_keys):
        """Source and decoder alone: `sluice schema detect` decodes every
        sampled record (schema detection) and writes nothing."""
        def run():
            shutil.rmtree(os.path.join(work, 'cp'), ignore_errors=True)
            job = os.path.join(work, 'job.yaml')
            with open(job, 'w') as f:
                f.write('name: bench\nwindow: 100s\ncheckpoint: %s/cp\n'
                        'source: {type: file, path: "%s", %s}\n'
                        'sink: {type: file, path: %s/lake, format: json}\n'
                        % (work, path, fmt_keys, work))
            return measure([SLUICE, 'schema', 'detect', job, '--sample',
                            str(N), '--timeout', '120'])
        return run

    res, dec = {}, {}
    for name, path, keys in runs:
        res[name] = best_of(3, run_job(path, keys))
        res[name]['mb'] = os.path.getsize(path) / 1e6
        dec[name] = best_of(3, detect_only(path, keys))
    print('bench/formats: %d records per input, file source -> JSON lake' % N)
    ref = res['json (reference)']
    for name, _, _ in runs:
        r = res[name]
        print('  %-24s %6.1f MB %8.3f s  %9.0f rec/s  %9.0f rec/cpu-s  '
              'rss %6.1f MiB  cpu %.2fx json' %
              (name, r['mb'], r['wall'], N / r['wall'], N / r['cpu'],
               r['rss_mib'], r['cpu'] / ref['cpu']))
    print('  decode only (sluice schema detect: file source + decoder):')
    for name, _, _ in runs:
        r = dec[name]
        print('  %-24s %8.3f s  %9.0f rec/cpu-s  cpu %.2fx json' %
              (name, r['wall'], N / r['cpu'],
               r['cpu'] / dec['json (reference)']['cpu']))
    for name, key in (('csv header, detect', 'csv'),
                      ('grok COMBINEDAPACHELOG', 'grok')):
        r = res[name]
        d = dec[name]
        print('RESULT formats_%s records_per_s=%.0f per_cpu_s=%.0f '
              'json_per_cpu_s=%.0f cpu_ratio_vs_json=%.2f peak_rss_mib=%.1f '
              'decode_per_cpu_s=%.0f json_decode_per_cpu_s=%.0f'
              % (key, N / r['wall'], N / r['cpu'], N / ref['cpu'],
                 r['cpu'] / ref['cpu'], r['rss_mib'], N / d['cpu'],
                 N / dec['json (reference)']['cpu']))
finally:
    shutil.rmtree(work, ignore_errors=True)
