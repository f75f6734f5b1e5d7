/**
 * Entry point of the confirm timer started by `apply --confirm` (as a
 * detached process, or as the service of a systemd transient timer).
 * argv: STATE_DIR TOKEN SECONDS LOCK_WAIT [NETNS]. Not a user command.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { EXPIRE_RETRY, expireWhenPossible, logConfirm } from '../firewall/confirm.js';
import { NftCli } from '../nft/cli-backend.js';
import { statePaths } from '../state/paths.js';
import { faultScope } from '../system/fault-point.js';

const [stateDir, token, secondsText, waitText, netns] = process.argv.slice(2);
const seconds = Number(secondsText);
const lockWaitSeconds = Number(waitText);
if (stateDir === undefined || token === undefined || !(seconds >= 0) || !(lockWaitSeconds > 0)) {
  process.stderr.write('usage: confirm-timer STATE_DIR TOKEN SECONDS LOCK_WAIT [NETNS]\n');
  process.exit(2);
}
faultScope('timer:');
// SIGTERM is how `lbfw confirm` stops a timer it found alive; anyone else's is noticed by confirmState.
await delay(seconds * 1000);
try {
  await expireWhenPossible({ stateDir, backend: new NftCli(netns === undefined ? {} : { netns }) }, token, { ...EXPIRE_RETRY, lockWaitSeconds });
} catch (error) {
  // Nobody is watching a detached timer: leave the reason where `lbfw verify` and people look.
  await logConfirm(statePaths(stateDir), `confirm timer failed: ${String(error)}`);
  process.exitCode = 1;
}
