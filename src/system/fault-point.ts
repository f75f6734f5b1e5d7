/**
 * Named points where the faults suite (test/system/faults) kills lbfw with
 * SIGKILL, so each crash window of a state-changing command is hit exactly,
 * not by luck of timing: `LBFW_FAULT_POINT=apply:after-commit lbfw apply`.
 * The kill is real (the kernel ends the process; no cleanup runs), which is
 * what a power-cut-like crash of an operator's run does. Unset, a no-op.
 */

let scope = '';

/**
 * faultScope prefixes every point of this process: the confirm timer runs
 * with the environment of the apply that started it, so its points are
 * `timer:...` and a kill meant for the timer never hits that apply.
 */
export function faultScope(prefix: string): void {
  scope = prefix;
}

/** faultPoint kills this process when LBFW_FAULT_POINT names `point` (in this process's scope). */
export function faultPoint(point: string): void {
  if (process.env['LBFW_FAULT_POINT'] === `${scope}${point}`) process.kill(process.pid, 'SIGKILL');
}
