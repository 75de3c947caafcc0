#!/usr/bin/env bash
# A real one-node Slurm cluster in one folder, for tests and for trying Kiln's Slurm executor by hand: a private
# munged, slurmctld and slurmd (Debian's slurm-wlm and munge; no systemd), all run as root, everything they write
# kept inside DIR. Clients find it through SLURM_CONF=DIR/slurm.conf, which `start` prints.
#
#   scripts/slurm-cluster.sh start DIR [PORT_BASE]   SlurmctldPort=PORT_BASE, SlurmdPort=PORT_BASE+1 (free ones if
#                                                    not given), waits until the node is idle (20 s at most)
#   scripts/slurm-cluster.sh stop DIR                cancels every job, stops the daemons; a stopped or absent
#                                                    cluster is fine
#   scripts/slurm-cluster.sh restart-slurmd DIR      a new slurmd (after a test killed it), waits until the node
#                                                    is back in service (20 s at most)
#
# Two clusters in two folders can run side by side. Their process ids are in DIR/{munged,slurmctld,slurmd}.pid.
set -euo pipefail

usage() {
    echo "usage: $0 start DIR [PORT_BASE] | stop DIR | restart-slurmd DIR" >&2
    exit 2
}

[ $# -ge 2 ] || usage
action=$1
dir=$2

daemons=(slurmd slurmctld munged)

# The id saved in DIR/NAME.pid if that process is alive and is still this cluster's daemon (its command line names
# DIR), so a recycled id is never signalled.
live_pid() {
    local file="$dir/$1.pid" pid
    [ -s "$file" ] || return 1
    pid=$(cat "$file")
    [ -r "/proc/$pid/cmdline" ] || return 1
    local cmdline
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline")
    case $cmdline in
    # Just launched, a daemon may still be this script's subshell, not yet exec'd.
    *"$dir/"* | *slurm-cluster.sh*) ;;
    *) return 1 ;;
    esac
    echo "$pid"
}

# Whether the daemon this script just launched (DIR/NAME.pid) is still alive, perhaps not yet exec'd.
launched_alive() {
    local pid
    pid=$(cat "$dir/$1.pid" 2>/dev/null) || return 1
    [ -e "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null
}

# This cluster's slurmstepd processes, which slurmd leaves as orphans of init: each one keeps slurmd's log open.
stepd_pids() {
    local pid
    for pid in $(pgrep -x slurmstepd || true); do
        if ls -l "/proc/$pid/fd" 2>/dev/null | grep -qF -- "$dir/log/slurmd.log"; then echo "$pid"; fi
    done
}

print_logs() {
    local f
    for f in "$dir"/log/*; do
        [ -e "$f" ] || continue
        echo "==> $f <==" >&2
        tail -n 40 "$f" >&2
    done
}

# Without ss (iproute2) every port looks free; the random pick below still makes a clash unlikely.
port_free() {
    ! ss -Htln "sport = :$1" 2>/dev/null | grep -q .
}

# Runs a daemon (its stdio redirected by the caller) as if started from a clean shell. Without any other descriptor
# this script inherited: a caller such as Foundation's Process waits until every holder of its descriptors has
# exited, which a daemon never does. With no signal blocked and SIGTERM, SIGINT, SIGHUP and SIGQUIT at their
# defaults: a test runner's thread blocks signals, and munged and slurmd would then never see stop's SIGTERM. Call
# it with `&`: it runs in that subshell and becomes the daemon (perl, which Debian always has, execs it), so $! is
# the daemon's id.
spawn() {
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
        fd=${fd##*/}
        if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    # shellcheck disable=SC2016
    exec perl -MPOSIX -e '
        $SIG{$_} = "DEFAULT" for qw(TERM INT HUP QUIT);
        sigprocmask(SIG_SETMASK, POSIX::SigSet->new) or die "sigprocmask: $!\n";
        exec { $ARGV[0] } @ARGV or die "cannot run $ARGV[0]: $!\n";
    ' "$@"
}

# slurmd, in the background, its output appended to DIR/log/slurmd.out and its id in DIR/slurmd.pid.
launch_slurmd() {
    cd "$dir"
    spawn slurmd -D -N localhost -f "$dir/slurm.conf" >>"$dir/log/slurmd.out" 2>&1 </dev/null &
    echo $! >"$dir/slurmd.pid"
}

