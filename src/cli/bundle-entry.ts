/**
 * The start-up bundle's entry (scripts/bundle.mjs): the CLI, and the
 * warm-up the build runs before saving the bundle's code cache (imported
 * only when called, so a start-up never initialises its modules).
 */
export { main } from './main.js';

/** warmUp: see ./warm-up.ts. */
export async function warmUp(): Promise<void> {
  await (await import('./warm-up.js')).warmUp();
}
