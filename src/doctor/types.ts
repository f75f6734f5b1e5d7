/**
 * The doctor's data: a finding says what is wrong on this host, what it
 * breaks and the exact command that fixes it; a check is a small named unit
 * turning facts into findings; a report is the findings of one run.
 */
import type { Role } from '../config/model.js';
import type { Facts } from './facts.js';

/** Severity of a finding: `error` breaks Direct Routing, `warning` risks it, `info` is worth knowing. */
export type Severity = 'error' | 'warning' | 'info';

/** The severities from worst to mildest, the order the report shows them in. */
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** Finding: one problem (or remark) about this host. */
export interface Finding {
  /** The id of the check that found it, stable across releases. */
  readonly id: string;
  readonly severity: Severity;
  /** What it is about on this host: an interface, an address, a chain, a file:line. */
  readonly subject?: string;
  /** What is wrong, in this host's own names, addresses and values. */
  readonly what: string;
  /** What it breaks. */
  readonly breaks: string;
  /** The fix on one line, for people (rendered from fixSteps, which a program should follow). */
  readonly fix?: string;
  /** The fix as steps: what to edit by hand, then the exact command lines to run on this host. */
  readonly fixSteps?: FixSteps;
}

/**
 * FixSteps: how to fix a finding, in a form a program can follow. `run`
 * holds complete shell command lines, each runnable on this host as printed
 * (`sh -c LINE`, in this network namespace), in order; they repeat the
 * doctor's own --config, --keepalived and --blacklist. When the fix needs a
 * change no command line makes (keepalived.conf, a service's own
 * configuration), `edit` says what to change, and `run` (often a reload)
 * follows it. `note` is never needed for the fix to work now: how to make it
 * last across boots, or an alternative.
 */
export interface FixSteps {
  /** The change to make by hand first, naming file:line where there is one. */
  readonly edit?: string;
  /** Command lines to run in order after the edit; empty when the edit is all. */
  readonly run: readonly string[];
  /** An alternative, or what the commands do not do (e.g. last across boots). */
  readonly note?: string;
}

/** Check: a named unit that judges facts; pure, never reads the host. */
export interface Check {
  /** Stable id, e.g. `rp-filter-vip`. */
  readonly id: string;
  /** One line: what the check looks at. */
  readonly title: string;
  /** The roles it applies to. */
  readonly roles: readonly Role[];
  readonly run: (facts: Facts) => readonly Finding[];
}

/** DoctorReport: what `lbfw doctor --json` prints. */
export interface DoctorReport {
  /** True when no finding is an error. */
  readonly ok: boolean;
  readonly role: Role;
  /** Findings, worst first, then by id. */
  readonly findings: readonly Finding[];
  /** Ids of the checks that ran, in registry order. */
  readonly checksRun: readonly string[];
}
