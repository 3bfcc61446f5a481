#!/usr/bin/env bash
# make test-cluster: brings up a one-node Slurm cluster on this machine (loopback only,
# non-default ports, everything under a temporary folder), runs a sharded sweep through
# `joule sweep --slurm --submit`, checks the merged result equals the same sweep run locally,
# cancels one shard in a second case and completes it with --only-missing, and stops every
# daemon it started (by pid) even when a check fails.
set -uo pipefail
cd "$(dirname "$0")/../.."
JOULE=${JOULE:-$PWD/.build/debug/joule}
[ -x "$JOULE" ] || { echo "test-cluster: build joule first ($JOULE missing)"; exit 1; }

missing=""
for p in slurmctld slurmd slurm-client munge; do dpkg -s $p >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test-cluster: installing$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null || exit 1
  else
    echo "test-cluster: needs$missing (run as root, or: sudo apt-get install$missing)"; exit 1
  fi
fi

failed=0
dir=$(mktemp -d /tmp/joule-cluster.XXXXXX)
chmod 755 "$dir"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
chmod 700 "$dir/munge"
base=$(( 20000 + ($$ % 20000) ))
passed=0
failed=0

stop() {
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
  done
  sleep 1
  for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [ -s "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null
  done
}
finish() {
  stop
  # Keep the folder (logs, scripts) when a check failed.
  [ "$failed" = 0 ] && rm -rf "$dir"
}
trap finish EXIT

check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then echo "  ok: $name"; passed=$((passed + 1)); else echo "  FAILED: $name"; failed=$((failed + 1)); fi
}

mungekey -c -k "$dir/munge/munge.key" || exit 1
munged --force --socket="$dir/munge/munge.sock" --key-file="$dir/munge/munge.key" --log-file="$dir/munge/munged.log" \
  --pid-file="$dir/munge/munged.pid" --seed-file="$dir/munge/munged.seed" || { echo "munged did not start"; exit 1; }

cat > "$dir/slurm.conf" <<CONF
ClusterName=joule
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=joule0 NodeAddr=127.0.0.1 NodeHostname=localhost CPUs=$(nproc) State=UNKNOWN
PartitionName=joule Nodes=joule0 Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf
slurmctld -f "$SLURM_CONF" || { echo "slurmctld did not start"; cat "$dir/slurmctld.log"; exit 1; }
slurmd -f "$SLURM_CONF" -N joule0 || { echo "slurmd did not start"; cat "$dir/slurmd.log"; exit 1; }
for _ in $(seq 60); do sinfo -h -o %T 2>/dev/null | grep -q idle && break; sleep 1; done
sinfo -h -o %T | grep -q idle || { echo "the node never came up"; tail -20 "$dir/slurmctld.log" "$dir/slurmd.log"; exit 1; }
echo "test-cluster: one-node cluster up in $dir (ports $base, $((base + 1)))"

# Waits for a job to leave the queue (bounded).
wait_job() {
  for _ in $(seq 180); do
    squeue -h -j "$1" 2>/dev/null | grep -q . || return 0
    sleep 1
  done
  echo "job $1 did not finish in 180 s"; return 1
}

cat > "$dir/sweep.yaml" <<SWEEP
name: cluster-test
base: { hardware: tpu-like, model: bert-base-uncased, phase: prefill, precision: int8, roofline: ideal }
axes:
  - { key: batch, values: [1, 2, 4, 8] }
  - { key: sequence, values: [32, 64, 128] }
  - { key: memory.UnifiedBuffer.size, values: [8 MiB, 24 MiB] }
objectives: [energy_per_token, latency]
SWEEP

"$JOULE" sweep "$dir/sweep.yaml" --out "$dir/local" > /dev/null 2>&1

echo "case 1: a 4-shard job array and its merge job"
out=$("$JOULE" sweep "$dir/sweep.yaml" --slurm --shards 4 --out "$dir/cluster" --submit)
echo "  $out" | head -1
merge_job=$(echo "$out" | sed -n 's/.*merge job \([0-9]*\).*/\1/p')
check "submitted both jobs" test -n "$merge_job"
[ -n "$merge_job" ] && wait_job "$merge_job"
check "merged points.csv equals the local run" cmp -s "$dir/cluster/points.csv" "$dir/local/points.csv"
check "every shard ran in its own folder" test -s "$dir/cluster/shard-4/points.csv"

echo "case 2: one shard cancelled mid-run, then --only-missing"
out=$("$JOULE" sweep "$dir/sweep.yaml" --slurm --shards 4 --out "$dir/cancelled" --submit)
array_job=$(echo "$out" | sed -n 's/submitted job array \([0-9]*\).*/\1/p')
merge_job=$(echo "$out" | sed -n 's/.*merge job \([0-9]*\).*/\1/p')
scancel "${array_job}_2" 2>/dev/null
[ -n "$merge_job" ] && wait_job "$merge_job"
# A task that finished before the cancel reached it is cut back as a kill would leave it.
if [ -s "$dir/cancelled/shard-2/points.csv" ]; then head -n 2 "$dir/cancelled/shard-2/points.csv" > "$dir/cut" && mv "$dir/cut" "$dir/cancelled/shard-2/points.csv"; fi
check "merge reports the missing points" grep -q "points missing" "$dir/cancelled/slurm/merge.log"
out=$("$JOULE" sweep "$dir/sweep.yaml" --slurm --shards 4 --out "$dir/cancelled" --only-missing --submit)
echo "  $out" | head -1
check "only shard 2 was resubmitted" grep -q "array=2$" "$dir/cancelled/slurm/sweep.sbatch"
merge_job=$(echo "$out" | sed -n 's/.*merge job \([0-9]*\).*/\1/p')
[ -n "$merge_job" ] && wait_job "$merge_job"
check "completed points.csv equals the local run" cmp -s "$dir/cancelled/points.csv" "$dir/local/points.csv"
nothing=$("$JOULE" sweep "$dir/sweep.yaml" --slurm --shards 4 --out "$dir/cancelled" --only-missing --submit)
check "nothing left to resubmit" grep -q "nothing to resubmit" <<< "$nothing"

echo "case 3: a serving sweep (cluster, plan, batch-cap and power-cap axes) in 2 shards"
cat > "$dir/serving.yaml" <<SWEEP
name: cluster-serving-test
base: { hardware: h100-sxm, model: llama-2-7b, workload: $PWD/Workloads/chat.yaml, cluster: dgx-h100 }
tiling_budget: 8
axes:
  - { key: tp, values: [1, 2] }
  - { key: concurrency, values: [8, 32] }
  - { key: power_limit, values: [300 W, 700 W] }
objectives: [energy_per_output_token, tpot]
constraints: ["tpot <= 8 ms"]
SWEEP
"$JOULE" sweep "$dir/serving.yaml" --out "$dir/serving-local" > /dev/null 2>&1
out=$("$JOULE" sweep "$dir/serving.yaml" --slurm --shards 2 --out "$dir/serving-cluster" --submit)
echo "  $out" | head -1
merge_job=$(echo "$out" | sed -n 's/.*merge job \([0-9]*\).*/\1/p')
check "submitted the serving sweep" test -n "$merge_job"
[ -n "$merge_job" ] && wait_job "$merge_job"
check "merged serving points.csv equals the local run" cmp -s "$dir/serving-cluster/points.csv" "$dir/serving-local/points.csv"
check "the serving columns are there" grep -q "tpot_s" "$dir/serving-local/points.csv"

echo "test-cluster: $passed passed, $failed failed"
[ "$failed" = 0 ] || echo "test-cluster: logs kept in $dir"
[ "$failed" = 0 ]
