/**
 * `lbfw lab up|down|exec|probe|faults|demo`: the Direct Routing lab in
 * throwaway network namespaces (src/lab/topology.ts).
 */
import { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { runDrDemo } from '../../lab/dr-demo.js';
import { DR_EMULATION_TABLE } from '../../lab/dr-emulation.js';
import { FAULTS, faultsByIds, injectFaults } from '../../lab/faults.js';
import { assertRoot } from '../../system/root.js';
import { DEFAULT_LAB_PREFIX, existingNamespaces, labDown, labStateDir, readLabRecords, saveLabRecord } from '../../lab/lab-state.js';
import { describeRequest, probeVip } from '../../lab/probe.js';
import { applyLbfw, createLab, LAB, labRecordOf, openLab, type Lab, type LabNodeName, type LabRecord } from '../../lab/topology.js';
import { rulesetListingCommand } from '../../nft/nft-program.js';
import { EXIT_FAILED, EXIT_OK, EXIT_PROBLEMS, type ExitCode } from '../exit-codes.js';
import { printJson, type Io } from '../io.js';

const NODE_NAMES: readonly LabNodeName[] = ['client', 'client2', 'director', 'director2', 'rs1', 'rs2'];

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function checkPrefix(prefix: string): string {
  // Namespace names become file names under /run/netns; keep them plain.
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(prefix)) throw new UsageError(`--prefix takes lower-case letters, digits and '-', up to 31 characters, not "${prefix}"`);
  return prefix;
}

/** findRecord picks the recorded lab of `prefix`, or the only one when no prefix is given. */
async function findRecord(io: Io, prefix: string | undefined): Promise<LabRecord> {
  const records = await readLabRecords(labStateDir(io.env));
  const present = new Set(await existingNamespaces());
  const running = records.filter((r) => present.has(r.namespaces.director));
  const chosen = prefix === undefined ? running : running.filter((r) => r.prefix === prefix);
  if (chosen.length === 1 && chosen[0] !== undefined) return chosen[0];
  if (chosen.length === 0) throw new UsageError(`no lab is up${prefix === undefined ? '' : ` with prefix ${prefix}`}: start one with \`lbfw lab up\``);
  throw new UsageError(`several labs are up (${chosen.map((r) => r.prefix).join(', ')}): name one with --prefix`);
}

function describeLab(lab: Lab): string {
  const nodes = [
    `client    ${lab.client.ns.name.padEnd(28)} eth0 ${LAB.lan.client}  eth1 ${LAB.backend.client}  eth2 ${LAB.uplink.client}`,
    `client2   ${lab.client2.ns.name.padEnd(28)} eth0 ${LAB.lan.client2}`,
    `director  ${lab.director.ns.name.padEnd(28)} eth0 ${LAB.lan.director} + VIP ${LAB.vip}${lab.keepalived ? ' (keepalived MASTER)' : ''}  eth1 ${LAB.uplink.director}`,
    `director2 ${lab.director2.ns.name.padEnd(28)} eth0 ${LAB.peerDirector}${lab.keepalived ? ' (keepalived BACKUP)' : ' (no keepalived installed: never holds the VIP)'}`,
    `rs1       ${lab.rs1.ns.name.padEnd(28)} eth0 ${LAB.lan.rs1}  eth1 ${LAB.backend.rs1}  lo ${LAB.vip}/32  web service :${LAB.port}`,
    `rs2       ${lab.rs2.ns.name.padEnd(28)} eth0 ${LAB.lan.rs2}  eth1 ${LAB.backend.rs2}  lo ${LAB.vip}/32  web service :${LAB.port}`,
    `switch    ${lab.switchNs.name.padEnd(28)} br0 LAN 203.0.113.0/24, br1 backend 198.51.100.0/24, br2 uplink 192.0.2.0/24`,
  ];
  return [
    `lab ${lab.prefix} is up:`,
    ...nodes.map((l) => `  ${l}`),
    `files: ${lab.dir} (each node's lbfw.yaml, root/ and state/; the directors' keepalived.conf${lab.keepalived ? ' and keepalived.log' : ''})`,
    `DR: the directors forward like IPVS DR with nftables (table ${DR_EMULATION_TABLE}, input hook priority 100)${lab.keepalived ? '; real keepalived (VRRP only) moves the VIP between them' : ''}`,
    'try:',
    `  lbfw lab probe                       # real requests from the client through the VIP`,
    `  lbfw lab exec rs1 -- lbfw doctor     # commands run in a node with its lbfw files (LBFW_CONFIG, ...)`,
    `  lbfw lab exec director -- ${rulesetListingCommand()}`,
    `  lbfw lab down                        # removes everything`,
  ].join('\n');
}

