// Node socket.io reference server for the gosio benchmarks.
// Usage: node server.js [-addr 127.0.0.1:0] [-max-lifetime 30m] [-watch-stdin]
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
// Go-style duration ("90s", "30m", "1h") or plain seconds.
function seconds(v) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v);
  if (!m) throw new Error('bad duration ' + v);
  return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] || 's']);
}
const addr = String(opt('addr', '127.0.0.1:0'));
const maxLifetime = seconds(String(opt('max-lifetime', '30m')));
const watchStdin = opt('watch-stdin', false) !== false;
const colon = addr.lastIndexOf(':');
const host = addr.slice(0, colon) || '127.0.0.1';
const port = Number(addr.slice(colon + 1));

const httpServer = http.createServer();
const io = new Server(httpServer, { perMessageDeflate: false });

io.on('connection', (socket) => {
  socket.on('echo', (v, ack) => { if (typeof ack === 'function') ack(v); });
  socket.on('bcast', (v) => { io.emit('bcast', v); });
  socket.on('join', (room, ack) => { socket.join(room); if (typeof ack === 'function') ack(); });
  socket.on('room', (m) => { if (m && typeof m === 'object') io.to(m.room).emit('room', m.data); });
});

function stop(why) {
  process.stderr.write('stopping: ' + why + '\n');
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
