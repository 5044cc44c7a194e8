# SPDX-License-Identifier: MIT
# The measuring half of run_load.sh: quarry-cli load killed twice mid-upload and resumed,
# then `bq load` of the same file, against one sandbox. Prints one JSON line per client and
# a summary line. Usage: load_bench.py QUARRY_CLI URL WORKDIR SCHEMA_JSON ROWS
import glob, json, os, signal, subprocess, sys, time

cli, url, work, schema_file, rows = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
data = os.path.join(work, "persons.ndjson")
size = os.path.getsize(data)
env = dict(os.environ, XDG_STATE_HOME=os.path.join(work, "state"))
quarry = [cli, "--endpoint", url, "--project", "bench"]

def run(args, **kw):
    return subprocess.run(args, env=env, capture_output=True, text=True, **kw)

def timed(args, rss_file):
    """Starts args under GNU time (peak RSS to rss_file)."""
    return subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file] + args, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

def peak_mb(rss_file):
    lines = [l for l in open(rss_file).read().split("\n") if l.strip().isdigit()]
    return int(lines[-1]) / 1024

def uploaded():
    """Bytes the sandbox holds of the upload in progress."""
    files = glob.glob(os.path.join(work, "data", ".uploads", "*.data"))
    return max((os.path.getsize(f) for f in files), default=0)

def count(table):
    out = run(quarry + ["--format", "json", "query", "SELECT COUNT(*) AS n, COUNT(DISTINCT fullName) AS d FROM bench_ds.%s" % table])
    r = json.loads(out.stdout)[0]
    return int(r["n"]), int(r["d"])

run(quarry + ["mk", "bench_ds"]).check_returncode()
schema = json.load(open(schema_file))
schema_fields = os.path.join(work, "fields.json")
json.dump(schema["fields"], open(schema_fields, "w"))

# quarry-cli load, killed when the sandbox holds 30% and then 60% of the file.
started = time.time()
peaks, kills = [], 0
for cut in (0.30, 0.60, None):
    rss = os.path.join(work, "rss.q%d" % kills)
    p = timed(quarry + ["load", "--no-progress", data, "bench_ds.quarry", schema_fields], rss)
    if cut is None:
        out = p.communicate()[0]
        if p.returncode != 0:
            sys.exit("quarry-cli load failed: " + out)
    else:
        while uploaded() < cut * size and p.poll() is None:
            time.sleep(0.02)
        if p.poll() is not None:
            sys.exit("quarry-cli load ended before it could be killed: " + p.communicate()[0])
        with open("/proc/%d/task/%d/children" % (p.pid, p.pid)) as f:
            for child in f.read().split():
                os.kill(int(child), signal.SIGKILL)
        p.communicate()
        kills += 1
    peaks.append(peak_mb(rss))
quarry_s = time.time() - started
resumed = "continuing the upload from byte" in out
n, d = count("quarry")
q = {"client": "quarry-cli load", "seconds": round(quarry_s, 1), "mb_per_s": round(size / 1e6 / quarry_s, 1),
     "peak_rss_mb": round(max(peaks)), "kills": kills, "resumed": resumed, "rows": n, "distinct_names": d}
print(json.dumps(q))

# bq load of the same file (the bq CLI's resumable upload), into another table.
sdk = os.path.dirname(os.path.dirname(os.path.realpath(subprocess.run(["bash", "-c", "command -v bq"], capture_output=True, text=True).stdout.strip())))
if not os.path.exists(os.path.join(sdk, "platform/bq/bq.py")):
    sdk = "/usr/lib/google-cloud-sdk"
py = os.path.join(sdk, "platform/bundledpythonunix/bin/python3")
if not os.access(py, os.X_OK):
    py = "python3"
open(os.path.join(work, "bqrc"), "w").close()
env["CLOUDSDK_CONFIG"] = os.path.join(work, "gcloud")
bq = [py, os.path.join(sdk, "platform/bq/bq.py"), "--api", url, "--discovery_file",
      os.path.join(sdk, "platform/bq/discovery_next/bigquery.json"), "--oauth_access_token", "x",
      "--project_id", "bench", "--bigqueryrc", os.path.join(work, "bqrc"), "--quiet"]
rss = os.path.join(work, "rss.bq")
started = time.time()
p = timed(bq + ["load", "--source_format=NEWLINE_DELIMITED_JSON", "bench:bench_ds.bq", data, schema_fields], rss)
out = p.communicate()[0]
bq_s = time.time() - started
if p.returncode != 0:
    sys.exit("bq load failed: " + out)
n, d = count("bq")
b = {"client": "bq load", "seconds": round(bq_s, 1), "mb_per_s": round(size / 1e6 / bq_s, 1),
     "peak_rss_mb": round(peak_mb(rss)), "rows": n, "distinct_names": d}
print(json.dumps(b))
ok = q["rows"] == rows and q["distinct_names"] == rows and b["rows"] == rows
print(json.dumps({"file_mb": round(size / 1e6), "rows": rows, "exactly_once": ok,
                  "ratio_quarry_over_bq_throughput": round(q["mb_per_s"] / b["mb_per_s"], 2)}))
sys.exit(0 if ok else 1)
