"""bench/kafka: Kafka source -> JSON decoder -> JSON-lines file lake.

Starts the mock broker (build/sluice-kafka-mock), produces N generated JSON
events with kcat spread over P partitions (the mock keeps about 100k
messages or 5 MiB per partition, so P is chosen to keep all of them),
then measures, ROUNDS rounds (default 5) alternating:
  kcat -C -e (reference: read every partition to its end, to /dev/null)
  sluice run (earliest -> ending_offsets latest, window 100 s, JSON lake)
  kcat -C -e | dd conv=fsync (second reference: the same values written
                   durably to a file on the lake's disk)
and prints messages/s of each (the fastest round) and the ratios, and the
median over the rounds of sluice's ratio to the kcat run of the same round
(the machine is shared: one slow round says little)."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from common import measure, make_events  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
P = int(sys.argv[2]) if len(sys.argv) > 2 else 64
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 5
ROOT = os.getcwd()
SLUICE = os.path.join(ROOT, 'build', 'sluice')
MOCK = os.path.join(ROOT, 'build', 'sluice-kafka-mock')
work = tempfile.mkdtemp(prefix='sluice-bench-kafka-')
mock = None
try:
    events = make_events(SLUICE, work, N)
    size = os.path.getsize(events)
    mock = subprocess.Popen([MOCK, 'bench:%d' % P], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    line = mock.stdout.readline().decode().strip()
    assert line.startswith('BOOTSTRAP='), line
    boot = line.split('=', 1)[1]
    # keyed by line number so the partitioner spreads them evenly (kcat's
    # unkeyed sticky partitioning fills one partition at a time, past the
    # mock's retention)
    keyed = os.path.join(work, 'keyed.tsv')
    with open(events, 'rb') as inp, open(keyed, 'wb') as out:
        for i, line in enumerate(inp):
            out.write(b'%d\t' % i + line)
    with open(keyed, 'rb') as inp:
        subprocess.run(['kcat', '-P', '-b', boot, '-t', 'bench', '-K', '\t',
                        '-X', 'linger.ms=50', '-X', 'batch.num.messages=10000',
                        '-X', 'queue.buffering.max.messages=1000000'],
                       stdin=inp, check=True)
    # every message is still there (mock retention)
    total = 0
    for p in range(P):
        for off, sign in (('-1', 1), ('-2', -1)):
            r = subprocess.run(['kcat', '-Q', '-b', boot, '-t',
                                'bench:%d:%s' % (p, off)],
                               capture_output=True, text=True, check=True)
            total += sign * int(r.stdout.split()[-1])
    assert total == N, 'the topic holds %d of %d messages' % (total, N)

    def kcat_run():
        return measure(['kcat', '-C', '-b', boot, '-t', 'bench', '-e', '-q',
                        '-o', 'beginning'])

    def kcat_file_run():
        # the same consumption writing the values to a file on the lake's
        # disk, made durable (sluice fsyncs what it commits)
        out = os.path.join(work, 'kcat.out')
        return measure(['sh', '-c',
                        'kcat -C -b "$0" -t bench -e -q -o beginning '
                        '| dd of="$1" bs=1M conv=fsync status=none',
                        boot, out])

    def sluice_run():
        for d in ('cp', 'lake'):
            shutil.rmtree(os.path.join(work, d), ignore_errors=True)
        job = os.path.join(work, 'job.yaml')
        with open(job, 'w') as f:
            f.write('name: benchk\nwindow: 100s\ncheckpoint: %s/cp\n'
                    'source: {type: kafka, bootstrap_servers: "%s", '
                    'topic: bench, ending_offsets: latest}\n'
                    'sink: {type: file, path: %s/lake, format: json}\n'
                    % (work, boot, work))
        return measure([SLUICE, 'run', job, '--quiet'])

    ks, fs, ss = [], [], []
    for _ in range(ROUNDS):
        ks.append(kcat_run())
        fs.append(kcat_file_run())
        ss.append(sluice_run())
    ref = min(ks, key=lambda r: r['wall'])
    ref2 = min(fs, key=lambda r: r['wall'])
    res = min(ss, key=lambda r: r['wall'])
    rows = 0
    for d, _, fs in os.walk(os.path.join(work, 'lake')):
        if '_errors' in d:
            continue
        for fn in fs:
            if fn.endswith('.json'):
                with open(os.path.join(d, fn), 'rb') as fh:
                    rows += sum(1 for _ in fh)
    assert rows == N, 'lake has %d rows of %d' % (rows, N)
    mb = size / 1e6
    print('bench/kafka: %d events, %.1f MB (%.0f B/event), %d partitions'
          % (N, mb, size / N, P))
    print('  %-22s %8.3f s  %10.0f msg/s  rss %6.1f MiB  cpu %.3f s' %
          ('kcat -C -e (ref)', ref['wall'], N / ref['wall'], ref['rss_mib'],
           ref['cpu']))
    print('  %-22s %8.3f s  %10.0f msg/s  cpu %.3f s' %
          ('kcat | dd fsync (ref 2)', ref2['wall'], N / ref2['wall'],
           ref2['cpu']))
    print('  %-22s %8.3f s  %10.0f msg/s  rss %6.1f MiB  cpu %.3f s  '
          '%.0f%% of kcat' %
          ('sluice -> JSON lake', res['wall'], N / res['wall'],
           res['rss_mib'], res['cpu'], 100.0 * ref['wall'] / res['wall']))
    per_round = sorted(k['wall'] / r['wall'] for k, r in zip(ks, ss))
    median = per_round[len(per_round) // 2] if len(per_round) % 2 else \
        (per_round[len(per_round) // 2 - 1] + per_round[len(per_round) // 2]) / 2
    print('  per round, sluice / kcat of the same round: %s (median %.0f%%)'
          % (' '.join('%.0f%%' % (100 * x) for x in per_round), 100 * median))
    print('RESULT kafka msgs_per_s=%.0f kcat_msgs_per_s=%.0f '
          'ratio_vs_kcat=%.2f kcat_file_msgs_per_s=%.0f '
          'ratio_vs_kcat_file=%.2f peak_rss_mib=%.1f '
          'median_round_ratio_vs_kcat=%.2f'
          % (N / res['wall'], N / ref['wall'], ref['wall'] / res['wall'],
             N / ref2['wall'], ref2['wall'] / res['wall'], res['rss_mib'],
             median))
finally:
    if mock:
        mock.terminate()
        mock.wait()
    shutil.rmtree(work, ignore_errors=True)
