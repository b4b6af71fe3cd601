#!/usr/bin/env bash
# A one-node SLURM on this machine for tests (docs: README "Sweeps"): slurm_local.sh start|stop|status
#   start: writes a minimal slurm.conf (this host, its CPUs, partition `debug`, no GPUs, requeue on), starts
#          munged, slurmctld and slurmd as root, and waits until `sinfo` shows the node idle.
#   stop:  stops them by their pid files.
# Needs Debian's slurm-wlm and munge (apt-get install -y --no-install-recommends slurm-wlm munge) and root.
# State lives in $SLURM_LOCAL_DIR (default /tmp/radzero-slurm). Works without systemd or cgroups.
set -euo pipefail

DIR="${SLURM_LOCAL_DIR:-/tmp/radzero-slurm}"
CONF_DIR=/etc/slurm
HOST="$(hostname -s)"
CPUS="$(nproc)"
MEM_MB="$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)"

die() { echo "slurm_local.sh: $*" >&2; exit 1; }

start() {
  [ "$(id -u)" = 0 ] || die "run as root (munged, slurmctld and slurmd are started directly)"
  for bin in munged slurmctld slurmd sinfo; do
    command -v "$bin" >/dev/null || die "$bin not found: apt-get install -y --no-install-recommends slurm-wlm munge"
  done
  mkdir -p "$DIR"/{spool/ctld,spool/d,log,state} "$CONF_DIR" /run/munge /var/lib/munge /var/log/munge
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  fi
  chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
  chmod 400 /etc/munge/munge.key
  cat > "$CONF_DIR/slurm.conf" <<EOF
ClusterName=radzero-local
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobRequeue=1
FirstJobId=$(( $(date +%s) % 50000000 + 1000 ))
ReturnToService=2
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool/d
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
AccountingStorageType=accounting_storage/none
MpiDefault=none
KillWait=5
MinJobAge=600
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
  if ! pgrep -x munged >/dev/null; then
    su -s /bin/sh munge -c "munged --force" 2>/dev/null || munged --force
  fi
  pgrep -x slurmctld >/dev/null || slurmctld -c
  pgrep -x slurmd >/dev/null || slurmd -c
  for _ in $(seq 60); do
    if sinfo -h -o "%T" 2>/dev/null | grep -qx idle; then
      echo "slurm_local.sh: node $HOST idle ($CPUS CPUs, partition debug); state in $DIR"
      return 0
    fi
    sleep 1
  done
  tail -n 20 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 || true
  die "the node did not become idle within 60 s (logs above)"
}

stop() {
  for name in slurmd slurmctld; do
    if [ -s "$DIR/$name.pid" ]; then
      pid="$(cat "$DIR/$name.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done  # gone before a restart
      rm -f "$DIR/$name.pid"
    fi
  done
  echo "slurm_local.sh: stopped slurmctld and slurmd (munged left running)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) sinfo ;;
  *) die "usage: slurm_local.sh start|stop|status" ;;
esac