function upCommand(io: Io, done: (code: ExitCode) => void): Command {
  return new Command('up')
    .description('build the DR lab (client, director, two real servers) and leave it running')
    .option('--prefix <prefix>', 'namespace prefix', DEFAULT_LAB_PREFIX)
    .option('--fault <id>', 'inject a fault (repeatable; see `lbfw lab faults`)', collect)
    .option('--apply', 'run `lbfw apply` on the director and the real servers (a healthy lab)')
    .addHelpText('after', '\nExamples:\n  sudo lbfw lab up\n  sudo lbfw lab up --apply --fault rs-answers-arp')
    .action(async (flags: { prefix: string; fault?: string[]; apply?: boolean }) => {
      const prefix = checkPrefix(flags.prefix);
      // Refuse what is wrong before building anything.
      faultsByIds(flags.fault ?? []);
      assertRoot('lab up', 'it creates network namespaces');
      const stateDir = labStateDir(io.env);
      const present = new Set(await existingNamespaces());
      const already = (await readLabRecords(stateDir)).find((r) => r.prefix === prefix && present.has(r.namespaces.director));
      if (already !== undefined) throw new UsageError(`lab ${prefix} is already up (files in ${already.dir}): \`lbfw lab down --prefix ${prefix}\` first`);
      const lab = await createLab({ prefix });
      try {
        await saveLabRecord(stateDir, labRecordOf(lab));
        if (flags.apply === true) {
          for (const [node, result] of Object.entries(await applyLbfw(lab))) {
            if (result !== undefined && result.code !== 0) throw new Error(`lbfw apply on ${node} failed: ${`${result.stdout}${result.stderr}`.trim()}`);
          }
        }
        const faults = await injectFaults(lab, flags.fault ?? []);
        io.out(`${describeLab(lab)}\n`);
        if (flags.apply === true) io.out('lbfw applied on director, director2, rs1 and rs2\n');
        for (const fault of faults) io.out(`fault ${fault.id} on ${fault.node}: ${fault.description} (doctor: ${fault.doctorId}; fix: ${fault.fix})\n`);
        done(EXIT_OK);
      } catch (error) {
        await labDown(stateDir, [prefix]);
        await lab.destroy();
        throw error;
      }
    });
}

function downCommand(io: Io, done: (code: ExitCode) => void): Command {
  return new Command('down')
    .description('remove the lab: its namespaces, the programs in them and its files (idempotent)')
    .option('--prefix <prefix>', 'only the lab of this prefix (default: every lab `lbfw lab up` recorded)')
    .action(async (flags: { prefix?: string }) => {
      const prefixes = flags.prefix === undefined ? [] : [checkPrefix(flags.prefix)];
      const result = await labDown(labStateDir(io.env), prefixes);
      io.out(
        result.namespaces.length === 0
          ? `no lab namespaces left (${result.prefixes.join(', ')})\n`
          : `removed ${result.namespaces.length} namespaces: ${result.namespaces.join(', ')}\n`,
      );
      done(EXIT_OK);
    });
}

