/**
 * The IPVS sync daemon's port from keepalived.conf, with real datagrams:
 * `lvs_sync_daemon eth0 VI_1 port 8900` makes lbfw's director firewall (input
 * policy drop) accept the peer's sync traffic on 8900, not the kernel's
 * default 8848; another tool's rule dropping it is named by fw-blocks-sync
 * and the fix it prints lets the datagrams through again. IPVS is absent
 * here, so a listener joined to the sync group stands in for the backup
 * sync daemon and the peer's datagrams for the master's.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { errorFindings, findingIds } from '../../src/lab/doctor-run.js';
import { waitFor } from '../../src/lab/keepalived.js';
import { applyLbfw, DIRECTORS, keepalivedPathOf, LAB, type Lab } from '../../src/lab/topology.js';
import { doctor, one, runPrinted, sh, withHealthyLab } from '../helpers/doctor-lab.js';
import { systemTest } from '../helpers/system.js';

const SYNC_GROUP = '224.0.0.81';
const SYNC_PORT = 8900;

/** A listener joined to the sync group on the director's LAN address: prints the source and text of the first datagram. */
const LISTEN = [
  'import socket, struct',
  's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
  's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
  `s.bind(('${SYNC_GROUP}', ${SYNC_PORT}))`,
  `s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, struct.pack('4s4s', socket.inet_aton('${SYNC_GROUP}'), socket.inet_aton('${LAB.lan.director}')))`,
  's.settimeout(3)',
  'try:',
  '    data, source = s.recvfrom(100)',
  "    print(source[0], data.decode())",
  'except socket.timeout:',
  "    print('nothing')",
].join('\n');

/** The peer director's datagrams to the sync group, out of its LAN address (TTL 1, as the sync daemon sends). */
const SEND = [
  'import socket, time',
  's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
  `s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton('${LAB.peerDirector}'))`,
  's.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)',
  'for i in range(10):',
  `    s.sendto(b'sync', ('${SYNC_GROUP}', ${SYNC_PORT}))`,
  '    time.sleep(0.1)',
].join('\n');

const py = (code: string): string => `python3 -c '${code.replaceAll("'", "'\\''")}'`;

/** syncArrives: what the director's listener received from director2's datagrams (`SOURCE sync`, or `nothing`). */
async function syncArrives(lab: Lab): Promise<string> {
  const listening = lab.sh('director', py(LISTEN));
  const ready = await waitFor(async () => ((await lab.sh('director', `ss -Hlun 'sport = :${SYNC_PORT}'`)).stdout.trim() === '' ? undefined : true), 3000);
  if (ready === undefined) throw new Error(`the listener did not start: ${JSON.stringify(await listening)}`);
  await sh(lab, 'director2', py(SEND));
  const heard = await listening;
  if (heard.code !== 0) throw new Error(`the listener failed: ${heard.stderr}`);
  return heard.stdout.trim();
}

systemTest(`IPVS sync on keepalived's port: lvs_sync_daemon port ${SYNC_PORT} makes lbfw's firewall accept the peer's sync datagrams there; another tool dropping them is fw-blocks-sync, and the printed rule lets them through`, async (t) => {
  await withHealthyLab(t, async (lab) => {
    for (const node of DIRECTORS) {
      const conf = keepalivedPathOf(lab, node);
      await writeFile(conf, `global_defs {\n    lvs_sync_daemon eth0 VI_1 port ${SYNC_PORT}\n}\n${await readFile(conf, 'utf8')}`);
    }
    const applied = await applyLbfw(lab, DIRECTORS);
    for (const node of DIRECTORS) t.is(applied[node]?.code, 0, `lbfw apply on ${node}: ${applied[node]?.stdout}${applied[node]?.stderr}`);
    const rule = await lab.sh('director', 'nft list chain inet lbfw input');
    t.regex(rule.stdout, new RegExp(`udp dport ${SYNC_PORT} accept`), rule.stdout);
    t.regex(rule.stdout, /policy drop;/);

    // Healthy: lbfw's table (input policy drop) accepts the peer's sync datagrams on 8900.
    t.is(await syncArrives(lab), `${LAB.peerDirector} sync`);
    const healthy = await doctor(t, lab, 'director');
    t.false(findingIds(healthy).includes('fw-blocks-sync'), JSON.stringify(healthy.findings, null, 2));
    t.deepEqual(errorFindings(healthy).map((f) => `${f.id}: ${f.what}`), []);

    // Another tool's table drops UDP 8900: the datagrams never arrive.
    await sh(lab, 'director', `nft 'add table inet filter; add chain inet filter input { type filter hook input priority 0; policy accept; }; add rule inet filter input udp dport ${SYNC_PORT} drop'`);
    t.is(await syncArrives(lab), 'nothing');
    const finding = one(t, await doctor(t, lab, 'director'), 'fw-blocks-sync');
    t.is(finding?.severity, 'warning');
    t.regex(finding?.what ?? '', new RegExp(`^IPVS sync \\(UDP ${SYNC_PORT} to 224\\.0\\.0\\.81\\) from peer 203\\.0\\.113\\.2: .*chain inet filter input`));
    await runPrinted(t, lab, 'director', finding);
    t.is(await syncArrives(lab), `${LAB.peerDirector} sync`, `after \`${finding?.fix ?? ''}\``);
    t.false(findingIds(await doctor(t, lab, 'director')).includes('fw-blocks-sync'));
  });
});