start() {
    local port_base=${1:-}
    if live_pid slurmctld >/dev/null || live_pid slurmd >/dev/null || live_pid munged >/dev/null; then
        echo "slurm-cluster: a cluster is already running in $dir; stop it first ($0 stop $dir)" >&2
        exit 1
    fi
    for tool in munged slurmctld slurmd sinfo; do
        command -v "$tool" >/dev/null || {
            echo "slurm-cluster: $tool is missing; run scripts/setup.sh (Debian's slurm-wlm and munge)" >&2
            exit 1
        }
    done
    if [ "$(id -u)" -ne 0 ]; then
        echo "slurm-cluster: the daemons run as root; run this as root" >&2
        exit 1
    fi

    local ctld_port slurmd_port
    if [ -n "$port_base" ]; then
        ctld_port=$port_base
        slurmd_port=$((port_base + 1))
    else
        # Below Linux's ephemeral range, so no outgoing connection holds them; random, so clusters started at the
        # same moment rarely pick the same pair.
        local tries=0
        while :; do
            ctld_port=$((20000 + (RANDOM % 6000) * 2))
            slurmd_port=$((ctld_port + 1))
            port_free "$ctld_port" && port_free "$slurmd_port" && break
            tries=$((tries + 1))
            [ $tries -lt 50 ] || {
                echo "slurm-cluster: found no two free ports" >&2
                exit 1
            }
        done
    fi

    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # A new cluster numbers jobs from 1 again, so the old record of ended jobs goes too.
    rm -rf "$dir/munge" "$dir/state" "$dir/spool" "$dir/log" "$dir/run" "$dir/jobcomp.txt"
    mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log" "$dir/run"
    # munged refuses a socket folder that not everyone can enter.
    chmod 755 "$dir" "$dir/munge"
    head -c 1024 /dev/urandom >"$dir/munge/munge.key"
    chmod 400 "$dir/munge/munge.key"

    local node
    node=$(slurmd -C | head -n 1 | sed -e 's/^NodeName=[^ ]*/NodeName=localhost NodeAddr=127.0.0.1/')
    cat >"$dir/slurm.conf" <<EOF
# Made by scripts/slurm-cluster.sh: a one-node cluster in $dir.
ClusterName=kiln-test
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# No cgroup setup needed; scancel still kills the job's descendants.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
# A lasting record of each job's end state, after squeue has forgotten the job.
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
MailProg=/bin/true
MpiDefault=none
ReturnToService=2
# A batch job starts at the controller's next 1-second tick after sbatch (0-1 s; about 2 s for the first job after
# start) instead of up to 3 s later.
SchedulerParameters=batch_sched_delay=0
# squeue keeps a finished job for 5 minutes (the default).
MinJobAge=300
# A dead slurmd marks the node down (and its jobs NODE_FAIL, or requeued) in about 12 s instead of 25 s; the ping
# that finds it gone waits MessageTimeout, so both count. Measured: 10/10 -> 25 s, 5/3 -> 12 s, 3/1 -> 7 s.
SlurmdTimeout=5
MessageTimeout=3
KillWait=5
$node
PartitionName=debug Nodes=localhost Default=YES MaxTime=UNLIMITED State=UP
EOF

    # The daemons' working folder: not the caller's, which may be removed while they run.
    cd "$dir"
    spawn munged -F --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" \
        >"$dir/log/munged.out" 2>&1 </dev/null &
    echo $! >"$dir/munged.pid"
    local deadline=$((SECONDS + 20))
    while [ ! -S "$dir/munge/munge.socket" ]; do
        if ! launched_alive munged || [ $SECONDS -ge $deadline ]; then
            echo "slurm-cluster: munged did not start" >&2
            print_logs
            stop_cluster
            exit 1
        fi
        sleep 0.05
    done

    spawn slurmctld -D -i -f "$dir/slurm.conf" >"$dir/log/slurmctld.out" 2>&1 </dev/null &
    echo $! >"$dir/slurmctld.pid"
    launch_slurmd

    export SLURM_CONF="$dir/slurm.conf"
    while [ "$(sinfo -h -n localhost -o %t 2>/dev/null || true)" != "idle" ]; do
        if ! launched_alive slurmctld || ! launched_alive slurmd || [ $SECONDS -ge $deadline ]; then
            echo "slurm-cluster: the node did not become idle within 20 s" \
                "(sinfo: $(sinfo -h -n localhost -o %t 2>&1 || true))" >&2
            print_logs
            stop_cluster
            exit 1
        fi
        sleep 0.1
    done
    echo "SLURM_CONF=$dir/slurm.conf"
}