function execCommand(io: Io, done: (code: ExitCode) => void): Command {
  return new Command('exec')
    .description('run a command inside a lab node, with the node\'s lbfw files (LBFW_CONFIG, LBFW_ROOT, LBFW_STATE_DIR) and `lbfw` on PATH')
    .argument('<node>', `one of ${NODE_NAMES.join(', ')}`)
    .argument('<command...>', 'the command and its arguments (put -- before them)')
    .option('--prefix <prefix>', 'the lab (default: the only one up)')
    .addHelpText('after', '\nExamples:\n  sudo lbfw lab exec rs1 -- lbfw doctor\n  sudo lbfw lab exec client -- curl -s http://203.0.113.10/')
    .action(async (node: string, command: string[], flags: { prefix?: string }) => {
      if (!NODE_NAMES.includes(node as LabNodeName)) throw new UsageError(`no lab node "${node}": one of ${NODE_NAMES.join(', ')}`);
      const lab = await openLab(await findRecord(io, flags.prefix));
      const result = await lab.exec(node as LabNodeName, command);
      io.out(result.stdout);
      io.err(result.stderr);
      done(result.code === 0 ? EXIT_OK : result.code === EXIT_PROBLEMS ? EXIT_PROBLEMS : EXIT_FAILED);
    });
}

function probeCommand(io: Io, done: (code: ExitCode) => void): Command {
  return new Command('probe')
    .description('send real requests from the lab client through the VIP, one to each real server, and say what happened')
    .option('--prefix <prefix>', 'the lab (default: the only one up)')
    .option('--json', 'print the requests as JSON')
    .action(async (flags: { prefix?: string; json?: boolean }) => {
      const lab = await openLab(await findRecord(io, flags.prefix));
      const probe = await probeVip(lab);
      if (flags.json === true) printJson(io, probe);
      else io.out(`${probe.requests.map((r) => describeRequest(r)).join('\n')}\n${probe.ok ? 'ok' : 'FAILING'}\n`);
      done(probe.ok ? EXIT_OK : EXIT_PROBLEMS);
    });
}

function faultsCommand(io: Io, done: (code: ExitCode) => void): Command {
  return new Command('faults')
    .description('list the faults `lbfw lab up --fault` can inject, with the doctor check that reports each and its fix')
    .option('--json', 'print them as JSON')
    .action((flags: { json?: boolean }) => {
      const rows = FAULTS.map((f) => ({ id: f.id, node: f.node, doctorId: f.doctorId, symptom: f.symptom, description: f.description, fix: f.fix }));
      if (flags.json === true) printJson(io, rows);
      else for (const f of rows) io.out(`${f.id} (${f.node}, doctor: ${f.doctorId}, traffic: ${f.symptom})\n  ${f.description}\n  fix: ${f.fix}\n`);
      done(EXIT_OK);
    });
}

/** runLabDemo runs the DR demo; shared by `lbfw lab demo` and `lbfw demo`. */
export async function runLabDemo(io: Io, command = 'demo'): Promise<ExitCode> {
  assertRoot(command, 'it builds a lab of network namespaces');
  // Ctrl-C must not leave the demo's namespaces and services behind: the
  // first one skips the remaining steps, the teardown runs, then lbfw ends as
  // the signal would have ended it. A second one ends it at once.
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    received = signal;
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const ok = await runDrDemo({ log: (line) => io.out(`${line}\n`), signal: controller.signal });
    return ok ? EXIT_OK : EXIT_FAILED;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (received !== undefined) process.kill(process.pid, received);
  }
}

/** labCommand builds `lbfw lab`. */
export function labCommand(io: Io, done: (code: ExitCode) => void): Command {
  return new Command('lab')
    .description('a Direct Routing lab in throwaway network namespaces: client, director, two real servers, real traffic')
    .addCommand(upCommand(io, done))
    .addCommand(downCommand(io, done))
    .addCommand(execCommand(io, done))
    .addCommand(probeCommand(io, done))
    .addCommand(faultsCommand(io, done))
    .addCommand(
      new Command('demo')
        .description('build the lab with the classic DR mistakes, show the doctor, apply lbfw everywhere, show it working, tear down')
        .action(async () => done(await runLabDemo(io, 'lab demo'))),
    );
}
