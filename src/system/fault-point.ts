/**
 * Named points where the faults suite (test/system/faults) kills lbfw with
 * SIGKILL, so each crash window of a state-changing command is hit exactly,
 * not by luck of timing: `LBFW_FAULT_POINT=apply:after-commit lbfw apply`.
 * The kill is real (the kernel ends the process; no cleanup runs), which is
 * what a power-cut-like crash of an operator's run does. Unset, a no-op.
 */

/** faultPoint kills this process when LBFW_FAULT_POINT names `point`. */
export function faultPoint(point: string): void {
  if (process.env['LBFW_FAULT_POINT'] === point) process.kill(process.pid, 'SIGKILL');
}
