#!/bin/sh
# Beyond one machine, for real: a single-node Slurm (munge + slurmctld + slurmd, configured
# here in a temporary folder, stopped by pid at the end) runs a tiny spec's jobs file as
# experiments/slurm/array.sbatch does; one task is killed (scancel); `sweep --status` says
# what remains, that is resubmitted, and the table is complete.  Then the same spec through
# GNU parallel over ssh to localhost (sshd on a high port with generated keys and a
# known_hosts file).  Each step is bounded in time.  Needs root and slurm-wlm, munge,
# openssh-server, parallel (.ci/run installs them); without them: SKIP (77) with the reason.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/.." && pwd)

skip() {
  echo "SKIP: $1"
  exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root (slurmd runs the jobs)"
for t in munged slurmctld slurmd sbatch squeue scancel sshd ssh ssh-keygen parallel timeout; do
  command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || skip "$t not installed (apt-get install slurm-wlm munge openssh-server openssh-client parallel)"
done
PATH=$PATH:/usr/sbin
T=$(cd "$(dirname "$T")" && pwd)/$(basename "$T")

# a port pair free on loopback, from this process's pid
port=$((20000 + ($$ % 15000) * 2))

pids=""
cleanup() {
  for f in "$tmp"/slurm/slurmd.pid "$tmp"/slurm/slurmctld.pid "$tmp"/munge/pid "$tmp"/ssh/sshd.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  sleep 0.5
  for f in "$tmp"/slurm/slurmd.pid "$tmp"/slurm/slurmctld.pid "$tmp"/munge/pid "$tmp"/ssh/sshd.pid; do
    [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/spec.ini" <<'SPEC'
[experiment]
name = cluster
environments = hopper
seeds = 2
steps = 12288
[variant ppo]
algo = ppo-clip
[variant a2c]
algo = a2c
SPEC

# ---- munge and Slurm -----------------------------------------------------------------------
mkdir -p "$tmp/munge" "$tmp/slurm/state" "$tmp/slurm/spool" "$tmp/work"
chmod 700 "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/key" bs=1024 count=1 2>/dev/null
chmod 400 "$tmp/munge/key"
munged --force --key-file="$tmp/munge/key" --socket="$tmp/munge/sock" \
  --pid-file="$tmp/munge/pid" --log-file="$tmp/munge/log" --seed-file="$tmp/munge/seed"
check "munged starts" $?
host=$(hostname -s)
cat >"$tmp/slurm/slurm.conf" <<EOF
ClusterName=trbenchtest
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/sock
CredType=cred/munge
StateSaveLocation=$tmp/slurm/state
SlurmdSpoolDir=$tmp/slurm/spool
SlurmctldPidFile=$tmp/slurm/slurmctld.pid
SlurmdPidFile=$tmp/slurm/slurmd.pid
SlurmctldLogFile=$tmp/slurm/slurmctld.log
SlurmdLogFile=$tmp/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=2 RealMemory=4096 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$tmp/slurm/slurm.conf"
slurmctld -f "$SLURM_CONF" && slurmd -f "$SLURM_CONF"
check "slurmctld and slurmd start" $?
i=0
until sinfo -h -o %t 2>/dev/null | grep -q idle; do
  i=$((i + 1))
  [ $i -lt 100 ] || break
  sleep 0.2
done
check "the node is idle within 20 s" "$(sinfo -h -o %t | grep -q idle; echo $?)"

# wait_queue JOBID SECONDS — until the job has left the queue
wait_queue() {
  j=0
  while squeue -h -j "$1" 2>/dev/null | grep -q .; do
    j=$((j + 1))
    [ $j -lt $(($2 * 5)) ] || return 1
    sleep 0.2
  done
}

cd "$tmp/work" || exit 99
"$T" sweep "$tmp/spec.ini" --results "$tmp/res_slurm" --jobs-file jobs.txt >/dev/null
check "jobs file of 4 runs" "$(test "$(wc -l <jobs.txt)" -eq 4; echo $?)"
job=$(sbatch --parsable --array=1-4 "$SRC/experiments/slurm/array.sbatch" jobs.txt)
check "sbatch accepts the array" $?
# kill task 1 while it runs: its run directory is still a temporary
first="$tmp/res_slurm/cluster/runs/ppo__hopper__s1"
j=0
until ls -d "$first".tmp.* >/dev/null 2>&1 || [ -d "$first" ]; do
  j=$((j + 1))
  [ $j -lt 600 ] || break
  sleep 0.05
done
scancel "${job}_1"
check "task 1 killed before it finished" "$(test ! -d "$first"; echo $?)"
wait_queue "$job" 120
check "the array leaves the queue within 120 s" $?

"$T" sweep "$tmp/spec.ini" --status --jobs-file left.txt >status.txt 2>&1
check "--status exit 0 (found the sweep by its spec alone)" $?
check "--status: 3 complete" "$(grep -qx 'complete	3' status.txt; echo $?)"
check "--status: nothing running" "$(grep -qx 'running	0' status.txt; echo $?)"
check "--status: one run remains" "$(test "$(wc -l <left.txt)" -eq 1 && grep -q ppo__hopper__s1 left.txt; echo $?)"
check "a finished task's .out shows its closing line" \
  "$(grep -l ': ok, return_last100' trbench-"${job}"_*.out | grep -q .; echo $?)"

job2=$(sbatch --parsable --array=1-"$(wc -l <left.txt)" "$SRC/experiments/slurm/array.sbatch" left.txt)
check "resubmission accepted" $?
wait_queue "$job2" 120
check "the resubmission leaves the queue within 120 s" $?
"$T" sweep "$tmp/spec.ini" --status --clean --jobs-file left2.txt >status2.txt 2>&1
check "--status after resubmission: 4 complete, nothing left" \
  "$(grep -qx 'complete	4' status2.txt && test ! -s left2.txt; echo $?)"
check "--status --clean removed the killed run's temporary" "$(! ls -d "$first".tmp.* >/dev/null 2>&1; echo $?)"
"$T" table "$tmp/spec.ini" >table.md 2>&1
check "table (settings from the sweep) exit 0" $?
check "table: 4 of 4 runs found" "$(grep -q '(4 of 4 found' table.md; echo $?)"

# ---- GNU parallel over ssh to localhost ------------------------------------------------------
mkdir -p "$tmp/ssh" /run/sshd
chmod 700 "$tmp/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/ssh/hostkey" && ssh-keygen -q -t ed25519 -N '' -f "$tmp/ssh/userkey"
cp "$tmp/ssh/userkey.pub" "$tmp/ssh/authorized_keys"
sport=$((port + 2))
cat >"$tmp/ssh/sshd_config" <<EOF
Port $sport
ListenAddress 127.0.0.1
HostKey $tmp/ssh/hostkey
PidFile $tmp/ssh/sshd.pid
AuthorizedKeysFile $tmp/ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
EOF
echo "[127.0.0.1]:$sport $(cut -d' ' -f1-2 "$tmp/ssh/hostkey.pub")" >"$tmp/ssh/known_hosts"
cat >"$tmp/ssh/config" <<EOF
Host trbench-test
  HostName 127.0.0.1
  Port $sport
  User root
  IdentityFile $tmp/ssh/userkey
  IdentitiesOnly yes
  UserKnownHostsFile $tmp/ssh/known_hosts
  StrictHostKeyChecking yes
  BatchMode yes
  ConnectTimeout 10
EOF
"$(command -v sshd || echo /usr/sbin/sshd)" -f "$tmp/ssh/sshd_config" -E "$tmp/ssh/log"
check "sshd starts" $?
j=0
until timeout 5 ssh -F "$tmp/ssh/config" trbench-test true 2>/dev/null; do
  j=$((j + 1))
  [ $j -lt 20 ] || break
  sleep 0.25
done
check "ssh to localhost with the generated keys" "$(timeout 10 ssh -F "$tmp/ssh/config" trbench-test true; echo $?)"
"$T" sweep "$tmp/spec.ini" --results "$tmp/res_ssh" --jobs-file jobs_ssh.txt >/dev/null
timeout 300 parallel --will-cite --ssh "ssh -F $tmp/ssh/config" -S 2/trbench-test <jobs_ssh.txt >ssh.out 2>&1
check "parallel over ssh ran the 4 runs" $?
"$T" sweep "$tmp/spec.ini" --results "$tmp/res_ssh" --status >status3.txt 2>&1
check "--status over the ssh results: 4 complete" "$(grep -qx 'complete	4' status3.txt; echo $?)"
same=0
for r in "$tmp"/res_slurm/cluster/runs/*; do
  b=$(basename "$r")
  case $b in *.tmp.*) same=1 ;; esac
  a1=$(grep '^return_last100' "$r/summary.ini")
  a2=$(grep '^return_last100' "$tmp/res_ssh/cluster/runs/$b/summary.ini" 2>/dev/null)
  [ -n "$a1" ] && [ "$a1" = "$a2" ] || same=1
done
check "Slurm and ssh give identical scores" $same

cd /
finish cluster
