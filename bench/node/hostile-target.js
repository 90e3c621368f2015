// Node socket.io 4.8 as a target of the hostile-client runner
// (interop/cmd/hostile -target bench/node/hostile-target.sh): the same
// listeners and stats endpoint as interop/cmd/hostiletarget, with Node's
// defaults plus allowEIO3, so that both servers get the same inputs.
// Goroutines do not exist here and count 0. Flags other than -v are
// ignored (the header timeout stays Node's own).
'use strict';
const http = require('http');
const { Server } = require('socket.io');

const httpServer = http.createServer();
const io = new Server(httpServer, { allowEIO3: true });
const c = { connections: 0, disconnects: 0, waiting: 0, released: 0, refused: 0, floods: 0 };

io.on('connection', (socket) => {
  c.connections++;
  socket.on('disconnect', () => { c.disconnects++; });
  socket.on('echo', (v, ack) => { if (typeof ack === 'function') ack(v); });
  socket.on('join', (room, ack) => { socket.join(room); if (typeof ack === 'function') ack(true); });
  // A listener cannot block Node's one thread without stopping everything:
  // "stuck" never settles instead, which holds nothing behind it.
  socket.on('stuck', () => new Promise(() => {}));
  socket.on('sink', () => {});
  socket.on('wait-done', () => {
    c.waiting++;
    socket.once('disconnect', () => { c.released++; });
  });
  socket.on('panic', () => { throw new Error('hostile: a listener throws'); });
  socket.on('flood', (n, size) => {
    const blob = 'x'.repeat(size);
    for (let i = 0; i < n; i++) socket.emit('blob', blob);
    c.floods++;
  });
});

const stats = http.createServer(async (req, res) => {
  if (global.gc) global.gc();
  const nsp = io.of('/');
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({
    heap: process.memoryUsage().heapUsed,
    goroutines: 0,
    sessions: io.engine.clientsCount,
    sockets: nsp.sockets.size,
    rooms: nsp.adapter.rooms.size,
    ...c,
  }));
});

httpServer.listen(0, '127.0.0.1', () => {
  stats.listen(0, '127.0.0.1', () => {
    process.stdout.write(`LISTENING ${httpServer.address().port}\nSTATS ${stats.address().port}\n`);
  });
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
