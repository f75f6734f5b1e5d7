/**
 * The start-up bundle's entry (scripts/bundle.mjs): the CLI, and the
 * warm-up the build runs before saving the bundle's code cache (imported
 * only when called, so a start-up never initialises its modules).
 */
import { main } from './main.js';

export { main };

/** The command lines beyond the apply bundle's whose set-up the full bundle's start-up runs most (operators, timers). */
const MORE_HOT_COMMANDS: readonly (readonly string[])[] = [['plan', '--help'], ['overlimit', '--help'], ['blacklist', 'add', '--help']];

/** warmUp: the apply path (./warm-up.ts) with the hot commands, then the overlimit scan (./warm-up-overlimit.ts). */
export async function warmUp(): Promise<void> {
  const { warmUpApply, APPLY_HOT_COMMANDS } = await import('./warm-up.js');
  await warmUpApply(main, [...APPLY_HOT_COMMANDS, ...MORE_HOT_COMMANDS]);
  await (await import('./warm-up-overlimit.js')).warmUpOverlimit(main);
}
