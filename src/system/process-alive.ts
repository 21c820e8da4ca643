// Whether a process still runs, asked by its pid: for a lock or a folder whose owner may have died.

/**
 * Signal 0 sends nothing, it only asks whether the pid exists. EPERM means it does, under another
 * user. A zombie (dead, not reaped yet) still counts as alive: it keeps its pid.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
