// A second generator for the `channels` workload, written against the wire protocol only (Node and the `ws`
// package, nothing from this repository's Java), so the Java generator's figures can be checked by a tool that
// shares none of its code. Open loop: broadcasts leave at their scheduled times whatever the answers do, and
// latency counts from the scheduled time, so a late generator shows as latency instead of hiding it.
//
//   node channels.mjs --url http://127.0.0.1:PORT --secret S [--gateway-pid PID] [--sockets 5000] [--channels 500]
//                     [--rate 2000] [--warmup 40] [--duration 15] [--connections 64] [--payload 80]
//
// Prints one JSON object: deliveries expected / received / lost / duplicated, latency percentiles (ms), the
// gateway's CPU per delivery (from /proc/PID/stat, when --gateway-pid is given) and this process's own CPU.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs, []));
const url = new URL(args.url ?? 'http://127.0.0.1:3000');
const secret = args.secret ?? process.env.JWT_SECRET;
if (!secret) {
  console.error('pass --secret (the gateway\'s JWT_SECRET) or set JWT_SECRET');
  process.exit(2);
}
const sockets = Number(args.sockets ?? 5000);
const channels = Number(args.channels ?? 500);
const rate = Number(args.rate ?? 2000);
const warmupS = Number(args.warmup ?? 40);
const durationS = Number(args.duration ?? 15);
const connections = Number(args.connections ?? 64);
const payload = Number(args.payload ?? 80);
const gatewayPid = args['gateway-pid'];
const maxConnecting = 256;

const b64 = (buf) => Buffer.from(buf).toString('base64url');
const header = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
function jwt(claims) {
  const body = header + '.' + b64(JSON.stringify(claims));
  return body + '.' + createHmac('sha256', secret).update(body).digest('base64url');
}
const exp = () => Math.floor(Date.now() / 1000) + 600;

// ---- sockets ----
const channelOf = (i) => i % channels;
const members = new Array(channels).fill(0);
let subscribed = 0;
let failed = 0;
let closedByGateway = 0;
let opened = 0;
let connecting = 0;
let received = 0;
let duplicated = 0;
let stray = 0;

// Per broadcast, in typed arrays (no per-socket sets: this generator's own collections must not show as latency):
// when it was due, its channel, whether it was accepted, how many sockets received it. More receipts than the
// channel has sockets counts as duplicated.
const capacity = Math.ceil(rate * (warmupS + durationS + 1)) + 16;
const scheduledAt = new Float64Array(capacity);
const channelOfBroadcast = new Uint32Array(capacity);
const accepted = new Uint8Array(capacity);
const receipts = new Uint16Array(capacity);
let recordFrom = Infinity;
let recordTo = Infinity;
const latencies = [];

function openOne(i) {
  const c = channelOf(i);
  const ws = new WebSocket(`ws://${url.host}/subscribe`, { perMessageDeflate: false });
  let isSubscribed = false;
  connecting++;
  const token = jwt({ channels: [`outside:${c}`], exp: exp() });
  ws.on('open', () => ws.send(JSON.stringify({ event: 'authenticate', data: token })));
  ws.on('message', (raw) => {
    const now = performance.now();
    const text = raw.toString();
    if (!isSubscribed) {
      if (text.includes('"subscribed"')) {
        isSubscribed = true;
        members[c]++;
        subscribed++;
        connecting--;
        more();
      }
      return;
    }
    const frame = JSON.parse(text);
    if (frame.event !== 'bench' || typeof frame.data !== 'string') {
      stray++;
      return;
    }
    const n = Number(frame.data.slice(0, frame.data.indexOf(' ')));
    if (!(n >= 0 && n < capacity) || ++receipts[n] > members[channelOfBroadcast[n]]) {
      duplicated++;
      return;
    }
    received++;
    const at = scheduledAt[n];
    if (at >= recordFrom && at < recordTo) {
      latencies.push(now - at);
    }
  });
  ws.on('close', () => {
    if (isSubscribed) {
      closedByGateway++;
    } else {
      failed++;
      connecting--;
      more();
    }
  });
  ws.on('error', () => {});
}

function more() {
  while (connecting < maxConnecting && opened < sockets) {
    openOne(opened++);
  }
}

// ---- broadcasts ----
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const pad = 'x'.repeat(payload);
let sent = 0;
let answered200 = 0;
let refused = 0;

