// A third-party tus server for the upload tests: @tus/server with @tus/file-store.
// Usage: node tus_file_server.mjs DIRECTORY [EXPIRY_MS]
// Listens on 127.0.0.1 on a free port and prints "listening PORT" on stdout.
import http from 'node:http';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const directory = process.argv[2];
const expiry = Number(process.argv[3] || 0);
if (!directory) {
  console.error('usage: node tus_file_server.mjs DIRECTORY [EXPIRY_MS]');
  process.exit(2);
}
const tus = new Server({
  path: '/uploads',
  datastore: new FileStore({ directory, expirationPeriodInMilliseconds: expiry || undefined }),
});
const server = http.createServer((req, res) => tus.handle(req, res));
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
