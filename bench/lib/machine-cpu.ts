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
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // pid (comm) state … : the comm may hold spaces, the fields after it are counted from ')'
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const f = stat.slice(close + 2).split(' ');
      total += Number(f[11]) + Number(f[12]);
      seen = true;
    } catch {
      /* the process ended meanwhile */
    }
  }
  return seen ? total : null;
}

export function cpuSnapshot(): CpuSnapshot {
  return {
    at: performance.now(),
    busy: machineBusy(),
    postgres: postgresJiffies(),
    self: process.cpuUsage(),
  };
}

/**
 * Cores used between two snapshots (1 = one whole core): the whole machine, the PostgreSQL
 * server's processes (backends that ended between the two are not counted) and this process.
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
  };
}
