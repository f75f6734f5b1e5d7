/**
 * The start-up bundle's entry (scripts/bundle.mjs): the CLI, and the
 * warm-up the build runs before saving the bundle's code cache (imported
 * only when called, so a start-up never initialises its modules).
 */
import { main } from './main.js';

export { main };

/** The command lines whose set-up the full bundle's start-up runs most (operators, timers). */
const HOT_COMMANDS: readonly (readonly string[])[] = [['--version'], ['apply', '--help'], ['verify', '--help'], ['plan', '--help'], ['overlimit', '--help'], ['blacklist', 'add', '--help']];

/** warmUp: the apply path (./warm-up.ts) with the hot commands, then the overlimit scan (./warm-up-overlimit.ts). */
export async function warmUp(): Promise<void> {
  await (await import('./warm-up.js')).warmUpApply(main, HOT_COMMANDS);
  await (await import('./warm-up-overlimit.js')).warmUpOverlimit(main);
}
