"""bench/formats_avro: Avro in and out, against JSON in the same run.

The generator's events are written once as JSON lines; sluice turns them
into Avro container files (null and deflate codecs: the same events, with
the schema sluice derives). Each input is then read by a file source into
a JSON-lines lake and timed (best of 3): records/s over wall time and per
CPU second (the machine has 2 cores shared with other work, so per CPU
second is the per-core figure). The Avro output is timed the same way:
JSON events into an Avro lake, against the same job writing JSON."""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from common import measure, best_of  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
ROOT = os.getcwd()
SLUICE = os.path.join(ROOT, 'build', 'sluice')
work = tempfile.mkdtemp(prefix='sluice-bench-avro-')


def job(name, path, fmt, sink_fmt, extra=''):
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    y = os.path.join(d, 'job.yaml')
    with open(y, 'w') as f:
        f.write('name: %s\nwindow: 100s\ncheckpoint: %s/cp\n'
                'source: {type: file, path: "%s", format: %s}\n'
                'sink: {type: file, path: %s/lake, format: %s%s}\n'
                % (name, d, path, fmt, d, sink_fmt, extra))
    return y, d


def run(name, path, fmt, sink_fmt, extra=''):
    def go():
        y, _ = job(name, path, fmt, sink_fmt, extra)
        return measure([SLUICE, 'run', y, '--until-idle', '--quiet'])
    return go


try:
    events = os.path.join(work, 'events.json')
    gen = os.path.join(work, 'gen.yaml')
    with open(gen, 'w') as f:
        f.write('name: bench-gen\nwindow: 100s\ncheckpoint: %s/cp-gen\n'
                'source: {type: generator, count: %d, seed: 1}\n'
                'sink: {type: stdout}\n' % (work, N))
    with open(events, 'wb') as out:
        measure([SLUICE, 'run', gen, '--until-idle', '--quiet'], stdout=out)
    inputs = {'json': (events, 'json')}
    for codec in ('null', 'deflate'):
        run('mk-' + codec, events, 'json', 'avro',
            ', compression: %s' % codec)()
        files = glob.glob(os.path.join(work, 'mk-' + codec, 'lake', '**', '*.avro'),
                          recursive=True)
        assert len(files) == 1, files
        dst = os.path.join(work, 'events-%s.avro' % codec)
        shutil.move(files[0], dst)
        inputs['avro-' + codec] = (dst, 'avro')
    print('bench/formats_avro: %d events' % N)
    res = {}
    for k, (path, fmt) in inputs.items():
        res[k] = best_of(3, run('in-' + k, path, fmt, 'json'))
        size = os.path.getsize(path) / 1e6
        r = res[k]
        print('  %-28s %6.1f MB  %7.3f s  %10.0f rec/s  %10.0f rec/cpu-s  rss %6.1f MiB  %.2fx json'
              % ('%s -> json lake' % k, size, r['wall'], N / r['wall'], N / r['cpu'],
                 r['rss_mib'], r['wall'] / (res['json']['wall'])))
    out = {'json': best_of(3, run('out-json', events, 'json', 'json'))}
    outs = {'deflate': ', compression: deflate',
            'deflate-1': ', compression: deflate, compression_level: 1',
            'snappy': ', compression: snappy',
            'zstandard': ', compression: zstandard'}
    for k, extra in outs.items():
        out[k] = best_of(3, run('out-' + k, events, 'json', 'avro', extra))
    for k, r in out.items():
        lake = glob.glob(os.path.join(work, 'out-' + k, 'lake', '**', '*.*'), recursive=True)
        size = sum(os.path.getsize(p) for p in lake if '_sluice' not in p) / 1e6
        print('  %-28s %6.1f MB  %7.3f s  %10.0f rec/s  %10.0f rec/cpu-s  rss %6.1f MiB  %.2fx json'
              % ('json -> %s lake' % ('avro ' + k if k != 'json' else 'json'), size, r['wall'],
                 N / r['wall'], N / r['cpu'], r['rss_mib'], r['wall'] / out['json']['wall']))
    # The decoder alone (no sink): a small driver linked with the library.
    drv = os.path.join(work, 'decode_only')
    libs = subprocess.run(['pkg-config', '--libs', 'yaml-0.1', 'zlib', 'liblzma',
                           'libzstd', 'libcurl'], check=True, capture_output=True,
                          text=True).stdout.split()
    subprocess.run(['cc', '-O2', '-Isrc', '-Isrc/core',
                    'bench/formats_avro/decode_only.c', 'build/libsluice_lib.a']
                   + libs + ['-lbz2', '-lsnappy', '-lm', '-lpthread', '-o', drv],
                   check=True)
    dec = {}
    for k in ('avro-null', 'avro-deflate'):
        best = None
        for _ in range(3):
            rows, cpu = subprocess.run([drv, inputs[k][0]], check=True,
                                       capture_output=True, text=True).stdout.split()
            assert int(rows) == N, rows
            best = float(cpu) if best is None else min(best, float(cpu))
        dec[k] = best
        print('  %-28s %38.0f rec/cpu-s  (decoder only, no sink)'
              % (k + ' decode', N / best))
    # Single datums (the Kafka/Kinesis message path): the rows of the
    # null-codec file cut into datums, each decoded as one record with
    # avro_framing: datum; the schema read by python3-avro.
    import avro.datafile
    import avro.io
    avsc = os.path.join(work, 'events.avsc')
    with open(inputs['avro-null'][0], 'rb') as fh:
        meta = avro.datafile.DataFileReader(fh, avro.io.DatumReader()).meta
        open(avsc, 'wb').write(meta['avro.schema'])
    best = None
    for _ in range(3):
        rows, cpu = subprocess.run([drv, inputs['avro-null'][0], avsc], check=True,
                                   capture_output=True, text=True).stdout.split()
        assert int(rows) == N, rows
        best = float(cpu) if best is None else min(best, float(cpu))
    dec['avro-datums'] = best
    print('  %-28s %38.0f rec/cpu-s  (decoder only, one datum per record)'
          % ('avro datums decode', N / best))
    for k in ('avro-datums', 'avro-null', 'avro-deflate'):
        print('RESULT formats_avro decoder_only input=%s per_cpu_s=%.0f'
              % (k, N / dec[k]))
    for k in ('avro-null', 'avro-deflate'):
        r = res[k]
        print('RESULT formats_avro input=%s records_per_s=%.0f per_cpu_s=%.0f ratio_vs_json=%.2f'
              % (k, N / r['wall'], N / r['cpu'], r['wall'] / res['json']['wall']))
    for k in outs:
        r = out[k]
        print('RESULT formats_avro output=avro-%s records_per_s=%.0f per_cpu_s=%.0f ratio_vs_json=%.2f'
              % (k, N / r['wall'], N / r['cpu'], r['wall'] / out['json']['wall']))
finally:
    shutil.rmtree(work, ignore_errors=True)
