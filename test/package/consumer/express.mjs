// Express 5 with its own route and its own WebSocket upgrade, and eventgate attached under /events.
import express from 'express';
import { createGateway } from 'eventgate';
import { attach } from 'eventgate/node';

const app = express();
app.get('/hello', (_req, res) => res.json({ hello: 'from express' }));
const server = app.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  attach(server, createGateway(), { prefix: '/events' });
  // The host's own upgrade (a plain 101 with no WebSocket behind it) must be left to it.
  server.on('upgrade', (req, socket) => {
    if (req.url === '/host-upgrade') socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: host\r\nConnection: Upgrade\r\n\r\n');
  });
  console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` }));
});