function post(n, c) {
  const data = (String(n) + ' ' + pad).slice(0, Math.max(payload, String(n).length + 1));
  const claims = { channel: `outside:${c}`, message: { event: 'bench', data }, exp: exp() };
  const body = JSON.stringify({ token: jwt(claims) });
  const req = http.request({ host: url.hostname, port: url.port, path: '/broadcast', method: 'POST', agent,
    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
    res.resume();
    res.on('end', () => {
      if (res.statusCode === 200) {
        answered200++;
        accepted[n] = 1;
      } else {
        refused++;
      }
    });
  });
  req.on('error', () => refused++);
  req.end(body);
}

function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const started = performance.now();
more();
const connectDeadline = started + 120_000;
while (subscribed + failed < sockets && performance.now() < connectDeadline) {
  await new Promise((r) => setTimeout(r, 50));
}
const connectSeconds = (performance.now() - started) / 1000;
if (subscribed < sockets) {
  console.error(`only ${subscribed} of ${sockets} sockets subscribed (${failed} failed)`);
  process.exit(1);
}

// Open loop on a 2 ms tick: every broadcast due by now leaves now; its latency counts from when it was due.
const begin = performance.now();
recordFrom = begin + warmupS * 1000;
recordTo = recordFrom + durationS * 1000;
let gatewayCpuAtStart = NaN;
let ownCpuAtStart = null;
let receivedAtStart = 0;
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
const rng = (() => { let s = 11; return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648; })();
await new Promise((resolve) => {
  const timer = setInterval(() => {
    const now = performance.now();
    if (ownCpuAtStart === null && now >= recordFrom) {
      ownCpuAtStart = process.cpuUsage();
      gatewayCpuAtStart = gatewayPid ? cpuSeconds(gatewayPid) : NaN;
      receivedAtStart = received;
      loopDelay.enable();
    }
    const due = Math.floor(Math.min(now, recordTo) - begin) * rate / 1000;
    while (sent < due) {
      const n = sent++;
      const c = Math.floor(rng() * channels);
      scheduledAt[n] = begin + n * 1000 / rate;
      channelOfBroadcast[n] = c;
      post(n, c);
    }
    if (now >= recordTo) {
      clearInterval(timer);
      resolve();
    }
  }, 2);
});
// Drain: until every owed delivery arrived, or 2 s without one.
let last = received;
let quietSince = performance.now();
while (performance.now() - quietSince < 2000) {
  await new Promise((r) => setTimeout(r, 50));
  if (received !== last) {
    last = received;
    quietSince = performance.now();
  }
}
loopDelay.disable();
const gatewayCpu = gatewayPid ? cpuSeconds(gatewayPid) - gatewayCpuAtStart : NaN;
const ownCpu = process.cpuUsage(ownCpuAtStart);

let expected = 0;
let expectedMeasured = 0;
for (let n = 0; n < sent; n++) {
  if (accepted[n]) {
    expected += members[channelOfBroadcast[n]];
    if (scheduledAt[n] >= recordFrom && scheduledAt[n] < recordTo) {
      expectedMeasured += members[channelOfBroadcast[n]];
    }
  }
}
const sorted = Float64Array.from(latencies).sort();
const measuredDeliveries = received - receivedAtStart;
console.log(JSON.stringify({
  sockets, channels, rate, warmup_s: warmupS, duration_s: durationS, connections,
  connect_seconds: Number(connectSeconds.toFixed(3)),
  broadcasts_sent: sent, broadcasts_accepted: answered200, broadcasts_refused: refused,
  deliveries_expected: expected, deliveries_received: received, deliveries_lost: expected - received,
  deliveries_duplicated: duplicated, stray_frames: stray, sockets_closed_by_gateway: closedByGateway,
  measured: {
    deliveries_expected: expectedMeasured, latency_count: sorted.length,
    latency_ms: { p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p99: percentile(sorted, 0.99),
      p999: percentile(sorted, 0.999), max: sorted.length ? sorted[sorted.length - 1] : NaN },
    gateway_cpu_us_per_delivery: gatewayPid ? gatewayCpu * 1e6 / measuredDeliveries : null,
    generator_cpu_us_per_delivery: (ownCpu.user + ownCpu.system) / measuredDeliveries,
    // How late this generator's own event loop ran (its collections, its load): latency it adds to what it measures.
    generator_loop_delay_ms: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
  },
}, (k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(3)) : v)));
process.exit(0);
