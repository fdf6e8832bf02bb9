"""bench/transforms: what the transforms cost over the pass-through job.

Jobs, all reading the same file of N generated events with a declared
schema and writing a JSON-lines lake (best of 3 each, same run):
  pass-through   file -> JSON decode -> JSON lake (the reference)
  shape          filter + derive (3 expressions) + apply_mapping
  decode-only    filter "false": decodes every record, writes nothing
  aggregate      1-minute tumbling windows grouped by user_id (10k keys),
                 count, sum, avg, approx_percentile, approx_count_distinct
  aggregate-10m  a second, separately labelled case: the same with
                 10-minute windows, i.e. ten times the events per window
                 and group (what a 10x denser event clock gives 1-minute
                 windows; the generator's clock advances 10 ms per event
                 on average, so the 1-minute case emits ~0.75 window rows
                 per event)

Prints wall time, records/s and CPU time of each; the shape job as a ratio
of the pass-through (target: at most 1.30); and the aggregate transform's
own rate per CPU core: N / (CPU of aggregate - CPU of decode-only), the
decode being the same in both (target: at least 2M records/s; the
target is the 1-minute case)."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from common import measure, best_of, make_events  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
ROOT = os.getcwd()
SLUICE = os.path.join(ROOT, 'build', 'sluice')
SCHEMA = ('struct<id:bigint,event_time:timestamp,user_id:string,session:string,'
          'page:string,action:string,latency_ms:int,amount:double,'
          'device:struct<os:string,mobile:boolean>>')
SHAPE = '''transforms:
  - filter: "action <> 'view' OR latency_ms < 900"
  - derive:
      amount_cents: "round(amount * 100)"
      hour: "hour(event_time)"
      page_l: "lower(page)"
  - apply_mapping:
      - [id, bigint, id, bigint]
      - [event_time, timestamp, ts, timestamp]
      - [user_id, string, user.id, string]
      - [device.os, string, user.os, string]
      - [amount_cents, double, amount_cents, bigint]
      - [hour, int, hour, int]
      - [page_l, string, page, string]
      - [latency_ms, int, latency_ms, double]
'''
AGG = '''transforms:
  - aggregate:
      time: event_time
      window: 1m
      watermark: 10s
      group_by: [user_id]
      measures:
        n: "count(*)"
        spend: "sum(amount)"
        lat: "avg(latency_ms)"
        p95: "approx_percentile(latency_ms, 0.95)"
        sessions: "approx_count_distinct(session)"
'''
AGG10 = AGG.replace('window: 1m', 'window: 10m')
DECODE = '''transforms:
  - filter: "false"
'''

work = tempfile.mkdtemp(prefix='sluice-bench-')
try:
    events = make_events(SLUICE, work, N)

    def job(name, transforms):
        def run():
            for d in ('cp', 'lake'):
                shutil.rmtree(os.path.join(work, d), ignore_errors=True)
            path = os.path.join(work, name + '.yaml')
            with open(path, 'w') as f:
                f.write('name: bench-%s\nwindow: 100s\ncheckpoint: %s/cp\n'
                        'source: {type: file, path: "%s", schema: "%s"}\n'
                        '%s'
                        'sink: {type: file, path: %s/lake, format: json}\n'
                        % (name, work, events, SCHEMA, transforms, work))
            return measure([SLUICE, 'run', path, '--until-idle', '--quiet'])
        return run

    res = {}
    for name, t in (('pass-through', ''), ('shape', SHAPE),
                    ('decode-only', DECODE), ('aggregate', AGG),
                    ('aggregate-10m', AGG10)):
        res[name] = best_of(3, job(name, t))
    print('bench/transforms: %d events' % N)
    for name, r in res.items():
        print('  %-14s %8.3f s  %10.0f rec/s  cpu %7.3f s  rss %6.1f MiB  %.2fx pass-through'
              % (name, r['wall'], N / r['wall'], r['cpu'], r['rss_mib'],
                 r['wall'] / res['pass-through']['wall']))
    agg_cpu = res['aggregate']['cpu'] - res['decode-only']['cpu']
    agg10_cpu = res['aggregate-10m']['cpu'] - res['decode-only']['cpu']
    print('RESULT transforms shape_ratio=%.2f shape_records_per_s=%.0f '
          'aggregate_records_per_s=%.0f aggregate_own_per_core=%.0f '
          'aggregate_10m_own_per_core=%.0f'
          % (res['shape']['wall'] / res['pass-through']['wall'],
             N / res['shape']['wall'], N / res['aggregate']['wall'],
             N / agg_cpu if agg_cpu > 0 else float('inf'),
             N / agg10_cpu if agg10_cpu > 0 else float('inf')))
finally:
    shutil.rmtree(work, ignore_errors=True)
