/**
 * `lbfw demo`: lbfw's main job on a Direct Routing lab (`lbfw lab demo`);
 * `--firewall` runs the director-firewall demo (blacklist, IPv4 and IPv6).
 */
import { Command } from 'commander';
import { runDemo } from '../../lab/demo.js';
import { EXIT_FAILED, EXIT_OK, type ExitCode } from '../exit-codes.js';
import type { Io } from '../io.js';
import { runLabDemo } from './lab.js';
import { assertRoot } from '../../system/root.js';

/** demoCommand builds `lbfw demo`. */
export function demoCommand(io: Io, done: (code: ExitCode) => void): Command {
  return new Command('demo')
    .description('build a DR load balancer with the classic mistakes in throwaway namespaces, let the doctor explain them, fix them with lbfw apply, show real traffic')
    .option('--firewall', 'the director-firewall demo instead: example config, sample blacklist, real packets dropped and accepted')
    .addHelpText(
      'after',
      '\nExamples:\n  sudo lbfw demo               # namespaces lbfw-demo-*, removed at the end\n  sudo lbfw demo --firewall',
    )
    .action(async (flags: { firewall?: boolean }) => {
      if (flags.firewall === true) {
        assertRoot('demo --firewall', 'it builds a lab of network namespaces');
        const ok = await runDemo({ log: (line) => io.out(`${line}\n`) });
        done(ok ? EXIT_OK : EXIT_FAILED);
        return;
      }
      done(await runLabDemo(io));
    });
}
