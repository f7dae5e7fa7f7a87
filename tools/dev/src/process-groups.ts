import { clock, signalProcessGroup } from '@hitboard/runtime';
/**
 * What `npm start` runs, by process group: each app is spawned detached (its own group, so a Ctrl-C
 * reaches only the launcher) and stopped by group, so a wrapper's children (the dashboard's
 * `next start`) go with it. Each group is recorded in a pid file in the data folder while it runs:
 * after the launcher is killed outright (SIGKILL, a crash) the next start finds what is left and stops it.
 */
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A process group npm start owns: its name, its id (the leader's pid) and a text its members' command lines hold. */
export interface GroupRecord {
  name: string;
  pgid: number;
  /** Identifies the group's processes (an entry path, a data folder): a reused pid is never taken for ours. */
  marker: string;
  /** One process, not a group leader (the launcher itself, which runs in its terminal's group). */
  single?: boolean;
}

/** The live members of a process group, with their command lines (a dead leader's children still count). */
export function groupMembers(pgid: number): Array<{ pid: number; command: string }> {
  const ps = spawnSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
  const members: Array<{ pid: number; command: string }> = [];
  for (const line of ps.stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (m && Number(m[2]) === pgid) members.push({ pid: Number(m[1]), command: m[3]! });
  }
  return members;
}

/** One live process with its command line, or none. */
function processMember(pid: number): Array<{ pid: number; command: string }> {
  const ps = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
  const command = ps.status === 0 ? ps.stdout.trim() : '';
  return command ? [{ pid, command }] : [];
}

/** SIGTERM to the whole group, then SIGKILL to whatever is left after `graceMs`; resolves when none is left. */
export async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalProcessGroup(pgid, 'SIGTERM')) return;
  const deadline = clock.now() + graceMs;
  while (groupMembers(pgid).length > 0) {
    if (clock.now() > deadline) {
      signalProcessGroup(pgid, 'SIGKILL');
      await sleep(200);
      if (groupMembers(pgid).length === 0) return;
    }
    await sleep(100);
  }
}

/** The pid files of one data folder: `<dir>/<name>.json` per running group. */
export class PidFiles {
  constructor(readonly dir: string) {}

  record(group: GroupRecord): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, `${group.name}.json`), `${JSON.stringify(group)}\n`);
  }

  forget(name: string): void {
    rmSync(join(this.dir, `${name}.json`), { force: true });
  }

  /** Groups recorded here that still run (a member's command line holds the marker); stale files are removed. */
  leftovers(): GroupRecord[] {
    let files: string[];
    try {
      files = readdirSync(this.dir).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
    const alive: GroupRecord[] = [];
    for (const file of files) {
      let group: GroupRecord | null = null;
      try {
        group = JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as GroupRecord;
      } catch {
        // A half-written file from a crash: nothing to find.
      }
      const members = group && Number.isInteger(group.pgid) && group.pgid > 1 ? (group.single ? processMember(group.pgid) : groupMembers(group.pgid)) : [];
      if (group && members.some((m) => m.command.includes(group!.marker))) alive.push(group);
      else rmSync(join(this.dir, file), { force: true });
    }
    return alive;
  }
}
