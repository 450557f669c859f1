import * as fs from 'node:fs';

/** CPU counters of the whole machine, the database server and this process, at one instant. */
export interface CpuSnapshot {
  at: number;
  /** Jiffies of /proc/stat's cpu line: busy (all but idle and iowait) and all. */
  busy: number | null;
  /** Jiffies (utime + stime) of every process named postgres. */
  postgres: number | null;
  /** This process, all its threads (µs). */
  self: NodeJS.CpuUsage;
  /** Jiffies (utime + stime, all threads) of named processes (the servers, the call client). */
  processes: Record<string, number | null>;
}

/** Clock ticks per second of /proc's counters (USER_HZ: 100 on Linux). */
const HZ = 100;

function machineBusy(): number | null {
  try {
    const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
    const [user, nice, system, , , irq, softirq, steal] = cpu.map(Number);
    return user + nice + system + irq + softirq + steal;
  } catch {
    return null;
  }
}

/** utime + stime of one process from its /proc/<pid>/stat; its comm too (it may hold spaces). */
function statOf(pid: number | string): { comm: string; jiffies: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state … : the fields after the comm are counted from its ')'
    const close = stat.lastIndexOf(')');
    const f = stat.slice(close + 2).split(' ');
    return {
      comm: stat.slice(stat.indexOf('(') + 1, close),
      jiffies: Number(f[11]) + Number(f[12]),
    };
  } catch {
    return null; // the process ended meanwhile
  }
}

function postgresJiffies(): number | null {
  let total = 0;
  let seen = false;
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  for (const pid of pids) {
    const s = statOf(pid);
    if (s?.comm !== 'postgres') continue;
    total += s.jiffies;
    seen = true;
  }
  return seen ? total : null;
}

/** The counters now; `pids` names processes to follow one by one (the servers, the client). */
export function cpuSnapshot(pids: Record<string, number | undefined> = {}): CpuSnapshot {
  return {
    at: performance.now(),
    busy: machineBusy(),
    postgres: postgresJiffies(),
    self: process.cpuUsage(),
    processes: Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => [
        name,
        pid === undefined ? null : (statOf(pid)?.jiffies ?? null),
      ]),
    ),
  };
}

/**
 * Cores used between two snapshots (1 = one whole core): the whole machine, the PostgreSQL
 * server's processes (backends that ended between the two are not counted), this process, and
 * each named process of `b` (null when it was not running at one of them; a process `a` did not
 * follow yet counts from 0, it was started after `a`).
 */
export function coresBetween(a: CpuSnapshot, b: CpuSnapshot) {
  const sec = (b.at - a.at) / 1000;
  const cores = (x: number | null, y: number | null, perSec: number) =>
    x === null || y === null ? null : Math.round(((y - x) / perSec / sec) * 100) / 100;
  const selfUs = b.self.user + b.self.system - (a.self.user + a.self.system);
  return {
    machineBusy: cores(a.busy, b.busy, HZ),
    postgres: cores(a.postgres, b.postgres, HZ),
    bench: Math.round((selfUs / 1e6 / sec) * 100) / 100,
    ...Object.fromEntries(
      Object.keys(b.processes).map((name) => [
        name,
        // followed only from after `a`: started after it, so all its time is in between
        cores(name in a.processes ? a.processes[name] : 0, b.processes[name], HZ),
      ]),
    ),
  };
}

/**
 * Resident memory of each named process now and at its peak so far (VmRSS and VmHWM of
 * /proc/<pid>/status, MB, all its threads); null for a process not running.
 */
export function memoryOf(
  pids: Record<string, number | undefined>,
): Record<string, { rssMb: number; peakRssMb: number } | null> {
  const kb = (status: string, key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => {
      if (pid === undefined) return [name, null];
      try {
        const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
        const mb = (key: string) => Math.round(kb(status, key) / 1024);
        return [name, { rssMb: mb('VmRSS'), peakRssMb: mb('VmHWM') }];
      } catch {
        return [name, null];
      }
    }),
  );
}