# Sends `signal` to every pid given that is alive, then waits up to `seconds` for all of them to be gone.
signal_and_wait() {
    local signal=$1 seconds=$2 pid
    shift 2
    [ $# -gt 0 ] || return 0
    kill "-$signal" "$@" 2>/dev/null || true
    local deadline=$((SECONDS + seconds))
    while :; do
        local alive=0
        for pid in "$@"; do
            # A zombie is gone for our purpose; its parent (this script's parent) reaps it.
            if [ -e "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then alive=1; fi
        done
        [ $alive -eq 1 ] || return 0
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.05
    done
}

stop_cluster() {
    [ -d "$dir" ] || return 0
    dir=$(cd "$dir" && pwd)
    local pids=() name pid
    if live_pid slurmctld >/dev/null && [ -e "$dir/slurm.conf" ]; then
        export SLURM_CONF="$dir/slurm.conf"
        local jobs
        jobs=$(squeue -h -o %A 2>/dev/null | tr '\n' ' ' || true)
        if [ -n "${jobs// /}" ]; then
            # shellcheck disable=SC2086
            scancel $jobs 2>/dev/null || true
            # Their slurmstepd processes would outlive slurmd; give them a moment to end the jobs.
            local deadline=$((SECONDS + 5))
            while [ -n "$(squeue -h -t pending,running,completing,configuring -o %A 2>/dev/null || true)" ] \
                && [ $SECONDS -lt $deadline ]; do
                sleep 0.1
            done
        fi
    fi
    for name in "${daemons[@]}"; do
        if pid=$(live_pid "$name"); then pids+=("$pid"); fi
    done
    for pid in $(stepd_pids); do pids+=("$pid"); done
    if [ ${#pids[@]} -gt 0 ] && ! signal_and_wait TERM 10 "${pids[@]}"; then
        signal_and_wait KILL 5 "${pids[@]}" || true
    fi
    # A job whose slurmd is gone leaves its slurmstepd behind; it ends here at the latest.
    local stepds
    stepds=$(stepd_pids)
    # shellcheck disable=SC2086
    [ -z "$stepds" ] || signal_and_wait KILL 5 $stepds || true
    rm -f "$dir/munged.pid" "$dir/slurmctld.pid" "$dir/slurmd.pid"
}

# A new slurmd for a running cluster (after a test killed the old one): the node returns to service
# (ReturnToService=2) and is no longer down or unresponsive within 20 s.
restart_slurmd() {
    dir=$(cd "$dir" && pwd)
    live_pid slurmctld >/dev/null || {
        echo "slurm-cluster: no cluster is running in $dir; start one first ($0 start $dir)" >&2
        exit 1
    }
    local pid
    if pid=$(live_pid slurmd); then signal_and_wait TERM 10 "$pid" || signal_and_wait KILL 5 "$pid" || true; fi
    local launched
    launched=$(date +%s)
    launch_slurmd
    export SLURM_CONF="$dir/slurm.conf"
    local deadline=$((SECONDS + 20)) state registered
    while :; do
        state=$(sinfo -h -n localhost -o %t 2>/dev/null || true)
        # Until the new slurmd registers, the controller may still call the node idle from before the old one died.
        registered=$(scontrol -o show node localhost 2>/dev/null | sed -n 's/.*SlurmdStartTime=\([^ ]*\).*/\1/p')
        registered=$(date -d "$registered" +%s 2>/dev/null || echo 0)
        if [ "$registered" -ge "$launched" ]; then
            case $state in
            idle | alloc | mix) break ;;
            esac
        fi
        if ! launched_alive slurmd || [ $SECONDS -ge $deadline ]; then
            echo "slurm-cluster: the node did not return to service within 20 s (sinfo: $state)" >&2
            print_logs
            exit 1
        fi
        sleep 0.1
    done
}

case $action in
start)
    [ $# -le 3 ] || usage
    start "${3:-}"
    ;;
stop)
    [ $# -eq 2 ] || usage
    stop_cluster
    ;;
restart-slurmd)
    [ $# -eq 2 ] || usage
    restart_slurmd
    ;;
*) usage ;;
esac
