// Node socket.io cluster server for the gosio cluster benchmark (bench/cmd/cluster):
// the benchmark contract's `bcast` (and `echo`) on the default namespace, with an adapter
// that joins it to the other servers on the same store.
// Usage: node cluster-server.js -adapter pubsub|sharded|streams|postgres -prefix P
//          [-redis redis://127.0.0.1:6379] [-pg postgres://postgres@127.0.0.1:5432/test]
//          [-table T] [-addr 127.0.0.1:0] [-max-lifetime 30m] [-watch-stdin]
// It prints "LISTENING <port>" once its store's client is connected; the load generator's
// warm-up broadcasts tell when the other server is subscribed.
'use strict';
const http = require('http');
const { Server } = require('socket.io');

const argv = process.argv.slice(2);
function opt(name, def) {
  const i = argv.findIndex((a) => a === '-' + name || a === '--' + name);
  if (i < 0) return def;
  const v = argv[i + 1];
  return v === undefined || v.startsWith('-') ? true : v;
}
function seconds(v) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v);
  if (!m) throw new Error('bad duration ' + v);
  return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] || 's']);
}
const addr = String(opt('addr', '127.0.0.1:0'));
const maxLifetime = seconds(String(opt('max-lifetime', '30m')));
const watchStdin = opt('watch-stdin', false) !== false;
const adapterName = String(opt('adapter', 'pubsub'));
const prefix = String(opt('prefix', 'gosio-bench'));
const redisURL = String(opt('redis', 'redis://127.0.0.1:6379'));
const pgURL = String(opt('pg', 'postgres://postgres@127.0.0.1:5432/test'));
const table = String(opt('table', 'gosio_bench_attachments'));
const colon = addr.lastIndexOf(':');
const host = addr.slice(0, colon) || '127.0.0.1';
const port = Number(addr.slice(colon + 1));

// Each entry builds the adapter and returns it with the function that closes
// what it opened. The prefix keeps this run's channels, stream and session
// keys apart from every other user of the store.
const adapters = {
  async pubsub() {
    const { createAdapter } = require('@socket.io/redis-adapter');
    const [pub, sub] = await redisPair();
    return [createAdapter(pub, sub, { key: prefix }), () => Promise.all([pub.quit(), sub.quit()])];
  },
  async sharded() {
    const { createShardedAdapter } = require('@socket.io/redis-adapter');
    const [pub, sub] = await redisPair();
    return [createShardedAdapter(pub, sub, { channelPrefix: prefix }), () => Promise.all([pub.quit(), sub.quit()])];
  },
  async streams() {
    const { createAdapter } = require('@socket.io/redis-streams-adapter');
    const { createClient } = require('redis');
    const client = createClient({ url: redisURL });
    client.on('error', (err) => process.stderr.write('redis: ' + err.message + '\n'));
    await client.connect();
    const a = createAdapter(client, {
      streamName: prefix,
      channelPrefix: prefix,
      sessionKeyPrefix: prefix + ':session:',
    });
    return [a, () => client.quit()];
  },
  async postgres() {
    const { createAdapter } = require('@socket.io/postgres-adapter');
    const pg = require('pg');
    const pool = new pg.Pool({ connectionString: pgURL, max: 4 });
    pool.on('error', (err) => process.stderr.write('postgres: ' + err.message + '\n'));
    return [createAdapter(pool, { channelPrefix: prefix, tableName: table }), () => pool.end()];
  },
};

async function redisPair() {
  const { createClient } = require('redis');
  const pub = createClient({ url: redisURL });
  pub.on('error', (err) => process.stderr.write('redis: ' + err.message + '\n'));
  const sub = pub.duplicate();
  sub.on('error', (err) => process.stderr.write('redis: ' + err.message + '\n'));
  await Promise.all([pub.connect(), sub.connect()]);
  return [pub, sub];
}

async function main() {
  const make = adapters[adapterName];
  if (!make) {
    process.stderr.write('unknown -adapter ' + adapterName + ' (have ' + Object.keys(adapters).join(', ') + ')\n');
    process.exit(2);
  }
  const [adapter, closeStore] = await make();
  const httpServer = http.createServer();
  const io = new Server(httpServer, { perMessageDeflate: false, adapter });
  io.on('connection', (socket) => {
    socket.on('echo', (v, ack) => { if (typeof ack === 'function') ack(v); });
    socket.on('bcast', (v) => { io.emit('bcast', v); });
  });

  let stopping = false;
  async function stop(why) {
    if (stopping) return;
    stopping = true;
    process.stderr.write('stopping: ' + why + '\n');
    // Bounded: a store that does not answer must not keep the process.
    setTimeout(() => process.exit(0), 3000).unref();
    try {
      io.close();
      await closeStore();
    } catch (err) {
      process.stderr.write('close: ' + err.message + '\n');
    }
    process.exit(0);
  }
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (watchStdin) {
    process.stdin.on('end', () => stop('stdin closed'));
    process.stdin.on('error', () => stop('stdin error'));
    process.stdin.resume();
  }
  setTimeout(() => stop('max lifetime'), maxLifetime * 1000).unref();

  httpServer.listen(port, host, () => {
    process.stdout.write('LISTENING ' + httpServer.address().port + '\n');
  });
}

main().catch((err) => {
  process.stderr.write('cluster-server: ' + (err && err.stack ? err.stack : err) + '\n');
  process.exit(1);
});
