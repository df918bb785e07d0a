/**
 * `--cpu-share <fraction>`: the bench's collector processes get only that fraction of one CPU, as a Lambda
 * function gets a share of a vCPU in proportion to its memory (1,769 MB = one vCPU, so 256 MB is about 0.145).
 * Done with a Linux CPU cgroup (v2 `cpu.max`, or v1 `cpu.cfs_quota_us`), which needs root; the simulators keep
 * the whole machine. Where no cgroup can be made, says so and why: the figures then would not mean what they say.
 */
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Lambda's CPU share at `memoryMiB`: one vCPU at 1,769 MB, in proportion below it. */
export function lambdaCpuShare(memoryMiB: number): number {
  return Math.min(1, memoryMiB / 1769);
}

export interface CpuShare {
  readonly fraction: number;
  /** Wraps a command so that it runs inside the cgroup (a shell that moves itself in, then execs the command). */
  wrap(command: string, args: readonly string[]): { command: string; args: string[] };
  remove(): void;
}

const PERIOD_US = 100_000;

export function createCpuShare(fraction: number): CpuShare {
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`--cpu-share must be a fraction of one CPU in (0, 1], got ${fraction}`);
  const quotaUs = Math.max(1_000, Math.round(fraction * PERIOD_US));
  const name = `mptcp-bench-${process.pid}`;
  const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  const dir = v2 ? join('/sys/fs/cgroup', name) : join('/sys/fs/cgroup/cpu', name);
  try {
    mkdirSync(dir);
    if (v2) writeFileSync(join(dir, 'cpu.max'), `${quotaUs} ${PERIOD_US}`);
    else {
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
    }
  } catch (error) {
    throw new Error(
      `--cpu-share: cannot make the CPU cgroup ${dir} (${(error as Error).message}); it needs root and a writable cgroup ` +
        `filesystem with the cpu controller (v2: enabled in the parent's cgroup.subtree_control)`,
    );
  }
  const procs = join(dir, 'cgroup.procs');
  return {
    fraction,
    wrap: (command, args) => ({ command: '/bin/sh', args: ['-c', `echo $$ > '${procs}' && exec "$@"`, 'cpu-share', command, ...args] }),
    remove: () => {
      try {
        rmdirSync(dir);
      } catch {
        // A child still inside (a failed run): the kernel removes the empty group when it ends; nothing to do.
      }
    },
  };
}
