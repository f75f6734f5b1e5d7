/**
 * Entry point of the detached confirm timer started by `apply --confirm`.
 * argv: STATE_DIR TOKEN SECONDS [NETNS]. Not a user command.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { appendFile } from 'node:fs/promises';
import { expireConfirm } from '../firewall/confirm.js';
import { NftCli } from '../nft/cli-backend.js';
import { statePaths } from '../state/paths.js';

const [stateDir, token, secondsText, netns] = process.argv.slice(2);
if (stateDir === undefined || token === undefined || secondsText === undefined) {
  process.stderr.write('usage: confirm-timer STATE_DIR TOKEN SECONDS [NETNS]\n');
  process.exit(2);
}
await delay(Number(secondsText) * 1000);
try {
  await expireConfirm({ stateDir, backend: new NftCli(netns === undefined ? {} : { netns }) }, token);
} catch (error) {
  // Nobody is watching a detached timer: leave the reason where `lbfw verify` and people look.
  await appendFile(statePaths(stateDir).confirmLog, `${new Date().toISOString()} confirm timer failed: ${String(error)}\n`);
  process.exitCode = 1;
}
