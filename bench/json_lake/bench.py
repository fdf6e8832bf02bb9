"""bench/json_lake: file source -> JSON decoder -> JSON-lines file lake.

Prints records/s, MB/s, CPU time and peak RSS for sluice, and the same
bytes copied by `cat` (to a file on the same disk) as the reference ratio,
both measured in this run. sluice fsyncs what it commits, so a durable copy
(`dd conv=fsync`) is printed as a second reference. The window is 100 s and 1 s to show that peak
memory does not depend on the window length."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from common import measure, best_of, make_events, run_job  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
ROOT = os.getcwd()
SLUICE = os.path.join(ROOT, 'build', 'sluice')
work = tempfile.mkdtemp(prefix='sluice-bench-')
try:
    events = make_events(SLUICE, work, N)
    size = os.path.getsize(events)

    def cat_run():
        with open(os.path.join(work, 'cat.out'), 'wb') as out:
            return measure(['cat', events], stdout=out)

    def sluice_run(window):
        def run():
            return run_job(SLUICE, work, 'type: file, path: "%s"' % events,
                           'format: json', window)
        return run

    def cat_sync_run():
        return measure(['dd', 'if=' + events, 'of=' + os.path.join(work, 'cat.out'),
                        'bs=1M', 'conv=fsync', 'status=none'])

    ref = best_of(3, cat_run)
    ref_sync = best_of(3, cat_sync_run)
    res = {w: best_of(3, sluice_run(w)) for w in ('100s', '1s')}
    mb = size / 1e6
    print('bench/json_lake: %d events, %.1f MB (%.0f B/event)' % (N, mb, size / N))
    print('  %-24s %8.3f s  %10.0f rec/s  %7.1f MB/s  rss %6.1f MiB' %
          ('cat (reference)', ref['wall'], N / ref['wall'], mb / ref['wall'], ref['rss_mib']))
    print('  %-24s %8.3f s  %10.0f rec/s  %7.1f MB/s  rss %6.1f MiB' %
          ('dd conv=fsync (durable)', ref_sync['wall'], N / ref_sync['wall'], mb / ref_sync['wall'], ref_sync['rss_mib']))
    for w, r in res.items():
        print('  %-24s %8.3f s  %10.0f rec/s  %7.1f MB/s  rss %6.1f MiB  cpu %.3f s  %.2fx cat' %
              ('sluice window=' + w, r['wall'], N / r['wall'], mb / r['wall'], r['rss_mib'],
               r['cpu'], r['wall'] / ref['wall']))
    r = res['100s']
    print('RESULT json_lake records_per_s=%.0f per_cpu_s=%.0f mb_per_s=%.1f peak_rss_mib=%.1f '
          'ratio_vs_cat=%.2f ratio_vs_durable_copy=%.2f'
          % (N / r['wall'], N / r['cpu'], mb / r['wall'], max(x['rss_mib'] for x in res.values()),
             r['wall'] / ref['wall'], r['wall'] / ref_sync['wall']))
finally:
    shutil.rmtree(work, ignore_errors=True)
