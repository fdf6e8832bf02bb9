"""bench/s3: 1 GiB of lake output uploaded to s3rver.

Measured in the same run, against the same s3rver on 127.0.0.1:
  sluice job      file source -> s3 sink (JSON lines, 128 MiB files):
                  decode, encode and upload of about 1 GiB
  sluice uploader the S3 client alone (build/test_s3 upload) putting the
                  lake files of the same job written locally
  boto3           upload_file of the same lake files (the reference;
                  default TransferConfig: 8 MiB parts, 10 threads; sluice: 8 MiB parts,
                  6 threads)
Peak RSS is each process's own. s3rver runs on the same 2 cores, so the
absolute figures are bounded by it; the ratios are what to compare.

Usage (from the repository root): python3 bench/s3/bench.py [GiB]"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
from common import measure  # noqa: E402

ROUNDS = int(os.environ.get('BENCH_ROUNDS', '2'))

GIB = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
ROOT = os.getcwd()
SLUICE = os.path.join(ROOT, 'build', 'sluice')
DRIVER = os.path.join(ROOT, 'build', 'test_s3')
PY = '/usr/bin/python3'
work = tempfile.mkdtemp(prefix='sluice-bench-s3-')
env = dict(os.environ, AWS_ACCESS_KEY_ID='S3RVER', AWS_SECRET_ACCESS_KEY='S3RVER',
           AWS_REGION='us-east-1', AWS_EC2_METADATA_DISABLED='true')
env.pop('AWS_SESSION_TOKEN', None)
s3rver = None
try:
    out = subprocess.run([os.path.join(ROOT, 'tests/peers/s3rver.sh'),
                          os.path.join(work, 's3data'), 'bench'],
                         check=True, capture_output=True, text=True).stdout
    kv = dict(x.split('=') for x in out.split())
    s3rver = int(kv['PID'])
    url = 'http://127.0.0.1:%s' % kv['PORT']

    # input: generator events, about GIB GiB of JSON lines
    n = int(GIB * (1 << 30) / 194)
    events = os.path.join(work, 'events.json')
    with open(os.path.join(work, 'gen.yaml'), 'w') as f:
        f.write('name: gen\nwindow: 100s\ncheckpoint: %s/cp-gen\n'
                'source: {type: generator, count: %d, seed: 1}\n'
                'sink: {type: stdout}\n' % (work, n))
    with open(events, 'wb') as o:
        subprocess.run([SLUICE, 'run', os.path.join(work, 'gen.yaml'),
                        '--until-idle', '--quiet'], stdout=o, check=True, env=env)
    size = os.path.getsize(events)

    def job(sink, name):
        p = os.path.join(work, name + '.yaml')
        with open(p, 'w') as f:
            f.write('name: %s\nwindow: 100s\ncheckpoint: %s/cp-%s\n'
                    'source: {type: file, path: "%s"}\n'
                    'sink: {%s, format: json, max_file_size: 128MiB}\n'
                    % (name, work, name, events, sink))
        return p

    # the same job into a local lake: the files the uploaders send
    local = measure([SLUICE, 'run', job('type: file, path: %s/lake' % work, 'local'),
                     '--until-idle', '--quiet'], env=env)
    files = []
    for d, _, fs in os.walk(os.path.join(work, 'lake')):
        if '_sluice_tmp' in d:
            continue
        files += [os.path.join(d, x) for x in sorted(fs) if x.endswith('.json')]
    lake_bytes = sum(os.path.getsize(p) for p in files)

    s3job = job('type: s3, path: "s3://bench/job", endpoint_url: "%s"' % url, 's3job')
    lst = os.path.join(work, 'files.txt')
    with open(lst, 'w') as f:
        f.write('\n'.join(files) + '\n')

    def run_job():
        shutil.rmtree(os.path.join(work, 'cp-s3job'), ignore_errors=True)
        return measure([SLUICE, 'run', s3job, '--until-idle', '--quiet'], env=env)

    # uploader alone: one process per file, as upload_file is one call per file
    def run_uploader():
        return measure(['/bin/sh', '-c',
                        'i=0; while read p; do i=$((i+1)); "%s" --endpoint "%s" --part-size 8388608 '
                        '--threads 6 upload bench "up/$i.json" "$p" >/dev/null 2>&1 || exit 1; done < "%s"'
                        % (DRIVER, url, lst)], env=env)

    def run_boto():
        return measure([PY, '-c', (
            'import boto3,sys\n'
            's3=boto3.client("s3",endpoint_url=sys.argv[1],aws_access_key_id="S3RVER",'
            'aws_secret_access_key="S3RVER",region_name="us-east-1")\n'
            'for i,p in enumerate(open(sys.argv[2]).read().split()):\n'
            '    s3.upload_file(p,"bench","boto/%d.json"%i)\n'), url, lst], env=env)

    # interleaved rounds, the fastest of each kept (the machine is shared)
    runs = {'boto': [], 'up': [], 'sl': []}
    for _ in range(ROUNDS):
        runs['boto'].append(run_boto())
        runs['sl'].append(run_job())
        runs['up'].append(run_uploader())
    boto, up, sl = (min(runs[k], key=lambda r: r['wall']) for k in ('boto', 'up', 'sl'))

    # the bucket holds what was sent
    chk = subprocess.run([PY, '-c', (
        'import boto3,sys\n'
        's3=boto3.client("s3",endpoint_url=sys.argv[1],aws_access_key_id="S3RVER",'
        'aws_secret_access_key="S3RVER",region_name="us-east-1")\n'
        'tot={}\n'
        'for pg in s3.get_paginator("list_objects_v2").paginate(Bucket="bench"):\n'
        '    for o in pg.get("Contents",[]): k=o["Key"].split("/")[0]; tot[k]=tot.get(k,0)+o["Size"]\n'
        'print(tot.get("job",0), tot.get("up",0), tot.get("boto",0))\n'), url],
        check=True, capture_output=True, text=True).stdout.split()
    # each round of the job starts over (new checkpoint id, new names)
    want = [lake_bytes * ROUNDS, lake_bytes, lake_bytes]
    assert [int(x) for x in chk] == want, (chk, want)

    mib = lake_bytes / (1 << 20)
    print('bench/s3: %d events, input %.1f MiB, lake %.1f MiB in %d files; best of %d rounds' %
          (n, size / (1 << 20), mib, len(files), ROUNDS))
    rows = [('boto3 upload_file (ref)', boto), ('sluice uploader', up),
            ('sluice job file->s3', sl), ('sluice job file->local', local)]
    for name, r in rows:
        print('  %-26s %8.2f s  %7.1f MiB/s  cpu %7.2f s  rss %6.1f MiB  %.2fx boto3 time' %
              (name, r['wall'], mib / r['wall'], r['cpu'], r['rss_mib'], r['wall'] / boto['wall']))
    print('RESULT s3 lake_mib=%.0f job_s=%.2f uploader_s=%.2f boto3_s=%.2f job_vs_boto3=%.2f '
          'uploader_vs_boto3=%.2f job_peak_rss_mib=%.1f uploader_peak_rss_mib=%.1f boto3_peak_rss_mib=%.1f'
          % (mib, sl['wall'], up['wall'], boto['wall'], sl['wall'] / boto['wall'],
             up['wall'] / boto['wall'], sl['rss_mib'], up['rss_mib'], boto['rss_mib']))
finally:
    if s3rver:
        subprocess.run(['kill', str(s3rver)])
    shutil.rmtree(work, ignore_errors=True)
