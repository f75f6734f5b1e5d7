/**
 * `lbfw facts`: everything the doctor judges, as JSON, for `lbfw doctor
 * --facts FILE` elsewhere (support tickets, tests).
 */
import { Command } from 'commander';
import { collectFacts, type Facts } from '../../doctor/facts.js';
import { probeArp, probeHosts } from '../../doctor/probe.js';
import { UsageError } from '../../errors.js';
import { run } from '../../system/run.js';
import { EXIT_OK, type ExitCode } from '../exit-codes.js';
import { addHostOptions, hostConfigFrom, hostFlagWords, type HostFlags } from '../host-options.js';
import { printJson, type Io } from '../io.js';

/** FactsFlags: the flags `lbfw facts` and `lbfw doctor` share. */
export interface FactsFlags extends HostFlags {
  readonly peerKeepalived?: string;
  readonly peerKeepalivedId?: string;
  readonly peerFacts?: string;
  readonly client?: string[];
  readonly probe?: boolean;
  readonly root?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** addFactsOptions adds the host flags and the doctor's own ones. */
export function addFactsOptions(command: Command): Command {
  return addHostOptions(command)
    .option('--peer-keepalived <file>', "the peer director's keepalived.conf, to compare VRRP instances with")
    .option('--peer-keepalived-id <id>', "the peer's keepalived config id for @ID lines of its keepalived.conf, as keepalived -i there (default: this host's id)")
    .option('--peer-facts <file>', "the peer director's `lbfw facts` output, to compare its ban table and overlimit thresholds with")
    .option('--client <addr>', 'a client address to look the route up for (repeatable)', collect)
    .option('--probe', 'director: send ARP who-has for each VIP, peer director and real server, and list every MAC that answers')
    .option('--root <dir>', 'prefix for /etc/lbfw/profiles (default: $LBFW_ROOT or /)');
}

/** gatherFacts loads the config the flags describe and reads the host. */
export async function gatherFacts(flags: FactsFlags, io: Io): Promise<Facts> {
  const config = await hostConfigFrom(flags, io);
  if (flags.probe === true && config.role !== 'director') {
    throw new UsageError('--probe asks who answers ARP for the VIPs from a director; this host is a real server (run it on the director)');
  }
  const words = hostFlagWords(flags);
  return collectFacts(config, {
    env: io.env,
    // Without any flag the fixes still name the config file (or the role) explicitly.
    ...(words.length === 0 ? {} : { invocation: words }),
    ...(flags.root === undefined ? {} : { root: flags.root }),
    ...(flags.stateDir === undefined ? {} : { stateDir: flags.stateDir }),
    ...(flags.peerKeepalived === undefined ? {} : { peerKeepalived: flags.peerKeepalived }),
    ...(flags.peerKeepalivedId === undefined ? {} : { peerKeepalivedId: flags.peerKeepalivedId }),
    ...(flags.peerFacts === undefined ? {} : { peerFacts: flags.peerFacts }),
    ...(flags.client === undefined ? {} : { clients: flags.client }),
    ...(flags.probe === true
      ? {
          probeHosts: (links, macs) => probeHosts(config, links, macs, { run: (argv) => run(argv) }),
          probe: (links, macs, neighbours, hosts) => probeArp(config, links, macs, neighbours, { run: (argv) => run(argv), hosts }),
        }
      : {}),
  });
}

/** factsCommand builds `lbfw facts`. */
export function factsCommand(io: Io, done: (code: ExitCode) => void): Command {
  const command = new Command('facts')
    .description('print everything lbfw doctor judges about this host as JSON (for lbfw doctor --facts FILE)')
    .addHelpText('after', '\nExample:\n  lbfw facts --config /etc/lbfw/lbfw.yaml > facts.json && lbfw doctor --facts facts.json');
  addFactsOptions(command).action(async (flags: FactsFlags) => {
    printJson(io, await gatherFacts(flags, io));
    done(EXIT_OK);
  });
  return command;
}
