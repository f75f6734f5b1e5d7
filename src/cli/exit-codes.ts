/**
 * Exit codes of every lbfw command.
 */

/** The job was done and nothing is wrong. */
export const EXIT_OK = 0;
/** lbfw could not do the job: bad input, missing permission, the kernel refused. */
export const EXIT_FAILED = 1;
/** lbfw ran and found drift or problems. */
export const EXIT_PROBLEMS = 2;

/** ExitCode is one of the three exit codes. */
export type ExitCode = typeof EXIT_OK | typeof EXIT_FAILED | typeof EXIT_PROBLEMS;
